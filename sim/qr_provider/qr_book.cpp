#include "qr_book.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <utility>

#include "kessai/runtime/crypto.hpp"

namespace kessai::sim::qr_provider {

namespace {

struct WalletName {
  Wallet wallet;
  std::string_view prefix;  // the code's first two digits
  std::string_view name;
};

constexpr std::array<WalletName, 4> kWallets{{{Wallet::paypay, "27", "paypay"},
                                              {Wallet::d_barai, "28", "d_barai"},
                                              {Wallet::au_pay, "29", "au_pay"},
                                              {Wallet::rakuten_pay, "30", "rakuten_pay"}}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

std::string_view to_string(Wallet wallet) {
  for (const WalletName& known : kWallets) {
    if (known.wallet == wallet) return known.name;
  }
  return "unknown";
}

bool is_code_shape(std::string_view code) {
  return code.size() >= kCodeDigitsMin && code.size() <= kCodeDigitsMax &&
         std::ranges::all_of(code, is_digit);
}

std::optional<Wallet> wallet_of_code(std::string_view code) {
  if (!is_code_shape(code)) return std::nullopt;
  for (const WalletName& known : kWallets) {
    if (code.starts_with(known.prefix)) return known.wallet;
  }
  return std::nullopt;
}

std::string mask_code(std::string_view code) {
  const std::size_t shown = code.size() > kCodeDigitsShown ? kCodeDigitsShown : 0;
  std::string masked(code.size() - shown, '*');
  masked += code.substr(code.size() - shown);
  return masked;
}

std::string code_digest(std::string_view code) {
  return runtime::sha256_hex(code);
}

PaymentDecision ProviderBook::pay(const PaymentAttempt& attempt, const std::string& now) {
  assert(attempt.amount_yen > 0);
  assert(!attempt.code.empty());
  const std::string digest = code_digest(attempt.code);
  std::lock_guard lock(mutex_);
  if (const Payment* existing = payments_.find_by_reference(attempt.reference)) {
    const bool same = existing->amount_yen == attempt.amount_yen && existing->code_digest == digest;
    return PaymentDecision{*existing, true, !same};
  }
  Payment payment;
  payment.id = payments_.next_id("qp");
  payment.reference = attempt.reference;
  if (const std::optional<Wallet> wallet = wallet_of_code(attempt.code)) payment.wallet = to_string(*wallet);
  payment.code_masked = mask_code(attempt.code);
  payment.code_digest = digest;
  payment.amount_yen = attempt.amount_yen;
  payment.merchant = attempt.merchant;
  payment.created_at = now;
  if (std::optional<std::string> decline = decline_code_for(attempt, digest)) {
    payment.status = "declined";
    payment.decline_code = std::move(*decline);
  } else {
    payment.status = "completed";
    used_codes_.emplace(digest, payment.id);
  }
  payments_.put(payment);
  return PaymentDecision{payment, false, false};
}

// The provider's checks, in its order: the code itself (a wallet's, still valid, not used), then the
// payer (account, balance), then (when asked for) a share of the rest declined at random, reproducibly
// from the seed.
std::optional<std::string> ProviderBook::decline_code_for(const PaymentAttempt& attempt,
                                                          const std::string& digest) {
  const std::string_view code = attempt.code;
  if (!wallet_of_code(code)) return "invalid_code";
  if (code.ends_with("9999")) return "code_expired";
  if (used_codes_.contains(digest)) return "code_already_used";
  if (code.ends_with("8888")) return "user_blocked";
  if (code.ends_with("0000")) return "insufficient_balance";
  if (decline_rate_ > 0.0) {
    std::uniform_real_distribution<double> roll(0.0, 1.0);
    if (roll(random_) < decline_rate_) return "do_not_honor";
  }
  return std::nullopt;
}

RefundDecision ProviderBook::refund(const RefundAttempt& attempt, const std::string& now) {
  std::lock_guard lock(mutex_);
  Refund refund{"", attempt.payment_id, attempt.reference, attempt.amount_yen, "", now};
  if (const Refund* existing = refunds_.find_by_reference(attempt.reference)) {
    const bool same =
        existing->payment_id == attempt.payment_id && existing->amount_yen == attempt.amount_yen;
    const Payment* refunded = payments_.find(existing->payment_id);
    return {same ? RefundOutcome::replayed : RefundOutcome::reference_conflict, *existing,
            refunded != nullptr ? *refunded : Payment{}};
  }
  Payment* payment = payments_.find(attempt.payment_id);
  if (payment == nullptr) return {RefundOutcome::not_found, refund, {}};
  if (attempt.amount_yen <= 0) return {RefundOutcome::invalid_amount, refund, *payment};
  if (payment->status != "completed") return {RefundOutcome::not_completed, refund, *payment};
  // Both are within 0..amount, so the difference cannot overflow.
  const std::int64_t refundable_yen = payment->amount_yen - payment->amount_refunded_yen;
  if (attempt.amount_yen > refundable_yen) return {RefundOutcome::exceeds_payment, refund, *payment};
  payment->amount_refunded_yen += attempt.amount_yen;
  assert(payment->amount_refunded_yen <= payment->amount_yen);
  refund.id = refunds_.next_id("qr_rf");
  refund.status = "completed";
  refunds_.put(refund);
  return {RefundOutcome::done, refund, *payment};
}

RestoreReport ProviderBook::restore(const std::vector<Payment>& payments,
                                    const std::vector<Refund>& refunds) {
  std::lock_guard lock(mutex_);
  payments_.clear();
  refunds_.clear();
  used_codes_.clear();
  for (const Payment& payment : payments) payments_.put(payment);
  for (const Refund& refund : refunds) refunds_.put(refund);
  // The journals keep what happened; the used codes and refunded amounts are derived from it, so a line
  // torn by a crash cannot leave them disagreeing with the payments and refunds that were kept.
  for (Payment& payment : payments_.mutable_all()) {
    payment.amount_refunded_yen = 0;
    if (payment.status == "completed") used_codes_.emplace(payment.code_digest, payment.id);
  }
  RestoreReport report;
  for (const Refund& refund : refunds_.all()) {
    if (!count_refund(refund)) ++report.refunds_not_counted;
  }
  return report;
}

bool ProviderBook::count_refund(const Refund& refund) {
  Payment* payment = payments_.find(refund.payment_id);
  if (payment == nullptr || payment->status != "completed") return false;
  if (refund.amount_yen > payment->amount_yen - payment->amount_refunded_yen) return false;
  payment->amount_refunded_yen += refund.amount_yen;
  return true;
}

bool ProviderBook::code_used(std::string_view code) const {
  const std::string digest = code_digest(code);
  std::lock_guard lock(mutex_);
  return used_codes_.contains(digest);
}

std::vector<Payment> ProviderBook::all() const {
  std::lock_guard lock(mutex_);
  return payments_.all();
}

std::optional<Payment> ProviderBook::by_id(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return copy_of(payments_.find(id));
}

std::optional<Payment> ProviderBook::by_reference(const std::string& reference) const {
  std::lock_guard lock(mutex_);
  return copy_of(payments_.find_by_reference(reference));
}

std::vector<Refund> ProviderBook::all_refunds() const {
  std::lock_guard lock(mutex_);
  return refunds_.all();
}

std::optional<Refund> ProviderBook::refund_by_id(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return copy_of(refunds_.find(id));
}

std::optional<Refund> ProviderBook::refund_by_reference(const std::string& reference) const {
  std::lock_guard lock(mutex_);
  return copy_of(refunds_.find_by_reference(reference));
}

}  // namespace kessai::sim::qr_provider
