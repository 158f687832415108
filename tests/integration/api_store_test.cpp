// API keys, idempotency records and the webhook outbox against a real PostgreSQL.
#include <catch2/catch.hpp>

#include <thread>

#include "fakes.hpp"
#include "kessai/engine/group_commit.hpp"
#include "kessai/engine/payment_service.hpp"
#include "kessai/engine/pg_api_stores.hpp"
#include "kessai/engine/pg_store.hpp"
#include "kessai/runtime/crypto.hpp"
#include "test_database.hpp"

using namespace kessai;
using namespace kessai::engine;

namespace {

struct Fixture {
  Fixture() : connection(database.url()), pool(database.url(), 8, std::chrono::seconds(5)) {
    load_catalog(connection, Catalog{{{"F001", "体育館"}}, {{"FAC001", "中央体育館"}}, {}});
    ensure_processor_accounts(connection, {*ProcessorId::parse("card-sim")});
  }
  std::int64_t count(const std::string& sql) {
    pqxx::read_transaction tx(connection);
    return tx.exec(sql)[0][0].as<std::int64_t>();
  }
  void exec(const std::string& sql) {
    pqxx::work tx(connection);
    tx.exec(sql);
    tx.commit();
  }
  testing::TestDatabase database;
  pqxx::connection connection;
  ledger::pg::ConnectionPool pool;
};

}  // namespace

TEST_CASE_METHOD(Fixture, "API keys are stored hashed, authenticate with the whole key, and revoke") {
  const CreatedApiKey key = create_api_key(connection, "reservations", {false, {"FAC001"}, {}}, false);
  CHECK(key.secret.starts_with("ksk_"));
  CHECK(api_key_id_of(key.secret) == key.id);
  CHECK(count("select count(*) from api_keys where position('" + key.secret.substr(21) +
              "' in encode(secret_sha256, 'escape')) > 0") == 0);
  PgApiKeyStore keys(pool);
  const auto caller = keys.authenticate(key.id, runtime::sha256_hex(key.secret));
  REQUIRE(caller.has_value());
  CHECK(caller->facility_ids == std::vector<std::string>{"FAC001"});
  CHECK_FALSE(caller->scope_all);
  CHECK_FALSE(keys.authenticate(key.id, runtime::sha256_hex(key.secret + "x")).has_value());
  CHECK(revoke_api_key(connection, key.id));
  CHECK_FALSE(revoke_api_key(connection, key.id));
  CHECK_FALSE(keys.authenticate(key.id, runtime::sha256_hex(key.secret)).has_value());
  // --replace revokes the other keys of that name.
  const CreatedApiKey first = create_api_key(connection, "demo", {true, {}, {}}, false);
  const CreatedApiKey second = create_api_key(connection, "demo", {true, {}, {}}, true);
  CHECK_FALSE(keys.authenticate(first.id, runtime::sha256_hex(first.secret)).has_value());
  CHECK(keys.authenticate(second.id, runtime::sha256_hex(second.secret)).has_value());
}

TEST_CASE_METHOD(Fixture, "idempotency: start, replay, mismatch, in flight, take-over after the lease") {
  // The same answers whether each call commits alone or shares a group commit.
  std::unique_ptr<GroupCommitter> committer;
  SECTION("one transaction per call") {}
  SECTION("group commit") {
    committer = std::make_unique<GroupCommitter>(database.url(), GroupCommitOptions{});
  }
  PgIdempotencyStore store(pool, committer.get());
  CHECK(store.begin("key_a", "k0", "fp0").fresh);
  CHECK(store.begin("key_a", "k1", "fp1").outcome == IdempotencyBegin::started);
  CHECK_FALSE(store.begin("key_a", "k1", "fp1").fresh);
  CHECK(store.begin("key_a", "k1", "fp1").outcome == IdempotencyBegin::in_flight);
  CHECK(store.begin("key_a", "k1", "fp2").outcome == IdempotencyBegin::mismatch);
  CHECK(store.begin("key_b", "k1", "fp2").outcome == IdempotencyBegin::started);  // keys are per API key
  store.finish("key_a", "k1", {201, "application/json", R"({"id":"pi_1"})"});
  const IdempotencyRecord replay = store.begin("key_a", "k1", "fp1");
  CHECK(replay.outcome == IdempotencyBegin::replay);
  CHECK(replay.response.status == 201);
  CHECK(replay.response.body == R"({"id":"pi_1"})");

  CHECK(store.begin("key_a", "k2", "fp").outcome == IdempotencyBegin::started);
  store.abandon("key_a", "k2");
  CHECK(store.begin("key_a", "k2", "fp").outcome == IdempotencyBegin::started);

  CHECK(store.begin("key_a", "k3", "fp").outcome == IdempotencyBegin::started);
  CHECK(store.begin("key_a", "k3", "fp").outcome == IdempotencyBegin::in_flight);
  exec("update idempotency_keys set updated_at = now() - interval '2 minutes' where key in ('k2', 'k3')");
  const IdempotencyRecord taken_over = store.begin("key_a", "k3", "fp");
  CHECK(taken_over.outcome == IdempotencyBegin::started);
  CHECK_FALSE(taken_over.fresh);  // the request that died may have created something
  CHECK(store.begin("key_a", "k3", "fp").outcome == IdempotencyBegin::in_flight);
  CHECK(store.begin("key_a", "k2", "fp").outcome == IdempotencyBegin::started);

  exec(
      "update idempotency_keys set created_at = now() - interval '49 hours' where api_key_id = 'key_a' and "
      "key = 'k1'");
  CHECK(store.purge_older_than(kIdempotencyRetention) == 1);
  CHECK(store.begin("key_a", "k1", "fp9").outcome == IdempotencyBegin::started);
}

TEST_CASE_METHOD(
    Fixture, "events are written with the state change, only for subscribers, never for a refused write") {
  const CreatedApiKey key = create_api_key(connection, "backend", {true, {}, {}}, false);
  const CreatedApiKey other = create_api_key(connection, "other", {true, {}, {}}, false);
  PgWebhookEndpointStore endpoints(pool);
  endpoints.insert_endpoint(
      {"we_1", key.id, "http://127.0.0.1:1/a", {"payment_intent.succeeded"}, "whsec_x", true, ""});
  endpoints.insert_endpoint(
      {"we_2", key.id, "http://127.0.0.1:1/b", {"refund.succeeded"}, "whsec_y", true, ""});
  endpoints.insert_endpoint(
      {"we_3", other.id, "http://127.0.0.1:1/c", {"payment_intent.succeeded"}, "whsec_z", true, ""});

  // The group committer writes the outbox with one statement per batch; the rows must be the same.
  std::unique_ptr<GroupCommitter> committer;
  SECTION("one transaction per call") {}
  SECTION("group commit") {
    committer = std::make_unique<GroupCommitter>(database.url(), GroupCommitOptions{});
  }
  PgPaymentStore store(pool, committer.get());
  testing::ScriptedProcessor processor;
  SystemClock clock;
  Router router{clock};
  router.add(Means::card, &processor);
  IdGenerator ids{3};
  PaymentService service(store, router, clock, ids, BusinessDay::make("Asia/Tokyo", "00:00").value());
  const Caller caller{key.id, "backend", true, {}, {}};
  const PaymentIntent paid = *service.create(caller, testing::card_payment_command()).intent;
  CHECK(count("select count(*) from webhook_events") == 1);
  CHECK(count("select count(*) from webhook_deliveries where endpoint_id = 'we_1'") == 1);
  CHECK(count("select count(*) from webhook_deliveries") == 1);

  PaymentIntent stale = paid;
  stale.status = IntentStatus::canceled;
  CHECK_THROWS(store.record_transition(stale, IntentStatus::requires_capture, std::nullopt, "stale"));
  CHECK(count("select count(*) from webhook_events") == 1);

  REQUIRE_FALSE(service.refund(caller, {paid.id, Yen(500), "", "{}", ""}).error.has_value());
  CHECK(count("select count(*) from webhook_deliveries where endpoint_id = 'we_2'") == 1);
  CHECK(endpoints.disable_endpoint(key.id, "we_1"));
  CHECK_FALSE(endpoints.disable_endpoint(other.id, "we_2"));  // not theirs
  service.create(caller, testing::card_payment_command());
  CHECK(count("select count(*) from webhook_deliveries where endpoint_id = 'we_1'") == 1);

  // Deleting we_1 gave up its queued delivery; only the refund's is due.
  CHECK(count("select count(*) from webhook_deliveries where endpoint_id = 'we_1' and state = 'dead'") == 1);
  const auto due = claim_due_deliveries(pool, 10, std::chrono::seconds(60));
  REQUIRE(due.size() == 1);
  CHECK(due[0].event_type == "refund.succeeded");
  CHECK(claim_due_deliveries(pool, 10, std::chrono::seconds(60)).empty());  // leased
  mark_failed(pool, due[0].id, 500, "HTTP 500", std::nullopt);
  const auto listed = undelivered(connection, 10);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].last_error == "the endpoint was deleted");
  CHECK(listed[1].state == "dead");
  CHECK(resend(connection, listed[0].event_id) == 0);  // its endpoint is gone
  CHECK(resend(connection, listed[1].event_id) == 1);
  const auto again = claim_due_deliveries(pool, 10, std::chrono::seconds(60));
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempts == 0);  // a fresh retry window
  mark_delivered(pool, again[0].id, 200);
  CHECK(undelivered(connection, 10).size() == 1);
}

TEST_CASE_METHOD(Fixture, "concurrent partial refunds never exceed the captured amount") {
  const CreatedApiKey key = create_api_key(connection, "backend", {true, {}, {}}, false);
  PgPaymentStore store(pool);
  testing::ScriptedProcessor processor;
  SystemClock clock;
  Router router{clock};
  router.add(Means::card, &processor);
  IdGenerator ids{5};
  PaymentService service(store, router, clock, ids, BusinessDay::make("Asia/Tokyo", "00:00").value());
  const Caller caller{key.id, "backend", true, {}, {}};
  const std::string id = service.create(caller, testing::card_payment_command()).intent->id;  // 3,000 yen
  // Each thread reserves through its own store call; the row lock serialises them.
  std::vector<std::thread> threads;
  std::atomic<int> reserved{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Refund refund{.id = "re_t" + std::to_string(i),
                    .payment_intent_id = id,
                    .owner = key.id,
                    .amount = Yen(1000),
                    .status = RefundStatus::pending,
                    .reason = {},
                    .metadata_json = "{}",
                    .processor_reference = {},
                    .failure_code = {},
                    .failure_message = {},
                    .idempotency_key = {},
                    .business_date = std::nullopt,
                    .created_at = std::chrono::system_clock::now()};
      Yen available{0};
      if (store.reserve_refund(refund, available) == RefundReservation::reserved) ++reserved;
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(reserved == 3);
  CHECK(count("select sum(amount_yen) from refunds where payment_intent_id = '" + id + "'") == 3000);
}
