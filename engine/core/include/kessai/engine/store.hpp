#pragma once
// What the payment service needs from the system of record. The PostgreSQL implementation lives in
// engine/store; this header stays free of pqxx.

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "kessai/engine/payment_intent.hpp"
#include "kessai/ledger/journal.hpp"

namespace kessai::engine {

// The store could not be reached; the operation did not happen (or its transaction rolled back).
struct StoreUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Another request changed the object first; nothing was written. The caller reads it again.
struct ConcurrentUpdate : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A request with the same Idempotency-Key created the intent first; nothing was written. The API answers
// with what that request created.
struct IdempotencyKeyTaken : ConcurrentUpdate {
  using ConcurrentUpdate::ConcurrentUpdate;
};

struct CatalogLookup {
  bool fee_code_known = false;
  bool facility_known = false;
  bool procedure_known = false;
};

inline constexpr std::size_t kListLimitMax = 100;
inline constexpr std::size_t kListLimitDefault = 20;

struct IntentFilter {
  std::string owner;
  std::optional<IntentStatus> status;
  std::optional<Means> means;
  std::optional<FacilityId> facility;
  std::optional<ProcedureId> procedure;
  std::string starting_after;  // an intent id: the page starts after it (newest first)
  std::size_t limit = kListLimitDefault;
};

struct IntentPage {
  std::vector<PaymentIntent> items;
  bool has_more = false;
};

// Stable numbers; never renumber.
enum class RefundReservation : std::uint8_t {
  reserved = 1,        // the refund is recorded pending and counts against the refundable amount
  exceeds = 2,         // captured - refunded - pending refunds is less than the amount
  not_refundable = 3,  // the intent is not succeeded
};

// What kessai did with a processor's notice. Stable numbers; never renumber.
enum class NoticeOutcome : std::uint8_t {
  applied = 1,          // it moved the intent (paid → succeeded, reversed → reversed)
  already_applied = 2,  // the intent was already where the notice puts it: a repeat, or a late copy
  conflict = 3,         // it contradicts the intent (paid after expiry or cancel, another amount): an
                        // operator must look; reconciliation will show it too
  unknown_payment = 4,  // no payment of this processor has that reference
};
std::string_view to_string(NoticeOutcome outcome);

struct NoticeRecord {
  std::string processor_id;
  std::string notice_id;
  std::string kind;  // "paid", "reversed"
  std::string payment_id;
  Yen amount;
  std::chrono::system_clock::time_point occurred_at;
  NoticeOutcome outcome = NoticeOutcome::applied;
  std::string detail{};
};

class PaymentStore {
 public:
  virtual ~PaymentStore() = default;

  virtual CatalogLookup lookup_catalog(const FeeCode& fee_code, const std::optional<FacilityId>& facility,
                                       const std::optional<ProcedureId>& procedure) = 0;
  // Inserts a new intent and its first event, in one transaction. Throws IdempotencyKeyTaken when another
  // request with the same Idempotency-Key created one first, ConcurrentUpdate when a POS terminal's
  // transaction number was recorded first.
  virtual void insert_intent(const PaymentIntent& intent) = 0;
  // Writes the intent's new state, its history, the journal when the transition moves money, and the
  // webhook event the new status announces — all in one transaction. Throws ConcurrentUpdate when the
  // intent is no longer in `from` (someone else moved it), and writes nothing then.
  virtual void record_transition(const PaymentIntent& intent, IntentStatus from,
                                 const std::optional<ledger::Journal>& journal, std::string_view detail) = 0;
  virtual std::optional<PaymentIntent> find_intent(const std::string& id) = 0;
  // Records that a processing intent is being sent to another processor (fallback), before it is sent,
  // so an inquiry after a crash asks the right one.
  virtual void reassign_processor(const std::string& id, const ProcessorId& processor) = 0;
  // The intent / refund a request with this Idempotency-Key created, if any.
  virtual std::optional<PaymentIntent> find_intent_by_idempotency_key(const std::string& owner,
                                                                      const std::string& key) = 0;
  virtual std::optional<Refund> find_refund_by_idempotency_key(const std::string& owner,
                                                               const std::string& key) = 0;
  // The payment / refund a POS terminal recorded under this transaction number, if any. For payments, the
  // attempt that stands; else the last attempt that failed because the processor could not be reached
  // (nothing charged: a new attempt may be made under the same number).
  virtual std::optional<PaymentIntent> find_intent_by_terminal(const std::string& terminal_id,
                                                               std::int64_t transaction_number) = 0;
  virtual std::optional<Refund> find_refund_by_terminal(const std::string& terminal_id,
                                                        std::int64_t transaction_number) = 0;
  virtual IntentPage list_intents(const IntentFilter& filter) = 0;
  // Intents still processing whose last change is older than min_age and whose next inquiry is due.
  virtual std::vector<PaymentIntent> due_for_inquiry(std::chrono::milliseconds min_age,
                                                     std::size_t limit) = 0;
  // Intents waiting for their payer (requires_payment) whose deadline has passed or whose next inquiry
  // is due (the first one min_age after the number or code was issued): a lost notice is found so.
  virtual std::vector<PaymentIntent> due_awaiting_payer(std::chrono::milliseconds min_age,
                                                        std::size_t limit) = 0;
  // Records a notice's receipt (a repeat counts on the first row); true the first time it is seen.
  virtual bool record_notice(const NoticeRecord& notice) = 0;
  // Counts an inquiry that did not settle the intent (processing or requires_payment) and sets the next
  // one after base × 2^attempts, at most max.
  virtual void postpone_inquiry(const std::string& id, std::chrono::seconds base,
                                std::chrono::seconds max) = 0;

  // Locks the intent and records the refund pending if the amount still fits; `available` gets what
  // could still be refunded. A refund amount of zero means "all that remains" and is filled in.
  virtual RefundReservation reserve_refund(Refund& refund, Yen& available) = 0;
  // Records a pending refund's outcome: on success also raises the intent's refunded amount and posts
  // the journal; either way writes the refund.succeeded / refund.failed event. One transaction.
  virtual void record_refund(const Refund& refund, const std::optional<ledger::Journal>& journal) = 0;
  virtual std::optional<Refund> find_refund(const std::string& id) = 0;
};

}  // namespace kessai::engine
