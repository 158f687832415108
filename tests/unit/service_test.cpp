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
  std::vector<PaymentIntent> due_for_inquiry(std::chrono::milliseconds, std::size_t) override {
    std::vector<PaymentIntent> due;
    for (const auto& [id, intent] : intents) {
      if (intent.status == IntentStatus::processing) due.push_back(intent);
    }
    return due;
  }
  void postpone_inquiry(const std::string& id, std::chrono::seconds, std::chrono::seconds) override {
    ++postponed[id];
  }
  std::vector<PaymentIntent> due_awaiting_payer(std::chrono::milliseconds, std::size_t) override {
    std::vector<PaymentIntent> due;
    for (const auto& [id, intent] : intents) {
      if (intent.status == IntentStatus::requires_payment) due.push_back(intent);
    }
    return due;
  }
  bool record_notice(const NoticeRecord& notice) override {
    const std::string key = notice.processor_id + "/" + notice.notice_id;
    const bool first = !notices.contains(key);
    if (first) notices.insert_or_assign(key, notice);
    ++notice_receipts[key];
    return first;
  }
  std::map<std::string, NoticeRecord> notices;
  std::map<std::string, int> notice_receipts;
  std::map<std::string, int> postponed;
  void reassign_processor(const std::string& id, const ProcessorId& processor) override {
    REQUIRE(intents.at(id).status == IntentStatus::processing);
    intents.at(id).processor = processor;
  }
  std::optional<PaymentIntent> find_intent_by_terminal(const std::string& terminal_id,
                                                       std::int64_t number) override {
    for (const auto& [id, intent] : intents) {
      if (intent.pos && intent.pos->terminal_id == terminal_id && intent.pos->transaction_number == number)
        return intent;
    }
    return std::nullopt;
  }
  std::optional<Refund> find_refund_by_terminal(const std::string&, std::int64_t) override {
    return std::nullopt;
  }
  IntentPage list_intents(const IntentFilter& filter) override {
    IntentPage page;
    for (const auto& [id, intent] : intents) {
      if (intent.owner == filter.owner) page.items.push_back(intent);
    }
    return page;
  }
  RefundReservation reserve_refund(Refund& refund, Yen& available) override {
    const PaymentIntent& intent = intents.at(refund.payment_intent_id);
    if (intent.status != IntentStatus::succeeded) return RefundReservation::not_refundable;
    Yen pending{0};
    for (const auto& [id, existing] : refunds) {
      if (existing.payment_intent_id == intent.id && existing.status == RefundStatus::pending) {
        pending = *pending.checked_add(existing.amount);
      }
    }
    available = *intent.amount_captured.checked_sub(intent.amount_refunded)->checked_sub(pending);
    if (refund.amount.is_zero()) refund.amount = available;
    if (!refund.amount.is_positive() || refund.amount > available) return RefundReservation::exceeds;
    refunds.insert_or_assign(refund.id, refund);
    return RefundReservation::reserved;
  }
  void record_refund(const Refund& refund, const std::optional<ledger::Journal>& journal) override {
    REQUIRE(refunds.at(refund.id).status == RefundStatus::pending);
    refunds.insert_or_assign(refund.id, refund);
    if (refund.status == RefundStatus::succeeded) {
      PaymentIntent& intent = intents.at(refund.payment_intent_id);
      intent.amount_refunded = *intent.amount_refunded.checked_add(refund.amount);
    }
    if (journal) journals.push_back(*journal);
  }
  std::optional<PaymentIntent> find_intent_by_idempotency_key(const std::string& owner,
                                                              const std::string& key) override {
    for (const auto& [id, intent] : intents) {
      if (intent.owner == owner && intent.idempotency_key == key) return intent;
    }
    return std::nullopt;
  }
  std::optional<Refund> find_refund_by_idempotency_key(const std::string& owner,
                                                       const std::string& key) override {
    for (const auto& [id, refund] : refunds) {
      if (refund.owner == owner && refund.idempotency_key == key) return refund;
    }
    return std::nullopt;
  }
  std::optional<Refund> find_refund(const std::string& id) override {
    const auto found = refunds.find(id);
    return found == refunds.end() ? std::nullopt : std::optional(found->second);
  }
  std::map<std::string, PaymentIntent> intents;
  std::map<std::string, Refund> refunds;
  std::vector<ledger::Journal> journals;
};

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::sys_days{std::chrono::year{2026} / 11 / 21} +
           std::chrono::hours(16) +  // 01:00 JST 11/22
           advanced;
  }
  // The pauses the service takes, recorded instead of slept: kessaid's clock takes them on its fiber.
  void sleep_for(std::chrono::milliseconds delay) const override { pauses.push_back(delay); }
  std::chrono::seconds advanced{0};
  mutable std::vector<std::chrono::milliseconds> pauses{};
};

struct Fixture {
  Fixture() : service(store, router, clock, ids, BusinessDay::make("Asia/Tokyo", "00:00").value()) {
    router.add(Means::card, &processor);
  }
  CreateIntentCommand command() const { return testing::card_payment_command(); }
  CreateIntentCommand manual_command() const {
    CreateIntentCommand manual = testing::card_payment_command();
    manual.capture_method = CaptureMethod::manual;
    return manual;
  }
  Caller caller{"key_test", "test backend", true, {}, {}};
  Caller stranger{"key_other", "another backend", true, {}, {}};
  MemoryStore store;
  testing::ScriptedProcessor processor{"card-test"};
  FixedClock clock;
  Router router{clock};
  IdGenerator ids{1};
  PaymentService service;
};

}  // namespace

TEST_CASE_METHOD(Fixture, "an approved card payment succeeds with one balanced capture journal") {
  const CreateOutcome outcome = service.create(caller, command());
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
  const CreateOutcome outcome = service.create(caller, command());
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
  const CreateOutcome outcome = service.create(caller, command());
  CHECK(outcome.error->code == ErrorCode::processor_unavailable);
  CHECK(outcome.intent->status == IntentStatus::failed);
  CHECK(store.journals.empty());
}

TEST_CASE_METHOD(Fixture, "a request the processor refuses fails as processor_error, not as a decline") {
  processor.next = {adapters::ChargeOutcome::rejected, "", "", "HTTP 400"};
  const CreateOutcome outcome = service.create(caller, command());
  CHECK(outcome.error->code == ErrorCode::processor_error);
  CHECK(outcome.intent->status == IntentStatus::failed);
  CHECK(outcome.intent->failure_code == "processor_error");
  CHECK(store.journals.empty());
}

TEST_CASE_METHOD(Fixture, "an unknown outcome leaves the intent processing, neither failed nor succeeded") {
  processor.next = {adapters::ChargeOutcome::unknown, "", "", "timeout"};
  const CreateOutcome outcome = service.create(caller, command());
  CHECK_FALSE(outcome.error.has_value());
  CHECK(outcome.intent->status == IntentStatus::processing);
  CHECK(store.intents.at(outcome.intent->id).status == IntentStatus::processing);
  CHECK(store.journals.empty());
}

TEST_CASE_METHOD(Fixture, "bad input writes nothing and never reaches the processor") {
  const auto expect_error = [&](CreateIntentCommand bad, ErrorCode code) {
    const CreateOutcome outcome = service.create(caller, bad);
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
  const CreateOutcome outcome = service.create(caller, unconfirmed);
  CHECK(outcome.intent->status == IntentStatus::requires_confirmation);
  CHECK(processor.requests.empty());
  CHECK(store.journals.empty());
}

TEST_CASE_METHOD(Fixture, "a key charges only the facilities and procedures in its scope") {
  Caller narrow{"key_narrow", "pool counter", false, {"FAC002"}, {"PROC001"}};
  const IntentOutcome refused = service.create(narrow, command());
  REQUIRE(refused.error.has_value());
  CHECK(refused.error->code == ErrorCode::scope_forbidden);
  CHECK(store.intents.empty());
  narrow.facility_ids.push_back("FAC001");
  CHECK_FALSE(service.create(narrow, command()).error.has_value());
}

TEST_CASE_METHOD(Fixture, "another key's intent is invisible: not found, never forbidden") {
  const std::string id = service.create(caller, command()).intent->id;
  CHECK(service.retrieve(stranger, id).error->code == ErrorCode::payment_intent_not_found);
  CHECK(service.cancel(stranger, id, std::nullopt).error->code == ErrorCode::payment_intent_not_found);
  CHECK(service.refund(stranger, {id, std::nullopt, "", "{}", ""}).error->code ==
        ErrorCode::payment_intent_not_found);
  CHECK(service.retrieve(caller, id).intent->id == id);
}

TEST_CASE_METHOD(Fixture, "confirm submits an unconfirmed intent, and only once") {
  auto unconfirmed = command();
  unconfirmed.confirm = false;
  const std::string id = service.create(caller, unconfirmed).intent->id;
  CHECK(service.confirm(caller, id, {"", "", ""}).error->code == ErrorCode::payment_method_required);
  const IntentOutcome confirmed = service.confirm(caller, id, {"tok_visa", "", ""});
  REQUIRE_FALSE(confirmed.error.has_value());
  CHECK(confirmed.intent->status == IntentStatus::succeeded);
  CHECK(store.journals.size() == 1);
  const IntentOutcome again = service.confirm(caller, id, {"tok_visa", "", ""});
  CHECK(again.error->code == ErrorCode::payment_intent_unexpected_state);
  CHECK(processor.requests.size() == 1);
}

TEST_CASE_METHOD(Fixture,
                 "manual capture: authorize, then capture part; the journal carries the captured amount") {
  const IntentOutcome authorized = service.create(caller, manual_command());
  REQUIRE(authorized.intent->status == IntentStatus::requires_capture);
  CHECK(store.journals.empty());
  const std::string id = authorized.intent->id;
  CHECK(service.capture(caller, id, Yen(3001)).error->code == ErrorCode::amount_invalid);
  CHECK(service.capture(caller, id, Yen(0)).error->code == ErrorCode::amount_invalid);
  const IntentOutcome captured = service.capture(caller, id, Yen(2000));
  REQUIRE_FALSE(captured.error.has_value());
  CHECK(captured.intent->status == IntentStatus::succeeded);
  CHECK(captured.intent->amount_captured == Yen(2000));
  REQUIRE(store.journals.size() == 1);
  CHECK(store.journals[0].postings()[0].amount == Yen(2000));
  REQUIRE(processor.captures.size() == 1);
  CHECK(processor.captures[0].processor_reference == "ch_1");
  CHECK(service.capture(caller, id, std::nullopt).error->code == ErrorCode::payment_intent_unexpected_state);
}

TEST_CASE_METHOD(Fixture, "a capture the processor does not confirm leaves the intent capturable") {
  const std::string id = service.create(caller, manual_command()).intent->id;
  processor.next_operation = {adapters::ChargeOutcome::unknown, "", "", "timeout"};
  CHECK(service.capture(caller, id, std::nullopt).error->code == ErrorCode::processor_unavailable);
  CHECK(store.intents.at(id).status == IntentStatus::requires_capture);
  processor.next_operation = {adapters::ChargeOutcome::approved, "", "", ""};
  CHECK(service.capture(caller, id, std::nullopt).intent->status == IntentStatus::succeeded);
}

TEST_CASE_METHOD(Fixture, "cancel: before confirmation, and after authorization with a void") {
  auto unconfirmed = command();
  unconfirmed.confirm = false;
  const std::string plain = service.create(caller, unconfirmed).intent->id;
  const IntentOutcome canceled = service.cancel(caller, plain, CancellationReason::abandoned);
  CHECK(canceled.intent->status == IntentStatus::canceled);
  CHECK(canceled.intent->cancellation_reason == "abandoned");
  CHECK(processor.voids.empty());

  const std::string authorized = service.create(caller, manual_command()).intent->id;
  CHECK(service.cancel(caller, authorized, std::nullopt).intent->status == IntentStatus::canceled);
  CHECK(processor.voids.size() == 1);
  CHECK(service.capture(caller, authorized, std::nullopt).error->code ==
        ErrorCode::payment_intent_unexpected_state);

  const std::string paid = service.create(caller, command()).intent->id;
  CHECK(service.cancel(caller, paid, std::nullopt).error->code == ErrorCode::payment_intent_unexpected_state);
  CHECK(store.journals.size() == 1);  // only the paid one
}

TEST_CASE_METHOD(Fixture, "partial refunds add up to the captured amount and no further") {
  const std::string id = service.create(caller, command()).intent->id;
  const RefundOutcome first = service.refund(caller, {id, Yen(1000), "requested_by_customer", "{}", ""});
  REQUIRE_FALSE(first.error.has_value());
  CHECK(first.refund->status == RefundStatus::succeeded);
  CHECK(first.refund->amount == Yen(1000));
  const RefundOutcome too_much = service.refund(caller, {id, Yen(2001), "", "{}", ""});
  CHECK(too_much.error->code == ErrorCode::refund_exceeds_captured);
  const RefundOutcome rest = service.refund(caller, {id, std::nullopt, "", "{}", ""});
  REQUIRE_FALSE(rest.error.has_value());
  CHECK(rest.refund->amount == Yen(2000));
  CHECK(store.intents.at(id).amount_refunded == Yen(3000));
  CHECK(service.refund(caller, {id, std::nullopt, "", "{}", ""}).error->code ==
        ErrorCode::refund_exceeds_captured);
  CHECK(service.refund(caller, {id, Yen(-1), "", "{}", ""}).error->code == ErrorCode::amount_invalid);
  // capture + two refunds: three balanced journals, the refunds reversing the capture.
  REQUIRE(store.journals.size() == 3);
  CHECK(store.journals[1].kind() == "refund");
  CHECK(store.journals[1].postings()[0].account.str() == "revenue:fee:F001");
  CHECK(store.journals[1].postings()[0].amount == Yen(1000));
}

TEST_CASE_METHOD(Fixture, "a declined refund is recorded failed, with no journal") {
  const std::string id = service.create(caller, command()).intent->id;
  processor.next_operation = {adapters::ChargeOutcome::declined, "", "refund_exceeds_capture", "no"};
  const RefundOutcome outcome = service.refund(caller, {id, Yen(100), "", "{}", ""});
  CHECK(outcome.error->code == ErrorCode::processor_declined);
  CHECK(outcome.refund->status == RefundStatus::failed);
  CHECK(store.intents.at(id).amount_refunded == Yen(0));
  CHECK(store.journals.size() == 1);
}

TEST_CASE_METHOD(Fixture, "an unpaid intent cannot be refunded") {
  auto unconfirmed = command();
  unconfirmed.confirm = false;
  const std::string id = service.create(caller, unconfirmed).intent->id;
  CHECK(service.refund(caller, {id, std::nullopt, "", "{}", ""}).error->code ==
        ErrorCode::payment_intent_unexpected_state);
  CHECK(processor.refunds.empty());
}

TEST_CASE_METHOD(Fixture, "an unknown outcome asks the processor at once and records what it finds") {
  processor.next = {adapters::ChargeOutcome::unknown, "", "", "lost"};
  processor.next_inquiry = {adapters::InquiryOutcome::found, "captured", "ch_9", "", Yen(3000), ""};
  const IntentOutcome outcome = service.create(caller, command());
  CHECK_FALSE(outcome.error.has_value());
  CHECK(outcome.intent->status == IntentStatus::succeeded);
  CHECK(outcome.intent->processor_reference == "ch_9");
  CHECK(store.journals.size() == 1);
  CHECK(processor.inquiries.size() == 1);
  // It paused before asking, through the clock, never by sleeping the thread itself.
  CHECK(clock.pauses == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(100)});
}

TEST_CASE_METHOD(Fixture, "no record at the processor is final only for the background resolver") {
  processor.next = {adapters::ChargeOutcome::unknown, "", "", "503"};
  processor.next_inquiry = {adapters::InquiryOutcome::not_found, "", "", "", Yen(0), ""};
  const IntentOutcome outcome = service.create(caller, command());
  CHECK(outcome.intent->status == IntentStatus::processing);  // too soon to conclude in the request
  CHECK(service.resolve_due(std::chrono::milliseconds(0), 10) == 1);
  CHECK(store.intents.at(outcome.intent->id).status == IntentStatus::failed);
  CHECK(store.intents.at(outcome.intent->id).failure_code == "processor_unavailable");
  CHECK(store.journals.empty());
}

TEST_CASE_METHOD(Fixture, "an inquiry that fails is postponed, not guessed") {
  processor.next = {adapters::ChargeOutcome::unknown, "", "", "timeout"};
  const std::string id = service.create(caller, command()).intent->id;  // next_inquiry: unknown
  CHECK(service.resolve_due(std::chrono::milliseconds(0), 10) == 0);
  CHECK(store.postponed[id] == 1);
  CHECK(store.intents.at(id).status == IntentStatus::processing);
}

TEST_CASE_METHOD(Fixture, "an authorization left uncaptured is captured, or voided when it cannot be") {
  processor.next = {adapters::ChargeOutcome::unknown, "", "", "lost"};
  processor.next_inquiry = {adapters::InquiryOutcome::found, "authorized", "ch_5", "", Yen(0), ""};
  const IntentOutcome captured = service.create(caller, command());
  CHECK(captured.intent->status == IntentStatus::succeeded);
  CHECK(processor.captures.size() == 1);
  CHECK(processor.voids.empty());

  processor.next_operation = {adapters::ChargeOutcome::declined, "", "expired_authorization", ""};
  processor.next_void = adapters::OperationResult{adapters::ChargeOutcome::approved, "", "", ""};
  const IntentOutcome voided = service.create(caller, command());
  CHECK(voided.intent->status == IntentStatus::failed);
  CHECK(processor.voids.size() == 1);
  CHECK(store.journals.size() == 1);
}

TEST_CASE("a processor that never saw the charge is passed over for the next; an unknown outcome is not") {
  FixedClock clock;
  Router router{clock};
  testing::ScriptedProcessor primary("card-a"), fallback("card-b");
  router.add_processor(&primary);
  router.add_processor(&fallback);
  REQUIRE_FALSE(router.set_routes(
      {Route{Means::card, "", "", "", {*ProcessorId::parse("card-a"), *ProcessorId::parse("card-b")}, {}}}));
  MemoryStore store;
  IdGenerator ids{9};
  PaymentService service(store, router, clock, ids, BusinessDay::make("Asia/Tokyo", "00:00").value());
  const Caller caller{"key_test", "test", true, {}, {}};

  primary.next = {adapters::ChargeOutcome::not_sent, "", "", "connection refused"};
  const IntentOutcome fell_back = service.create(caller, testing::card_payment_command());
  CHECK(fell_back.intent->status == IntentStatus::succeeded);
  CHECK(fell_back.intent->processor->str() == "card-b");
  CHECK(store.journals.at(0).postings()[0].account.str() == "assets:receivable:card-b");
  CHECK(fallback.requests.size() == 1);

  primary.next = {adapters::ChargeOutcome::unknown, "", "", "timeout"};
  const IntentOutcome unknown = service.create(caller, testing::card_payment_command());
  CHECK(unknown.intent->status == IntentStatus::processing);
  CHECK(unknown.intent->processor->str() == "card-a");
  CHECK(fallback.requests.size() == 1);  // not sent elsewhere: it might already be charged
}

TEST_CASE_METHOD(Fixture, "an uncapturable authorization whose capture or void is uncertain is not guessed") {
  processor.next = {adapters::ChargeOutcome::unknown, "", "", "lost"};
  processor.next_inquiry = {adapters::InquiryOutcome::found, "authorized", "ch_5", "", Yen(0), ""};
  processor.next_operation = {adapters::ChargeOutcome::unknown, "", "", "timeout"};
  const IntentOutcome uncertain = service.create(caller, command());
  CHECK(uncertain.intent->status == IntentStatus::processing);
  CHECK(processor.voids.empty());
  CHECK(store.journals.empty());
}

namespace {

// A Pay-easy centre and a QR provider that wait for their payers, beside the card acquirer.
struct PayerFixture : Fixture {
  PayerFixture() {
    router.add(Means::payeasy, &payeasy);
    router.add(Means::qr, &qr);
    service.set_payer_settings(PayerSettings{.payeasy_expires_after = std::chrono::hours(24 * 7),
                                             .jpqr_expires_after = std::chrono::minutes(5),
                                             .notify_base_url = "http://127.0.0.1:8080"});
  }
  CreateIntentCommand payeasy_command() const {
    CreateIntentCommand pay = testing::card_payment_command();
    pay.means = Means::payeasy;
    pay.facility = std::nullopt;
    pay.procedure = ProcedureId::parse("PROC001");
    pay.payment_method = {};
    return pay;
  }
  PaymentIntent issued() {
    const CreateOutcome outcome = service.create(caller, payeasy_command());
    REQUIRE_FALSE(outcome.error.has_value());
    REQUIRE(outcome.intent->status == IntentStatus::requires_payment);
    return *outcome.intent;
  }
  adapters::ProcessorNotice notice(const std::string& id, adapters::NoticeKind kind,
                                   const PaymentIntent& intent, Yen amount = Yen(3000)) const {
    return adapters::ProcessorNotice{
        .notice_id = id,
        .kind = kind,
        .payment_id = intent.id,
        .processor_reference = "pe_1",
        .amount = amount,
        .occurred_at = clock.now() + std::chrono::hours(24)};  // paid the next day
  }
  NoticeReceipt send(const adapters::ProcessorNotice& sent) {
    payeasy.next_notice = sent;
    return service.accept_notice("payeasy-test", "{}", {});
  }
  testing::ScriptedProcessor payeasy{"payeasy-test", "payeasy"};
  testing::ScriptedProcessor qr{"qr-test", "qr"};
};

}  // namespace

TEST_CASE_METHOD(PayerFixture, "confirming a Pay-easy intent issues a number and waits for the payer") {
  const PaymentIntent intent = issued();
  REQUIRE(intent.payer_instructions.has_value());
  CHECK(intent.payer_instructions->institution_number == "58091");
  CHECK(intent.payer_instructions->customer_number == "12345678901234567890");
  CHECK(intent.payer_instructions->confirmation_number == "123456");
  CHECK(intent.processor_reference == "pe_1");
  REQUIRE(payeasy.payer_requests.size() == 1);
  CHECK(payeasy.payer_requests[0].expires_at == clock.now() + std::chrono::hours(24 * 7));
  CHECK(payeasy.payer_requests[0].notify_url == "http://127.0.0.1:8080/v1/processors/payeasy-test/notices");
  CHECK(payeasy.payer_requests[0].merchant_reference == "PROC001");
  CHECK(store.journals.empty());
  CHECK(store.intents.at(intent.id).status == IntentStatus::requires_payment);
}

TEST_CASE_METHOD(PayerFixture, "a Pay-easy intent cannot ask for a manual capture") {
  CreateIntentCommand manual = payeasy_command();
  manual.capture_method = CaptureMethod::manual;
  const CreateOutcome outcome = service.create(caller, manual);
  REQUIRE(outcome.error.has_value());
  CHECK(outcome.error->param == "capture_method");
  CHECK(store.intents.empty());
}

TEST_CASE_METHOD(PayerFixture, "the quick notice succeeds the intent once, however often it is sent") {
  const PaymentIntent intent = issued();
  const NoticeReceipt first = send(notice("pen_1", adapters::NoticeKind::paid, intent));
  REQUIRE_FALSE(first.error.has_value());
  CHECK(*first.outcome == NoticeOutcome::applied);
  const PaymentIntent& paid = store.intents.at(intent.id);
  CHECK(paid.status == IntentStatus::succeeded);
  CHECK(paid.amount_captured == Yen(3000));
  CHECK(ledger::format_date(*paid.business_date) == "2026-11-23");  // the day the payer paid
  REQUIRE(store.journals.size() == 1);
  CHECK(store.journals[0].kind() == "capture");

  const NoticeReceipt again = send(notice("pen_1", adapters::NoticeKind::paid, intent));
  CHECK(*again.outcome == NoticeOutcome::already_applied);
  CHECK(store.journals.size() == 1);
  CHECK(store.notice_receipts.at("payeasy-test/pen_1") == 2);
}

TEST_CASE_METHOD(PayerFixture, "a cancellation after clearing reverses the payment with its own journal") {
  const PaymentIntent intent = issued();
  REQUIRE(send(notice("pen_1", adapters::NoticeKind::paid, intent)).outcome == NoticeOutcome::applied);
  REQUIRE(send(notice("pen_2", adapters::NoticeKind::reversed, intent)).outcome == NoticeOutcome::applied);
  CHECK(store.intents.at(intent.id).status == IntentStatus::reversed);
  REQUIRE(store.journals.size() == 2);
  CHECK(store.journals[1].kind() == "reversal");
  CHECK(store.journals[1].postings()[0].account.str() == "revenue:fee:F001");
  CHECK(store.journals[1].postings()[0].amount == Yen(3000));
  CHECK(store.journals[1].postings()[1].account.str() == "assets:receivable:payeasy-test");
  CHECK(send(notice("pen_2", adapters::NoticeKind::reversed, intent)).outcome ==
        NoticeOutcome::already_applied);
  CHECK(store.journals.size() == 2);
}

TEST_CASE_METHOD(PayerFixture, "a reversal that arrives before its payment notice applies both, in order") {
  const PaymentIntent intent = issued();
  REQUIRE(send(notice("pen_2", adapters::NoticeKind::reversed, intent)).outcome == NoticeOutcome::applied);
  CHECK(store.intents.at(intent.id).status == IntentStatus::reversed);
  REQUIRE(store.journals.size() == 2);
  CHECK(store.journals[0].kind() == "capture");
  CHECK(store.journals[1].kind() == "reversal");
  // The late payment notice changes nothing.
  CHECK(send(notice("pen_1", adapters::NoticeKind::paid, intent)).outcome == NoticeOutcome::already_applied);
  CHECK(store.journals.size() == 2);
}

TEST_CASE_METHOD(PayerFixture,
                 "a notice that contradicts the payment is kept as a conflict and changes nothing") {
  const PaymentIntent intent = issued();
  const NoticeReceipt other_amount = send(notice("pen_1", adapters::NoticeKind::paid, intent, Yen(2999)));
  CHECK(*other_amount.outcome == NoticeOutcome::conflict);
  CHECK(store.intents.at(intent.id).status == IntentStatus::requires_payment);
  CHECK(store.notices.at("payeasy-test/pen_1").detail.find("2,999") != std::string::npos);
  CHECK(store.journals.empty());
}

TEST_CASE_METHOD(PayerFixture, "notices that cannot be trusted or placed are refused") {
  const PaymentIntent intent = issued();
  SECTION("a bad signature") {
    payeasy.next_notice = notice("pen_1", adapters::NoticeKind::paid, intent);
    const NoticeReceipt receipt = service.accept_notice("payeasy-test", "forged", {});
    CHECK(receipt.error->code == ErrorCode::notice_signature_invalid);
    CHECK(store.notices.empty());
  }
  SECTION("an unknown processor") {
    CHECK(service.accept_notice("nobody", "{}", {}).error->code == ErrorCode::processor_not_found);
    CHECK(service.accept_notice("../etc", "{}", {}).error->code == ErrorCode::processor_not_found);
  }
  SECTION("a payment kessai never sent to that processor") {
    adapters::ProcessorNotice stray = notice("pen_9", adapters::NoticeKind::paid, intent);
    stray.payment_id = "pi_unknown";
    const NoticeReceipt receipt = send(stray);
    CHECK(receipt.error->code == ErrorCode::notice_unknown_payment);
    CHECK(store.notices.at("payeasy-test/pen_9").outcome == NoticeOutcome::unknown_payment);
  }
  CHECK(store.intents.at(intent.id).status == IntentStatus::requires_payment);
}

TEST_CASE_METHOD(PayerFixture, "an unpaid number is withdrawn at its deadline and the intent expires") {
  const PaymentIntent intent = issued();
  payeasy.next_payer_inquiry = {.outcome = adapters::InquiryOutcome::found,
                                .status = adapters::PayerActionStatus::waiting};
  CHECK(service.check_awaiting_payers(std::chrono::milliseconds(0), 10) == 0);  // before the deadline
  CHECK(payeasy.withdrawals.empty());
  CHECK(store.postponed.at(intent.id) == 1);
  clock.advanced = std::chrono::hours(24 * 7);
  CHECK(service.check_awaiting_payers(std::chrono::milliseconds(0), 10) == 1);
  CHECK(payeasy.withdrawals == std::vector<std::string>{intent.id + "/pe_1"});
  CHECK(store.intents.at(intent.id).status == IntentStatus::expired);
  CHECK(store.journals.empty());
}

TEST_CASE_METHOD(PayerFixture, "a payment whose notice was lost is found by inquiry") {
  const PaymentIntent intent = issued();
  payeasy.next_payer_inquiry = {.outcome = adapters::InquiryOutcome::found,
                                .status = adapters::PayerActionStatus::paid,
                                .processor_reference = "pe_1",
                                .amount = Yen(3000)};
  CHECK(service.check_awaiting_payers(std::chrono::milliseconds(0), 10) == 1);
  CHECK(store.intents.at(intent.id).status == IntentStatus::succeeded);
  REQUIRE(store.journals.size() == 1);
  // The notice, arriving at last, changes nothing.
  CHECK(send(notice("pen_1", adapters::NoticeKind::paid, intent)).outcome == NoticeOutcome::already_applied);
}

TEST_CASE_METHOD(PayerFixture, "a number paid just as its deadline passed is recorded paid, not expired") {
  const PaymentIntent intent = issued();
  clock.advanced = std::chrono::hours(24 * 8);
  payeasy.next_payer_inquiry = {.outcome = adapters::InquiryOutcome::found,
                                .status = adapters::PayerActionStatus::waiting};
  payeasy.next_withdraw = {adapters::ChargeOutcome::declined, "pe_1", "already_paid", "paid first"};
  CHECK(service.check_awaiting_payers(std::chrono::milliseconds(0), 10) == 0);
  CHECK(store.intents.at(intent.id).status == IntentStatus::requires_payment);
  CHECK(send(notice("pen_1", adapters::NoticeKind::paid, intent)).outcome == NoticeOutcome::applied);
  CHECK(store.intents.at(intent.id).status == IntentStatus::succeeded);
}

TEST_CASE_METHOD(PayerFixture, "canceling a waiting intent withdraws its number first") {
  const PaymentIntent intent = issued();
  SECTION("withdrawn") {
    const IntentOutcome canceled = service.cancel(caller, intent.id, std::nullopt);
    REQUIRE_FALSE(canceled.error.has_value());
    CHECK(canceled.intent->status == IntentStatus::canceled);
    CHECK(payeasy.withdrawals.size() == 1);
  }
  SECTION("the payer paid first: the payment is recorded and the cancel refused") {
    payeasy.next_withdraw = {adapters::ChargeOutcome::declined, "pe_1", "already_paid", "paid first"};
    payeasy.next_payer_inquiry = {.outcome = adapters::InquiryOutcome::found,
                                  .status = adapters::PayerActionStatus::paid,
                                  .processor_reference = "pe_1",
                                  .amount = Yen(3000)};
    const IntentOutcome refused = service.cancel(caller, intent.id, std::nullopt);
    REQUIRE(refused.error.has_value());
    CHECK(refused.error->code == ErrorCode::payment_intent_unexpected_state);
    CHECK(store.intents.at(intent.id).status == IntentStatus::succeeded);
  }
  SECTION("the centre cannot be reached: nothing changes") {
    payeasy.next_withdraw = {adapters::ChargeOutcome::not_sent, "", "", "connection refused"};
    CHECK(service.cancel(caller, intent.id, std::nullopt).error->code == ErrorCode::processor_unavailable);
    CHECK(store.intents.at(intent.id).status == IntentStatus::requires_payment);
  }
}

TEST_CASE_METHOD(PayerFixture, "a number whose answer was lost is asked for again with the same terms") {
  payeasy.next_payer_action = {.outcome = adapters::ChargeOutcome::unknown, .message = "timeout"};
  const CreateOutcome outcome = service.create(caller, payeasy_command());
  CHECK_FALSE(outcome.error.has_value());
  CHECK(outcome.intent->status == IntentStatus::processing);
  REQUIRE(payeasy.payer_requests.size() == 3);  // the request and two in-request retries
  payeasy.next_payer_action = testing::ScriptedProcessor().next_payer_action;
  CHECK(service.resolve_due(std::chrono::milliseconds(0), 10) == 1);
  CHECK(store.intents.at(outcome.intent->id).status == IntentStatus::requires_payment);
  CHECK(store.intents.at(outcome.intent->id).payer_instructions->customer_number == "12345678901234567890");
  for (const auto& request : payeasy.payer_requests)
    CHECK(request.expires_at == payeasy.payer_requests[0].expires_at);
}

TEST_CASE_METHOD(PayerFixture,
                 "a QR intent confirmed without the payer's code gets a merchant-presented code") {
  qr.next_payer_action = {.outcome = adapters::ChargeOutcome::approved,
                          .processor_reference = "qo_1",
                          .jpqr_payload = "000201010212"};
  CreateIntentCommand command = testing::card_payment_command();
  command.means = Means::qr;
  command.payment_method = {};
  const CreateOutcome outcome = service.create(caller, command);
  REQUIRE_FALSE(outcome.error.has_value());
  CHECK(outcome.intent->status == IntentStatus::requires_payment);
  CHECK(outcome.intent->payer_instructions->jpqr_payload == "000201010212");
  REQUIRE(qr.payer_requests.size() == 1);
  CHECK(qr.payer_requests[0].expires_at == clock.now() + std::chrono::minutes(5));
  CHECK(qr.requests.empty());  // nothing was charged
}
