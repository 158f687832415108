#pragma once
// The QR provider's merchant-presented orders (JPQR MPM, dynamic): the merchant creates an order for an
// amount with a deadline and shows a code naming it (the order id in tag 62 sub-tag 05); the payer's
// wallet app scans it and pays; the provider tells the merchant by a signed notice. Pure logic (no
// sockets, no files, no clock: `now` is passed in, in Unix seconds); persisted as JSON lines by the
// caller (<state-dir>/orders.jsonl) and restored from them.
//
// An order is pending, then paid, expired (pending and past its deadline) or canceled (withdrawn by the
// merchant while pending). Orders are de-duplicated by the merchant's reference. A paid order's money is
// a completed payment in the ProviderBook (qp_…, with the order's id): it is refunded, inquired and
// settled like a scanned code's payment.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pending_terms.hpp"
#include "record_index.hpp"

namespace kessai::sim::qr_provider {

// An order's amount: 1..999,999,999 yen.
constexpr std::int64_t kOrderAmountYenMax = 999'999'999;
// A dynamic code is shown for minutes: its deadline is in the future, at most 24 hours ahead.
constexpr std::int64_t kOrderExpiresAheadSecondsMax = 86'400;
// The test user a payer may name (/sim/scan's "payer"): longer is an invalid request.
constexpr std::size_t kPayerBytesMax = 64;

struct Order {
  std::string id;         // "qo_000001"
  std::string reference;  // the merchant's payment id; unique per order
  std::int64_t amount_yen = 0;
  std::string merchant;
  std::string status;  // pending, paid, expired, canceled
  std::int64_t expires_at_s = 0;
  std::int64_t created_at_s = 0;
  std::optional<std::int64_t> paid_at_s;
  std::optional<std::int64_t> canceled_at_s;
  std::string wallet;      // once paid: paypay, d_barai, au_pay, rakuten_pay
  std::string payer;       // once paid: the test user who paid, if named
  std::string payment_id;  // once paid: the completed payment "qp_…"
  std::string notify_url;  // where the provider's notices about it go
};

// Stable numbers; never renumber.
enum class CreateOutcome : std::uint8_t {
  created = 1,             // a new order: the caller persists it
  replayed = 2,            // the reference made an order before on the same amount and deadline
  reference_conflict = 3,  // the reference made an order before on other terms
  expiry_not_future = 4,
  expiry_too_far = 5,  // more than kOrderExpiresAheadSecondsMax ahead
};

struct CreateDecision {
  CreateOutcome outcome = CreateOutcome::created;
  Order order;  // created or replayed; otherwise empty
};

// What the payer's app read from the code, and who pays.
struct ScanAttempt {
  std::string order_id;
  std::int64_t amount_yen = 0;
  std::string wallet;
  std::string payer;  // a test user: "blocked…" is suspended, "broke…" has no balance
};

// Stable numbers; never renumber.
enum class ScanOutcome : std::uint8_t {
  payable = 1,  // the caller records the payment, then mark_paid
  not_found = 2,
  expired = 3,
  canceled = 4,
  already_paid = 5,
  amount_mismatch = 6,       // the code's amount is not the order's
  user_blocked = 7,          // the payer's account is suspended; the order stays pending
  insufficient_balance = 8,  // the payer's balance is short; the order stays pending
};

struct ScanDecision {
  ScanOutcome outcome = ScanOutcome::not_found;
  Order order;           // as it is now; empty when not_found
  bool changed = false;  // found expired: persist it
};

// Stable numbers; never renumber.
enum class CancelOutcome : std::uint8_t {
  canceled = 1,  // persist it
  replayed = 2,  // canceled before
  not_found = 3,
  already_paid = 4,
  expired = 5,  // nothing to do
};

struct CancelDecision {
  CancelOutcome outcome = CancelOutcome::not_found;
  Order order;
  bool changed = false;
};

class OrderBook {
 public:
  OrderBook() = default;
  OrderBook(const OrderBook&) = delete;
  OrderBook& operator=(const OrderBook&) = delete;

  // A new order, or the one made before for the reference. Only a new order's deadline is checked.
  CreateDecision create(const PendingTerms& terms, std::int64_t now_s);

  // Whether the order can be paid as scanned. Checked in this order: the order, its status (expired,
  // canceled, paid), the amount, then the payer (blocked, broke).
  ScanDecision check_scan(const ScanAttempt& attempt, std::int64_t now_s);

  // The order paid by the payment; check_scan said payable, under the caller's lock since.
  Order mark_paid(const ScanAttempt& attempt, const std::string& payment_id, std::int64_t now_s);

  CancelDecision cancel(const std::string& id, std::int64_t now_s);

  // Every pending order past its deadline becomes expired; those that did now, to be persisted.
  std::vector<Order> expire_due(std::int64_t now_s);

  std::vector<Order> all() const;
  std::optional<Order> by_id(const std::string& id) const;
  std::optional<Order> by_reference(const std::string& reference) const;

  // Replaces the book with the persisted orders (of several with one id the last wins).
  void restore(const std::vector<Order>& orders);

 private:
  mutable std::mutex mutex_;
  RecordIndex<Order> orders_;
};

}  // namespace kessai::sim::qr_provider
