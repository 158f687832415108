#pragma once
// The e-money centre simulator's book: what a real centre (交通系IC, iD, QUICPay, WAON, nanaco) decides
// and remembers. Pure logic (no sockets, no files); persisted as JSON lines by the caller, and the
// balances are derived from those lines again on reload.
//
// A payment is captured when it is made (e-money has no separate authorization) or declined; it never
// changes afterwards. Prepaid brands (transit_ic, waon, nanaco) debit the card's balance (残高) and are
// refunded by the centre, which credits the balance back; postpaid brands (id, quicpay) are billed later
// by the card issuer, so the centre checks no balance and refunds nothing: the issuer does.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "instant_book.hpp"

namespace kessai::sim::emoney {

// Stable numbers; never renumber.
enum class Brand : std::uint8_t {
  transit_ic = 1,  // 交通系IC (Suica, PASMO, ICOCA, …): prepaid
  id = 2,          // iD: postpaid
  quicpay = 3,     // QUICPay: postpaid
  waon = 4,        // WAON: prepaid
  nanaco = 5,      // nanaco: prepaid
};
std::optional<Brand> parse_brand(std::string_view text);
std::string_view to_string(Brand brand);
bool is_prepaid(Brand brand);

// Test cards, by IDm (16 upper-case hex digits):
//   "FFFF…"  a blocked card: every payment declined card_blocked;
//   "…0000"  a card with no balance: every prepaid payment declined insufficient_balance;
//   others   start with kInitialBalanceYen on each prepaid brand.
constexpr std::int64_t kInitialBalanceYen = 10'000;
bool is_idm(std::string_view text);
bool is_blocked(std::string_view idm);
std::int64_t initial_balance_yen(std::string_view idm);

struct Payment {
  std::string id;         // "em_000001"
  std::string reference;  // the merchant's payment id; unique per payment
  std::string brand;      // as the terminal sent it (an unsupported one is declined, and kept)
  std::string idm;
  std::int64_t amount_yen = 0;
  std::string merchant;
  std::string status;  // captured, declined
  std::string decline_code;
  std::optional<std::int64_t> balance_after_yen;  // prepaid and captured only
  std::int64_t amount_refunded_yen = 0;           // the sum of the payment's refunds
  std::string created_at;
};

struct Refund {
  std::string id;          // "emr_000001"
  std::string payment_id;  // the captured payment it pays back
  std::string reference;   // the merchant's refund id; unique per refund
  std::int64_t amount_yen = 0;
  std::string status;                             // succeeded (a refund that cannot be made is not kept)
  std::optional<std::int64_t> balance_after_yen;  // the card's balance once credited
  std::string created_at;
};

struct PaymentAttempt {
  std::string reference;
  std::int64_t amount_yen = 0;  // positive
  std::string brand;
  std::string idm;  // is_idm
  std::string merchant;
};

// What the book did with a refund. Stable numbers; never renumber.
enum class RefundOutcome : std::uint8_t {
  done = 1,                  // the book changed: the caller persists the refund
  replayed = 2,              // asked before on the same terms: the same refund again, nothing changed
  not_found = 3,             // no such payment
  not_captured = 4,          // the payment was declined: nothing to give back
  invalid_amount = 5,        // a refund of nothing
  reference_conflict = 6,    // the reference was used before with another payment or amount
  exceeds_payment = 7,       // over what is left of the payment
  refund_not_supported = 8,  // a postpaid brand: the card issuer refunds, not the centre
};

using sim::RefundAttempt;
using sim::RestoreReport;
using PaymentDecision = PaymentDecisionOf<Payment>;  // conflict: another amount, brand or card
using RefundDecision = RefundDecisionOf<RefundOutcome, Payment, Refund>;

// Payments, refunds and de-duplication are InstantBook's; here are the brands, cards and balances.
class CentreBook final : public InstantBook<Payment, Refund, RefundOutcome> {
 public:
  CentreBook(std::uint64_t seed, double decline_rate)
      : InstantBook(seed, decline_rate, {"em", "emr", "captured", "succeeded", RefundOutcome::not_captured}) {
  }

  // Decides a new payment, or replays the one already made for the reference.
  PaymentDecision pay(const PaymentAttempt& attempt, const std::string& now);

  // The card's balance on a prepaid brand: its initial balance until it is first used.
  std::int64_t balance_yen(Brand brand, const std::string& idm) const;

 private:
  std::optional<std::string> decline_code_for(const PaymentAttempt& attempt);
  std::int64_t& balance_of(Brand brand, const std::string& idm);  // adds the card at its initial balance

  // Postpaid brands are refused; a refund credits the card's balance back, a restore debits it again.
  std::optional<RefundOutcome> refusal(const Payment& payment) const override;
  bool credit(const Payment& payment, Refund& refund) override;
  void derive(const Payment& payment) override;
  void forget_derived() override { balances_yen_.clear(); }

  std::map<std::string, std::int64_t> balances_yen_;  // "<brand>:<IDm>", prepaid brands only
};

}  // namespace kessai::sim::emoney
