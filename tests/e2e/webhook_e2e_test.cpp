// End to end: webhook endpoints, signed deliveries from the outbox, retries, restarts and re-sends.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "kessai/runtime/crypto.hpp"
#include "kessai/runtime/http_server.hpp"
#include "stack_fixture.hpp"

using namespace kessai;
using testing::body_of;
using testing::card_payment;
using testing::must_run;
using testing::Stack;
namespace json = boost::json;

namespace {

// A backend's webhook receiver: records what arrives and answers with a chosen status.
class Receiver {
 public:
  Receiver()
      : server_(
            "127.0.0.1", 0, runtime::ServerLimits{},
            [this](runtime::HttpRequest request, runtime::Responder respond) {
              runtime::HttpResponse response;
              response.status = status.load();
              {
                std::lock_guard lock(mutex_);
                if (response.status < 300) received_.push_back(request);
                ++attempts;
              }
              respond(response);
            },
            1),
        thread_([this] { server_.run(); }) {}
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + "/hooks?source=kessai";
  }

  // Waits until `count` deliveries were accepted; returns them.
  std::vector<runtime::HttpRequest> wait_for(std::size_t count,
                                             std::chrono::seconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mutex_);
        if (received_.size() >= count) return received_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::lock_guard lock(mutex_);
    return received_;
  }

  std::atomic<unsigned> status{200};
  std::atomic<int> attempts{0};

 private:
  std::mutex mutex_;
  std::vector<runtime::HttpRequest> received_;
  runtime::HttpServer server_;
  std::thread thread_;
};

// Waits (bounded) until the receiver has seen at least `count` attempts.
void wait_for_attempts(const Receiver& receiver, int count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (receiver.attempts.load() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(receiver.attempts.load() >= count);
}

testing::StackOptions fast_retries() {
  return {"[webhooks]\npoll_interval_ms = 50\nretry_initial_ms = 100\nretry_max_ms = 200\n", {}};
}

struct WebhookStack : Stack {
  WebhookStack() : Stack(fast_retries()) {}
  std::string subscribe(const std::string& events) {
    const auto created = request("POST", "/v1/webhook_endpoints",
                                 R"({"url": ")" + receiver.url() + R"(", "events": )" + events + "}");
    INFO(created.body);
    REQUIRE(created.status == 201);
    const std::string secret(body_of(created).at("secret").as_string());
    CHECK(secret.starts_with("whsec_"));
    return secret;
  }
  Receiver receiver;
};

// Checks Kessai-Signature the way a backend would: t=…,v1=HMAC-SHA256(secret, "t.body").
bool signature_valid(const runtime::HttpRequest& request, const std::string& secret) {
  const auto header = request.header("kessai-signature");
  if (!header) return false;
  const std::string text(*header);
  const std::size_t comma = text.find(",v1=");
  if (!text.starts_with("t=") || comma == std::string::npos) return false;
  const std::string t = text.substr(2, comma - 2);
  return runtime::constant_time_equals(text.substr(comma + 4),
                                       runtime::hmac_sha256_hex(secret, t + "." + request.body));
}

std::string id_of(const runtime::HttpResponse& response) {
  return std::string(body_of(response).at("id").as_string());
}

}  // namespace

TEST_CASE_METHOD(WebhookStack, "a succeeded payment is announced once, signed, with its current state") {
  const std::string secret = subscribe(R"(["payment_intent.succeeded", "payment_intent.payment_failed"])");
  const std::string id = id_of(post(card_payment("tok_visa")));
  post(card_payment("tok_decline"));
  const auto received = receiver.wait_for(2);
  REQUIRE(received.size() == 2);
  std::set<std::string> types;
  for (const auto& delivery : received) {
    CHECK(signature_valid(delivery, secret));
    CHECK_FALSE(signature_valid(delivery, secret + "x"));
    CHECK(delivery.target == "/hooks?source=kessai");
    const json::object event = json::parse(delivery.body).as_object();
    types.insert(std::string(event.at("type").as_string()));
    CHECK(std::string(event.at("id").as_string()).starts_with("evt_"));
    if (event.at("type") == "payment_intent.succeeded") {
      CHECK(event.at("data").at("object").at("id").as_string() == id);
      CHECK(event.at("data").at("object").at("status") == "succeeded");
    }
  }
  CHECK(types == std::set<std::string>{"payment_intent.succeeded", "payment_intent.payment_failed"});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(receiver.wait_for(3, std::chrono::seconds(0)).size() == 2);  // nothing twice
  CHECK_THAT(must_run("kessai", {"webhooks", "pending"}, database.url()),
             Catch::Contains("every webhook delivery"));
}

TEST_CASE_METHOD(WebhookStack,
                 "a failing receiver is retried with backoff; a late retry reports the current state") {
  subscribe(R"(["payment_intent.succeeded", "refund.succeeded"])");
  receiver.status = 500;
  const std::string id = id_of(post(card_payment("tok_visa")));
  wait_for_attempts(receiver, 1);
  const std::string pending = must_run("kessai", {"webhooks", "pending"}, database.url());
  CHECK_THAT(pending, Catch::Contains("payment_intent.succeeded") && Catch::Contains("HTTP 500"));
  // While the receiver fails, the payment is refunded in full.
  REQUIRE(request("POST", "/v1/refunds", R"({"payment_intent": ")" + id + R"("})").status == 201);
  wait_for_attempts(receiver, 3);
  receiver.status = 200;
  const auto received = receiver.wait_for(2);
  REQUIRE(received.size() == 2);
  for (const auto& delivery : received) {
    const json::object event = json::parse(delivery.body).as_object();
    if (event.at("type") == "payment_intent.succeeded") {
      CHECK(event.at("data").at("object").at("amount_refunded") == 3000);  // not the stale 0
    }
  }
  CHECK(count("select max(attempts) from webhook_deliveries") >= 2);
}

TEST_CASE_METHOD(WebhookStack, "events survive a restart of kessaid and can be re-sent by hand") {
  subscribe(R"(["payment_intent.succeeded"])");
  receiver.status = 503;
  post(card_payment("tok_visa"));
  wait_for_attempts(receiver, 1);
  REQUIRE(daemon->stop() == 0);
  receiver.status = 200;
  start_daemon();
  auto received = receiver.wait_for(1);
  REQUIRE(received.size() == 1);
  const std::string event_id(json::parse(received[0].body).at("id").as_string());
  CHECK_THAT(must_run("kessai", {"webhooks", "resend", event_id}, database.url()),
             Catch::Contains("1 delivery"));
  received = receiver.wait_for(2);
  REQUIRE(received.size() == 2);
  CHECK(json::parse(received[1].body).at("id").as_string() == event_id);
}

TEST_CASE_METHOD(WebhookStack, "endpoints: bad registrations are refused; a deleted endpoint gets nothing") {
  const auto error_code = [&](const std::string& body) {
    return std::string(body_of(request("POST", "/v1/webhook_endpoints", body)).at("code").as_string());
  };
  CHECK(error_code(R"({"url": "https://example.invalid/x", "events": ["refund.succeeded"]})") ==
        "invalid_parameter");
  CHECK(error_code(R"({"url": "not a url", "events": ["refund.succeeded"]})") == "invalid_parameter");
  CHECK(error_code(R"({"url": "http://127.0.0.1:1/x", "events": ["payment.done"]})") == "invalid_parameter");
  CHECK(error_code(R"({"url": "http://127.0.0.1:1/x", "events": []})") == "invalid_parameter");
  CHECK(error_code(R"({"url": "http://127.0.0.1:1/x"})") == "missing_parameter");
  CHECK(error_code(R"({"url": "http://127.0.0.1:1/x", "events": ["refund.succeeded"], "secret": "mine"})") ==
        "unknown_parameter");

  subscribe(R"(["payment_intent.succeeded"])");
  const auto listed = json::parse(get("/v1/webhook_endpoints").body).as_object();
  REQUIRE(listed.at("data").as_array().size() == 1);
  const auto endpoint = listed.at("data").as_array()[0].as_object();
  CHECK_FALSE(endpoint.contains("secret"));  // shown once, at creation
  const std::string endpoint_id(endpoint.at("id").as_string());
  CHECK(request("DELETE", "/v1/webhook_endpoints/" + endpoint_id).status == 200);
  CHECK(request("DELETE", "/v1/webhook_endpoints/" + endpoint_id).status == 404);
  post(card_payment("tok_visa"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(receiver.attempts.load() == 0);
  CHECK(count("select count(*) from webhook_deliveries") == 0);
}

TEST_CASE_METHOD(WebhookStack, "a Pay-easy number reaches the backend in the requires_payment webhook") {
  const std::string secret = subscribe(R"(["payment_intent.requires_payment"])");
  const auto created = post(R"({"amount": 1200, "currency": "JPY", "means": "payeasy", "fee_code": "F003",)"
                            R"( "procedure_id": "PROC001", "confirm": true})");
  REQUIRE(created.status == 201);
  const json::object intent = body_of(created);
  const auto received = receiver.wait_for(1);
  REQUIRE(received.size() == 1);
  CHECK(signature_valid(received[0], secret));
  const json::object event = json::parse(received[0].body).as_object();
  CHECK(event.at("type") == "payment_intent.requires_payment");
  const json::value& object = event.at("data").at("object");
  CHECK(object.at("id") == intent.at("id"));
  CHECK(object.at("next_action").at("payeasy").at("customer_number") ==
        intent.at("next_action").at("payeasy").at("customer_number"));
  CHECK(object.at("next_action").at("payeasy").at("confirmation_number").as_string().size() >= 4);
}
