// End to end: payments that wait for the payer. Pay-easy numbers paid at a simulated ATM and announced by
// the centre's signed quick notice; merchant-presented JPQR codes scanned by a simulated wallet app; the
// notices' faults (duplicates, reordering, loss), expiry, cancellation and the bank's reversal (取消).
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "kessai/runtime/crypto.hpp"
#include "stack_fixture.hpp"

using namespace kessai;
using testing::body_of;
using testing::Stack;
using testing::StackOptions;
namespace json = boost::json;

namespace {

const std::string kPayeasyIntent =
    R"({"amount": 1200, "currency": "JPY", "means": "payeasy", "fee_code": "F003", "procedure_id": "PROC001",)"
    R"( "confirm": true})";
const std::string kJpqrIntent =
    R"({"amount": 800, "currency": "JPY", "means": "qr", "fee_code": "F001", "facility_id": "FAC001",)"
    R"( "confirm": true})";

runtime::HttpResponse sim_request(const std::string& base, const std::string& method,
                                  const std::string& target, const std::string& body = "") {
  runtime::HttpClient client(base, runtime::ClientLimits{});
  auto response = client.request(method, target, body, "application/json");
  INFO(method << " " << base << target);
  REQUIRE(response.ok());
  return response.value();
}

// Polls the intent until it has the status, or the time is up; returns the last body seen.
json::object wait_for_status(Stack& stack, const std::string& id, std::string_view status,
                             std::chrono::seconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  json::object intent;
  while (std::chrono::steady_clock::now() < deadline) {
    intent = body_of(stack.get("/v1/payment_intents/" + id));
    if (intent.at("status").as_string() == status) return intent;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(stack.daemon->log_tail());
  FAIL("payment intent " << id << " is " << intent.at("status").as_string() << ", not " << status);
  return intent;
}

std::int64_t wait_for_count(Stack& stack, const std::string& sql, std::int64_t want,
                            std::chrono::seconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::int64_t have = stack.count(sql);
  while (have != want && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    have = stack.count(sql);
  }
  return have;
}

struct IssuedNumber {
  std::string intent_id;
  json::object payeasy;  // next_action.payeasy
};

IssuedNumber issue_number(Stack& stack) {
  const runtime::HttpResponse created = stack.post(kPayeasyIntent);
  INFO(created.body);
  REQUIRE(created.status == 201);
  const json::object intent = body_of(created);
  CHECK(intent.at("status").as_string() == "requires_payment");
  const json::object& next_action = intent.at("next_action").as_object();
  CHECK(next_action.at("type").as_string() == "payeasy");
  return {std::string(intent.at("id").as_string()), next_action.at("payeasy").as_object()};
}

runtime::HttpResponse pay_at_atm(Stack& stack, const IssuedNumber& number) {
  return sim_request(
      stack.payeasy_url, "POST", "/sim/pay",
      json::serialize(json::object{{"institution_number", number.payeasy.at("institution_number")},
                                   {"customer_number", number.payeasy.at("customer_number")},
                                   {"confirmation_number", number.payeasy.at("confirmation_number")},
                                   {"amount", 1200}}));
}

std::string number_id_of(Stack& stack, const std::string& intent_id) {
  const json::object listed =
      json::parse(sim_request(stack.payeasy_url, "GET", "/v1/numbers?reference=" + intent_id).body)
          .as_object();
  REQUIRE(listed.at("data").as_array().size() == 1);
  return std::string(listed.at("data").as_array()[0].as_object().at("id").as_string());
}

std::string journals_of(const std::string& id) {
  return "select count(*) from journal_entries where reference = '" + id + "'";
}

}  // namespace

TEST_CASE("Pay-easy: a number is issued, paid at the ATM, and the quick notice succeeds the payment") {
  Stack stack;
  const IssuedNumber number = issue_number(stack);
  CHECK(std::regex_match(std::string(number.payeasy.at("institution_number").as_string()),
                         std::regex("[0-9]{5}")));
  CHECK(std::regex_match(std::string(number.payeasy.at("customer_number").as_string()),
                         std::regex("[0-9]{16,20}")));
  CHECK(std::regex_match(std::string(number.payeasy.at("confirmation_number").as_string()),
                         std::regex("[0-9]{4,6}")));
  CHECK(number.payeasy.contains("expires_at"));
  CHECK(stack.count(journals_of(number.intent_id)) == 0);

  REQUIRE(pay_at_atm(stack, number).status == 200);
  const json::object paid = wait_for_status(stack, number.intent_id, "succeeded");
  CHECK(paid.at("amount_captured").as_int64() == 1200);
  CHECK(paid.at("next_action").is_null());
  CHECK(stack.count(journals_of(number.intent_id)) == 1);
  CHECK(stack.count("select count(*) from processor_notices where outcome = 'applied'") == 1);

  // The MPN has no refunds: a clear refusal.
  const runtime::HttpResponse refund = stack.request(
      "POST", "/v1/refunds", R"({"payment_intent": ")" + number.intent_id + R"(", "amount": 100})");
  CHECK(refund.status == 402);
  CHECK(refund.body.find("refund_not_supported") != std::string::npos);
}

TEST_CASE(
    "Pay-easy: duplicate notices change nothing, and a cancellation after clearing reverses the payment") {
  Stack stack(StackOptions{.payeasy_args = {"--duplicate-callback-rate", "1"}});
  const IssuedNumber number = issue_number(stack);
  REQUIRE(pay_at_atm(stack, number).status == 200);
  wait_for_status(stack, number.intent_id, "succeeded");
  // Every notice is sent twice: the second is counted, not applied.
  CHECK(wait_for_count(stack, "select coalesce(sum(received_count), 0) from processor_notices", 2) == 2);
  CHECK(stack.count("select count(*) from processor_notices") == 1);
  CHECK(stack.count(journals_of(number.intent_id)) == 1);

  const std::string number_id = number_id_of(stack, number.intent_id);
  REQUIRE(sim_request(stack.payeasy_url, "POST", "/sim/reverse", R"({"number": ")" + number_id + R"("})")
              .status == 200);
  wait_for_status(stack, number.intent_id, "reversed");
  CHECK(wait_for_count(stack, "select coalesce(sum(received_count), 0) from processor_notices", 4) == 4);
  CHECK(stack.count(journals_of(number.intent_id)) == 2);
  CHECK(stack.count("select count(*) from journal_entries where kind = 'reversal'") == 1);
  // The receivable of the reversed payment nets to zero.
  CHECK(stack.count("select coalesce(sum(p.amount_yen), 0) from postings p join journal_entries j on j.id ="
                    " p.journal_id where j.reference = '" +
                    number.intent_id + "' and p.account_code = 'assets:receivable:payeasy-sim'") == 0);
}

TEST_CASE("Pay-easy: a reversal notice delivered before its payment notice applies both") {
  Stack stack(StackOptions{.payeasy_args = {"--hold-callbacks", "1"}});
  const IssuedNumber number = issue_number(stack);
  REQUIRE(pay_at_atm(stack, number).status == 200);
  const std::string number_id = number_id_of(stack, number.intent_id);
  REQUIRE(sim_request(stack.payeasy_url, "POST", "/sim/reverse", R"({"number": ")" + number_id + R"("})")
              .status == 200);
  REQUIRE(
      sim_request(stack.payeasy_url, "POST", "/sim/callbacks/release", R"({"order": "reverse"})").status ==
      200);
  wait_for_status(stack, number.intent_id, "reversed");
  CHECK(wait_for_count(stack, "select count(*) from processor_notices", 2) == 2);
  CHECK(stack.count("select count(*) from processor_notices where outcome = 'applied'") == 1);
  CHECK(stack.count("select count(*) from processor_notices where outcome = 'already_applied'") == 1);
  CHECK(stack.count(journals_of(number.intent_id)) == 2);
}

TEST_CASE("Pay-easy: a payment whose notice never comes is found by inquiry") {
  Stack stack(StackOptions{.payeasy_args = {"--hold-callbacks", "1"}});
  const IssuedNumber number = issue_number(stack);
  REQUIRE(pay_at_atm(stack, number).status == 200);
  wait_for_status(stack, number.intent_id, "succeeded");
  CHECK(stack.count("select count(*) from processor_notices") == 0);
  CHECK(stack.count(journals_of(number.intent_id)) == 1);
}

TEST_CASE("Pay-easy: an unpaid number expires at its deadline and can no longer be paid") {
  Stack stack(
      StackOptions{.config_edits = {{"payeasy_expires_after_s = 1209600", "payeasy_expires_after_s = 2"}}});
  const IssuedNumber number = issue_number(stack);
  const json::object expired = wait_for_status(stack, number.intent_id, "expired");
  CHECK(expired.at("next_action").is_null());
  const runtime::HttpResponse late = pay_at_atm(stack, number);
  CHECK(late.status == 409);
  CHECK(stack.count(journals_of(number.intent_id)) == 0);
}

TEST_CASE("Pay-easy: canceling a waiting payment withdraws its number") {
  Stack stack;
  const IssuedNumber number = issue_number(stack);
  const runtime::HttpResponse canceled =
      stack.request("POST", "/v1/payment_intents/" + number.intent_id + "/cancel", "{}");
  INFO(canceled.body);
  CHECK(canceled.status == 200);
  CHECK(body_of(canceled).at("status").as_string() == "canceled");
  const runtime::HttpResponse late = pay_at_atm(stack, number);
  CHECK(late.status == 409);
  CHECK(late.body.find("number_canceled") != std::string::npos);
}

TEST_CASE(
    "Pay-easy: 5xx, lost and late answers when issuing numbers never issue two numbers for one payment") {
  Stack stack(StackOptions{.payeasy_args = {"--lost-response-rate", "0.25", "--fail-rate", "0.15",
                                            "--slow-answer-rate", "0.1", "--slow-answer-ms", "4000",
                                            "--latency-ms", "10", "--seed", "11"}});
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    const runtime::HttpResponse created = stack.post(kPayeasyIntent);
    INFO(created.body);
    REQUIRE(created.status == 201);
    ids.emplace_back(body_of(created).at("id").as_string());
  }
  for (const std::string& id : ids) {
    wait_for_status(stack, id, "requires_payment", std::chrono::seconds(90));
    number_id_of(stack, id);  // exactly one number per payment
  }
}

TEST_CASE("processor notices that are forged, stale or misaddressed are refused") {
  Stack stack;
  const IssuedNumber number = issue_number(stack);
  const std::string body =
      R"({"id":"pen_forged","type":"payment.paid","created_at":"2026-01-01T00:00:00Z","data":{"number":"pe_1",)"
      R"("reference":")" +
      number.intent_id + R"(","amount":1200,"status":"paid","paid_at":"2026-01-01T00:00:00Z"}})";
  const auto now_s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const auto sign = [&](const std::string& secret, std::int64_t t) {
    return "t=" + std::to_string(t) +
           ",v1=" + runtime::hmac_sha256_hex(secret, std::to_string(t) + "." + body);
  };
  const auto send = [&](const std::string& processor, const testing::Headers& headers) {
    runtime::HttpClient client(stack.url, runtime::ClientLimits{});
    auto response =
        client.request("POST", "/v1/processors/" + processor + "/notices", body, "application/json", headers);
    REQUIRE(response.ok());
    return response.value();
  };
  CHECK(send("payeasy-sim", {}).status == 401);
  CHECK(send("payeasy-sim", {{"X-Notify-Signature", sign("guessed", now_s)}}).status == 401);
  CHECK(send("payeasy-sim", {{"X-Notify-Signature", sign(stack.notice_secret, now_s - 3600)}}).status == 401);
  CHECK(send("nobody", {{"X-Notify-Signature", sign(stack.notice_secret, now_s)}}).status == 404);
  CHECK(send("card-sim", {{"X-Notify-Signature", sign(stack.notice_secret, now_s)}}).status == 404);
  CHECK(body_of(stack.get("/v1/payment_intents/" + number.intent_id)).at("status").as_string() ==
        "requires_payment");
  CHECK(stack.count("select count(*) from processor_notices") == 0);
  // Correctly signed, it is accepted: the signature is the only credential a processor has.
  const runtime::HttpResponse genuine =
      send("payeasy-sim", {{"X-Notify-Signature", sign(stack.notice_secret, now_s)}});
  CHECK(genuine.status == 200);
}

TEST_CASE(
    "merchant-presented QR: a JPQR code is shown, scanned by the payer's wallet, and the notice succeeds "
    "it") {
  // Every notice comes late, and twice.
  Stack stack(StackOptions{.qr_args = {"--duplicate-callback-rate", "1", "--callback-delay-ms", "300"}});
  const runtime::HttpResponse created = stack.post(kJpqrIntent);
  INFO(created.body);
  REQUIRE(created.status == 201);
  const json::object intent = body_of(created);
  const std::string id(intent.at("id").as_string());
  CHECK(intent.at("status").as_string() == "requires_payment");
  const json::object& jpqr = intent.at("next_action").as_object().at("jpqr").as_object();
  const std::string payload(jpqr.at("payload").as_string());
  CHECK(payload.starts_with("000201010212"));
  CHECK(payload.find("jp.or.paymentsjapan") != std::string::npos);
  CHECK(payload.find("5303392") != std::string::npos);
  CHECK(payload.find("5403800") != std::string::npos);

  const runtime::HttpResponse png = stack.get(std::string(jpqr.at("image_png_url").as_string()));
  CHECK(png.status == 200);
  CHECK(png.content_type == "image/png");
  CHECK(png.body.starts_with("\x89PNG"));
  const runtime::HttpResponse svg = stack.get("/v1/payment_intents/" + id + "/jpqr.svg");
  CHECK(svg.status == 200);
  CHECK(svg.body.find("<svg") != std::string::npos);

  // A payer without enough balance is declined by the provider; the code stays payable.
  const runtime::HttpResponse short_of_money = sim_request(
      stack.qr_url, "POST", "/sim/scan",
      json::serialize(json::object{{"payload", payload}, {"wallet", "paypay"}, {"payer", "broke-1"}}));
  CHECK(short_of_money.status == 402);
  CHECK(body_of(stack.get("/v1/payment_intents/" + id)).at("status").as_string() == "requires_payment");

  const runtime::HttpResponse scanned =
      sim_request(stack.qr_url, "POST", "/sim/scan",
                  json::serialize(json::object{{"payload", payload}, {"wallet", "paypay"}}));
  INFO(scanned.body);
  REQUIRE(scanned.status == 200);
  const json::object paid = wait_for_status(stack, id, "succeeded");
  CHECK(paid.at("amount_captured").as_int64() == 800);
  CHECK(stack.count(journals_of(id)) == 1);
  CHECK(wait_for_count(stack, "select coalesce(sum(received_count), 0) from processor_notices", 2) == 2);
  CHECK(stack.count(journals_of(id)) == 1);
  CHECK(stack.get("/v1/payment_intents/" + id + "/jpqr.png").status == 409);

  // Refunded through the provider like any QR payment.
  const runtime::HttpResponse refund =
      stack.request("POST", "/v1/refunds", R"({"payment_intent": ")" + id + R"(", "amount": 300})");
  INFO(refund.body);
  CHECK(refund.status == 201);
  CHECK(body_of(refund).at("status").as_string() == "succeeded");
}

TEST_CASE(
    "merchant-presented QR: an unscanned code expires, and a tampered code is refused by the provider") {
  Stack stack(StackOptions{.config_edits = {{"jpqr_expires_after_s = 300", "jpqr_expires_after_s = 2"}}});
  const json::object intent = body_of(stack.post(kJpqrIntent));
  const std::string id(intent.at("id").as_string());
  std::string payload(intent.at("next_action").as_object().at("jpqr").as_object().at("payload").as_string());
  std::string tampered = payload;
  tampered.replace(tampered.find("5403800"), 7, "5403080");  // a cheaper amount, same CRC
  CHECK(sim_request(stack.qr_url, "POST", "/sim/scan",
                    json::serialize(json::object{{"payload", tampered}, {"wallet", "paypay"}}))
            .status == 400);
  wait_for_status(stack, id, "expired");
  CHECK(sim_request(stack.qr_url, "POST", "/sim/scan",
                    json::serialize(json::object{{"payload", payload}, {"wallet", "paypay"}}))
            .status == 409);
  CHECK(stack.count(journals_of(id)) == 0);
}

TEST_CASE("a QR intent with a manual capture is refused: the payer pays in full") {
  Stack stack;
  const runtime::HttpResponse refused = stack.post(
      R"({"amount": 800, "currency": "JPY", "means": "qr", "fee_code": "F001", "facility_id": "FAC001",)"
      R"( "capture_method": "manual", "confirm": true})");
  CHECK(refused.status == 400);
  CHECK(refused.body.find("capture_method") != std::string::npos);
}

namespace {

// Today's business date in Asia/Tokyo (+09:00, no daylight saving), as the simulators date their files.
std::string tokyo_today() {
  const auto now = std::chrono::system_clock::now() + std::chrono::hours(9);
  const std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(now)};
  char text[32];  // GCC counts a year of up to 11 characters
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
  return text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("each simulator writes its day's settlement file with the payments kessai made") {
  Stack stack;
  const std::string card =
      std::string(body_of(stack.post(testing::card_payment("tok_visa", 2100))).at("id").as_string());
  const std::string emoney = std::string(
      body_of(
          stack.post(
              R"({"amount": 300, "currency": "JPY", "means": "emoney", "fee_code": "F001", "facility_id":)"
              R"( "FAC001", "confirm": true, "payment_method": {"emoney": {"brand": "transit_ic",)"
              R"( "idm": "0123456789ABCDEF"}}})"))
          .at("id")
          .as_string());
  const json::object shown = body_of(stack.post(kJpqrIntent));
  const std::string jpqr(shown.at("id").as_string());
  REQUIRE(
      sim_request(stack.qr_url, "POST", "/sim/scan",
                  json::serialize(json::object{{"payload", shown.at("next_action").at("jpqr").at("payload")},
                                               {"wallet", "au_pay"}}))
          .status == 200);
  wait_for_status(stack, jpqr, "succeeded");
  const IssuedNumber number = issue_number(stack);
  REQUIRE(pay_at_atm(stack, number).status == 200);
  wait_for_status(stack, number.intent_id, "succeeded");

  const std::string date = tokyo_today();
  for (const auto& [base, reference] :
       std::vector<std::pair<std::string, std::string>>{{stack.sim_url, card},
                                                        {stack.emoney_url, emoney},
                                                        {stack.qr_url, jpqr},
                                                        {stack.payeasy_url, number.intent_id}}) {
    const runtime::HttpResponse written =
        sim_request(base, "POST", "/sim/settlement", R"({"date": ")" + date + R"("})");
    INFO(base << ": " << written.body);
    REQUIRE(written.status == 201);
    const json::object file = body_of(written);
    CHECK(file.at("lines").as_int64() >= 1);
    const std::string content = read_file(std::string(file.at("path").as_string()));
    CHECK(content.find(reference) != std::string::npos);  // our reference, for reconciliation to match on
  }
  CHECK(sim_request(stack.sim_url, "POST", "/sim/settlement", R"({"date": "2026-02-30"})").status == 400);
}
