// The finance dashboard end to end: a business day of card, e-money, QR and Pay-easy payments through the
// real kessaid, the processors' files with injected differences reconciled by `kessai recon run`, a
// finance key made with the CLI; then a finance clerk in headless Chromium (dashboard_browser.py, over
// the DevTools protocol) logs in, reads the day, and resolves an exception through the inline form. The
// page's figures are checked against kessai/reports/finance.hpp, the screenshot by OCR (tesseract), the
// resolution in the database. Also: backend and finance keys kept apart, over real HTTP.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "kessai/ledger/journal.hpp"
#include "kessai/reports/finance.hpp"
#include "stack_fixture.hpp"

using namespace kessai;
using namespace kessai::testing;
namespace json = boost::json;

namespace {

const std::string kFinanceName = "会計課 田中";
const std::string kNote = "カード会社に確認済み (confirmed with the acquirer)";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

std::string digits(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= '0' && c <= '9') out.push_back(c);
  }
  return out;
}

std::chrono::year_month_day tokyo_today() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(now + std::chrono::hours(9))};
}

// recon.toml as shipped, its inboxes pointed at this stack's simulators (as recon_e2e_test.cpp does).
void write_recon_config(Stack& stack) {
  std::string config = read_file(kSource + "/ops/config/recon.toml");
  replace_all(config, "profiles = \"settlement\"", "profiles = \"" + kSource + "/ops/config/settlement\"");
  replace_all(config, "../../var/stack/sim/card-acquirer/settlement", stack.dir + "/sim/settlement");
  for (const char* name : {"emoney-centre", "qr-provider", "payeasy-centre"}) {
    replace_all(config, std::string("../../var/stack/sim/") + name + "/settlement",
                stack.dir + "/" + name + "/settlement");
  }
  replace_all(config, "../../var/stack/bank", stack.dir + "/bank");
  std::filesystem::create_directories(stack.dir + "/bank");
  std::ofstream(stack.dir + "/recon.toml") << config;
}

// The processors settle the day (with the injected differences) and the bank pays them in.
void settle_and_reconcile(Stack& stack, std::chrono::year_month_day day, const std::string& inject) {
  const std::string date = ledger::format_date(day);
  std::string output;
  const int simulated = run_command(kBin + "/kessai-sim",
                                    {"bank",
                                     "--date",
                                     date,
                                     "--processor",
                                     "card-acquirer=" + stack.sim_url,
                                     "--processor",
                                     "emoney-centre=" + stack.emoney_url,
                                     "--processor",
                                     "qr-provider=" + stack.qr_url,
                                     "--processor",
                                     "payeasy-centre=" + stack.payeasy_url,
                                     "--out",
                                     stack.dir + "/bank-outbox",
                                     "--state-dir",
                                     stack.dir + "/bank-state",
                                     "--truth",
                                     stack.dir + "/truth.json",
                                     "--inject",
                                     inject,
                                     "--seed",
                                     "5"},
                                    {}, output);
  INFO("kessai-sim bank output:\n" << output);
  REQUIRE(simulated == 0);
  for (const auto& entry : std::filesystem::directory_iterator(stack.dir + "/bank-outbox")) {
    if (entry.path().filename().string().starts_with("zengin03_")) {
      std::filesystem::copy_file(entry.path(), stack.dir + "/bank/" + entry.path().filename().string());
    }
  }
  const int reconciled = run_command(
      kBin + "/kessai", {"recon", "run", "--date", date},
      {"KESSAI_DATABASE_URL=" + stack.database.url(), "KESSAI_RECON_CONFIG=" + stack.dir + "/recon.toml"},
      output);
  INFO("kessai recon run output:\n" << output);
  REQUIRE(reconciled == 0);
}

struct Day {
  Stack& stack;
  int codes = 0;

  std::string pay(const std::string& body) {
    const auto response = stack.post(body);
    INFO(response.body);
    REQUIRE(response.status == 201);
    const json::object intent = body_of(response);
    CHECK(intent.at("status") == "succeeded");
    return std::string(intent.at("id").as_string());
  }
  std::string card(int amount, const std::string& facility) {
    return pay(R"({"amount": )" + std::to_string(amount) +
               R"(, "currency": "JPY", "means": "card", "fee_code": "F001", "facility_id": ")" + facility +
               R"(", "confirm": true, "payment_method": {"card_token": "tok_visa"}})");
  }
  void emoney(int amount, const std::string& brand) {
    pay(R"({"amount": )" + std::to_string(amount) +
        R"(, "currency": "JPY", "means": "emoney", "fee_code": "F001", "facility_id": "FAC001",)"
        R"( "confirm": true, "payment_method": {"emoney": {"brand": ")" +
        brand + R"(", "idm": "0123456789ABCDEF"}}})");
  }
  void qr(int amount, const std::string& prefix) {
    const std::string code = prefix + "1234567" + std::to_string(100'000'000 + ++codes);
    pay(R"({"amount": )" + std::to_string(amount) +
        R"(, "currency": "JPY", "means": "qr", "fee_code": "F003", "facility_id": "FAC002",)"
        R"( "confirm": true, "payment_method": {"qr_code": ")" +
        code + R"("}})");
  }
  void payeasy(int amount) {
    const auto created = stack.post(R"({"amount": )" + std::to_string(amount) +
                                    R"(, "currency": "JPY", "means": "payeasy", "fee_code": "F003",)"
                                    R"( "procedure_id": "PROC001", "confirm": true})");
    REQUIRE(created.status == 201);
    const json::object intent = body_of(created);
    const json::object& number = intent.at("next_action").at("payeasy").as_object();
    runtime::HttpClient client(stack.payeasy_url, runtime::ClientLimits{});
    const auto paid =
        client.request("POST", "/sim/pay",
                       json::serialize(json::object{{"institution_number", number.at("institution_number")},
                                                    {"customer_number", number.at("customer_number")},
                                                    {"confirmation_number", number.at("confirmation_number")},
                                                    {"amount", amount}}));
    REQUIRE(paid.ok());
    REQUIRE(paid->status / 100 == 2);
    const std::string id(intent.at("id").as_string());
    for (int i = 0; i < 300; ++i) {
      if (body_of(stack.get("/v1/payment_intents/" + id)).at("status") == "succeeded") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL("Pay-easy payment " << id << " did not succeed after the quick notice");
  }
  void refund(const std::string& id, int amount) {
    const auto response =
        stack.request("POST", "/v1/refunds",
                      R"({"payment_intent": ")" + id + R"(", "amount": )" + std::to_string(amount) + "}");
    INFO(response.body);
    REQUIRE(response.status == 201);
  }
};

std::string finance_key(Stack& stack) {
  const std::string output = must_run(
      "kessai", {"apikey", "create", "--name", kFinanceName, "--role", "finance"}, stack.database.url());
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("ksk_")) return line;
  }
  FAIL("no key printed:\n" << output);
  return "";
}

std::string code_of(const runtime::HttpResponse& response) {
  INFO(response.status << " " << response.body);
  REQUIRE(response.content_type == "application/problem+json");
  return std::string(body_of(response).at("code").as_string());
}

std::string header_of(const runtime::HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    std::string lower = key;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == name) return value;
  }
  return "";
}

struct Expected {
  std::int64_t net_yen = 0;
  std::int64_t payments = 0;
  std::int64_t open_exceptions = 0;
};

// The figures the page must show, from the reports themselves.
Expected expected_figures(Stack& stack, std::chrono::year_month_day day) {
  pqxx::connection connection(stack.database.url());
  const reports::Period period{day, day};
  Expected expected;
  for (const reports::TakingsRow& row : reports::load_takings(connection, period).rows) {
    expected.net_yen += row.net_yen;
    expected.payments += row.payments;
  }
  for (const reports::ExceptionEntry& entry : reports::load_exceptions(connection, period).rows) {
    expected.open_exceptions += entry.status == "open" ? 1 : 0;
  }
  return expected;
}

// Backend and finance keys are kept apart, and the cookie's changes need the CSRF header: real HTTP.
void check_keys_apart(Stack& stack, const std::string& finance) {
  const auto v1 = stack.request("GET", "/v1/payment_intents", "", {{"Authorization", "Bearer " + finance}});
  CHECK(v1.status == 403);
  CHECK(code_of(v1) == "wrong_role");
  runtime::HttpClient& client = *stack.api;
  const auto backend_login = client.request("POST", "/dashboard/login", "api_key=" + stack.api_key,
                                            "application/x-www-form-urlencoded");
  REQUIRE(backend_login.ok());
  CHECK(backend_login->status == 403);
  CHECK(header_of(backend_login.value(), "set-cookie").empty());
  const auto backend_read = client.request("GET", "/dashboard/api/takings", "", "application/json",
                                           {{"Authorization", "Bearer " + stack.api_key}});
  REQUIRE(backend_read.ok());
  CHECK(code_of(backend_read.value()) == "wrong_role");
  const auto anonymous = client.request("GET", "/dashboard/api/exceptions");
  REQUIRE(anonymous.ok());
  CHECK(anonymous->status == 401);

  const auto login =
      client.request("POST", "/dashboard/login", "api_key=" + finance, "application/x-www-form-urlencoded");
  REQUIRE(login.ok());
  REQUIRE(login->status == 303);
  const std::string cookie = header_of(login.value(), "set-cookie");
  const std::string session = cookie.substr(0, cookie.find(';'));
  const auto open =
      client.request("GET", "/dashboard/api/exceptions", "", "application/json", {{"Cookie", session}});
  REQUIRE(open.ok());
  REQUIRE(open->status == 200);
  const std::int64_t id = body_of(open.value()).at("rows").at(0).at("id").as_int64();
  const auto forged =
      client.request("POST", "/dashboard/api/exceptions/" + std::to_string(id) + "/resolve",
                     R"({"note": "from another site"})", "application/json", {{"Cookie", session}});
  REQUIRE(forged.ok());
  CHECK(forged->status == 403);
  CHECK(code_of(forged.value()) == "csrf_token_invalid");
  CHECK(stack.count("select count(*) from recon_exceptions where status = 'resolved'") == 0);
  const auto page = client.request("GET", "/dashboard", "", "application/json", {{"Cookie", session}});
  REQUIRE(page.ok());
  CHECK(header_of(page.value(), "content-security-policy").starts_with("default-src 'self'"));
}

}  // namespace

TEST_CASE("a finance clerk reads the day on the dashboard in Chromium and resolves an exception") {
  for (const char* tool : {"/usr/bin/chromium", "/usr/bin/tesseract", "/usr/bin/python3"}) {
    INFO(tool << " is missing: ops/install-deps installs chromium, tesseract-ocr and python3-websocket");
    REQUIRE(std::filesystem::exists(tool));
  }
  Stack stack;
  write_recon_config(stack);
  const std::chrono::year_month_day day = tokyo_today();

  // A business day at two facilities and one online procedure, by every means, with a partial refund.
  Day d{stack};
  const std::string first = d.card(3000, "FAC001");
  d.card(4500, "FAC002");
  d.card(1200, "FAC001");
  d.card(2600, "FAC002");
  d.refund(first, 500);
  d.emoney(260, "transit_ic");
  d.emoney(880, "waon");
  d.qr(1500, "27");
  d.qr(2300, "28");
  d.payeasy(1200);
  settle_and_reconcile(stack, day, "amount_mismatch=1,unknown=1");

  const std::string finance = finance_key(stack);
  CHECK_THAT(must_run("kessai", {"apikey", "list"}, stack.database.url()), Catch::Contains("finance"));
  const Expected expected = expected_figures(stack, day);
  REQUIRE(expected.net_yen > 0);
  REQUIRE(expected.open_exceptions >= 2);
  check_keys_apart(stack, finance);

  // The clerk, in a real browser.
  const std::string out = (std::filesystem::current_path() / "dashboard-e2e").string();
  std::filesystem::remove_all(out);
  std::filesystem::create_directories(out);
  std::string output;
  const int browsed = run_command(
      "/usr/bin/python3",
      {kSource + "/tests/e2e/dashboard_browser.py", "--url", stack.url, "--out", out, "--note", kNote},
      {"KESSAI_DASHBOARD_KEY=" + finance}, output);
  INFO("dashboard_browser.py output:\n" << output);
  INFO("kessaid log:\n" << stack.daemon->log_tail());
  const std::string result_text = read_file(out + "/result.json");
  INFO("result.json:\n" << result_text);
  REQUIRE(browsed == 0);
  const json::object result = json::parse(result_text).as_object();

  // The page showed the reports' figures, in its own words.
  const json::object& before = result.at("before").as_object();
  CHECK(digits(before.at("net").as_string()) == std::to_string(expected.net_yen));
  CHECK(digits(before.at("payments").as_string()) == std::to_string(expected.payments));
  CHECK(digits(before.at("open").as_string()) == std::to_string(expected.open_exceptions));
  CHECK(std::string(before.at("viewer").as_string()) == kFinanceName);
  CHECK(std::string(before.at("date").as_string()) == ledger::format_date(day));
  CHECK(digits(result.at("after").at("open").as_string()) == std::to_string(expected.open_exceptions - 1));
  CHECK(result.at("cookie_visible_to_script") == false);  // HttpOnly
  for (const json::value& problem : result.at("problems").as_array()) {
    const std::string text(problem.as_string());
    INFO("browser problem: " << text);
    CHECK(text.find("favicon") != std::string::npos);  // only a missing icon is allowed
  }

  // The resolution is in the database, by the key's name, with the note, audited.
  const std::string id = std::to_string(result.at("resolved_id").as_int64());
  CHECK(stack.count("select count(*) from recon_exceptions where id = " + id + " and status = 'resolved'") ==
        1);
  pqxx::connection connection(stack.database.url());
  pqxx::read_transaction tx(connection);
  const pqxx::row row =
      tx.exec_params("select resolved_by, resolution_note from recon_exceptions where id = $1", id)[0];
  CHECK(row[0].as<std::string>() == kFinanceName);
  CHECK(row[1].as<std::string>() == kNote);
  CHECK(tx.exec_params("select count(*) from recon_exception_audit where exception_id = $1 and actor = $2"
                       " and note = $3",
                       id, kFinanceName, kNote)[0][0]
            .as<int>() == 1);

  // The screenshot itself, read by OCR: the net takings and the number of payments are legible.
  std::string ocr;
  REQUIRE(run_command("/usr/bin/tesseract", {out + "/shot.png", "-"}, {}, ocr) == 0);
  INFO("tesseract read:\n" << ocr);
  bool net_found = false;
  bool payments_found = false;
  std::istringstream lines(ocr);
  for (std::string line; std::getline(lines, line);) {
    net_found = net_found || digits(line).find(std::to_string(expected.net_yen)) != std::string::npos;
    std::istringstream words(line);
    for (std::string word; words >> word;) {
      payments_found = payments_found || digits(word) == std::to_string(expected.payments);
    }
  }
  CHECK(net_found);
  CHECK(payments_found);
}
