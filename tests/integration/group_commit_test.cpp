// The group committer against a real PostgreSQL: many requests' writes share transactions, every
// acknowledged write is there afterwards, and a write that fails inside a batch fails alone.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "kessai/engine/group_commit.hpp"
#include "kessai/engine/pg_api_stores.hpp"
#include "kessai/engine/pg_store.hpp"
#include "kessai/ledger/pg/journal_store.hpp"
#include "kessai/ledger/posting_rules.hpp"
#include "kessai/runtime/fibers.hpp"
#include "test_database.hpp"

using namespace kessai;
using namespace kessai::engine;

namespace {

constexpr std::chrono::milliseconds kGather{200};  // long enough that every thread's write joins the batch

struct Fixture {
  Fixture() : connection(database.url()), pool(database.url(), 4, std::chrono::seconds(5)) {
    load_catalog(connection, Catalog{{{"F001", "体育館"}}, {{"FAC001", "中央体育館"}}, {}});
    ensure_processor_accounts(connection, {*ProcessorId::parse("card-sim")});
  }
  std::int64_t count(const std::string& sql) {
    pqxx::read_transaction tx(connection);
    return tx.exec(sql)[0][0].as<std::int64_t>();
  }
  // A card payment as PaymentService records it before calling the acquirer.
  static PaymentIntent processing(const std::string& id, std::int64_t yen, const std::string& key = "") {
    return PaymentIntent{.id = id,
                         .owner = "",
                         .status = IntentStatus::processing,
                         .means = Means::card,
                         .amount = Yen(yen),
                         .amount_captured = Yen(0),
                         .amount_refunded = Yen(0),
                         .fee_code = *FeeCode::parse("F001"),
                         .facility = FacilityId::parse("FAC001"),
                         .procedure = std::nullopt,
                         .capture_method = CaptureMethod::automatic,
                         .description = "lane \"3\", 'east' \\ {pool}",  // quoting in array literals
                         .metadata_json = R"({"order":"A-1","note":"{,}"})",
                         .processor = ProcessorId::parse("card-sim"),
                         .processor_reference = {},
                         .failure_code = {},
                         .failure_message = {},
                         .cancellation_reason = {},
                         .idempotency_key = key,
                         .business_date = std::nullopt,
                         .created_at = std::chrono::system_clock::now()};
  }
  static PaymentIntent succeeded(PaymentIntent intent) {
    intent.status = IntentStatus::succeeded;
    intent.amount_captured = intent.amount;
    intent.processor_reference = "ch_" + intent.id;
    intent.business_date =
        std::chrono::year_month_day{std::chrono::year{2026}, std::chrono::November, std::chrono::day{22}};
    intent.brand = "visa";
    return intent;
  }
  static ledger::Journal capture(const PaymentIntent& intent, const char* processor = "card-sim") {
    return ledger::capture_journal({intent.id, intent.amount, *ProcessorId::parse(processor), intent.fee_code,
                                    *intent.business_date})
        .value();
  }

  testing::TestDatabase database;
  pqxx::connection connection;
  ledger::pg::ConnectionPool pool;
};

// Runs each job on its own thread at once, so their writes meet in the committer's queue.
template <class Job>
void in_parallel(std::size_t threads, Job job) {
  std::vector<std::thread> running;
  for (std::size_t i = 0; i < threads; ++i) running.emplace_back([&job, i] { job(i); });
  for (std::thread& thread : running) thread.join();
}

}  // namespace

TEST_CASE_METHOD(Fixture,
                 "concurrent payments share transactions, and every acknowledged one is stored whole") {
  GroupCommitter committer(database.url(), GroupCommitOptions{.committers = 2, .batch_max = 64});
  PgPaymentStore store(pool, &committer);
  constexpr std::size_t kThreads = 16;
  constexpr std::size_t kEach = 40;
  std::atomic<std::size_t> acknowledged{0};
  in_parallel(kThreads, [&](std::size_t thread) {
    for (std::size_t i = 0; i < kEach; ++i) {
      const PaymentIntent intent = processing("pi_t" + std::to_string(thread) + "_" + std::to_string(i),
                                              static_cast<std::int64_t>(100 + thread * 1000 + i));
      store.insert_intent(intent);
      const PaymentIntent done = succeeded(intent);
      store.record_transition(done, IntentStatus::processing, capture(done), "approved by card-sim");
      ++acknowledged;
    }
  });
  const std::size_t total = kThreads * kEach;
  REQUIRE(acknowledged == total);
  const GroupCommitStats stats = committer.stats();
  CHECK(stats.writes == 2 * total);
  CHECK(stats.replayed == 0);
  INFO("batches " << stats.batches << ", largest " << stats.largest_batch);
  CHECK(stats.batches <= stats.writes);

  CHECK(count("select count(*) from payment_intents where status = 'succeeded' and brand = 'visa'"
              " and amount_captured_yen = amount_yen and business_date = '2026-11-22'") ==
        static_cast<std::int64_t>(total));
  CHECK(count("select count(*) from payment_intent_events") == static_cast<std::int64_t>(2 * total));
  CHECK(count("select count(*) from journal_entries j join payment_intents p on p.id = j.reference"
              " where j.kind = 'capture'") == static_cast<std::int64_t>(total));
  CHECK(count("select count(*) from postings") == static_cast<std::int64_t>(2 * total));
  CHECK(count("select coalesce(sum(amount_yen), 0) from postings") == 0);
  // Each journal's debit is its intent's amount.
  CHECK(count("select count(*) from journal_entries j join postings p on p.journal_id = j.id"
              " join payment_intents i on i.id = j.reference"
              " where p.amount_yen > 0 and p.amount_yen <> i.amount_yen") == 0);
  const std::optional<PaymentIntent> read = store.find_intent("pi_t3_7");
  REQUIRE(read.has_value());
  CHECK(read->description == "lane \"3\", 'east' \\ {pool}");
  CHECK(read->metadata_json == R"({"note": "{,}", "order": "A-1"})");
  CHECK(read->amount == Yen(3107));
}

TEST_CASE_METHOD(Fixture, "writes gathered into one batch commit together") {
  GroupCommitter committer(database.url(),
                           GroupCommitOptions{.committers = 1, .batch_max = 8, .gather = kGather});
  PgPaymentStore store(pool, &committer);
  in_parallel(8, [&](std::size_t i) { store.insert_intent(processing("pi_g" + std::to_string(i), 500)); });
  const GroupCommitStats stats = committer.stats();
  CHECK(stats.writes == 8);
  CHECK(stats.largest_batch > 1);
  CHECK(stats.batches < 8);
  CHECK(count("select count(*) from payment_intents") == 8);
}

TEST_CASE_METHOD(Fixture, "payments on fibers of one thread wait for their commits together") {
  // Were the waits blocking, one thread could hand the committer one write at a time.
  GroupCommitter committer(database.url(),
                           GroupCommitOptions{.committers = 1, .batch_max = 512, .gather = kGather});
  PgPaymentStore store(pool, &committer);
  constexpr std::size_t kPayments = 200;
  std::atomic<std::size_t> acknowledged{0};
  {
    runtime::FiberPool fibers(1, kPayments);
    for (std::size_t i = 0; i < kPayments; ++i) {
      REQUIRE(fibers.try_spawn([&, i] {
        const PaymentIntent intent =
            processing("pi_f" + std::to_string(i), static_cast<std::int64_t>(100 + i));
        store.insert_intent(intent);
        const PaymentIntent done = succeeded(intent);
        store.record_transition(done, IntentStatus::processing, capture(done), "approved by card-sim");
        ++acknowledged;
      }));
    }
    fibers.shutdown();  // returns once every fiber has ended
  }
  REQUIRE(acknowledged == kPayments);
  const GroupCommitStats stats = committer.stats();
  CHECK(stats.writes == 2 * kPayments);
  INFO("batches " << stats.batches << ", largest " << stats.largest_batch);
  CHECK(stats.largest_batch > 100);
  CHECK(count("select count(*) from payment_intents where status = 'succeeded'") ==
        static_cast<std::int64_t>(kPayments));
  CHECK(count("select count(*) from journal_entries where kind = 'capture'") ==
        static_cast<std::int64_t>(kPayments));
  CHECK(count("select coalesce(sum(amount_yen), 0) from postings") == 0);
}

TEST_CASE_METHOD(Fixture, "a write that fails inside a batch fails alone, and its neighbours commit") {
  GroupCommitter committer(database.url(),
                           GroupCommitOptions{.committers = 1, .batch_max = 16, .gather = kGather});
  PgPaymentStore store(pool, &committer);
  PgPaymentStore direct(pool);
  std::vector<PaymentIntent> intents;
  for (int i = 0; i < 6; ++i) {
    intents.push_back(processing("pi_f" + std::to_string(i), 1000 + i));
    direct.insert_intent(intents.back());
  }
  // pi_f2's journal names a processor without accounts: its postings break a foreign key, which fails
  // the whole batch's statement. pi_f4 was moved meanwhile: its status guard refuses it without an error.
  PaymentIntent moved = intents[4];
  moved.status = IntentStatus::canceled;
  direct.record_transition(moved, IntentStatus::processing, std::nullopt, "canceled elsewhere");
  std::vector<std::exception_ptr> errors(intents.size());
  in_parallel(intents.size(), [&](std::size_t i) {
    const PaymentIntent done = succeeded(intents[i]);
    try {
      store.record_transition(done, IntentStatus::processing,
                              capture(done, i == 2 ? "no-accounts" : "card-sim"), "approved");
    } catch (...) {
      errors[i] = std::current_exception();
    }
  });
  CHECK(committer.stats().replayed == 1);
  for (std::size_t i = 0; i < intents.size(); ++i) {
    INFO(intents[i].id);
    if (i == 2 || i == 4) REQUIRE(errors[i]);
    if (i == 2) {
      CHECK_THROWS_AS(std::rethrow_exception(errors[i]), pqxx::foreign_key_violation);
    } else if (i == 4) {
      CHECK_THROWS_AS(std::rethrow_exception(errors[i]), ConcurrentUpdate);
    } else {
      CHECK_FALSE(errors[i]);
    }
  }
  CHECK(count("select count(*) from payment_intents where status = 'succeeded'") == 4);
  CHECK(count("select count(*) from payment_intents where id = 'pi_f2' and status = 'processing'") == 1);
  CHECK(count("select count(*) from journal_entries") == 4);
  CHECK(count("select count(*) from journal_entries where reference in ('pi_f2', 'pi_f4')") == 0);
  CHECK(count("select coalesce(sum(amount_yen), 0) from postings") == 0);
}

TEST_CASE_METHOD(Fixture, "one Idempotency-Key in one batch: one intent and one claim, the others are told") {
  GroupCommitter committer(database.url(),
                           GroupCommitOptions{.committers = 1, .batch_max = 16, .gather = kGather});
  PgPaymentStore store(pool, &committer);
  PgIdempotencyStore idempotency(pool, &committer);
  const std::string owner = create_api_key(connection, "backend", {true, {}, {}}, false).id;

  std::vector<IdempotencyRecord> claims(4);
  in_parallel(4, [&](std::size_t i) { claims[i] = idempotency.begin(owner, "order-7", "fp"); });
  CHECK(committer.stats().replayed == 0);
  int fresh = 0;
  int in_flight = 0;
  for (const IdempotencyRecord& claim : claims) {
    fresh += claim.fresh && claim.outcome == IdempotencyBegin::started ? 1 : 0;
    in_flight += claim.outcome == IdempotencyBegin::in_flight ? 1 : 0;
  }
  CHECK(fresh == 1);
  CHECK(in_flight == 3);

  std::vector<std::exception_ptr> errors(4);
  in_parallel(4, [&](std::size_t i) {
    PaymentIntent intent = processing("pi_k" + std::to_string(i), 700, "order-7");
    intent.owner = owner;
    try {
      store.insert_intent(intent);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  });
  int taken = 0;
  for (const std::exception_ptr& error : errors) {
    if (!error) continue;
    CHECK_THROWS_AS(std::rethrow_exception(error), IdempotencyKeyTaken);
    ++taken;
  }
  CHECK(taken == 3);
  CHECK(committer.stats().replayed == 0);
  CHECK(count("select count(*) from payment_intents where idempotency_key = 'order-7'") == 1);
  CHECK(count("select count(*) from payment_intent_events") == 1);

  idempotency.finish(owner, "order-7", {201, "application/json", R"({"id":"pi_k"})"});
  const IdempotencyRecord replay = idempotency.begin(owner, "order-7", "fp");
  CHECK(replay.outcome == IdempotencyBegin::replay);
  CHECK(replay.response.body == R"({"id":"pi_k"})");
}

TEST_CASE_METHOD(Fixture, "a database that cannot be reached fails the write as StoreUnavailable") {
  GroupCommitter committer("postgresql://kessai@127.0.0.1:1/none?connect_timeout=2", GroupCommitOptions{});
  PgIdempotencyStore idempotency(pool, &committer);
  CHECK_THROWS_AS(idempotency.begin("key_a", "k", "fp"), StoreUnavailable);
  PgPaymentStore store(pool, &committer);
  CHECK_THROWS_AS(store.insert_intent(processing("pi_x", 100)), StoreUnavailable);
}

TEST_CASE_METHOD(Fixture, "an answer is not waited for, yet a claim made after it always replays it") {
  // Two committers: the answer and the next claim may be taken by different ones, and the claim must
  // still come after the answer.
  GroupCommitter committer(database.url(), GroupCommitOptions{.committers = 2, .batch_max = 64});
  PgIdempotencyStore idempotency(pool, &committer);
  constexpr int kKeys = 50;
  in_parallel(8, [&](std::size_t thread) {
    for (int i = 0; i < kKeys; ++i) {
      const std::string key = "k" + std::to_string(thread) + "-" + std::to_string(i);
      REQUIRE(idempotency.begin("key_a", key, "fp").fresh);
      idempotency.finish("key_a", key, {201, "application/json", "{\"n\":" + std::to_string(i) + "}"});
      const IdempotencyRecord again = idempotency.begin("key_a", key, "fp");
      REQUIRE(again.outcome == IdempotencyBegin::replay);
      REQUIRE(again.response.body == "{\"n\":" + std::to_string(i) + "}");
    }
  });
  CHECK(count("select count(*) from idempotency_keys where state = 'done'") == 8 * kKeys);
}
