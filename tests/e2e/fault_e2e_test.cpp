// End to end: the card acquirer's faults. An unknown outcome is never guessed: kessai asks the acquirer
// and settles the payment; whatever happens, a payment is charged at most once.
#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

#include "stack_fixture.hpp"

using namespace kessai;
using testing::body_of;
using testing::card_payment;
using testing::Stack;
using testing::StackOptions;
namespace json = boost::json;

namespace {

// The fixture asks about unknown outcomes 4 s after sending (above its 500 + 3000 ms processor timeouts).
StackOptions with_faults(std::vector<std::string> switches) {
  return StackOptions{"", std::move(switches)};
}

// Polls the intent until it leaves `processing` (bounded); returns its last state.
json::object settled(Stack& stack, const std::string& id) {
  json::object intent;
  for (int i = 0; i < 300; ++i) {
    intent = body_of(stack.get("/v1/payment_intents/" + id));
    if (intent.at("status") != "processing") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return intent;
}

std::string id_in(const runtime::HttpResponse& response) {
  const json::object body = body_of(response);
  if (body.contains("payment_intent")) return std::string(body.at("payment_intent").at("id").as_string());
  return std::string(body.at("id").as_string());
}

struct LostResponses : Stack {
  LostResponses() : Stack(with_faults({"--lost-response-rate", "1"})) {}
};
struct Unavailable : Stack {
  Unavailable() : Stack(with_faults({"--fail-rate", "1"})) {}
};
struct SlowAnswers : Stack {
  // kessaid gives up after 3 s (the fixture's request_timeout_ms); the acquirer answers after 4 s.
  SlowAnswers() : Stack(with_faults({"--slow-answer-rate", "1", "--slow-answer-ms", "4000"})) {}
};
struct Mixed : Stack {
  Mixed() : Stack(with_faults({"--fail-rate", "0.25", "--lost-response-rate", "0.25", "--seed", "7"})) {}
};

}  // namespace

TEST_CASE_METHOD(LostResponses,
                 "a lost answer is settled by inquiry: succeeded, charged once, journaled once") {
  const auto response = post(card_payment("tok_visa"));
  INFO(response.body);
  const std::string id = id_in(response);
  CHECK(settled(*this, id).at("status") == "succeeded");
  CHECK(simulator_charges(id).size() == 1);
  CHECK(count("select count(*) from journal_entries where reference = '" + id + "'") == 1);
  // A declined card behind a lost answer is settled as declined, not as a success.
  const std::string declined = id_in(post(card_payment("tok_decline")));
  const json::object intent = settled(*this, declined);
  CHECK(intent.at("status") == "failed");
  CHECK(intent.at("last_payment_error").at("code") == "card_declined");
  CHECK(count("select count(*) from journal_entries where reference = '" + declined + "'") == 0);
}

TEST_CASE_METHOD(LostResponses, "retries with one Idempotency-Key never charge twice") {
  const testing::Headers key{{"Idempotency-Key", "lost-1"}};
  std::string id;
  for (int attempt = 0; attempt < 4; ++attempt) {
    const auto response = request("POST", "/v1/payment_intents", card_payment("tok_visa"), key);
    const std::string this_id = id_in(response);
    if (id.empty()) id = this_id;
    CHECK(this_id == id);
  }
  CHECK(settled(*this, id).at("status") == "succeeded");
  CHECK(simulator_charges(id).size() == 1);
  CHECK(count("select count(*) from payment_intents") == 1);
}

TEST_CASE_METHOD(Unavailable, "a 503 before processing settles as failed, with nothing charged") {
  const auto response = post(card_payment("tok_visa"));
  INFO(response.body);
  CHECK(response.status == 201);
  CHECK(body_of(response).at("status") == "processing");  // not guessed
  const std::string id = id_in(response);
  const json::object intent = settled(*this, id);
  CHECK(intent.at("status") == "failed");
  CHECK(intent.at("last_payment_error").at("code") == "processor_unavailable");
  CHECK(simulator_charges(id).empty());
  CHECK(count("select count(*) from journal_entries") == 0);
  CHECK_THAT(daemon->log_tail(1 << 20), Catch::Contains("payment_outcome_unknown"));
}

TEST_CASE_METHOD(SlowAnswers, "an answer slower than kessai's timeout is settled by inquiry") {
  const auto started = std::chrono::steady_clock::now();
  const auto response = post(card_payment("tok_visa"));
  INFO(response.status << " " << response.body);
  const std::string id = id_in(response);
  CHECK(std::chrono::steady_clock::now() - started <
        std::chrono::seconds(4));  // did not wait for the acquirer
  CHECK(settled(*this, id).at("status") == "succeeded");
  CHECK(simulator_charges(id).size() == 1);
}

TEST_CASE_METHOD(Mixed, "under mixed faults every payment settles, and charges match the ledger exactly") {
  std::vector<std::string> ids;
  for (int i = 0; i < 16; ++i) ids.push_back(id_in(post(card_payment("tok_visa", 1000 + i))));
  int succeeded = 0;
  for (const std::string& id : ids) {
    const json::object intent = settled(*this, id);
    const std::string status(intent.at("status").as_string());
    INFO(id << " " << status);
    CHECK((status == "succeeded" || status == "failed"));
    const std::size_t charges = simulator_charges(id).size();
    if (status == "succeeded") {
      ++succeeded;
      CHECK(charges == 1);
    } else {
      CHECK(charges == 0);
    }
  }
  CHECK(succeeded > 0);
  CHECK(count("select count(*) from journal_entries") == succeeded);
  CHECK(count("select count(*) from payment_intents where status = 'processing'") == 0);
}

namespace {

// A second card acquirer, kessai's fallback for FAC001.
struct TwoAcquirers : Stack {
  TwoAcquirers() : Stack(StackOptions{"", {}}) {
    second = std::make_unique<testing::ChildProcess>(
        testing::kBin + "/kessai-sim",
        std::vector<std::string>{"card-acquirer", "--listen", "127.0.0.1:0", "--port-file",
                                 dir + "/second.port", "--state-dir", dir + "/second"},
        std::vector<std::string>{}, dir + "/second.log");
    const unsigned port = testing::wait_for_port_file(dir + "/second.port", std::chrono::seconds(30));
    REQUIRE(port != 0);
    second_url = "http://127.0.0.1:" + std::to_string(port);
    options.extra_config =
        "[[processors]]\nid = \"card-b\"\nkind = \"card\"\nurl = \"" + second_url +
        "\"\nconnect_timeout_ms = 500\nrequest_timeout_ms = 3000\n"
        "[[routes]]\nmeans = \"card\"\nfacility = \"FAC001\"\nprocessors = [\"card-sim\", \"card-b\"]\n";
    REQUIRE(daemon->stop() == 0);
    start_daemon();
  }
  ~TwoAcquirers() { second->stop(); }
  std::size_t second_charges() {
    runtime::HttpClient client(second_url, runtime::ClientLimits{});
    return json::parse(client.request("GET", "/v1/charges")->body).at("data").as_array().size();
  }
  std::unique_ptr<testing::ChildProcess> second;
  std::string second_url;
};

}  // namespace

TEST_CASE_METHOD(TwoAcquirers,
                 "when the primary acquirer is down, payments go to the fallback and nothing is lost") {
  CHECK(body_of(post(card_payment("tok_visa"))).at("processor") == "card-sim");
  simulator->stop();
  for (int i = 0; i < 7; ++i) {  // past the circuit breaker's threshold
    const auto response = post(card_payment("tok_visa", 100 + i));
    INFO(response.body);
    REQUIRE(response.status == 201);
    CHECK(body_of(response).at("status") == "succeeded");
    CHECK(body_of(response).at("processor") == "card-b");
  }
  CHECK(second_charges() == 7);
  CHECK(count("select count(*) from journal_entries j join postings p on p.journal_id = j.id"
              " where p.account_code = 'assets:receivable:card-b'") == 7);
  CHECK_THAT(daemon->log_tail(1 << 20),
             Catch::Contains("circuit_opened") && Catch::Contains("processor_fallback"));
}

TEST_CASE_METHOD(TwoAcquirers, "routing changes in the config file apply without a restart") {
  const std::string facility2 = R"({"amount": 700, "currency": "JPY", "means": "card", "fee_code": "F002",
      "facility_id": "FAC002", "confirm": true, "payment_method": {"card_token": "tok_visa"}})";
  CHECK(body_of(post(facility2)).at("processor") == "card-sim");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // a distinct modification time
  std::ofstream(dir + "/kessaid.toml", std::ios::app)
      << "\n[[routes]]\nmeans = \"card\"\nfacility = \"FAC002\"\nprocessors = [\"card-b\"]\n";
  std::string processor;
  for (int i = 0; i < 100 && processor != "card-b"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (daemon->log_tail(1 << 20).find("routing_reloaded") == std::string::npos) continue;
    processor = std::string(body_of(post(facility2)).at("processor").as_string());
  }
  CHECK(processor == "card-b");
  // A broken edit is refused and the running routes stay.
  std::ofstream(dir + "/kessaid.toml", std::ios::app)
      << "\n[[routes]]\nmeans = \"card\"\nprocessors = [\"nope\"]\n";
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  CHECK_THAT(daemon->log_tail(1 << 20), Catch::Contains("routing_reload_refused"));
  CHECK(body_of(post(facility2)).at("processor") == "card-b");
}

namespace {

// The e-money centre and the QR provider with every fault at once: 503s, lost answers, answers slower
// than kessai's timeout, a share of random declines and a latency on every POST.
std::vector<std::string> every_fault() {
  return {"--fail-rate",      "0.2",  "--lost-response-rate", "0.2", "--slow-answer-rate", "0.1",
          "--slow-answer-ms", "4000", "--decline-rate",       "0.2", "--latency-ms",       "20",
          "--seed",           "5"};
}

struct InstantFaults : Stack {
  InstantFaults() : Stack(StackOptions{.qr_args = every_fault(), .emoney_args = every_fault()}) {}
  // The processor's record of the payment for a reference: 0 or 1 entries, never more.
  json::array processor_payments(const std::string& base, const std::string& reference) {
    runtime::HttpClient client(base, runtime::ClientLimits{});
    auto answer = client.request("GET", "/v1/payments?reference=" + reference);
    REQUIRE(answer.ok());
    return json::parse(answer->body).at("data").as_array();
  }
};

}  // namespace

TEST_CASE_METHOD(
    InstantFaults,
    "e-money and QR under every fault switch: each payment settles once, as the processor has it") {
  struct Sent {
    std::string id;
    std::string processor_url;
    std::string paid_status;  // the processor's word for paid
  };
  std::vector<Sent> sent;
  for (int i = 0; i < 8; ++i) {
    char idm[17];
    std::snprintf(idm, sizeof idm, "0123456789AB%04X", i + 1);
    const runtime::HttpResponse tap = post(
        R"({"amount": )" + std::to_string(100 + i) +
        R"(, "currency": "JPY", "means": "emoney", "fee_code": "F001", "facility_id": "FAC001", "confirm": true,)"
        R"( "payment_method": {"emoney": {"brand": "waon", "idm": ")" +
        idm + R"("}}})");
    sent.push_back({id_in(tap), emoney_url, "captured"});
    char code[21];
    std::snprintf(code, sizeof code, "27%012d5678", 4242 + i);
    const runtime::HttpResponse scan = post(
        R"({"amount": )" + std::to_string(200 + i) +
        R"(, "currency": "JPY", "means": "qr", "fee_code": "F001", "facility_id": "FAC002", "confirm": true,)"
        R"( "payment_method": {"qr_code": ")" +
        code + R"("}})");
    sent.push_back({id_in(scan), qr_url, "completed"});
  }
  int succeeded = 0, declined = 0;
  for (const Sent& payment : sent) {
    const json::object intent = settled(*this, payment.id);
    const std::string status(intent.at("status").as_string());
    INFO(payment.id << " " << status);
    REQUIRE((status == "succeeded" || status == "failed"));
    const json::array records = processor_payments(payment.processor_url, payment.id);
    CHECK(records.size() <= 1);
    const bool paid_there =
        !records.empty() && records[0].as_object().at("status").as_string() == payment.paid_status;
    CHECK(paid_there == (status == "succeeded"));  // the ledger agrees with the processor, payment by payment
    if (status == "succeeded") ++succeeded;
    if (intent.at("last_payment_error").is_object() &&
        intent.at("last_payment_error").as_object().at("code").as_string() == "do_not_honor")
      ++declined;
  }
  CHECK(succeeded > 0);
  CHECK(declined > 0);  // --decline-rate reached the payers
  CHECK(count("select count(*) from journal_entries") == succeeded);
  CHECK(count("select count(*) from payment_intents where status = 'processing'") == 0);
}
