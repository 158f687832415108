#include "kessai/engine/payment_service.hpp"

#include <array>
#include <cassert>

#include "kessai/ledger/posting_rules.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::engine {

namespace {

ApiError unexpected_state(const PaymentIntent& intent, std::string_view action) {
  return ApiError{ErrorCode::payment_intent_unexpected_state,
                  "cannot " + std::string(action) + " a payment intent in status " +
                      std::string(to_string(intent.status)),
                  ""};
}

// The processor that took a payment was removed from the configuration since.
ApiError processor_gone() {
  return {ErrorCode::processor_unavailable, "the processor that took this payment is no longer configured",
          ""};
}

IntentOutcome with_error(PaymentIntent intent, ApiError error) {
  return IntentOutcome{std::move(intent), std::move(error)};
}

// The API error for a processor that refused or could not be asked about an operation on an intent.
ApiError processor_failure(const adapters::OperationResult& result, std::string_view action) {
  switch (result.outcome) {
    case adapters::ChargeOutcome::declined:
      return {ErrorCode::processor_declined,
              "the processor declined the " + std::string(action) + " (" + result.decline_code + ")", ""};
    case adapters::ChargeOutcome::rejected:
      return {ErrorCode::processor_error,
              "the processor refused the " + std::string(action) + ": " + result.message, ""};
    default:
      return {ErrorCode::processor_unavailable,
              "the processor did not confirm the " + std::string(action) + "; retry it: " + result.message,
              ""};
  }
}

constexpr std::array<std::chrono::milliseconds, 2> kInRequestInquiryDelays{std::chrono::milliseconds(100),
                                                                           std::chrono::milliseconds(400)};
constexpr std::chrono::seconds kInquiryBackoffBase{5};
constexpr std::chrono::seconds kInquiryBackoffMax{600};

}  // namespace

// The business date a capture is booked on: when the payer paid, for a payment a terminal took offline
// and forwards later; otherwise now.
std::chrono::year_month_day PaymentService::capture_date(const PaymentIntent& intent) const {
  if (intent.pos && intent.pos->taken_at) return business_day_.date_of(*intent.pos->taken_at);
  return business_day_.date_of(clock_.now());
}

std::optional<ApiError> PaymentService::validate(const CreateIntentCommand& command) const {
  if (!command.amount.is_positive()) {
    return ApiError{ErrorCode::amount_invalid, "amount must be a positive whole number of yen", "amount"};
  }
  if (command.amount.value() > kAmountYenMax) {
    return ApiError{ErrorCode::amount_too_large,
                    "amount must be at most " + format_yen(Yen(kAmountYenMax)) + " yen", "amount"};
  }
  if (command.currency != "JPY") {
    return ApiError{ErrorCode::currency_unsupported, "currency must be JPY", "currency"};
  }
  if (command.means != Means::card && command.capture_method == CaptureMethod::manual) {
    return ApiError{ErrorCode::invalid_parameter,
                    std::string(command.means == Means::qr        ? "a QR payment"
                                : command.means == Means::payeasy ? "a Pay-easy payment"
                                                                  : "e-money") +
                        " is paid in full at once; capture_method must be automatic",
                    "capture_method"};
  }
  if (command.facility.has_value() == command.procedure.has_value()) {
    return ApiError{ErrorCode::invalid_parameter, "give exactly one of facility_id and procedure_id",
                    command.facility ? "procedure_id" : "facility_id"};
  }
  return std::nullopt;
}

std::optional<ApiError> PaymentService::check_payable(const PaymentIntent& intent,
                                                      const PaymentMethod& method,
                                                      std::vector<adapters::Processor*>& candidates) {
  candidates =
      router_.candidates(RouteKey{intent.means, intent.facility ? intent.facility->str() : "",
                                  intent.procedure ? intent.procedure->str() : "", method.emoney_brand});
  if (candidates.empty()) {
    return ApiError{ErrorCode::means_unavailable,
                    "no processor is configured for means '" + std::string(to_string(intent.means)) + "'",
                    "means"};
  }
  if (intent.means == Means::card && method.card_token.empty()) {
    return ApiError{ErrorCode::payment_method_required, "confirming a card payment needs a card_token",
                    "payment_method.card_token"};
  }
  if (intent.means == Means::qr && method.qr_code.empty() && intent.capture_method == CaptureMethod::manual) {
    return ApiError{ErrorCode::invalid_parameter, "a merchant-presented QR code is paid in full by the payer",
                    "capture_method"};
  }
  if (intent.means == Means::emoney && (method.emoney_brand.empty() || method.emoney_idm.empty())) {
    return ApiError{ErrorCode::payment_method_required,
                    "confirming an e-money payment needs the brand and the IDm", "payment_method.emoney"};
  }
  return std::nullopt;
}

IntentOutcome PaymentService::create(const Caller& caller, const CreateIntentCommand& command) {
  if (auto error = validate(command)) return {std::nullopt, std::move(error)};
  if (!caller.may_charge(command.facility, command.procedure)) {
    const std::string target =
        command.facility ? "facility " + command.facility->str() : "procedure " + command.procedure->str();
    return {std::nullopt, ApiError{ErrorCode::scope_forbidden, "this API key may not charge for " + target,
                                   command.facility ? "facility_id" : "procedure_id"}};
  }
  const CatalogLookup catalog = store_.lookup_catalog(command.fee_code, command.facility, command.procedure);
  if (!catalog.fee_code_known) {
    return {std::nullopt, ApiError{ErrorCode::unknown_fee_code,
                                   "no fee code '" + command.fee_code.str() + "'", "fee_code"}};
  }
  if (command.facility && !catalog.facility_known) {
    return {std::nullopt, ApiError{ErrorCode::unknown_facility,
                                   "no facility '" + command.facility->str() + "'", "facility_id"}};
  }
  if (command.procedure && !catalog.procedure_known) {
    return {std::nullopt, ApiError{ErrorCode::unknown_procedure,
                                   "no procedure '" + command.procedure->str() + "'", "procedure_id"}};
  }

  PaymentIntent intent{
      .id = ids_.next("pi"),
      .owner = caller.api_key_id,
      .status = IntentStatus::requires_confirmation,
      .means = command.means,
      .amount = command.amount,
      .amount_captured = Yen(0),
      .amount_refunded = Yen(0),
      .fee_code = command.fee_code,
      .facility = command.facility,
      .procedure = command.procedure,
      .capture_method = command.capture_method,
      .description = command.description,
      .metadata_json = command.metadata_json,
      .processor = std::nullopt,
      .processor_reference = {},
      .failure_code = {},
      .failure_message = {},
      .cancellation_reason = {},
      .idempotency_key = command.idempotency_key,
      .business_date = std::nullopt,
      .created_at = clock_.now(),
      .brand = command.brand.empty() && command.means == Means::emoney ? command.payment_method.emoney_brand
                                                                       : command.brand,
      .pos = command.pos,
  };
  std::vector<adapters::Processor*> candidates;
  if (command.confirm) {
    if (auto error = check_payable(intent, command.payment_method, candidates)) return {std::nullopt, error};
    // Recorded before the processor is called, so a crash or a lost answer leaves a trace to inquire.
    intent.status = *next_status(intent.status, IntentEvent::submit);
    intent.processor = candidates.front()->id();
    // The deadline is fixed before the processor is asked, so asking again asks for the same number.
    if (waits_for_payer(intent, command.payment_method))
      intent.payer_instructions = PayerInstructions{.expires_at = payer_deadline(intent)};
  }
  store_.insert_intent(intent);
  IntentOutcome outcome;
  if (command.confirm) {
    intent.payer_instructions ? submit_payer_action(intent, candidates, outcome)
                              : submit(intent, candidates, command.payment_method, outcome);
  }
  outcome.intent = std::move(intent);
  return outcome;
}

IntentOutcome PaymentService::confirm(const Caller& caller, const std::string& id,
                                      const PaymentMethod& method) {
  IntentOutcome found = owned(caller, id);
  if (found.error) return found;
  PaymentIntent intent = std::move(*found.intent);
  if (intent.status != IntentStatus::requires_confirmation)
    return with_error(intent, unexpected_state(intent, "confirm"));
  std::vector<adapters::Processor*> candidates;
  if (auto error = check_payable(intent, method, candidates)) return with_error(intent, *error);
  const IntentStatus from = intent.status;
  intent.status = *next_status(from, IntentEvent::submit);
  intent.processor = candidates.front()->id();
  if (waits_for_payer(intent, method))
    intent.payer_instructions = PayerInstructions{.expires_at = payer_deadline(intent)};
  store_.record_transition(intent, from, std::nullopt, "confirmed");
  IntentOutcome outcome;
  intent.payer_instructions ? submit_payer_action(intent, candidates, outcome)
                            : submit(intent, candidates, method, outcome);
  outcome.intent = std::move(intent);
  return outcome;
}

std::optional<ledger::Journal> PaymentService::capture_journal_for(const PaymentIntent& intent) const {
  auto built = ledger::capture_journal(
      {intent.id, intent.amount_captured, *intent.processor, intent.fee_code, *intent.business_date});
  // Amounts and accounts were validated before, so a failure here is a bug.
  assert(built.ok());
  return std::move(built).value();
}

void PaymentService::submit(PaymentIntent& intent, const std::vector<adapters::Processor*>& candidates,
                            const PaymentMethod& method, IntentOutcome& outcome) {
  assert(intent.status == IntentStatus::processing && !candidates.empty());
  const adapters::ChargeRequest request{
      .payment_id = intent.id,
      .amount = intent.amount,
      .merchant_reference = intent.facility ? intent.facility->str() : intent.procedure->str(),
      .card_token = method.card_token,
      .capture = intent.capture_method == CaptureMethod::automatic,
      .emoney_brand = method.emoney_brand,
      .emoney_idm = method.emoney_idm,
      .qr_code = method.qr_code,
  };
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    adapters::Processor& processor = *candidates[i];
    if (i > 0) {
      intent.processor = processor.id();
      store_.reassign_processor(intent.id, processor.id());
    }
    const adapters::ChargeResult result = processor.charge(request);
    const bool reached = result.outcome != adapters::ChargeOutcome::not_sent &&
                         result.outcome != adapters::ChargeOutcome::unknown;
    reached ? router_.record_success(processor.id()) : router_.record_failure(processor.id());
    // Only a processor that surely never saw the charge may be passed over: after an unknown outcome
    // another processor could charge the payer a second time.
    if (result.outcome == adapters::ChargeOutcome::not_sent && i + 1 < candidates.size()) {
      log::warn("processor_fallback", {{"payment_id", intent.id},
                                       {"from", processor.id().str()},
                                       {"to", candidates[i + 1]->id().str()},
                                       {"reason", result.message}});
      continue;
    }
    record_charge_result(intent, processor, request, result, outcome);
    return;
  }
}

void PaymentService::record_charge_result(PaymentIntent& intent, adapters::Processor& processor,
                                          const adapters::ChargeRequest& request,
                                          const adapters::ChargeResult& result, IntentOutcome& outcome) {
  const IntentStatus from = intent.status;
  intent.processor_reference = result.processor_reference;

  switch (result.outcome) {
    case adapters::ChargeOutcome::approved: {
      // A terminal names the brand it read; over the API only the acquirer's answer does.
      if (intent.brand.empty()) intent.brand = result.brand;
      std::optional<ledger::Journal> journal;
      if (request.capture) {
        intent.status = *next_status(from, IntentEvent::processor_captured);
        intent.amount_captured = intent.amount;
        intent.business_date = capture_date(intent);
        journal = capture_journal_for(intent);
      } else {
        intent.status = *next_status(from, IntentEvent::processor_authorized);
      }
      store_.record_transition(intent, from, journal, "approved by " + processor.id().str());
      log::info("payment_approved", {{"payment_id", intent.id},
                                     {"amount_yen", intent.amount.value()},
                                     {"captured", request.capture},
                                     {"processor", processor.id().str()},
                                     {"processor_reference", result.processor_reference}});
      return;
    }
    case adapters::ChargeOutcome::declined:
    case adapters::ChargeOutcome::rejected:
    case adapters::ChargeOutcome::not_sent: {
      const bool declined = result.outcome == adapters::ChargeOutcome::declined;
      const bool rejected = result.outcome == adapters::ChargeOutcome::rejected;
      intent.status =
          *next_status(from, declined ? IntentEvent::processor_declined : IntentEvent::processor_not_sent);
      intent.failure_code = declined   ? (result.decline_code.empty() ? "card_declined" : result.decline_code)
                            : rejected ? "processor_error"
                                       : "processor_unavailable";
      intent.failure_message = result.message;
      store_.record_transition(intent, from, std::nullopt, intent.failure_code);
      log::info("payment_failed", {{"payment_id", intent.id},
                                   {"failure_code", intent.failure_code},
                                   {"processor", processor.id().str()}});
      outcome.error = ApiError{declined   ? ErrorCode::card_declined
                               : rejected ? ErrorCode::processor_error
                                          : ErrorCode::processor_unavailable,
                               result.message.empty() ? intent.failure_code : result.message, ""};
      return;
    }
    case adapters::ChargeOutcome::unknown: {
      log::warn("payment_outcome_unknown",
                {{"payment_id", intent.id}, {"processor", processor.id().str()}, {"reason", result.message}});
      // A lost answer is often settled by asking at once; otherwise the intent stays processing and the
      // background resolver keeps asking. Never guessed.
      for (const auto delay : kInRequestInquiryDelays) {
        clock_.sleep_for(delay);
        try {
          if (resolve(intent, false)) break;
        } catch (const ConcurrentUpdate&) {
          // The background resolver settled it meanwhile: answer with what it recorded.
          if (std::optional<PaymentIntent> current = store_.find_intent(intent.id))
            intent = std::move(*current);
          break;
        }
      }
      if (intent.status == IntentStatus::failed) {
        outcome.error =
            ApiError{intent.failure_code == "processor_unavailable" ? ErrorCode::processor_unavailable
                                                                    : ErrorCode::card_declined,
                     intent.failure_message.empty() ? intent.failure_code : intent.failure_message, ""};
      }
      return;
    }
  }
}

IntentOutcome PaymentService::capture(const Caller& caller, const std::string& id,
                                      std::optional<Yen> amount) {
  IntentOutcome found = owned(caller, id);
  if (found.error) return found;
  PaymentIntent intent = std::move(*found.intent);
  if (intent.status != IntentStatus::requires_capture)
    return with_error(intent, unexpected_state(intent, "capture"));
  const Yen to_capture = amount.value_or(intent.amount);
  if (!to_capture.is_positive() || to_capture > intent.amount) {
    return with_error(intent, ApiError{ErrorCode::amount_invalid,
                                       "amount_to_capture must be from 1 to the authorized " +
                                           format_yen(intent.amount) + " yen",
                                       "amount_to_capture"});
  }
  adapters::Processor* processor = intent.processor ? router_.by_id(*intent.processor) : nullptr;
  if (processor == nullptr) return with_error(intent, processor_gone());
  const adapters::OperationResult result =
      processor->capture({intent.id, intent.processor_reference, to_capture});
  if (result.outcome != adapters::ChargeOutcome::approved) {
    log::warn("capture_not_confirmed",
              {{"payment_id", intent.id}, {"outcome", adapters::to_string(result.outcome)}});
    return with_error(intent, processor_failure(result, "capture"));
  }
  const IntentStatus from = intent.status;
  intent.status = *next_status(from, IntentEvent::capture);
  intent.amount_captured = to_capture;
  intent.business_date = capture_date(intent);
  store_.record_transition(intent, from, capture_journal_for(intent), "captured " + format_yen(to_capture));
  return {std::move(intent), std::nullopt};
}

IntentOutcome PaymentService::cancel(const Caller& caller, const std::string& id,
                                     std::optional<CancellationReason> reason) {
  IntentOutcome found = owned(caller, id);
  if (found.error) return found;
  PaymentIntent intent = std::move(*found.intent);
  const std::optional<IntentStatus> to = next_status(intent.status, IntentEvent::cancel);
  if (!to) return with_error(intent, unexpected_state(intent, "cancel"));
  if (intent.status == IntentStatus::requires_capture) {
    // The authorization holds the payer's money: release it before calling the intent canceled.
    adapters::Processor* processor = intent.processor ? router_.by_id(*intent.processor) : nullptr;
    if (processor == nullptr) return with_error(intent, processor_gone());
    const adapters::OperationResult result =
        processor->void_authorization({intent.id, intent.processor_reference});
    if (result.outcome != adapters::ChargeOutcome::approved)
      return with_error(intent, processor_failure(result, "void"));
  }
  if (intent.status == IntentStatus::requires_payment) {
    // The number or code must stop being payable before the intent is called canceled.
    adapters::Processor* processor = intent.processor ? router_.by_id(*intent.processor) : nullptr;
    if (processor == nullptr) return with_error(intent, processor_gone());
    const adapters::OperationResult result =
        processor->withdraw_payer_action(intent.id, intent.processor_reference);
    if (result.decline_code == "already_paid") {
      check_awaiting(intent);  // records the payment now rather than at the next inquiry
      return with_error(intent, ApiError{ErrorCode::payment_intent_unexpected_state,
                                         "the payer has already paid; refund the payment instead", ""});
    }
    if (result.outcome != adapters::ChargeOutcome::approved)
      return with_error(intent, processor_failure(result, "withdrawal of the payment number or code"));
  }
  const IntentStatus from = intent.status;
  intent.status = *to;
  intent.cancellation_reason = reason ? std::string(to_string(*reason)) : "";
  store_.record_transition(intent, from, std::nullopt, "canceled");
  return {std::move(intent), std::nullopt};
}

RefundOutcome PaymentService::refund(const Caller& caller, const RefundCommand& command) {
  IntentOutcome found = owned(caller, command.payment_intent_id);
  if (found.error) {
    found.error->param = "payment_intent";
    return {std::nullopt, found.error};
  }
  const PaymentIntent& intent = *found.intent;
  if (intent.status != IntentStatus::succeeded) {
    return {std::nullopt, ApiError{ErrorCode::payment_intent_unexpected_state,
                                   "only a succeeded payment can be refunded; this one is " +
                                       std::string(to_string(intent.status)),
                                   "payment_intent"}};
  }
  if (command.amount && !command.amount->is_positive()) {
    return {std::nullopt,
            ApiError{ErrorCode::amount_invalid, "amount must be a positive whole number of yen", "amount"}};
  }
  adapters::Processor* processor = intent.processor ? router_.by_id(*intent.processor) : nullptr;
  if (processor == nullptr) return {std::nullopt, processor_gone()};
  Refund refund{.id = ids_.next("re"),
                .payment_intent_id = intent.id,
                .owner = caller.api_key_id,
                .amount = command.amount.value_or(Yen(0)),
                .status = RefundStatus::pending,
                .reason = command.reason,
                .metadata_json = command.metadata_json,
                .processor_reference = {},
                .failure_code = {},
                .failure_message = {},
                .idempotency_key = command.idempotency_key,
                .business_date = std::nullopt,
                .created_at = clock_.now(),
                .pos = command.pos};
  Yen available{0};
  const RefundReservation reservation = store_.reserve_refund(refund, available);
  if (reservation == RefundReservation::not_refundable) {
    return {std::nullopt, ApiError{ErrorCode::payment_intent_unexpected_state,
                                   "only a succeeded payment can be refunded", "payment_intent"}};
  }
  if (reservation == RefundReservation::exceeds) {
    return {std::nullopt,
            ApiError{ErrorCode::refund_exceeds_captured,
                     "at most " + format_yen(available) + " yen of this payment can still be refunded",
                     "amount"}};
  }
  if (refund.amount.is_zero()) refund.amount = available;  // the store filled in the whole remainder

  const adapters::OperationResult result =
      processor->refund({refund.id, intent.id, intent.processor_reference, refund.amount});
  refund.processor_reference = result.processor_reference;
  if (result.outcome == adapters::ChargeOutcome::unknown) {
    // Stays pending: the processor may have refunded; inquiry settles it, never a guess.
    log::warn("refund_outcome_unknown", {{"refund_id", refund.id}, {"reason", result.message}});
    return {std::move(refund), std::nullopt};
  }
  std::optional<ledger::Journal> journal;
  if (result.outcome == adapters::ChargeOutcome::approved) {
    refund.status = RefundStatus::succeeded;
    refund.business_date = business_day_.date_of(clock_.now());
    auto built = ledger::refund_journal(
        {refund.id, refund.amount, processor->id(), intent.fee_code, *refund.business_date});
    assert(built.ok());
    journal = std::move(built).value();
  } else {
    refund.status = RefundStatus::failed;
    const std::string declined_code = result.decline_code.empty() ? "refund_declined" : result.decline_code;
    refund.failure_code = result.outcome == adapters::ChargeOutcome::declined   ? declined_code
                          : result.outcome == adapters::ChargeOutcome::rejected ? "processor_error"
                                                                                : "processor_unavailable";
    refund.failure_message = result.message;
  }
  store_.record_refund(refund, journal);
  log::info("refund_recorded", {{"refund_id", refund.id},
                                {"payment_id", intent.id},
                                {"amount_yen", refund.amount.value()},
                                {"status", to_string(refund.status)}});
  if (refund.status == RefundStatus::failed) {
    return {std::move(refund), processor_failure(result, "refund")};
  }
  return {std::move(refund), std::nullopt};
}

IntentOutcome PaymentService::owned(const Caller& caller, const std::string& id) {
  std::optional<PaymentIntent> intent = store_.find_intent(id);
  // A terminal owns the payments its facility's terminals took; an API key those it created.
  const bool owner =
      intent && (caller.terminal_id.empty()
                     ? !intent->pos && intent->owner == caller.api_key_id
                     : intent->pos && intent->facility && caller.may_charge(intent->facility, {}));
  if (!owner) {
    return {std::nullopt,
            ApiError{ErrorCode::payment_intent_not_found, "no payment intent '" + id + "'", "id"}};
  }
  return {std::move(intent), std::nullopt};
}

IntentOutcome PaymentService::retrieve(const Caller& caller, const std::string& id) {
  return owned(caller, id);
}

RefundOutcome PaymentService::retrieve_refund(const Caller& caller, const std::string& id) {
  std::optional<Refund> refund = store_.find_refund(id);
  if (!refund || refund->owner != caller.api_key_id) {
    return {std::nullopt, ApiError{ErrorCode::refund_not_found, "no refund '" + id + "'", "id"}};
  }
  return {std::move(refund), std::nullopt};
}

bool PaymentService::resolve(PaymentIntent& intent, bool not_found_is_final) {
  assert(intent.status == IntentStatus::processing);
  adapters::Processor* processor = intent.processor ? router_.by_id(*intent.processor) : nullptr;
  if (processor == nullptr) {
    log::error("inquiry_impossible",
               {{"payment_id", intent.id}, {"reason", "its processor is not configured"}});
    return false;
  }
  if (intent.payer_instructions) {
    // A number or code whose answer was lost: asking again with the same terms answers the same one.
    const adapters::PayerAction action = processor->request_payer_action(
        {intent.id, intent.amount, intent.facility ? intent.facility->str() : intent.procedure->str(),
         intent.payer_instructions->expires_at, notify_url(*processor)});
    // Unreachable now: a number may exist from the lost answer, so never conclude anything from that.
    if (action.outcome == adapters::ChargeOutcome::not_sent) return false;
    IntentOutcome ignored;
    return record_payer_action(intent, *processor, action, ignored);
  }
  const adapters::InquiryResult found = processor->inquire_charge(intent.id);
  switch (found.outcome) {
    case adapters::InquiryOutcome::unknown:
      return false;
    case adapters::InquiryOutcome::not_found: {
      if (!not_found_is_final) return false;
      const IntentStatus from = intent.status;
      intent.status = *next_status(from, IntentEvent::processor_not_sent);
      intent.failure_code = "processor_unavailable";
      intent.failure_message = "the processor has no record of this payment; nothing was charged";
      store_.record_transition(intent, from, std::nullopt, "inquiry: no such charge");
      log::info("payment_resolved",
                {{"payment_id", intent.id}, {"status", "failed"}, {"reason", "not_found"}});
      return true;
    }
    case adapters::InquiryOutcome::found:
      settle_found(intent, *processor, found);
      return true;
  }
  return false;
}

bool PaymentService::settle_found(PaymentIntent& intent, adapters::Processor& processor,
                                  const adapters::InquiryResult& found) {
  const IntentStatus from = intent.status;
  intent.processor_reference = found.processor_reference;
  if (intent.brand.empty()) intent.brand = found.brand;
  const bool automatic = intent.capture_method == CaptureMethod::automatic;
  bool captured = found.status == "captured";
  if (found.status == "authorized" && automatic) {
    // The acquirer authorized but did not capture: capture now, or release the authorization we cannot use.
    // Any step whose outcome is not certain leaves the intent processing for the next inquiry.
    const auto capture = processor.capture({intent.id, intent.processor_reference, intent.amount});
    const bool refused = capture.outcome == adapters::ChargeOutcome::declined ||
                         capture.outcome == adapters::ChargeOutcome::rejected;
    captured = capture.outcome == adapters::ChargeOutcome::approved;
    if (!captured && !refused) return false;
    if (!captured) {
      const auto released = processor.void_authorization({intent.id, intent.processor_reference});
      if (released.outcome != adapters::ChargeOutcome::approved) {
        log::warn("authorization_not_released",
                  {{"payment_id", intent.id}, {"outcome", adapters::to_string(released.outcome)}});
        return false;
      }
    }
  }
  std::optional<ledger::Journal> journal;
  if (captured) {
    intent.status = *next_status(from, IntentEvent::processor_captured);
    intent.amount_captured = found.amount_captured.is_positive() ? found.amount_captured : intent.amount;
    intent.business_date = capture_date(intent);
    journal = capture_journal_for(intent);
  } else if (found.status == "authorized" && !automatic) {
    intent.status = *next_status(from, IntentEvent::processor_authorized);
  } else {
    intent.status = *next_status(from, IntentEvent::processor_declined);
    intent.failure_code = found.status == "declined" && !found.decline_code.empty() ? found.decline_code
                          : found.status == "declined"                              ? "card_declined"
                                                                                    : "authorization_voided";
    intent.failure_message = "settled by inquiry: the charge is " + found.status;
  }
  store_.record_transition(intent, from, journal, "inquiry: charge " + found.status);
  log::info("payment_resolved", {{"payment_id", intent.id}, {"status", to_string(intent.status)}});
  return true;
}

std::size_t PaymentService::resolve_due(std::chrono::milliseconds min_age, std::size_t limit) {
  std::size_t settled = 0;
  for (PaymentIntent& intent : store_.due_for_inquiry(min_age, limit)) {
    try {
      if (resolve(intent, true)) {
        ++settled;
        continue;
      }
    } catch (const ConcurrentUpdate&) {
      continue;  // another request or node settled it first
    }
    // Could not ask, or no answer yet: again later, less often each time.
    store_.postpone_inquiry(intent.id, kInquiryBackoffBase, kInquiryBackoffMax);
  }
  return settled;
}

std::optional<PaymentIntent> PaymentService::intent_created_with(const Caller& caller,
                                                                 const std::string& key) {
  return store_.find_intent_by_idempotency_key(caller.api_key_id, key);
}

std::optional<Refund> PaymentService::refund_created_with(const Caller& caller, const std::string& key) {
  return store_.find_refund_by_idempotency_key(caller.api_key_id, key);
}

Result<IntentPage, ApiError> PaymentService::list(const Caller& caller, IntentFilter filter) {
  if (filter.limit == 0 || filter.limit > kListLimitMax) {
    return fail(ApiError{ErrorCode::invalid_parameter,
                         "limit must be from 1 to " + std::to_string(kListLimitMax), "limit"});
  }
  if (!filter.starting_after.empty()) {
    std::optional<PaymentIntent> cursor = store_.find_intent(filter.starting_after);
    if (!cursor || cursor->owner != caller.api_key_id) {
      return fail(ApiError{ErrorCode::invalid_parameter, "starting_after names no payment intent of yours",
                           "starting_after"});
    }
  }
  filter.owner = caller.api_key_id;
  return store_.list_intents(filter);
}

std::string_view to_string(NoticeOutcome outcome) {
  switch (outcome) {
    case NoticeOutcome::applied:
      return "applied";
    case NoticeOutcome::already_applied:
      return "already_applied";
    case NoticeOutcome::conflict:
      return "conflict";
    case NoticeOutcome::unknown_payment:
      return "unknown_payment";
  }
  return "conflict";
}

bool PaymentService::waits_for_payer(const PaymentIntent& intent, const PaymentMethod& method) const {
  return intent.means == Means::payeasy || (intent.means == Means::qr && method.qr_code.empty());
}

std::chrono::system_clock::time_point PaymentService::payer_deadline(const PaymentIntent& intent) const {
  const auto after = intent.means == Means::payeasy ? payer_settings_.payeasy_expires_after
                                                    : payer_settings_.jpqr_expires_after;
  // Whole seconds: processors speak RFC 3339 without fractions, and asking again must match exactly.
  return std::chrono::time_point_cast<std::chrono::seconds>(clock_.now()) + after;
}

std::string PaymentService::notify_url(const adapters::Processor& processor) const {
  return payer_settings_.notify_base_url + "/v1/processors/" + processor.id().str() + "/notices";
}

void PaymentService::submit_payer_action(PaymentIntent& intent,
                                         const std::vector<adapters::Processor*>& candidates,
                                         IntentOutcome& outcome) {
  assert(intent.status == IntentStatus::processing && intent.payer_instructions && !candidates.empty());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    adapters::Processor& processor = *candidates[i];
    if (i > 0) {
      intent.processor = processor.id();
      store_.reassign_processor(intent.id, processor.id());
    }
    const adapters::PayerActionRequest request{
        intent.id, intent.amount, intent.facility ? intent.facility->str() : intent.procedure->str(),
        intent.payer_instructions->expires_at, notify_url(processor)};
    adapters::PayerAction action = processor.request_payer_action(request);
    const bool reached = action.outcome != adapters::ChargeOutcome::not_sent &&
                         action.outcome != adapters::ChargeOutcome::unknown;
    reached ? router_.record_success(processor.id()) : router_.record_failure(processor.id());
    if (action.outcome == adapters::ChargeOutcome::not_sent && i + 1 < candidates.size()) {
      log::warn("processor_fallback", {{"payment_id", intent.id},
                                       {"from", processor.id().str()},
                                       {"to", candidates[i + 1]->id().str()},
                                       {"reason", action.message}});
      continue;
    }
    // A lost answer: the processor de-duplicates on our id, so asking again is safe and usually answers.
    for (const auto delay : kInRequestInquiryDelays) {
      if (action.outcome != adapters::ChargeOutcome::unknown) break;
      clock_.sleep_for(delay);
      action = processor.request_payer_action(request);
    }
    if (!record_payer_action(intent, processor, action, outcome)) {
      log::warn("payer_action_unknown",
                {{"payment_id", intent.id}, {"processor", processor.id().str()}, {"reason", action.message}});
    }
    return;
  }
}

bool PaymentService::record_payer_action(PaymentIntent& intent, adapters::Processor& processor,
                                         const adapters::PayerAction& action, IntentOutcome& outcome) {
  const IntentStatus from = intent.status;
  switch (action.outcome) {
    case adapters::ChargeOutcome::unknown:
      return false;
    case adapters::ChargeOutcome::approved:
      intent.status = *next_status(from, IntentEvent::await_payer);
      intent.processor_reference = action.processor_reference;
      intent.payer_instructions = PayerInstructions{.institution_number = action.institution_number,
                                                    .customer_number = action.customer_number,
                                                    .confirmation_number = action.confirmation_number,
                                                    .jpqr_payload = action.jpqr_payload,
                                                    .expires_at = action.expires_at};
      store_.record_transition(intent, from, std::nullopt, "payer action issued by " + processor.id().str());
      log::info("payer_action_issued", {{"payment_id", intent.id},
                                        {"processor", processor.id().str()},
                                        {"processor_reference", action.processor_reference}});
      return true;
    case adapters::ChargeOutcome::declined:
    case adapters::ChargeOutcome::rejected:
    case adapters::ChargeOutcome::not_sent: {
      const bool declined = action.outcome == adapters::ChargeOutcome::declined;
      const bool rejected = action.outcome == adapters::ChargeOutcome::rejected;
      intent.status =
          *next_status(from, declined ? IntentEvent::processor_declined : IntentEvent::processor_not_sent);
      intent.failure_code =
          declined   ? (action.decline_code.empty() ? "payer_action_declined" : action.decline_code)
          : rejected ? "processor_error"
                     : "processor_unavailable";
      intent.failure_message = action.message;
      store_.record_transition(intent, from, std::nullopt, intent.failure_code);
      outcome.error = ApiError{declined   ? ErrorCode::processor_declined
                               : rejected ? ErrorCode::processor_error
                                          : ErrorCode::processor_unavailable,
                               action.message.empty() ? intent.failure_code : action.message, ""};
      return true;
    }
  }
  return false;
}

void PaymentService::record_paid(PaymentIntent& intent, const std::string& processor_reference, Yen amount,
                                 std::chrono::system_clock::time_point paid_at, std::string_view detail) {
  const IntentStatus from = intent.status;
  intent.status = *next_status(from, IntentEvent::processor_captured);
  if (!processor_reference.empty()) intent.processor_reference = processor_reference;
  intent.amount_captured = amount;
  intent.business_date = business_day_.date_of(paid_at);
  store_.record_transition(intent, from, capture_journal_for(intent), detail);
  log::info("payment_paid_by_payer", {{"payment_id", intent.id}, {"amount_yen", amount.value()}});
}

void PaymentService::record_reversed(PaymentIntent& intent, std::chrono::system_clock::time_point reversed_at,
                                     std::string_view detail) {
  const IntentStatus from = intent.status;
  intent.status = *next_status(from, IntentEvent::processor_reversed);
  std::optional<ledger::Journal> journal;
  // Refunds never exceed the capture, so this cannot underflow.
  const Yen remaining = intent.amount_captured.checked_sub(intent.amount_refunded).value_or(Yen(0));
  if (remaining.is_positive()) {
    auto built = ledger::reversal_journal(
        {intent.id, remaining, *intent.processor, intent.fee_code, business_day_.date_of(reversed_at)});
    assert(built.ok());
    journal = std::move(built).value();
  }
  store_.record_transition(intent, from, journal, detail);
  log::warn("payment_reversed", {{"payment_id", intent.id}, {"amount_yen", remaining.value()}});
}

void PaymentService::record_expired(PaymentIntent& intent, std::string_view detail) {
  const IntentStatus from = intent.status;
  intent.status = *next_status(from, IntentEvent::expire);
  store_.record_transition(intent, from, std::nullopt, detail);
  log::info("payment_expired", {{"payment_id", intent.id}});
}

NoticeOutcome PaymentService::apply_notice(PaymentIntent& intent, const adapters::ProcessorNotice& notice,
                                           std::string& detail) {
  const bool waiting = intent.status == IntentStatus::requires_payment ||
                       (intent.status == IntentStatus::processing && intent.payer_instructions);
  const std::string what =
      "notice " + notice.notice_id + ": " + std::string(adapters::to_string(notice.kind));
  if (waiting && notice.amount != intent.amount) {
    detail =
        "the notice says " + format_yen(notice.amount) + " yen, the payment is " + format_yen(intent.amount);
    return NoticeOutcome::conflict;
  }
  if (notice.kind == adapters::NoticeKind::paid) {
    if (waiting) {
      record_paid(intent, notice.processor_reference, notice.amount, notice.occurred_at, what);
      return NoticeOutcome::applied;
    }
    if (intent.status == IntentStatus::succeeded || intent.status == IntentStatus::reversed)
      return NoticeOutcome::already_applied;
  } else {
    // A reversal says the payment was made: one arriving before its payment notice applies both.
    if (waiting) record_paid(intent, notice.processor_reference, notice.amount, notice.occurred_at, what);
    if (intent.status == IntentStatus::succeeded) {
      record_reversed(intent, notice.occurred_at, what);
      return NoticeOutcome::applied;
    }
    if (intent.status == IntentStatus::reversed) return NoticeOutcome::already_applied;
  }
  detail = "the payment is " + std::string(to_string(intent.status)) + "; the processor reports it " +
           std::string(adapters::to_string(notice.kind));
  return NoticeOutcome::conflict;
}

NoticeReceipt PaymentService::accept_notice(std::string_view processor_id, std::string_view body,
                                            const std::vector<std::pair<std::string, std::string>>& headers) {
  const std::optional<ProcessorId> id = ProcessorId::parse(processor_id);
  adapters::Processor* processor = id ? router_.by_id(*id) : nullptr;
  if (processor == nullptr) {
    return {std::nullopt, ApiError{ErrorCode::processor_not_found,
                                   "no processor '" + std::string(processor_id) + "' is configured", ""}};
  }
  auto read = processor->read_notice(body, headers, clock_.now());
  if (!read.ok()) {
    const adapters::NoticeRejection& rejection = read.error();
    log::warn("notice_refused", {{"processor", processor->id().str()},
                                 {"problem", static_cast<std::uint64_t>(rejection.problem)},
                                 {"reason", rejection.message}});
    const bool authentication = rejection.problem == adapters::NoticeProblem::unsigned_notice ||
                                rejection.problem == adapters::NoticeProblem::bad_signature ||
                                rejection.problem == adapters::NoticeProblem::stale;
    return {std::nullopt, ApiError{rejection.problem == adapters::NoticeProblem::not_supported
                                       ? ErrorCode::processor_not_found
                                   : authentication ? ErrorCode::notice_signature_invalid
                                                    : ErrorCode::notice_malformed,
                                   rejection.message, ""}};
  }
  const adapters::ProcessorNotice& notice = read.value();
  NoticeRecord record{.processor_id = processor->id().str(),
                      .notice_id = notice.notice_id,
                      .kind = std::string(adapters::to_string(notice.kind)),
                      .payment_id = notice.payment_id,
                      .amount = notice.amount,
                      .occurred_at = notice.occurred_at,
                      .outcome = NoticeOutcome::unknown_payment,
                      .detail = {}};
  // Two copies of one notice may race: the second finds the intent moved and reads it again.
  constexpr int kAttemptsMax = 3;
  for (int attempt = 0; attempt < kAttemptsMax; ++attempt) {
    std::optional<PaymentIntent> intent = store_.find_intent(notice.payment_id);
    if (!intent || intent->processor != processor->id()) {
      record.outcome = NoticeOutcome::unknown_payment;
      record.detail = "no payment " + notice.payment_id + " was sent to " + processor->id().str();
      break;
    }
    try {
      record.outcome = apply_notice(*intent, notice, record.detail);
      break;
    } catch (const ConcurrentUpdate&) {
      record.outcome = NoticeOutcome::conflict;
      record.detail = "the payment kept changing while the notice was applied";
    }
  }
  const bool first = store_.record_notice(record);
  const bool loud =
      record.outcome == NoticeOutcome::conflict || record.outcome == NoticeOutcome::unknown_payment;
  (loud ? log::error : log::info)("notice_received", {{"processor", record.processor_id},
                                                      {"notice_id", record.notice_id},
                                                      {"payment_id", record.payment_id},
                                                      {"kind", record.kind},
                                                      {"outcome", to_string(record.outcome)},
                                                      {"repeat", !first},
                                                      {"detail", record.detail}});
  if (record.outcome == NoticeOutcome::unknown_payment) {
    return {record.outcome, ApiError{ErrorCode::notice_unknown_payment, record.detail, ""}};
  }
  return {record.outcome, std::nullopt};
}

bool PaymentService::check_awaiting(PaymentIntent& intent) {
  adapters::Processor* processor = intent.processor ? router_.by_id(*intent.processor) : nullptr;
  if (processor == nullptr) {
    log::error("inquiry_impossible",
               {{"payment_id", intent.id}, {"reason", "its processor is not configured"}});
    return false;
  }
  const adapters::PayerActionInquiry found = processor->inquire_payer_action(intent.id);
  if (found.outcome != adapters::InquiryOutcome::found) {
    if (found.outcome == adapters::InquiryOutcome::not_found)
      log::error("payer_action_missing", {{"payment_id", intent.id}, {"processor", processor->id().str()}});
    return false;
  }
  const auto now = clock_.now();
  switch (found.status) {
    case adapters::PayerActionStatus::paid:
    case adapters::PayerActionStatus::reversed:
      if (found.amount != intent.amount) {
        log::error("payer_paid_other_amount",
                   {{"payment_id", intent.id}, {"amount_yen", found.amount.value()}});
        return false;
      }
      record_paid(intent, found.processor_reference, found.amount, now, "inquiry: paid");
      if (found.status == adapters::PayerActionStatus::reversed)
        record_reversed(intent, now, "inquiry: reversed");
      return true;
    case adapters::PayerActionStatus::expired:
    case adapters::PayerActionStatus::withdrawn:
      record_expired(intent, "inquiry: " + std::string(found.status == adapters::PayerActionStatus::expired
                                                           ? "expired at the processor"
                                                           : "withdrawn at the processor"));
      return true;
    case adapters::PayerActionStatus::waiting: {
      if (!intent.payer_instructions || now < intent.payer_instructions->expires_at) return false;
      // Past our deadline: make sure it can no longer be paid before calling it expired.
      const adapters::OperationResult withdrawn =
          processor->withdraw_payer_action(intent.id, intent.processor_reference);
      if (withdrawn.outcome != adapters::ChargeOutcome::approved) return false;  // paid meanwhile: next time
      record_expired(intent, "deadline passed; withdrawn at the processor");
      return true;
    }
  }
  return false;
}

std::size_t PaymentService::check_awaiting_payers(std::chrono::milliseconds min_age, std::size_t limit) {
  std::size_t settled = 0;
  for (PaymentIntent& intent : store_.due_awaiting_payer(min_age, limit)) {
    try {
      if (check_awaiting(intent)) {
        ++settled;
        continue;
      }
    } catch (const ConcurrentUpdate&) {
      continue;  // a notice or a cancel settled it first
    }
    store_.postpone_inquiry(intent.id, kInquiryBackoffBase, kInquiryBackoffMax);
  }
  return settled;
}

}  // namespace kessai::engine
