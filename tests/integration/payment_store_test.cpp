// PgPaymentStore and PaymentService against a real PostgreSQL: state and journal commit together.
#include <catch2/catch.hpp>

#include "catalog_file.hpp"
#include "fakes.hpp"
#include "kessai/engine/payment_service.hpp"
#include "kessai/engine/pg_store.hpp"
#include "kessai/ledger/pg/journal_store.hpp"
#include "kessai/ledger/posting_rules.hpp"
#include "test_database.hpp"

using namespace kessai;
using namespace kessai::engine;

namespace {

struct Fixture {
  Fixture()
      : connection(database.url()),
        pool(database.url(), 4, std::chrono::seconds(5)),
        store(pool),
        service(store, router, clock, ids, BusinessDay::make("Asia/Tokyo", "00:00").value()) {
    load_catalog(connection,
                 Catalog{{{"F001", "体育館"}}, {{"FAC001", "中央体育館"}}, {{"PROC001", "住民票"}}});
    ensure_processor_accounts(connection, {*ProcessorId::parse("card-sim")});
    router.add(Means::card, &processor);
  }
  std::int64_t count(const std::string& sql) {
    pqxx::read_transaction tx(connection);
    return tx.exec(sql)[0][0].as<std::int64_t>();
  }
  CreateIntentCommand command() const {
    CreateIntentCommand command = testing::card_payment_command();
    command.description = "pool ticket";
    command.metadata_json = R"({"order":"A-1"})";
    return command;
  }

  Caller caller{"", "", true, {}, {}};
  testing::TestDatabase database;
  pqxx::connection connection;
  ledger::pg::ConnectionPool pool;
  PgPaymentStore store;
  testing::ScriptedProcessor processor;
  SystemClock clock;
  Router router{clock};
  IdGenerator ids{7};
  PaymentService service;
};

}  // namespace

TEST_CASE_METHOD(Fixture, "a captured payment stores its state, its history and one balanced journal") {
  const CreateOutcome outcome = service.create(caller, command());
  REQUIRE(outcome.intent.has_value());
  REQUIRE(outcome.intent->status == IntentStatus::succeeded);
  const auto stored = store.find_intent(outcome.intent->id);
  REQUIRE(stored.has_value());
  CHECK(stored->status == IntentStatus::succeeded);
  CHECK(stored->amount_captured == Yen(3000));
  CHECK(stored->processor_reference == "ch_1");
  CHECK(stored->description == "pool ticket");
  CHECK(stored->metadata_json == R"({"order": "A-1"})");
  CHECK(stored->business_date == outcome.intent->business_date);
  CHECK(count("select count(*) from payment_intent_events where payment_intent_id = '" + stored->id + "'") ==
        2);
  pqxx::read_transaction tx(connection);
  const auto journals = ledger::pg::journals_by_reference(tx, stored->id);
  REQUIRE(journals.size() == 1);
  CHECK(journals[0].postings[0].account_code == "assets:receivable:card-sim");
  CHECK(journals[0].postings[1].account_code == "revenue:fee:F001");
}

TEST_CASE_METHOD(Fixture, "a declined payment is stored failed, with no journal") {
  processor.next = {adapters::ChargeOutcome::declined, "ch_9", "card_declined", "declined"};
  const CreateOutcome outcome = service.create(caller, command());
  REQUIRE(outcome.intent.has_value());
  CHECK(store.find_intent(outcome.intent->id)->status == IntentStatus::failed);
  CHECK(store.find_intent(outcome.intent->id)->failure_code == "card_declined");
  CHECK(count("select count(*) from journal_entries") == 0);
}

TEST_CASE_METHOD(Fixture, "catalogue errors write nothing") {
  auto bad = command();
  bad.fee_code = *FeeCode::parse("NOPE");
  CHECK(service.create(caller, bad).error->code == ErrorCode::unknown_fee_code);
  bad = command();
  bad.facility = std::nullopt;
  bad.procedure = ProcedureId::parse("PROC999");
  CHECK(service.create(caller, bad).error->code == ErrorCode::unknown_procedure);
  CHECK(count("select count(*) from payment_intents") == 0);
}

TEST_CASE_METHOD(Fixture, "a transition from a status the intent is no longer in changes nothing") {
  processor.next = {adapters::ChargeOutcome::unknown, "", "", "timeout"};
  const CreateOutcome outcome = service.create(caller, command());
  PaymentIntent intent = *outcome.intent;
  REQUIRE(intent.status == IntentStatus::processing);
  intent.status = IntentStatus::succeeded;
  // Claims the intent was requires_capture; it is processing, so the write is refused whole.
  auto journal =
      ledger::capture_journal({intent.id, intent.amount, *ProcessorId::parse("card-sim"), intent.fee_code,
                               std::chrono::year_month_day{std::chrono::year{2026} / 11 / 21}});
  CHECK_THROWS(store.record_transition(intent, IntentStatus::requires_capture, journal.value(), "stale"));
  CHECK(store.find_intent(intent.id)->status == IntentStatus::processing);
  CHECK(count("select count(*) from journal_entries") == 0);
}

TEST_CASE_METHOD(Fixture, "an unknown id is simply not found") {
  CHECK_FALSE(store.find_intent("pi_doesnotexist").has_value());
  CHECK_FALSE(store.find_intent("'; drop table payment_intents; --").has_value());
}

TEST_CASE("a store whose database is gone reports StoreUnavailable, not a crash") {
  ledger::pg::ConnectionPool pool("postgresql://kessai@127.0.0.1:1/nowhere?connect_timeout=2", 1,
                                  std::chrono::seconds(1));
  PgPaymentStore store(pool);
  CHECK_THROWS_AS(store.find_intent("pi_x"), StoreUnavailable);
}
