#pragma once
// The payment use cases: create, confirm, capture, cancel, refund, read. Each validates, checks the
// caller owns the intent, routes to the processor, and records the outcome with its journal.
// It talks to the store and the processors through interfaces only; blocking, run on worker threads.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "kessai/adapters/processor.hpp"
#include "kessai/engine/business_day.hpp"
#include "kessai/engine/caller.hpp"
#include "kessai/engine/environment.hpp"
#include "kessai/engine/errors.hpp"
#include "kessai/engine/payment_intent.hpp"
#include "kessai/engine/router.hpp"
#include "kessai/engine/store.hpp"
#include "kessai/result.hpp"

namespace kessai::engine {

struct PaymentMethod {
  std::string card_token;    // card: a token from the card acquirer's tokenizer, never a card number
  std::string emoney_brand;  // e-money: transit_ic, id, quicpay, waon, nanaco
  std::string emoney_idm;    // e-money: the card's IDm as the reader saw it at the tap
  std::string qr_code{};     // QR, customer-presented: the payer's code as scanned; never logged
};

struct CreateIntentCommand {
  Yen amount;
  std::string currency;
  Means means = Means::card;
  FeeCode fee_code;
  std::optional<FacilityId> facility;
  std::optional<ProcedureId> procedure;
  CaptureMethod capture_method = CaptureMethod::automatic;
  std::string description;
  std::string metadata_json = "{}";
  bool confirm = false;
  PaymentMethod payment_method;
  std::string idempotency_key;  // stored on the intent in the same transaction
};

struct RefundCommand {
  std::string payment_intent_id;
  std::optional<Yen> amount;  // default: all that is still refundable
  std::string reason;
  std::string metadata_json = "{}";
  std::string idempotency_key;  // stored on the refund in the same transaction
};

struct IntentOutcome {
  std::optional<PaymentIntent> intent;  // set when an intent exists (also with some errors)
  std::optional<ApiError> error;
};
using CreateOutcome = IntentOutcome;

struct RefundOutcome {
  std::optional<Refund> refund;
  std::optional<ApiError> error;
};

class PaymentService {
 public:
  PaymentService(PaymentStore& store, Router& router, const Clock& clock, IdGenerator& ids,
                 BusinessDay business_day)
      : store_(store), router_(router), clock_(clock), ids_(ids), business_day_(business_day) {}

  IntentOutcome create(const Caller& caller, const CreateIntentCommand& command);
  IntentOutcome confirm(const Caller& caller, const std::string& id, const PaymentMethod& method);
  IntentOutcome capture(const Caller& caller, const std::string& id, std::optional<Yen> amount);
  IntentOutcome cancel(const Caller& caller, const std::string& id, std::optional<CancellationReason> reason);
  RefundOutcome refund(const Caller& caller, const RefundCommand& command);
  IntentOutcome retrieve(const Caller& caller, const std::string& id);
  RefundOutcome retrieve_refund(const Caller& caller, const std::string& id);
  Result<IntentPage, ApiError> list(const Caller& caller, IntentFilter filter);
  // Settles intents left processing by an unknown outcome, asking their processor; returns how many
  // settled. An inquiry that fails is retried later with backoff.
  std::size_t resolve_due(std::chrono::milliseconds min_age, std::size_t limit);

  // What an earlier request with this Idempotency-Key created, for a retry that took its claim over.
  std::optional<PaymentIntent> intent_created_with(const Caller& caller, const std::string& key);
  std::optional<Refund> refund_created_with(const Caller& caller, const std::string& key);

 private:
  std::optional<ApiError> validate(const CreateIntentCommand& command) const;
  std::optional<ApiError> check_payable(const PaymentIntent& intent, const PaymentMethod& method,
                                        std::vector<adapters::Processor*>& candidates);
  // Loads the intent if the caller owns it; otherwise the same not-found error a stranger's id gets.
  IntentOutcome owned(const Caller& caller, const std::string& id);
  // Sends the charge to the first candidate; on to the next only while nothing can have been charged.
  void submit(PaymentIntent& intent, const std::vector<adapters::Processor*>& candidates,
              const PaymentMethod& method, IntentOutcome& outcome);
  void record_charge_result(PaymentIntent& intent, adapters::Processor& processor,
                            const adapters::ChargeRequest& request, const adapters::ChargeResult& result,
                            IntentOutcome& outcome);
  std::optional<ledger::Journal> capture_journal_for(const PaymentIntent& intent) const;
  // Asks the processor what became of a processing intent and records it. `not_found_is_final`: the
  // processor has had time enough that no record means it never got the charge. True when settled.
  bool resolve(PaymentIntent& intent, bool not_found_is_final);
  bool settle_found(PaymentIntent& intent, adapters::Processor& processor,
                    const adapters::InquiryResult& found);

  PaymentStore& store_;
  Router& router_;
  const Clock& clock_;
  IdGenerator& ids_;
  BusinessDay business_day_;
};

}  // namespace kessai::engine
