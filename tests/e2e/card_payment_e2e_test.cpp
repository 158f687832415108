// End to end: the real kessai-sim card-acquirer, kessaid and kessai processes against PostgreSQL.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/json.hpp>

#include "stack_fixture.hpp"

using namespace kessai;
namespace json = boost::json;

using testing::body_of;
using testing::kBin;
using testing::must_run;
using testing::Stack;

namespace {

std::string payment(const std::string& token, std::int64_t amount = 3000) {
  return testing::card_payment(token, amount);
}

}  // namespace

TEST_CASE_METHOD(Stack, "a card payment over HTTP is charged once and journaled") {
  const auto health = get("/healthz");
  CHECK(health.status == 200);
  CHECK(get("/readyz").status == 200);

  const auto created = post(payment("tok_visa"));
  INFO(created.body);
  REQUIRE(created.status == 201);
  const json::object intent = body_of(created);
  const std::string id(intent.at("id").as_string());
  CHECK(id.starts_with("pi_"));
  CHECK(intent.at("status") == "succeeded");
  CHECK(intent.at("amount") == 3000);
  CHECK(intent.at("amount_captured") == 3000);

  const auto fetched = get("/v1/payment_intents/" + id);
  CHECK(fetched.status == 200);
  CHECK(body_of(fetched).at("status") == "succeeded");

  CHECK(simulator_charges(id).size() == 1);
  CHECK(count("select count(*) from journal_entries where reference = '" + id + "'") == 1);
  CHECK(
      count(
          "select coalesce(sum(amount_yen), 0) from postings p join journal_entries j on j.id = p.journal_id"
          " where j.reference = '" +
          id + "'") == 0);

  const std::string journal = must_run("kessai", {"ledger", "journal", "--reference", id}, database.url());
  CHECK_THAT(journal, Catch::Contains("assets:receivable:card-sim"));
  CHECK_THAT(journal, Catch::Contains("revenue:fee:F001"));
  const std::string balance = must_run("kessai", {"ledger", "trial-balance"}, database.url());
  CHECK_THAT(balance, Catch::Contains("balanced: debits equal credits"));
}

TEST_CASE_METHOD(Stack, "a card paid over the API is stored with the brand the acquirer read") {
  const auto created = post(payment("tok_jcb", 1800));
  INFO(created.body);
  REQUIRE(created.status == 201);
  const std::string id(body_of(created).at("id").as_string());
  CHECK(count("select count(*) from payment_intents where id = '" + id + "' and brand = 'jcb'") == 1);
  // A token that names no brand leaves none, rather than a guess.
  const auto plain = post(payment("tok_demo", 500));
  REQUIRE(plain.status == 201);
  const std::string plain_id(body_of(plain).at("id").as_string());
  CHECK(count("select count(*) from payment_intents where id = '" + plain_id + "' and brand is null") == 1);
}

TEST_CASE_METHOD(Stack, "a declined card records a failed intent and no journal") {
  const auto declined = post(payment("tok_decline"));
  CHECK(declined.status == 402);
  CHECK(declined.content_type == "application/problem+json");
  const json::object problem = body_of(declined);
  CHECK(problem.at("code") == "card_declined");
  const std::string id(problem.at("payment_intent").as_object().at("id").as_string());
  CHECK(body_of(get("/v1/payment_intents/" + id)).at("status") == "failed");
  CHECK(count("select count(*) from journal_entries") == 0);
  CHECK(simulator_charges(id).size() == 1);  // the acquirer saw it and declined it
}

TEST_CASE_METHOD(Stack, "bad requests get a problem document with a stable code and write nothing") {
  struct Case {
    std::string body;
    std::string content_type;
    unsigned status;
    std::string code;
  };
  const std::string base =
      R"("currency": "JPY", "means": "card", "fee_code": "F001", "facility_id": "FAC001")";
  const std::vector<Case> cases{
      {"{not json", "application/json", 400, "malformed_json"},
      {payment("tok_visa"), "text/plain", 415, "unsupported_media_type"},
      {"{\"amount\": 0, " + base + "}", "application/json", 422, "amount_invalid"},
      {"{\"amount\": -5, " + base + "}", "application/json", 422, "amount_invalid"},
      {"{\"amount\": 100000001, " + base + "}", "application/json", 422, "amount_too_large"},
      {"{\"amount\": 99999999999999999999, " + base + "}", "application/json", 422, "amount_too_large"},
      {"{\"amount\": \"3000\", " + base + "}", "application/json", 400, "invalid_parameter"},
      {R"({"amount": 1, "currency": "USD", "means": "card", "fee_code": "F001", "facility_id": "FAC001"})",
       "application/json", 422, "currency_unsupported"},
      {R"({"amount": 1, "currency": "JPY", "means": "card", "fee_code": "F999", "facility_id": "FAC001"})",
       "application/json", 422, "unknown_fee_code"},
      {"{\"amount\": 1, \"extra\": true, " + base + "}", "application/json", 400, "unknown_parameter"},
      {"{\"amount\": 1, " + base + "}", "application/json", 201, ""},  // control: the base itself is valid
  };
  for (const Case& c : cases) {
    const auto response = post(c.body, c.content_type);
    INFO(c.body << " -> " << response.body);
    CHECK(response.status == c.status);
    if (!c.code.empty()) {
      CHECK(response.content_type == "application/problem+json");
      CHECK(body_of(response).at("code").as_string() == c.code);
    }
  }
  // Only the control (not confirmed) was recorded.
  CHECK(count("select count(*) from payment_intents") == 1);
  CHECK(count("select count(*) from payment_intents where status = 'requires_confirmation'") == 1);

  const auto oversized = post("{\"description\": \"" + std::string(70 * 1024, 'x') + "\"}");
  CHECK(oversized.status == 413);
  CHECK(body_of(oversized).at("code") == "body_too_large");

  CHECK(body_of(get("/v1/payment_intents/pi_doesnotexist")).at("code") == "payment_intent_not_found");
  CHECK(get("/v1/nothing").status == 404);
  CHECK(request("DELETE", "/v1/payment_intents").status == 405);
  CHECK(count("select count(*) from payment_intents") == 1);
}

TEST_CASE_METHOD(Stack, "a processor that is down fails the payment cleanly and charges nothing") {
  simulator->stop();
  const auto response = post(payment("tok_visa"));
  INFO(response.body);
  CHECK(response.status == 502);
  const json::object problem = body_of(response);
  CHECK(problem.at("code") == "processor_unavailable");
  CHECK(problem.at("payment_intent").as_object().at("status") == "failed");
  CHECK(count("select count(*) from journal_entries") == 0);
}

TEST_CASE_METHOD(Stack, "the acquirer keeps its records across a restart") {
  const std::string id(body_of(post(payment("tok_visa"))).at("id").as_string());
  simulator->stop();
  start_simulator();  // on a new port, with the same state directory
  CHECK(simulator_charges(id).size() == 1);
}

TEST_CASE_METHOD(Stack, "kessaid stops cleanly on SIGTERM") {
  CHECK(post(payment("tok_visa")).status == 201);
  CHECK(daemon->stop() == 0);
  CHECK_THAT(daemon->log_tail(), Catch::Contains("kessaid_stopped"));
}

TEST_CASE("kessaid refuses an unmigrated database and says what to do") {
  testing::TestDatabase database(false);
  const std::string dir = testing::make_temp_dir("kessai-e2e");
  std::ofstream(dir + "/kessaid.toml") << "[database]\nconnections_max = 2\n";
  std::string output;
  const int status =
      testing::run_command(kBin + "/kessaid", {"--config", dir + "/kessaid.toml", "--listen", "127.0.0.1:0"},
                           {"KESSAI_DATABASE_URL=" + database.url()}, output);
  CHECK(status == 1);
  CHECK_THAT(output, Catch::Contains("kessai migrate"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("kessaid refuses a broken config and names the key") {
  const std::string dir = testing::make_temp_dir("kessai-e2e");
  std::ofstream(dir + "/kessaid.toml") << "[server]\nlisten = \"everywhere\"\n";
  std::string output;
  const int status = testing::run_command(kBin + "/kessaid", {"--config", dir + "/kessaid.toml"},
                                          {"KESSAI_DATABASE_URL=postgresql://x@127.0.0.1:1/x"}, output);
  CHECK(status == 2);
  CHECK_THAT(output, Catch::Contains("server.listen"));
  std::filesystem::remove_all(dir);
}

TEST_CASE_METHOD(Stack,
                 "e-money: a tap is charged at the centre, journaled, and refunded as the brand allows") {
  const auto tap = [&](const std::string& brand, const std::string& idm, int amount) {
    return post(R"({"amount": )" + std::to_string(amount) +
                R"(, "currency": "JPY", "means": "emoney", "fee_code": "F001", "facility_id": "FAC001",
                   "confirm": true, "payment_method": {"emoney": {"brand": ")" +
                brand + R"(", "idm": ")" + idm + R"("}}})");
  };
  const auto paid = tap("transit_ic", "0123456789ABCDEF", 300);
  INFO(paid.body);
  REQUIRE(paid.status == 201);
  CHECK(body_of(paid).at("status") == "succeeded");
  CHECK(body_of(paid).at("processor") == "emoney-sim");
  const std::string id(body_of(paid).at("id").as_string());
  CHECK(count("select count(*) from postings where account_code = 'assets:receivable:emoney-sim'") == 1);

  const auto empty = tap("waon", "0123456789AB0000", 300);
  CHECK(empty.status == 402);
  CHECK(body_of(empty).at("payment_intent").at("last_payment_error").at("code") == "insufficient_balance");

  const auto refunded =
      request("POST", "/v1/refunds", R"({"payment_intent": ")" + id + R"(", "amount": 100})");
  CHECK(refunded.status == 201);
  const std::string postpaid(body_of(tap("id", "0123456789ABCDEF", 500)).at("id").as_string());
  const auto refused = request("POST", "/v1/refunds", R"({"payment_intent": ")" + postpaid + R"("})");
  CHECK(refused.status == 402);
  CHECK(body_of(refused).at("refund").at("failure_code") == "refund_not_supported");

  const auto manual = post(R"({"amount": 100, "currency": "JPY", "means": "emoney", "fee_code": "F001",
      "facility_id": "FAC001", "capture_method": "manual"})");
  CHECK(body_of(manual).at("param") == "capture_method");
  CHECK(body_of(tap("nanaco", "0123456789abcdef", 100)).at("param") == "payment_method.emoney.idm");
  CHECK_THAT(must_run("kessai", {"ledger", "trial-balance"}, database.url()), Catch::Contains("balanced"));
}

TEST_CASE_METHOD(Stack, "QR: the payer's scanned code is debited at once, once, and can be refunded") {
  const auto scan = [&](const std::string& code, int amount) {
    return post(R"({"amount": )" + std::to_string(amount) +
                R"(, "currency": "JPY", "means": "qr", "fee_code": "F003", "facility_id": "FAC002",
                   "confirm": true, "payment_method": {"qr_code": ")" +
                code + R"("}})");
  };
  const auto paid = scan("271234567890123456", 1200);
  INFO(paid.body);
  REQUIRE(paid.status == 201);
  CHECK(body_of(paid).at("status") == "succeeded");
  CHECK(body_of(paid).at("processor") == "qr-sim");
  const std::string id(body_of(paid).at("id").as_string());
  CHECK(count("select count(*) from postings where account_code = 'assets:receivable:qr-sim'") == 1);
  CHECK_THAT(daemon->log_tail(1 << 20), !Catch::Contains("271234567890123456"));

  const auto reused = scan("271234567890123456", 500);  // a code pays once
  CHECK(reused.status == 402);
  CHECK(body_of(reused).at("payment_intent").at("last_payment_error").at("code") == "code_already_used");
  const auto poor = scan("281234567890120000", 500);
  CHECK(body_of(poor).at("payment_intent").at("last_payment_error").at("code") == "insufficient_balance");
  CHECK(body_of(scan("12345", 500)).at("param") == "payment_method.qr_code");
  const auto no_code = post(R"({"amount": 100, "currency": "JPY", "means": "qr", "fee_code": "F003",
      "facility_id": "FAC002", "confirm": true})");
  // Without the payer's code the counter shows a merchant-presented code instead (payer_e2e_test.cpp).
  CHECK(no_code.status == 201);
  CHECK(body_of(no_code).at("status") == "requires_payment");
  CHECK(body_of(no_code).at("next_action").at("type") == "jpqr");

  CHECK(request("POST", "/v1/refunds", R"({"payment_intent": ")" + id + R"(", "amount": 200})").status ==
        201);
  CHECK_THAT(must_run("kessai", {"ledger", "trial-balance"}, database.url()), Catch::Contains("balanced"));
}
