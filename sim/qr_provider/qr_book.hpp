#pragma once
// The QR provider simulator's book: what a code-payment provider (PayPay, d払い, au PAY, 楽天ペイ) decides
// and remembers when a counter scans the payer's code (customer-presented, CPM). Pure logic (no sockets,
// no files); persisted as JSON lines by the caller, and the used codes and refunded amounts are derived
// from those lines again on reload.
//
// A payment is completed when it is made (a scanned code is paid at once: there is no authorization to
// capture or void) or declined; it never changes afterwards. A code pays once: the payer's app shows a
// new one for the next payment. The book never keeps a code itself, only its last four digits and a
// digest, so neither an answer nor a journal line holds a code that could be presented again.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "instant_book.hpp"

namespace kessai::sim::qr_provider {

// Stable numbers; never renumber.
enum class Wallet : std::uint8_t {
  paypay = 1,       // PayPay: codes start with 27
  d_barai = 2,      // d払い: 28
  au_pay = 3,       // au PAY: 29
  rakuten_pay = 4,  // 楽天ペイ: 30
};
std::string_view to_string(Wallet wallet);

// A payer's code is 18..20 digits; its first two digits name the wallet.
constexpr std::size_t kCodeDigitsMin = 18;
constexpr std::size_t kCodeDigitsMax = 20;
// How much of a code answers and journals show.
constexpr std::size_t kCodeDigitsShown = 4;

bool is_code_shape(std::string_view code);  // 18..20 ASCII digits
// The wallet a code belongs to; nullopt when the code is not a payment code of a known wallet.
std::optional<Wallet> wallet_of_code(std::string_view code);
// Every character but the last four as '*' (all of them for a text of four characters or fewer).
std::string mask_code(std::string_view code);
// What the book keeps to recognise a code again: the SHA-256 of the code, in hex.
std::string code_digest(std::string_view code);

// Test codes, by their last four digits (on any wallet):
//   "…9999"  expired on the payer's phone: declined code_expired;
//   "…8888"  the payer's account is suspended: declined user_blocked;
//   "…0000"  the wallet's balance is short: declined insufficient_balance;
//   others   pay (unless drawn by the decline rate: do_not_honor).
// The provider checks in this order: not a wallet's code (invalid_code), expired (code_expired), paid
// before for another reference (code_already_used), blocked (user_blocked), balance (insufficient_balance),
// then the decline rate (do_not_honor).

struct Payment {
  std::string id;           // "qp_000001"
  std::string reference;    // the merchant's payment id; unique per payment
  std::string wallet;       // paypay, d_barai, au_pay, rakuten_pay; empty for an invalid code
  std::string code_masked;  // "****************1234"
  std::string code_digest;  // code_digest(): recognises the code, never shown in answers
  std::int64_t amount_yen = 0;
  std::string merchant;
  std::string status;  // completed, declined
  std::string decline_code;
  std::int64_t amount_refunded_yen = 0;  // the sum of the payment's refunds
  std::string created_at;
  // A payment of a merchant-presented order (qr_orders.hpp): the order's id ("qo_…"); it has no code
  // (code_masked and code_digest empty). Empty for a scanned code.
  std::string order_id = "";
};

struct Refund {
  std::string id;          // "qr_rf_000001"
  std::string payment_id;  // the completed payment it pays back
  std::string reference;   // the merchant's refund id; unique per refund
  std::int64_t amount_yen = 0;
  std::string status;  // completed (a refund that cannot be made is not kept)
  std::string created_at;
  std::string order_id = "";  // the refunded payment's order, if it paid one
};

struct PaymentAttempt {
  std::string reference;
  std::int64_t amount_yen = 0;  // positive
  std::string code;             // as scanned; not empty; checked by the book, never kept
  std::string merchant;
};

// A merchant-presented order the payer paid (qr_orders.hpp): recorded as a completed payment, so it is
// refunded, inquired and settled like any other.
struct OrderPayment {
  std::string reference;  // the order's: the merchant's payment id
  std::int64_t amount_yen = 0;
  std::string merchant;
  std::string order_id;  // "qo_…"
  std::string wallet;    // the payer's wallet app
};

// The wallet a name ("paypay", "d_barai", "au_pay", "rakuten_pay") stands for; nullopt for others.
std::optional<Wallet> wallet_named(std::string_view name);

// What the book did with a refund. Stable numbers; never renumber.
enum class RefundOutcome : std::uint8_t {
  done = 1,                // the book changed: the caller persists the refund
  replayed = 2,            // asked before on the same terms: the same refund again, nothing changed
  not_found = 3,           // no such payment
  not_completed = 4,       // the payment was declined: nothing to give back
  invalid_amount = 5,      // a refund of nothing
  reference_conflict = 6,  // the reference was used before with another payment or amount
  exceeds_payment = 7,     // over what is left of the payment
};

using sim::RefundAttempt;
using sim::RestoreReport;
using PaymentDecision = PaymentDecisionOf<Payment>;  // conflict: another amount or code
using RefundDecision = RefundDecisionOf<RefundOutcome, Payment, Refund>;

// Payments, refunds and de-duplication are InstantBook's; here are the wallets and one-time codes.
class ProviderBook final : public InstantBook<Payment, Refund, RefundOutcome> {
 public:
  ProviderBook(std::uint64_t seed, double decline_rate)
      : InstantBook(seed, decline_rate,
                    {"qp", "qr_rf", "completed", "completed", RefundOutcome::not_completed}) {}

  // Decides a new payment, or replays the one already made for the reference.
  PaymentDecision pay(const PaymentAttempt& attempt, const std::string& now);

  // The completed payment of a paid order, or the one recorded for the order before (replayed). A
  // conflict when the order's reference was paid by another payment (a scanned code).
  PaymentDecision pay_order(const OrderPayment& attempt, const std::string& now);

  // Whether a completed payment was made with this code.
  bool code_used(std::string_view code) const;

 private:
  std::optional<std::string> decline_code_for(const PaymentAttempt& attempt, const std::string& digest);

  // restore: the completed payments' codes are used again (an order's payment has none).
  void derive(const Payment& payment) override {
    if (!payment.code_digest.empty()) used_codes_.emplace(payment.code_digest, payment.id);
  }
  // A refund of an order's payment names the order too.
  bool credit(const Payment& payment, Refund& refund) override {
    refund.order_id = payment.order_id;
    return true;
  }
  void forget_derived() override { used_codes_.clear(); }

  std::map<std::string, std::string> used_codes_;  // code digest → the completed payment's id
};

}  // namespace kessai::sim::qr_provider
