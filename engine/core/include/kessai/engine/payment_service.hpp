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
  std::string idempotency_key;     // stored on the intent in the same transaction
  std::string brand{};             // card brand / e-money brand / QR wallet, when the caller knows it
  std::optional<PosOrigin> pos{};  // a POS terminal's transaction; its number is recorded once
};

struct RefundCommand {
  std::string payment_intent_id;
  std::optional<Yen> amount;  // default: all that is still refundable
  std::string reason;
  std::string metadata_json = "{}";
  std::string idempotency_key;     // stored on the refund in the same transaction
  std::optional<PosOrigin> pos{};  // a POS terminal's transaction; its number is recorded once
};

struct IntentOutcome {
  std::optional<PaymentIntent> intent;  // set when an intent exists (also with some errors)
  std::optional<ApiError> error;
};
using CreateOutcome = IntentOutcome;

// Payments that wait for their payer: how long a number or code stays payable, and where processors
// send their notices.
struct PayerSettings {
  std::chrono::seconds payeasy_expires_after{std::chrono::hours(24 * 14)};
  std::chrono::seconds jpqr_expires_after{std::chrono::minutes(5)};
  // kessaid's own address as processors reach it ("http://127.0.0.1:8080"); notices go to
  // <notify_base_url>/v1/processors/<processor id>/notices.
  std::string notify_base_url;
};

struct NoticeReceipt {
  std::optional<NoticeOutcome> outcome;  // set when the notice was authenticated and read
  std::optional<ApiError> error;
};

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
  // Settles intents waiting for their payer whose deadline passed (withdrawn at the processor, then
  // expired) or whose next inquiry is due (a paid payment whose notice was lost); returns how many.
  std::size_t check_awaiting_payers(std::chrono::milliseconds min_age, std::size_t limit);
  // A processor's notice (callback): authenticated and read by that processor's adapter, then applied.
  // Idempotent: a repeat, or a notice arriving after what it announces was learnt otherwise, changes
  // nothing. Out of order: a reversal arriving before its payment notice applies both.
  NoticeReceipt accept_notice(std::string_view processor_id, std::string_view body,
                              const std::vector<std::pair<std::string, std::string>>& headers);
  // Called once before serving: the settings are read by every request.
  void set_payer_settings(PayerSettings settings) { payer_settings_ = std::move(settings); }

  // What an earlier request with this Idempotency-Key created, for a retry that took its claim over.
  std::optional<PaymentIntent> intent_created_with(const Caller& caller, const std::string& key);
  std::optional<Refund> refund_created_with(const Caller& caller, const std::string& key);

 private:
  std::optional<ApiError> validate(const CreateIntentCommand& command) const;
  std::chrono::year_month_day capture_date(const PaymentIntent& intent) const;
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
  bool waits_for_payer(const PaymentIntent& intent, const PaymentMethod& method) const;
  std::chrono::system_clock::time_point payer_deadline(const PaymentIntent& intent) const;
  // Asks the processor for the payer's number or code (falling back while nothing can have been issued).
  void submit_payer_action(PaymentIntent& intent, const std::vector<adapters::Processor*>& candidates,
                           IntentOutcome& outcome);
  // True when the outcome was recorded (requires_payment or failed); false: unknown, still processing.
  bool record_payer_action(PaymentIntent& intent, adapters::Processor& processor,
                           const adapters::PayerAction& action, IntentOutcome& outcome);
  // The payer paid: requires_payment (or processing) → succeeded with the capture journal.
  void record_paid(PaymentIntent& intent, const std::string& processor_reference, Yen amount,
                   std::chrono::system_clock::time_point paid_at, std::string_view detail);
  // A cleared payment reversed by the payer's bank: succeeded → reversed with the reversing journal.
  void record_reversed(PaymentIntent& intent, std::chrono::system_clock::time_point reversed_at,
                       std::string_view detail);
  NoticeOutcome apply_notice(PaymentIntent& intent, const adapters::ProcessorNotice& notice,
                             std::string& detail);
  // One intent waiting for its payer: asks the processor and records what it learnt; true when settled.
  bool check_awaiting(PaymentIntent& intent);
  void record_expired(PaymentIntent& intent, std::string_view detail);
  std::string notify_url(const adapters::Processor& processor) const;
  PaymentStore& store_;
  Router& router_;
  const Clock& clock_;
  IdGenerator& ids_;
  BusinessDay business_day_;
  PayerSettings payer_settings_;
};

}  // namespace kessai::engine
