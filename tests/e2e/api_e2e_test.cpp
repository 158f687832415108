// End to end through kessaid: API keys and scopes, the whole payment lifecycle, idempotency.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "stack_fixture.hpp"

using namespace kessai;
using testing::body_of;
using testing::card_payment;
using testing::Headers;
using testing::must_run;
using testing::Stack;
namespace json = boost::json;

namespace {

std::string id_of(const runtime::HttpResponse& response) {
  return std::string(body_of(response).at("id").as_string());
}

std::string code_of(const runtime::HttpResponse& response) {
  return std::string(body_of(response).at("code").as_string());
}

}  // namespace

TEST_CASE_METHOD(Stack, "no key, a wrong key or a revoked key is 401; keys never reach the logs") {
  auto missing = api->request("POST", "/v1/payment_intents", card_payment("tok_visa"));
  REQUIRE(missing.ok());
  CHECK(missing->status == 401);
  CHECK(code_of(missing.value()) == "authentication_required");

  const std::string wrong = "ksk_AAAAAAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
  CHECK(code_of(request("GET", "/v1/payment_intents", "", {{"Authorization", "Bearer " + wrong}})) ==
        "invalid_api_key");
  CHECK(request("GET", "/v1/payment_intents", "", {{"Authorization", "Bearer nonsense"}}).status == 401);
  CHECK(request("GET", "/v1/payment_intents", "", {{"Authorization", "Basic abc"}}).status == 401);
  CHECK(request("GET", "/v1/payment_intents", "", {{"Authorization", "bearer " + api_key}}).status == 200);

  const std::string revoked = create_key({"all"}, "to be revoked");
  const std::string key_id = "key_" + revoked.substr(4, 16);
  must_run("kessai", {"apikey", "revoke", key_id}, database.url());
  CHECK(code_of(request("GET", "/v1/payment_intents", "", {{"Authorization", "Bearer " + revoked}})) ==
        "invalid_api_key");
  CHECK(count("select count(*) from payment_intents") == 0);

  CHECK(request("POST", "/v1/payment_intents", card_payment("tok_visa")).status == 201);
  CHECK_THAT(daemon->log_tail(1 << 20), !Catch::Contains(api_key) && !Catch::Contains(revoked));
  const std::string listing = must_run("kessai", {"apikey", "list"}, database.url());
  CHECK_THAT(listing, Catch::Contains(key_id) && !Catch::Contains(revoked.substr(21)));
}

TEST_CASE_METHOD(Stack, "a key charges only within its scope and sees only its own payments") {
  const std::string museum = create_key({"facility:FAC002"}, "museum counter");
  const Headers as_museum{{"Authorization", "Bearer " + museum}};
  const auto forbidden = request("POST", "/v1/payment_intents", card_payment("tok_visa"), as_museum);
  CHECK(forbidden.status == 403);
  CHECK(code_of(forbidden) == "scope_forbidden");

  const std::string mine = id_of(request("POST", "/v1/payment_intents", card_payment("tok_visa")));
  CHECK(request("GET", "/v1/payment_intents/" + mine, "", as_museum).status == 404);
  CHECK(request("POST", "/v1/payment_intents/" + mine + "/cancel", "", as_museum).status == 404);
  CHECK(request("POST", "/v1/refunds", R"({"payment_intent": ")" + mine + R"("})", as_museum).status == 404);
  const auto theirs = json::parse(request("GET", "/v1/payment_intents", "", as_museum).body).as_object();
  CHECK(theirs.at("data").as_array().empty());
  CHECK(count("select count(*) from refunds") == 0);
}

TEST_CASE_METHOD(Stack, "manual capture, partial capture, then refunds up to the captured amount") {
  const auto authorized = request("POST", "/v1/payment_intents",
                                  card_payment("tok_visa", 5000, R"(, "capture_method": "manual")"));
  REQUIRE(authorized.status == 201);
  CHECK(body_of(authorized).at("status") == "requires_capture");
  const std::string id = id_of(authorized);
  CHECK(count("select count(*) from journal_entries") == 0);

  CHECK(code_of(request("POST", "/v1/payment_intents/" + id + "/capture",
                        R"({"amount_to_capture": 6000})")) == "amount_invalid");
  const auto captured =
      request("POST", "/v1/payment_intents/" + id + "/capture", R"({"amount_to_capture": 4000})");
  INFO(captured.body);
  REQUIRE(captured.status == 200);
  CHECK(body_of(captured).at("status") == "succeeded");
  CHECK(body_of(captured).at("amount_captured") == 4000);
  CHECK(code_of(request("POST", "/v1/payment_intents/" + id + "/capture", "")) ==
        "payment_intent_unexpected_state");
  CHECK(code_of(request("POST", "/v1/payment_intents/" + id + "/cancel", "")) ==
        "payment_intent_unexpected_state");

  const auto first = request("POST", "/v1/refunds", R"({"payment_intent": ")" + id + R"(", "amount": 1500})");
  INFO(first.body);
  REQUIRE(first.status == 201);
  CHECK(body_of(first).at("status") == "succeeded");
  const auto over = request("POST", "/v1/refunds", R"({"payment_intent": ")" + id + R"(", "amount": 2501})");
  CHECK(over.status == 422);
  CHECK(code_of(over) == "refund_exceeds_captured");
  const auto rest = request("POST", "/v1/refunds", R"({"payment_intent": ")" + id + R"("})");
  REQUIRE(rest.status == 201);
  CHECK(body_of(rest).at("amount") == 2500);
  CHECK(request("GET", "/v1/refunds/" + id_of(rest)).status == 200);
  CHECK(body_of(request("GET", "/v1/payment_intents/" + id)).at("amount_refunded") == 4000);

  // capture + two refunds; every journal balanced; the receivable is back to zero.
  CHECK(count("select count(*) from journal_entries") == 3);
  CHECK(count("select coalesce(sum(amount_yen), 0) from postings where account_code = "
              "'assets:receivable:card-sim'") == 0);
  CHECK_THAT(must_run("kessai", {"ledger", "trial-balance"}, database.url()), Catch::Contains("balanced"));
}

TEST_CASE_METHOD(Stack, "cancel releases an authorization and an unconfirmed intent; confirm later pays") {
  const std::string authorized = id_of(request(
      "POST", "/v1/payment_intents", card_payment("tok_visa", 3000, R"(, "capture_method": "manual")")));
  const auto canceled = request("POST", "/v1/payment_intents/" + authorized + "/cancel",
                                R"({"cancellation_reason": "requested_by_customer"})");
  REQUIRE(canceled.status == 200);
  CHECK(body_of(canceled).at("status") == "canceled");
  CHECK(body_of(canceled).at("cancellation_reason") == "requested_by_customer");
  const json::array charges = simulator_charges(authorized);
  REQUIRE(charges.size() == 1);
  CHECK(charges[0].as_object().at("status") == "voided");
  CHECK(code_of(request("POST", "/v1/payment_intents/" + authorized + "/capture", "")) ==
        "payment_intent_unexpected_state");
  CHECK(code_of(request("POST", "/v1/payment_intents/" + authorized + "/cancel",
                        R"({"cancellation_reason": "x"})")) == "invalid_parameter");

  const std::string later = id_of(request(
      "POST", "/v1/payment_intents",
      R"({"amount": 800, "currency": "JPY", "means": "card", "fee_code": "F002", "procedure_id": "PROC001"})"));
  CHECK(body_of(request("GET", "/v1/payment_intents/" + later)).at("status") == "requires_confirmation");
  CHECK(code_of(request("POST", "/v1/payment_intents/" + later + "/confirm", "{}")) ==
        "payment_method_required");
  const auto confirmed = request("POST", "/v1/payment_intents/" + later + "/confirm",
                                 R"({"payment_method": {"card_token": "tok_visa"}})");
  CHECK(body_of(confirmed).at("status") == "succeeded");
  CHECK(count("select count(*) from journal_entries") == 1);
}

TEST_CASE_METHOD(Stack, "the list is newest first, filtered, and pages with starting_after") {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(id_of(post(card_payment("tok_visa", 100 + i))));
  post(card_payment("tok_decline"));
  const auto first_page = json::parse(get("/v1/payment_intents?limit=2&status=succeeded").body).as_object();
  REQUIRE(first_page.at("data").as_array().size() == 2);
  CHECK(first_page.at("has_more") == true);
  CHECK(first_page.at("data").as_array()[0].as_object().at("id").as_string() == ids[4]);
  const std::string cursor(first_page.at("data").as_array()[1].as_object().at("id").as_string());
  const auto rest =
      json::parse(get("/v1/payment_intents?limit=10&status=succeeded&starting_after=" + cursor).body)
          .as_object();
  CHECK(rest.at("data").as_array().size() == 3);
  CHECK(rest.at("has_more") == false);
  CHECK(json::parse(get("/v1/payment_intents?status=failed").body).at("data").as_array().size() == 1);
  CHECK(code_of(get("/v1/payment_intents?limit=0")) == "invalid_parameter");
  CHECK(code_of(get("/v1/payment_intents?limit=101")) == "invalid_parameter");
  CHECK(code_of(get("/v1/payment_intents?status=paid")) == "invalid_parameter");
  CHECK(code_of(get("/v1/payment_intents?sort=asc")) == "unknown_parameter");
  CHECK(code_of(get("/v1/payment_intents?starting_after=pi_nope")) == "invalid_parameter");
}

TEST_CASE_METHOD(Stack, "an Idempotency-Key replays the first answer and refuses other parameters") {
  const Headers key{{"Idempotency-Key", "order-42"}};
  const auto first = request("POST", "/v1/payment_intents", card_payment("tok_visa"), key);
  REQUIRE(first.status == 201);
  const auto again = request("POST", "/v1/payment_intents", card_payment("tok_visa"), key);
  CHECK(again.status == 201);
  CHECK(again.body == first.body);
  CHECK(again.headers.end() != std::find(again.headers.begin(), again.headers.end(),
                                         std::pair<std::string, std::string>("idempotent-replayed", "true")));
  const auto other = request("POST", "/v1/payment_intents", card_payment("tok_visa", 3001), key);
  CHECK(other.status == 422);
  CHECK(code_of(other) == "idempotency_key_mismatch");
  // The same key from another backend is another key.
  const std::string other_backend = create_key({"all"}, "other backend");
  const auto theirs =
      request("POST", "/v1/payment_intents", card_payment("tok_visa", 3001),
              {{"Idempotency-Key", "order-42"}, {"Authorization", "Bearer " + other_backend}});
  CHECK(theirs.status == 201);
  CHECK(count("select count(*) from payment_intents") == 2);
  CHECK(code_of(request("POST", "/v1/payment_intents", card_payment("tok_visa"),
                        {{"Idempotency-Key", std::string(256, 'k')}})) == "idempotency_key_invalid");
  // A declined payment is a result too: replayed, not charged again.
  const Headers decline_key{{"Idempotency-Key", "order-43"}};
  const auto declined = request("POST", "/v1/payment_intents", card_payment("tok_decline"), decline_key);
  CHECK(declined.status == 402);
  CHECK(request("POST", "/v1/payment_intents", card_payment("tok_decline"), decline_key).body ==
        declined.body);
  // Refunds too.
  const std::string paid = id_of(first);
  const Headers refund_key{{"Idempotency-Key", "refund-1"}};
  const std::string refund_body = R"({"payment_intent": ")" + paid + R"(", "amount": 100})";
  CHECK(request("POST", "/v1/refunds", refund_body, refund_key).status == 201);
  CHECK(request("POST", "/v1/refunds", refund_body, refund_key).status == 201);
  CHECK(count("select count(*) from refunds") == 1);
}

TEST_CASE_METHOD(Stack, "the same request fired concurrently executes exactly once") {
  constexpr int kRequests = 16;
  std::atomic<int> created{0};
  std::atomic<int> in_use{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&] {
      runtime::HttpClient client(url, runtime::ClientLimits{});
      auto response =
          client.request("POST", "/v1/payment_intents", card_payment("tok_visa", 7777), "application/json",
                         {{"Authorization", "Bearer " + api_key}, {"Idempotency-Key", "burst-1"}});
      if (!response.ok()) {
        ++other;
      } else if (response->status == 201) {
        ++created;
      } else if (response->status == 409) {
        ++in_use;
      } else {
        ++other;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(other == 0);
  CHECK(created + in_use == kRequests);
  CHECK(created >= 1);
  CHECK(count("select count(*) from payment_intents") == 1);
  CHECK(count("select count(*) from journal_entries") == 1);
  const std::string id = id_of(post(card_payment("tok_visa", 1)));  // a control payment
  CHECK(count("select count(*) from payment_intents") == 2);
  CHECK(simulator_charges(id).size() == 1);
  runtime::HttpClient sim(sim_url, runtime::ClientLimits{});
  const auto all = json::parse(sim.request("GET", "/v1/charges")->body).as_object().at("data").as_array();
  CHECK(all.size() == 2);  // one for the burst, one for the control
}

TEST_CASE_METHOD(Stack, "bad bodies on the lifecycle endpoints are refused and change nothing") {
  const std::string id = id_of(post(card_payment("tok_visa", 3000, R"(, "capture_method": "manual")")));
  CHECK(code_of(request("POST", "/v1/payment_intents/" + id + "/capture",
                        R"({"amount_to_capture": "all"})")) == "invalid_parameter");
  CHECK(code_of(request("POST", "/v1/payment_intents/" + id + "/capture", R"({"amount": 5})")) ==
        "unknown_parameter");
  CHECK(code_of(request("POST", "/v1/payment_intents/" + id + "/capture", "[")) == "malformed_json");
  CHECK(code_of(request("POST", "/v1/refunds", R"({"amount": 5})")) == "missing_parameter");
  CHECK(code_of(request("POST", "/v1/refunds", R"({"payment_intent": ")" + id + R"("})")) ==
        "payment_intent_unexpected_state");
  CHECK(code_of(request("POST", "/v1/refunds", R"({"payment_intent": "pi_unknown"})")) ==
        "payment_intent_not_found");
  CHECK(code_of(request("POST", "/v1/payment_intents/pi_unknown/capture", "")) == "payment_intent_not_found");
  CHECK(code_of(get("/v1/refunds/re_unknown")) == "refund_not_found");
  CHECK(body_of(get("/v1/payment_intents/" + id)).at("status") == "requires_capture");
  CHECK(count("select count(*) from refunds") == 0);
}

TEST_CASE_METHOD(Stack, "a capture the processor did not confirm is not replayed: the retry captures") {
  const std::string id = id_of(post(card_payment("tok_visa", 3000, R"(, "capture_method": "manual")")));
  const Headers key{{"Idempotency-Key", "capture-1"}};
  simulator->stop();
  const auto down = request("POST", "/v1/payment_intents/" + id + "/capture", "", key);
  CHECK(down.status == 502);
  CHECK(code_of(down) == "processor_unavailable");
  CHECK(body_of(get("/v1/payment_intents/" + id)).at("status") == "requires_capture");
  start_simulator();
  // kessaid still points at the old port; a new daemon on the same database picks up the new one.
  REQUIRE(daemon->stop() == 0);
  start_daemon();
  const auto retried = request("POST", "/v1/payment_intents/" + id + "/capture", "", key);
  INFO(retried.body);
  CHECK(retried.status == 200);
  CHECK(body_of(retried).at("status") == "succeeded");
  CHECK(count("select count(*) from journal_entries") == 1);
}

TEST_CASE_METHOD(Stack, "a create whose processor was down stays failed; its retry answers the same intent") {
  const Headers key{{"Idempotency-Key", "create-down"}};
  simulator->stop();
  const auto first = request("POST", "/v1/payment_intents", card_payment("tok_visa"), key);
  CHECK(first.status == 502);
  const std::string id(body_of(first).at("payment_intent").at("id").as_string());
  const auto again = request("POST", "/v1/payment_intents", card_payment("tok_visa"), key);
  CHECK(again.status == 502);
  CHECK(body_of(again).at("payment_intent").at("id").as_string() == id);
  CHECK(count("select count(*) from payment_intents") == 1);
}

TEST_CASE_METHOD(Stack, "a retry after a crashed attempt finds the intent the attempt created") {
  // Simulates an attempt that created the intent and died before answering: its claim is stale.
  const auto created =
      request("POST", "/v1/payment_intents", card_payment("tok_visa"), {{"Idempotency-Key", "crash-1"}});
  REQUIRE(created.status == 201);
  {
    pqxx::connection connection(database.url());
    pqxx::work tx(connection);
    tx.exec(
        "update idempotency_keys set state = 'in_flight', response_status = null, response_body = null,"
        " updated_at = now() - interval '5 minutes' where key = 'crash-1'");
    tx.commit();
  }
  const auto retried =
      request("POST", "/v1/payment_intents", card_payment("tok_visa"), {{"Idempotency-Key", "crash-1"}});
  CHECK(retried.status == 201);
  CHECK(id_of(retried) == id_of(created));
  CHECK(count("select count(*) from payment_intents") == 1);
  CHECK(count("select count(*) from journal_entries") == 1);
}
