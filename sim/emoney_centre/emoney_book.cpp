#include "emoney_book.hpp"

#include <array>
#include <cassert>
#include <utility>

namespace kessai::sim::emoney {

namespace {

constexpr std::array<std::pair<Brand, std::string_view>, 5> kBrandNames{{{Brand::transit_ic, "transit_ic"},
                                                                         {Brand::id, "id"},
                                                                         {Brand::quicpay, "quicpay"},
                                                                         {Brand::waon, "waon"},
                                                                         {Brand::nanaco, "nanaco"}}};

// A FeliCa IDm is 8 bytes, written as 16 hex digits.
constexpr std::size_t kIdmDigits = 16;

std::string balance_key(Brand brand, const std::string& idm) {
  return std::string(to_string(brand)) + ":" + idm;
}

}  // namespace

std::optional<Brand> parse_brand(std::string_view text) {
  for (const auto& [brand, name] : kBrandNames) {
    if (name == text) return brand;
  }
  return std::nullopt;
}

std::string_view to_string(Brand brand) {
  for (const auto& [known, name] : kBrandNames) {
    if (known == brand) return name;
  }
  return "unknown";
}

bool is_prepaid(Brand brand) {
  return brand == Brand::transit_ic || brand == Brand::waon || brand == Brand::nanaco;
}

bool is_idm(std::string_view text) {
  if (text.size() != kIdmDigits) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

bool is_blocked(std::string_view idm) {
  return idm.starts_with("FFFF");
}

std::int64_t initial_balance_yen(std::string_view idm) {
  return idm.ends_with("0000") ? 0 : kInitialBalanceYen;
}

PaymentDecision CentreBook::pay(const PaymentAttempt& attempt, const std::string& now) {
  assert(attempt.amount_yen > 0);
  assert(is_idm(attempt.idm));
  std::lock_guard lock(mutex_);
  if (const Payment* existing = payments_.find_by_reference(attempt.reference)) {
    const bool same = existing->amount_yen == attempt.amount_yen && existing->brand == attempt.brand &&
                      existing->idm == attempt.idm;
    return PaymentDecision{*existing, true, !same};
  }
  Payment payment;
  payment.id = payments_.next_id("em");
  payment.reference = attempt.reference;
  payment.brand = attempt.brand;
  payment.idm = attempt.idm;
  payment.amount_yen = attempt.amount_yen;
  payment.merchant = attempt.merchant;
  payment.created_at = now;
  if (std::optional<std::string> decline = decline_code_for(attempt)) {
    payment.status = "declined";
    payment.decline_code = std::move(*decline);
  } else {
    payment.status = "captured";
    const Brand brand = *parse_brand(attempt.brand);  // decline_code_for declines any other
    if (is_prepaid(brand)) {
      std::int64_t& balance_yen = balance_of(brand, attempt.idm);
      assert(balance_yen >= attempt.amount_yen);  // checked by decline_code_for: cannot underflow
      balance_yen -= attempt.amount_yen;
      payment.balance_after_yen = balance_yen;
    }
  }
  payments_.put(payment);
  return PaymentDecision{payment, false, false};
}

// The centre's checks, in its order: a brand it does not clear, a blocked card, a balance too low,
// then (when asked for) a share of the rest declined at random, reproducibly from the seed.
std::optional<std::string> CentreBook::decline_code_for(const PaymentAttempt& attempt) {
  const std::optional<Brand> brand = parse_brand(attempt.brand);
  if (!brand) return "brand_not_supported";
  if (is_blocked(attempt.idm)) return "card_blocked";
  if (is_prepaid(*brand) && balance_of(*brand, attempt.idm) < attempt.amount_yen)
    return "insufficient_balance";
  if (decline_rate_ > 0.0) {
    std::uniform_real_distribution<double> roll(0.0, 1.0);
    if (roll(random_) < decline_rate_) return "do_not_honor";
  }
  return std::nullopt;
}

RefundDecision CentreBook::refund(const RefundAttempt& attempt, const std::string& now) {
  std::lock_guard lock(mutex_);
  Refund refund{"", attempt.payment_id, attempt.reference, attempt.amount_yen, "", std::nullopt, now};
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
  if (payment->status != "captured") return {RefundOutcome::not_captured, refund, *payment};
  const std::optional<Brand> brand = parse_brand(payment->brand);
  if (!brand || !is_prepaid(*brand)) return {RefundOutcome::refund_not_supported, refund, *payment};
  // Both are within 0..amount, so the difference cannot overflow.
  const std::int64_t refundable_yen = payment->amount_yen - payment->amount_refunded_yen;
  if (attempt.amount_yen > refundable_yen) return {RefundOutcome::exceeds_payment, refund, *payment};
  std::int64_t& balance_yen = balance_of(*brand, payment->idm);
  std::int64_t credited_yen = 0;
  // Only journals edited by hand can make a balance this large: refuse rather than wrap.
  if (__builtin_add_overflow(balance_yen, attempt.amount_yen, &credited_yen)) {
    return {RefundOutcome::invalid_amount, refund, *payment};
  }
  balance_yen = credited_yen;
  payment->amount_refunded_yen += attempt.amount_yen;
  refund.id = refunds_.next_id("emr");
  refund.status = "succeeded";
  refund.balance_after_yen = balance_yen;
  refunds_.put(refund);
  return {RefundOutcome::done, refund, *payment};
}

RestoreReport CentreBook::restore(const std::vector<Payment>& payments, const std::vector<Refund>& refunds) {
  std::lock_guard lock(mutex_);
  payments_.clear();
  refunds_.clear();
  balances_yen_.clear();
  for (const Payment& payment : payments) payments_.put(payment);
  for (const Refund& refund : refunds) refunds_.put(refund);
  // The journals keep what happened; balances and refunded amounts are derived from it, so a line
  // torn by a crash cannot leave them disagreeing with the payments and refunds that were kept.
  for (Payment& payment : payments_.mutable_all()) {
    payment.amount_refunded_yen = 0;
    const std::optional<Brand> brand = parse_brand(payment.brand);
    if (payment.status != "captured" || !brand || !is_prepaid(*brand)) continue;
    std::int64_t& balance_yen = balance_of(*brand, payment.idm);
    std::int64_t debited_yen = 0;
    if (!__builtin_sub_overflow(balance_yen, payment.amount_yen, &debited_yen)) balance_yen = debited_yen;
  }
  RestoreReport report;
  for (const Refund& refund : refunds_.all()) {
    if (!count_refund(refund)) ++report.refunds_not_counted;
  }
  return report;
}

bool CentreBook::count_refund(const Refund& refund) {
  Payment* payment = payments_.find(refund.payment_id);
  if (payment == nullptr || payment->status != "captured") return false;
  const std::optional<Brand> brand = parse_brand(payment->brand);
  if (!brand || !is_prepaid(*brand)) return false;
  if (refund.amount_yen > payment->amount_yen - payment->amount_refunded_yen) return false;
  std::int64_t& balance_yen = balance_of(*brand, payment->idm);
  std::int64_t credited_yen = 0;
  if (__builtin_add_overflow(balance_yen, refund.amount_yen, &credited_yen)) return false;
  balance_yen = credited_yen;
  payment->amount_refunded_yen += refund.amount_yen;
  return true;
}

std::int64_t CentreBook::balance_yen(Brand brand, const std::string& idm) const {
  std::lock_guard lock(mutex_);
  const auto found = balances_yen_.find(balance_key(brand, idm));
  return found != balances_yen_.end() ? found->second : initial_balance_yen(idm);
}

std::int64_t& CentreBook::balance_of(Brand brand, const std::string& idm) {
  return balances_yen_.try_emplace(balance_key(brand, idm), initial_balance_yen(idm)).first->second;
}

std::vector<Payment> CentreBook::all() const {
  std::lock_guard lock(mutex_);
  return payments_.all();
}

std::optional<Payment> CentreBook::by_id(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return copy_of(payments_.find(id));
}

std::optional<Payment> CentreBook::by_reference(const std::string& reference) const {
  std::lock_guard lock(mutex_);
  return copy_of(payments_.find_by_reference(reference));
}

std::vector<Refund> CentreBook::all_refunds() const {
  std::lock_guard lock(mutex_);
  return refunds_.all();
}

std::optional<Refund> CentreBook::refund_by_id(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return copy_of(refunds_.find(id));
}

std::optional<Refund> CentreBook::refund_by_reference(const std::string& reference) const {
  std::lock_guard lock(mutex_);
  return copy_of(refunds_.find_by_reference(reference));
}

}  // namespace kessai::sim::emoney
