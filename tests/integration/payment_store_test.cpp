// PgPaymentStore and PaymentService against a real PostgreSQL: state and journal commit together.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

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

TEST_CASE_METHOD(Fixture, "a card payment keeps the brand the acquirer named, unless the intent had one") {
  processor.next.brand = "jcb";
  const CreateOutcome api = service.create(caller, command());
  REQUIRE(api.intent.has_value());
  CHECK(api.intent->brand == "jcb");
  CHECK(count("select count(*) from payment_intents where id = '" + api.intent->id + "' and brand = 'jcb'") ==
        1);
  // A terminal reports the brand it read itself: that one stays.
  CreateIntentCommand pos = command();
  pos.brand = "visa";
  const CreateOutcome counter = service.create(caller, pos);
  REQUIRE(counter.intent.has_value());
  CHECK(count("select count(*) from payment_intents where id = '" + counter.intent->id +
              "' and brand = 'visa'") == 1);
  // An acquirer that names no brand leaves none.
  processor.next.brand = "";
  const CreateOutcome unnamed = service.create(caller, command());
  CHECK(count("select count(*) from payment_intents where id = '" + unnamed.intent->id +
              "' and brand is null") == 1);
}

namespace {

// Writes a catalogue file and loads it, as `kessai catalog load` does.
void load_catalog_text(pqxx::connection& connection, const testing::TestDatabase& database,
                       const std::string& text) {
  const std::string path =
      (std::filesystem::temp_directory_path() / (database.name() + "-catalog.toml")).string();
  std::ofstream(path) << text;
  auto catalog = cli::read_catalog_file(path);
  std::filesystem::remove(path);
  INFO((catalog.ok() ? std::string() : catalog.error()));
  REQUIRE(catalog.ok());
  load_catalog(connection, catalog.value());
}

}  // namespace

TEST_CASE_METHOD(Fixture,
                 "the catalogue stores each place's category and means; loading again replaces them") {
  load_catalog_text(connection, database, R"(
[[facility]]
id = "FAC001"
name = "中央体育館"
means = { card = 2026-04-01, emoney = 2026-04-01, qr = 2026-10-01 }
[[facility]]
id = "FAC005"
name = "区役所 窓口"
category = "office"
means = { card = 2026-05-01 }
[[procedure]]
id = "PROC001"
name = "住民票"
means = { card = 2026-04-01, payeasy = 2026-06-15 }
)");
  CHECK(count("select count(*) from facilities where id = 'FAC001' and category = 'citizen'") == 1);
  CHECK(count("select count(*) from facilities where id = 'FAC005' and category = 'office'") == 1);
  CHECK(count("select count(*) from facility_means where facility_id = 'FAC001'") == 3);
  CHECK(count("select count(*) from facility_means where facility_id = 'FAC001' and means = 'qr'"
              " and live_since = date '2026-10-01'") == 1);
  CHECK(count("select count(*) from procedure_means where procedure_id = 'PROC001' and means = 'payeasy'"
              " and live_since = date '2026-06-15'") == 1);
  // The second file is the whole truth about these places: QR brought forward, e-money gone, the office
  // counter back to the default category with no means, the procedure without Pay-easy.
  load_catalog_text(connection, database, R"(
[[facility]]
id = "FAC001"
name = "中央体育館"
means = { card = 2026-04-01, qr = 2026-07-01 }
[[facility]]
id = "FAC005"
name = "区役所 窓口"
[[procedure]]
id = "PROC001"
name = "住民票"
means = { card = 2026-04-01 }
)");
  CHECK(count("select count(*) from facility_means where facility_id = 'FAC001'") == 2);
  CHECK(count("select count(*) from facility_means where facility_id = 'FAC001' and means = 'emoney'") == 0);
  CHECK(count("select count(*) from facility_means where facility_id = 'FAC001' and means = 'qr'"
              " and live_since = date '2026-07-01'") == 1);
  CHECK(count("select count(*) from facilities where id = 'FAC005' and category = 'citizen'") == 1);
  CHECK(count("select count(*) from facility_means where facility_id = 'FAC005'") == 0);
  CHECK(count("select count(*) from procedure_means where procedure_id = 'PROC001'") == 1);
}

TEST_CASE_METHOD(Fixture, "the demo catalogue loads: a small city with every kind of place") {
  auto catalog = cli::read_catalog_file(std::string(KESSAI_SOURCE_DIR) + "/ops/config/catalog.demo.toml");
  INFO((catalog.ok() ? std::string() : catalog.error()));
  REQUIRE(catalog.ok());
  load_catalog(connection, catalog.value());
  // The ids tests and scripts rely on.
  CHECK(count("select count(*) from facilities where id in ('FAC001', 'FAC002', 'FAC003')") == 3);
  CHECK(count("select count(*) from fee_codes where code in ('F001', 'F002', 'F003', 'F004')") == 4);
  CHECK(count("select count(*) from procedures where id = 'PROC001'") == 1);
  CHECK(count("select count(*) from facilities where category = 'office'") >= 1);
  // All three means at some, a means planned at others, card alone at one, Pay-easy for some procedures.
  CHECK(count("select count(*) from (select facility_id from facility_means group by 1"
              " having count(*) = 3) three") >= 1);
  CHECK(count("select count(*) from facility_means where live_since > date '2026-12-31'") >= 1);
  CHECK(count("select count(*) from (select facility_id from facility_means group by 1"
              " having count(*) = 1 and bool_and(means = 'card')) card_only") >= 1);
  CHECK(count("select count(*) from procedure_means where means = 'payeasy'") >= 1);
}

TEST_CASE("a store whose database is gone reports StoreUnavailable, not a crash") {
  ledger::pg::ConnectionPool pool("postgresql://kessai@127.0.0.1:1/nowhere?connect_timeout=2", 1,
                                  std::chrono::seconds(1));
  PgPaymentStore store(pool);
  CHECK_THROWS_AS(store.find_intent("pi_x"), StoreUnavailable);
}

namespace {

// A Pay-easy centre beside the card acquirer, as kessaid would have it.
struct PayerFixture : Fixture {
  PayerFixture() {
    ensure_processor_accounts(connection, {*ProcessorId::parse("payeasy-sim")});
    router.add(Means::payeasy, &payeasy);
    service.set_payer_settings({.payeasy_expires_after = std::chrono::hours(48),
                                .jpqr_expires_after = std::chrono::minutes(5),
                                .notify_base_url = "http://127.0.0.1:1"});
  }
  PaymentIntent issued() {
    CreateIntentCommand pay = testing::card_payment_command();
    pay.means = Means::payeasy;
    pay.facility = std::nullopt;
    pay.procedure = ProcedureId::parse("PROC001");
    pay.payment_method = {};
    const CreateOutcome outcome = service.create(caller, pay);
    REQUIRE(outcome.intent.has_value());
    REQUIRE(outcome.intent->status == IntentStatus::requires_payment);
    return *outcome.intent;
  }
  NoticeReceipt send(const PaymentIntent& intent, const char* notice_id, adapters::NoticeKind kind) {
    payeasy.next_notice = adapters::ProcessorNotice{.notice_id = notice_id,
                                                    .kind = kind,
                                                    .payment_id = intent.id,
                                                    .processor_reference = "pe_1",
                                                    .amount = Yen(3000),
                                                    .occurred_at = clock.now()};
    return service.accept_notice("payeasy-sim", "{}", {});
  }
  testing::ScriptedProcessor payeasy{"payeasy-sim", "payeasy"};
};

}  // namespace

TEST_CASE_METHOD(PayerFixture, "a Pay-easy number is stored with the intent and read back") {
  const PaymentIntent intent = issued();
  const std::optional<PaymentIntent> stored = store.find_intent(intent.id);
  REQUIRE(stored->payer_instructions.has_value());
  CHECK(stored->payer_instructions->institution_number == "58091");
  CHECK(stored->payer_instructions->customer_number == "12345678901234567890");
  CHECK(stored->payer_instructions->confirmation_number == "123456");
  CHECK(stored->payer_instructions->jpqr_payload.empty());
  CHECK(std::chrono::floor<std::chrono::seconds>(stored->payer_instructions->expires_at) ==
        std::chrono::floor<std::chrono::seconds>(intent.payer_instructions->expires_at));
  CHECK(count("select count(*) from webhook_events") == 0);  // no endpoint subscribed
  // Not due before inquiry_after, due at once with 0.
  CHECK(store.due_awaiting_payer(std::chrono::hours(1), 10).empty());
  CHECK(store.due_awaiting_payer(std::chrono::milliseconds(0), 10).size() == 1);
  store.postpone_inquiry(intent.id, std::chrono::seconds(60), std::chrono::seconds(600));
  CHECK(store.due_awaiting_payer(std::chrono::milliseconds(0), 10).empty());
}

TEST_CASE_METHOD(PayerFixture, "notices are applied once and audited once per id, however often they come") {
  const PaymentIntent intent = issued();
  CHECK(*send(intent, "pen_1", adapters::NoticeKind::paid).outcome == NoticeOutcome::applied);
  CHECK(*send(intent, "pen_1", adapters::NoticeKind::paid).outcome == NoticeOutcome::already_applied);
  CHECK(*send(intent, "pen_2", adapters::NoticeKind::reversed).outcome == NoticeOutcome::applied);
  CHECK(store.find_intent(intent.id)->status == IntentStatus::reversed);
  CHECK(count("select count(*) from journal_entries where reference = '" + intent.id + "'") == 2);
  CHECK(count("select count(*) from processor_notices") == 2);
  CHECK(count("select received_count from processor_notices where notice_id = 'pen_1'") == 2);
  // The receivable for the payment nets to zero: captured, then reversed.
  CHECK(count("select coalesce(sum(p.amount_yen), 0) from postings p join journal_entries j on j.id = "
              "p.journal_id"
              " where j.reference = '" +
              intent.id + "' and p.account_code = 'assets:receivable:payeasy-sim'") == 0);
}
