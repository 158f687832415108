// PaymentService against an in-memory store and a scripted processor: the use-case rules, without I/O.
#include <catch2/catch.hpp>

#include <map>

#include "fakes.hpp"
#include "kessai/engine/payment_service.hpp"

using namespace kessai;
using namespace kessai::engine;

namespace {

class MemoryStore final : public PaymentStore {
 public:
  CatalogLookup lookup_catalog(const FeeCode& fee_code, const std::optional<FacilityId>& facility,
                               const std::optional<ProcedureId>& procedure) override {
    return {fee_code.str() == "F001", facility && facility->str() == "FAC001",
            procedure && procedure->str() == "PROC001"};
  }
  void insert_intent(const PaymentIntent& intent) override { intents.insert_or_assign(intent.id, intent); }
  void record_transition(const PaymentIntent& intent, IntentStatus from,
                         const std::optional<ledger::Journal>& journal, std::string_view) override {
    REQUIRE(intents.at(intent.id).status == from);
    intents.insert_or_assign(intent.id, intent);
    if (journal) journals.push_back(*journal);
  }
  std::optional<PaymentIntent> find_intent(const std::string& id) override {
    const auto found = intents.find(id);
    return found == intents.end() ? std::nullopt : std::optional(found->second);
  }
  std::map<std::string, PaymentIntent> intents;
  std::vector<ledger::Journal> journals;
};

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::sys_days{std::chrono::year{2026} / 11 / 21} +
           std::chrono::hours(16);  // 01:00 JST 11/22
  }
};

struct Fixture {
  Fixture() : service(store, router, clock, ids, BusinessDay::make("Asia/Tokyo", "00:00").value()) {
    router.add(Means::card, &processor);
  }
  CreateIntentCommand command() const { return testing::card_payment_command(); }
  MemoryStore store;
  testing::ScriptedProcessor processor{"card-test"};
  Router router;
  FixedClock clock;
  IdGenerator ids{1};
  PaymentService service;
};

}  // namespace

TEST_CASE_METHOD(Fixture, "an approved card payment succeeds with one balanced capture journal") {
  const CreateOutcome outcome = service.create(command());
  REQUIRE_FALSE(outcome.error.has_value());
  REQUIRE(outcome.intent.has_value());
  CHECK(outcome.intent->status == IntentStatus::succeeded);
  CHECK(outcome.intent->amount_captured == Yen(3000));
  CHECK(outcome.intent->processor_reference == "ch_1");
  CHECK(ledger::format_date(*outcome.intent->business_date) == "2026-11-22");
  REQUIRE(store.journals.size() == 1);
  CHECK(store.journals[0].postings()[0].account.str() == "assets:receivable:card-test");
  REQUIRE(processor.requests.size() == 1);
  CHECK(processor.requests[0].payment_id == outcome.intent->id);
  CHECK(processor.requests[0].merchant_reference == "FAC001");
}

TEST_CASE_METHOD(Fixture, "a decline fails the intent and writes no journal") {
  processor.next = {adapters::ChargeOutcome::declined, "ch_2", "insufficient_funds", "no money"};
  const CreateOutcome outcome = service.create(command());
  REQUIRE(outcome.error.has_value());
  CHECK(outcome.error->code == ErrorCode::card_declined);
  REQUIRE(outcome.intent.has_value());
  CHECK(outcome.intent->status == IntentStatus::failed);
  CHECK(outcome.intent->failure_code == "insufficient_funds");
  CHECK(store.intents.at(outcome.intent->id).status == IntentStatus::failed);
  CHECK(store.journals.empty());
}

TEST_CASE_METHOD(Fixture,
                 "a processor that never saw the request fails the intent as processor_unavailable") {
  processor.next = {adapters::ChargeOutcome::not_sent, "", "", "connection refused"};
  const CreateOutcome outcome = service.create(command());
  CHECK(outcome.error->code == ErrorCode::processor_unavailable);
  CHECK(outcome.intent->status == IntentStatus::failed);
  CHECK(store.journals.empty());
}

TEST_CASE_METHOD(Fixture, "a request the processor refuses fails as processor_error, not as a decline") {
  processor.next = {adapters::ChargeOutcome::rejected, "", "", "HTTP 400"};
  const CreateOutcome outcome = service.create(command());
  CHECK(outcome.error->code == ErrorCode::processor_error);
  CHECK(outcome.intent->status == IntentStatus::failed);
  CHECK(outcome.intent->failure_code == "processor_error");
  CHECK(store.journals.empty());
}

TEST_CASE_METHOD(Fixture, "an unknown outcome leaves the intent processing, neither failed nor succeeded") {
  processor.next = {adapters::ChargeOutcome::unknown, "", "", "timeout"};
  const CreateOutcome outcome = service.create(command());
  CHECK_FALSE(outcome.error.has_value());
  CHECK(outcome.intent->status == IntentStatus::processing);
  CHECK(store.intents.at(outcome.intent->id).status == IntentStatus::processing);
  CHECK(store.journals.empty());
}

TEST_CASE_METHOD(Fixture, "bad input writes nothing and never reaches the processor") {
  const auto expect_error = [&](CreateIntentCommand bad, ErrorCode code) {
    const CreateOutcome outcome = service.create(bad);
    REQUIRE(outcome.error.has_value());
    CHECK(outcome.error->code == code);
    CHECK_FALSE(outcome.intent.has_value());
  };
  auto bad = command();
  bad.amount = Yen(0);
  expect_error(bad, ErrorCode::amount_invalid);
  bad.amount = Yen(-5);
  expect_error(bad, ErrorCode::amount_invalid);
  bad.amount = Yen(kAmountYenMax + 1);
  expect_error(bad, ErrorCode::amount_too_large);
  bad = command();
  bad.currency = "USD";
  expect_error(bad, ErrorCode::currency_unsupported);
  bad = command();
  bad.fee_code = *FeeCode::parse("F999");
  expect_error(bad, ErrorCode::unknown_fee_code);
  bad = command();
  bad.facility = FacilityId::parse("FAC999");
  expect_error(bad, ErrorCode::unknown_facility);
  bad = command();
  bad.procedure = ProcedureId::parse("PROC001");
  expect_error(bad, ErrorCode::invalid_parameter);  // both facility and procedure
  bad = command();
  bad.means = Means::payeasy;
  expect_error(bad, ErrorCode::means_unavailable);
  bad = command();
  bad.payment_method.card_token.clear();
  expect_error(bad, ErrorCode::payment_method_required);
  CHECK(store.intents.empty());
  CHECK(processor.requests.empty());
}

TEST_CASE_METHOD(Fixture, "an intent created without confirm waits for confirmation") {
  auto unconfirmed = command();
  unconfirmed.confirm = false;
  const CreateOutcome outcome = service.create(unconfirmed);
  CHECK(outcome.intent->status == IntentStatus::requires_confirmation);
  CHECK(processor.requests.empty());
  CHECK(store.journals.empty());
}
