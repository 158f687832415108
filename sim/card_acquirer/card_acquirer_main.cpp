// kessai-sim card-acquirer: a card acquirer over HTTP/JSON, as kessai's card adapter expects one.
//   POST /v1/charges                  authorize (and capture) a token; de-duplicated on "reference"
//   GET  /v1/charges[?reference=…]    every charge, or the one for a reference (inquiry)
//   GET  /v1/charges/{id}
//   GET  /healthz
// Every charge is appended to <state-dir>/charges.jsonl and reloaded on start.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/json.hpp>

#include "acquirer_book.hpp"
#include "kessai/runtime/http_server.hpp"
#include "kessai/runtime/log.hpp"
#include "kessai/runtime/worker_pool.hpp"
#include "sim_options.hpp"

namespace kessai::sim {

namespace json = boost::json;

namespace {

json::object charge_json(const Charge& charge) {
  json::object out{{"id", charge.id},
                   {"object", "charge"},
                   {"reference", charge.reference},
                   {"amount", charge.amount_yen},
                   {"currency", "JPY"},
                   {"merchant", charge.merchant},
                   {"status", charge.status},
                   {"created_at", charge.created_at}};
  if (!charge.decline_code.empty()) {
    out["decline_code"] = charge.decline_code;
    out["message"] = "the card was declined (" + charge.decline_code + ")";
  }
  return out;
}

Charge charge_from_json(const json::object& object) {
  Charge charge;
  charge.id = std::string(object.at("id").as_string());
  charge.reference = std::string(object.at("reference").as_string());
  charge.amount_yen = object.at("amount").as_int64();
  charge.merchant = std::string(object.at("merchant").as_string());
  charge.status = std::string(object.at("status").as_string());
  if (const auto* code = object.if_contains("decline_code"))
    charge.decline_code = std::string(code->as_string());
  charge.created_at = std::string(object.at("created_at").as_string());
  return charge;
}

runtime::HttpResponse reply(unsigned status, const json::value& body) {
  runtime::HttpResponse response;
  response.status = status;
  response.body = json::serialize(body);
  return response;
}

runtime::HttpResponse bad_request(std::string message) {
  return reply(400, json::object{{"error", "invalid_request"}, {"message", std::move(message)}});
}

std::string now_utc() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

class CardAcquirerSim {
 public:
  CardAcquirerSim(const SimOptions& options) : options_(options), book_(options.seed, options.decline_rate) {
    std::filesystem::create_directories(options.state_dir);
    journal_path_ = (std::filesystem::path(options.state_dir) / "charges.jsonl").string();
    std::ifstream in(journal_path_);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      json::error_code ec;
      const json::value value = json::parse(line, ec);
      if (ec || !value.is_object()) continue;  // a torn last line after a crash
      book_.restore(charge_from_json(value.as_object()));
    }
    journal_.open(journal_path_, std::ios::app);
  }

  runtime::HttpResponse handle(const runtime::HttpRequest& request) {
    const std::string_view path = request.path();
    if (path == "/healthz") return reply(200, json::object{{"status", "ok"}});
    if (path == "/v1/charges" && request.method == "POST") return create(request.body);
    if (path == "/v1/charges" && request.method == "GET") return list(request.query());
    if (path.starts_with("/v1/charges/") && request.method == "GET") {
      const auto charge = book_.by_id(std::string(path.substr(12)));
      if (!charge) return reply(404, json::object{{"error", "not_found"}});
      return reply(200, charge_json(*charge));
    }
    return reply(404, json::object{{"error", "not_found"}});
  }

 private:
  runtime::HttpResponse create(const std::string& body) {
    json::error_code ec;
    const json::value parsed = json::parse(body, ec);
    if (ec || !parsed.is_object()) return bad_request("body must be a JSON object");
    const json::object& object = parsed.as_object();
    const auto* reference = object.if_contains("reference");
    const auto* amount = object.if_contains("amount");
    const auto* currency = object.if_contains("currency");
    const auto* token = object.if_contains("card_token");
    const auto* merchant = object.if_contains("merchant");
    const auto* capture = object.if_contains("capture");
    if (reference == nullptr || !reference->is_string() || reference->as_string().empty()) {
      return bad_request("reference is required");
    }
    if (amount == nullptr || !amount->is_int64() || amount->as_int64() <= 0) {
      return bad_request("amount must be a positive integer");
    }
    if (currency == nullptr || !currency->is_string() || currency->as_string() != "JPY") {
      return bad_request("currency must be JPY");
    }
    if (token == nullptr || !token->is_string() || token->as_string().empty()) {
      return bad_request("card_token is required");
    }
    ChargeAttempt attempt{
        std::string(reference->as_string()), amount->as_int64(),
        merchant != nullptr && merchant->is_string() ? std::string(merchant->as_string()) : "",
        std::string(token->as_string()), capture == nullptr || !capture->is_bool() || capture->as_bool()};
    if (options_.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(options_.latency_ms));
    const ChargeDecision decision = book_.charge(attempt, now_utc());
    if (decision.conflict) {
      return reply(409, json::object{{"error", "reference_conflict"},
                                     {"message", "reference already charged with another amount"}});
    }
    if (!decision.replayed) {
      std::lock_guard lock(journal_mutex_);
      journal_ << json::serialize(charge_json(decision.charge)) << '\n';
      journal_.flush();
    }
    log::info(decision.replayed ? "charge_replayed" : "charge_decided",
              {{"charge", decision.charge.id},
               {"reference", decision.charge.reference},
               {"status", decision.charge.status},
               {"amount_yen", decision.charge.amount_yen}});
    const bool declined = decision.charge.status == "declined";
    return reply(declined ? 402 : (decision.replayed ? 200 : 201), charge_json(decision.charge));
  }

  runtime::HttpResponse list(std::string_view query) {
    json::array data;
    if (query.starts_with("reference=")) {
      if (auto charge = book_.by_reference(std::string(query.substr(10))))
        data.push_back(charge_json(*charge));
    } else {
      for (const Charge& charge : book_.all()) data.push_back(charge_json(charge));
    }
    return reply(200, json::object{{"object", "list"}, {"data", std::move(data)}});
  }

  SimOptions options_;
  AcquirerBook book_;
  std::string journal_path_;
  std::mutex journal_mutex_;
  std::ofstream journal_;
};

}  // namespace

int run_card_acquirer(const SimOptions& options) {
  log::configure("kessai-sim card-acquirer", log::Level::info);
  CardAcquirerSim sim(options);
  runtime::WorkerPool workers(8, 10'000);
  runtime::HttpServer server(
      options.host, options.port, runtime::ServerLimits{},
      [&](runtime::HttpRequest request, runtime::Responder respond) {
        auto job = [&sim, request = std::move(request), respond]() { respond(sim.handle(request)); };
        if (!workers.try_post(job)) respond(reply(503, json::object{{"error", "overloaded"}}));
      },
      1);
  if (!options.port_file.empty()) runtime::write_port_file(options.port_file, server.port());
  log::info("simulator_listening", {{"port", unsigned{server.port()}}, {"state_dir", options.state_dir}});
  server.run();
  workers.shutdown();
  return 0;
}

}  // namespace kessai::sim
