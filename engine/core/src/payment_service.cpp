#include "kessai/engine/payment_service.hpp"

#include <cassert>

#include "kessai/ledger/posting_rules.hpp"
#include "kessai/runtime/log.hpp"

namespace kessai::engine {

adapters::Processor* Router::route(Means means) const {
  const auto found = by_means_.find(means);
  return found == by_means_.end() ? nullptr : found->second;
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
  if (command.facility.has_value() == command.procedure.has_value()) {
    return ApiError{ErrorCode::invalid_parameter, "give exactly one of facility_id and procedure_id",
                    command.facility ? "procedure_id" : "facility_id"};
  }
  return std::nullopt;
}

CreateOutcome PaymentService::create(const CreateIntentCommand& command) {
  CreateOutcome outcome;
  if (auto error = validate(command)) {
    outcome.error = std::move(error);
    return outcome;
  }
  const CatalogLookup catalog = store_.lookup_catalog(command.fee_code, command.facility, command.procedure);
  if (!catalog.fee_code_known) {
    outcome.error =
        ApiError{ErrorCode::unknown_fee_code, "no fee code '" + command.fee_code.str() + "'", "fee_code"};
    return outcome;
  }
  if (command.facility && !catalog.facility_known) {
    outcome.error =
        ApiError{ErrorCode::unknown_facility, "no facility '" + command.facility->str() + "'", "facility_id"};
    return outcome;
  }
  if (command.procedure && !catalog.procedure_known) {
    outcome.error = ApiError{ErrorCode::unknown_procedure, "no procedure '" + command.procedure->str() + "'",
                             "procedure_id"};
    return outcome;
  }

  adapters::Processor* processor = nullptr;
  if (command.confirm) {
    processor = router_.route(command.means);
    if (processor == nullptr) {
      outcome.error = ApiError{
          ErrorCode::means_unavailable,
          "no processor is configured for means '" + std::string(to_string(command.means)) + "'", "means"};
      return outcome;
    }
    if (command.means == Means::card && command.payment_method.card_token.empty()) {
      outcome.error = ApiError{ErrorCode::payment_method_required,
                               "confirming a card payment needs a card_token", "payment_method.card_token"};
      return outcome;
    }
  }

  PaymentIntent intent{
      .id = ids_.next("pi"),
      .status = IntentStatus::requires_confirmation,
      .means = command.means,
      .amount = command.amount,
      .amount_captured = Yen(0),
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
      .business_date = std::nullopt,
      .created_at = clock_.now(),
  };
  if (!command.confirm) {
    store_.insert_intent(intent);
    outcome.intent = std::move(intent);
    return outcome;
  }

  // Recorded before the processor is called, so a crash or a lost answer leaves a trace to inquire.
  intent.status = *next_status(intent.status, IntentEvent::submit);
  intent.processor = processor->id();
  store_.insert_intent(intent);
  confirm_with_processor(intent, *processor, command.payment_method, outcome);
  outcome.intent = std::move(intent);
  return outcome;
}

void PaymentService::confirm_with_processor(PaymentIntent& intent, adapters::Processor& processor,
                                            const PaymentMethod& method, CreateOutcome& outcome) {
  assert(intent.status == IntentStatus::processing);
  const adapters::ChargeRequest request{
      .payment_id = intent.id,
      .amount = intent.amount,
      .merchant_reference = intent.facility ? intent.facility->str() : intent.procedure->str(),
      .card_token = method.card_token,
      .capture = intent.capture_method == CaptureMethod::automatic,
  };
  const adapters::ChargeResult result = processor.charge(request);
  const IntentStatus from = intent.status;
  intent.processor_reference = result.processor_reference;

  switch (result.outcome) {
    case adapters::ChargeOutcome::approved: {
      const bool captured = request.capture;
      intent.status =
          *next_status(from, captured ? IntentEvent::processor_captured : IntentEvent::processor_authorized);
      std::optional<ledger::Journal> journal;
      if (captured) {
        intent.amount_captured = intent.amount;
        intent.business_date = business_day_.date_of(clock_.now());
        auto built = ledger::capture_journal(
            {intent.id, intent.amount, processor.id(), intent.fee_code, *intent.business_date});
        // Amount and accounts were validated above, so a failure here is a bug.
        assert(built.ok());
        journal = std::move(built).value();
      }
      store_.record_transition(intent, from, journal, "approved by " + processor.id().str());
      log::info("payment_captured", {{"payment_id", intent.id},
                                     {"amount_yen", intent.amount.value()},
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
    case adapters::ChargeOutcome::unknown:
      // Stays processing: the outcome is settled later by inquiry, never guessed.
      log::warn("payment_outcome_unknown",
                {{"payment_id", intent.id}, {"processor", processor.id().str()}, {"reason", result.message}});
      return;
  }
}

}  // namespace kessai::engine
