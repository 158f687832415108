#include "stack_fixture.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace kessai::testing {

const std::string kBin = KESSAI_BIN_DIR;
const std::string kSource = KESSAI_SOURCE_DIR;

std::string must_run(const std::string& program, const std::vector<std::string>& args,
                     const std::string& db_url) {
  std::string output;
  const int status = run_command(kBin + "/" + program, args, {"KESSAI_DATABASE_URL=" + db_url}, output);
  INFO(program << " output:\n" << output);
  REQUIRE(status == 0);
  return output;
}

Stack::Stack(StackOptions stack_options)
    : dir(make_temp_dir("kessai-e2e")), options(std::move(stack_options)) {
  must_run("kessai", {"migrate"}, database.url());
  must_run("kessai", {"catalog", "load", kSource + "/ops/config/catalog.demo.toml"}, database.url());
  api_key = create_key({"all"});
  notice_secret = "e2e-notice-secret-" + std::to_string(::getpid());
  emoney_centre = start_other_simulator("emoney-centre", emoney_url, options.emoney_args);
  std::vector<std::string> qr_args{"--callback-secret", notice_secret};
  qr_args.insert(qr_args.end(), options.qr_args.begin(), options.qr_args.end());
  qr_provider = start_other_simulator("qr-provider", qr_url, qr_args);
  std::vector<std::string> payeasy_args{"--callback-secret", notice_secret};
  payeasy_args.insert(payeasy_args.end(), options.payeasy_args.begin(), options.payeasy_args.end());
  payeasy_centre = start_other_simulator("payeasy-centre", payeasy_url, payeasy_args);
  start_simulator();
  start_daemon();
}

Stack::~Stack() {
  if (daemon) daemon->stop();
  if (simulator) simulator->stop();
  if (emoney_centre) emoney_centre->stop();
  if (qr_provider) qr_provider->stop();
  if (payeasy_centre) payeasy_centre->stop();
  std::filesystem::remove_all(dir);
}

void Stack::start_simulator() {
  std::filesystem::remove(dir + "/sim.port");
  std::vector<std::string> args{"card-acquirer",   "--listen",    "127.0.0.1:0", "--port-file",
                                dir + "/sim.port", "--state-dir", dir + "/sim"};
  args.insert(args.end(), options.simulator_args.begin(), options.simulator_args.end());
  simulator = std::make_unique<ChildProcess>(kBin + "/kessai-sim", args, std::vector<std::string>{},
                                             dir + "/sim.log");
  const unsigned port = wait_for_port_file(dir + "/sim.port", std::chrono::seconds(30));
  INFO(simulator->log_tail());
  REQUIRE(port != 0);
  sim_url = "http://127.0.0.1:" + std::to_string(port);
}

std::unique_ptr<ChildProcess> Stack::start_other_simulator(const std::string& name, std::string& url_out,
                                                           const std::vector<std::string>& extra_args) {
  std::vector<std::string> args{
      name,          "--listen",      "127.0.0.1:0", "--port-file", dir + "/" + name + ".port",
      "--state-dir", dir + "/" + name};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  auto process = std::make_unique<ChildProcess>(kBin + "/kessai-sim", args, std::vector<std::string>{},
                                                dir + "/" + name + ".log");
  const unsigned port = wait_for_port_file(dir + "/" + name + ".port", std::chrono::seconds(30));
  INFO(process->log_tail());
  REQUIRE(port != 0);
  url_out = "http://127.0.0.1:" + std::to_string(port);
  return process;
}

void Stack::start_daemon() {
  std::ifstream in(kSource + "/ops/config/kessaid.toml");
  std::stringstream text;
  text << in.rdbuf();
  std::string config = text.str();
  config.replace(config.find("@CARD_ACQUIRER_URL@"), 19, sim_url);
  config.replace(config.find("@EMONEY_CENTRE_URL@"), 19, emoney_url);
  config.replace(config.find("@QR_PROVIDER_URL@"), 17, qr_url);
  config.replace(config.find("@PAYEASY_CENTRE_URL@"), 20, payeasy_url);
  while (config.find("@NOTICE_SECRET@") != std::string::npos)
    config.replace(config.find("@NOTICE_SECRET@"), 15, notice_secret);
  for (const auto& [from, to] : options.config_edits) {
    INFO("config edit: " << from);
    REQUIRE(config.find(from) != std::string::npos);
    config.replace(config.find(from), from.size(), to);
  }
  while (config.find("connect_timeout_ms = 2000") != std::string::npos) {
    config.replace(config.find("connect_timeout_ms = 2000"), 25, "connect_timeout_ms = 500");
  }
  // Unknown outcomes are asked about soon after the (shortened) processor timeouts.
  config.replace(config.find("inquiry_after_ms = 30000"), 24, "inquiry_after_ms = 4000");
  config.replace(config.find("inquiry_interval_ms = 5000"), 26, "inquiry_interval_ms = 100");
  while (config.find("request_timeout_ms = 10000") != std::string::npos) {
    config.replace(config.find("request_timeout_ms = 10000"), 26, "request_timeout_ms = 3000");
  }
  std::ofstream(dir + "/kessaid.toml") << config << "\n" << options.extra_config;

  std::filesystem::remove(dir + "/kessaid.port");
  daemon = std::make_unique<ChildProcess>(
      kBin + "/kessaid",
      std::vector<std::string>{"--config", dir + "/kessaid.toml", "--listen", "127.0.0.1:0", "--port-file",
                               dir + "/kessaid.port"},
      std::vector<std::string>{"KESSAI_DATABASE_URL=" + database.url()}, dir + "/kessaid.log");
  const unsigned port = wait_for_port_file(dir + "/kessaid.port", std::chrono::seconds(30));
  INFO(daemon->log_tail());
  REQUIRE(port != 0);
  url = "http://127.0.0.1:" + std::to_string(port);
  api = std::make_unique<runtime::HttpClient>(url, runtime::ClientLimits{});
}

std::string Stack::create_key(const std::vector<std::string>& scopes, const std::string& name) {
  std::vector<std::string> args{"apikey", "create", "--name", name};
  for (const std::string& scope : scopes) {
    args.push_back("--scope");
    args.push_back(scope);
  }
  std::string output;
  const int status = run_command(kBin + "/kessai", args, {"KESSAI_DATABASE_URL=" + database.url()}, output);
  INFO(output);
  REQUIRE(status == 0);
  // stdout and stderr share the log; the key is the line that starts with ksk_.
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("ksk_")) return line;
  }
  FAIL("no key printed");
  return "";
}

runtime::HttpResponse Stack::request(const std::string& method, const std::string& target,
                                     const std::string& body, const Headers& extra,
                                     const std::string& content_type) {
  Headers headers{{"Authorization", "Bearer " + api_key}};
  for (const auto& header : extra) {
    std::erase_if(headers, [&](const auto& existing) { return existing.first == header.first; });
    headers.push_back(header);
  }
  auto response = api->request(method, target, body, content_type, headers);
  INFO(daemon->log_tail());
  INFO(method << " " << target << ": " << (response.ok() ? "" : response.error().message));
  REQUIRE(response.ok());
  return response.value();
}

runtime::HttpResponse Stack::post(const std::string& body, const std::string& content_type) {
  return request("POST", "/v1/payment_intents", body, {}, content_type);
}

runtime::HttpResponse Stack::get(const std::string& target) {
  return request("GET", target);
}

std::int64_t Stack::count(const std::string& sql) {
  pqxx::connection connection(database.url());
  pqxx::read_transaction tx(connection);
  return tx.exec(sql)[0][0].as<std::int64_t>();
}

boost::json::array Stack::simulator_charges(const std::string& reference) {
  runtime::HttpClient client(sim_url, runtime::ClientLimits{});
  auto response = client.request("GET", "/v1/charges?reference=" + reference);
  REQUIRE(response.ok());
  return boost::json::parse(response->body).as_object().at("data").as_array();
}

std::string card_payment(const std::string& token, std::int64_t amount, const std::string& extra) {
  return R"({"amount": )" + std::to_string(amount) +
         R"(, "currency": "JPY", "means": "card", "fee_code": "F001", "facility_id": "FAC001", "confirm": true,
             "payment_method": {"card_token": ")" +
         token + R"("})" + extra + "}";
}

boost::json::object body_of(const runtime::HttpResponse& response) {
  return boost::json::parse(response.body).as_object();
}

}  // namespace kessai::testing
