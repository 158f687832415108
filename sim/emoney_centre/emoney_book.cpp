#include "emoney_book.hpp"

#include <array>
#include <cassert>
#include <cstdio>
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

// "em_000001", "emr_000001": numbered in the order the book made them, as the journals replay them.
std::string numbered_id(const char* prefix, std::size_t number) {
  char id[32];
  std::snprintf(id, sizeof id, "%s_%06zu", prefix, number);
  return id;
}

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
  if (const auto found = payment_by_reference_.find(attempt.reference);
      found != payment_by_reference_.end()) {
    const Payment& existing = payments_[found->second];
    const bool same = existing.amount_yen == attempt.amount_yen && existing.brand == attempt.brand &&
                      existing.idm == attempt.idm;
    return PaymentDecision{existing, true, !same};
  }
  Payment payment;
  payment.id = numbered_id("em", payments_.size() + 1);
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
  put_payment(payment);
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
  if (const auto found = refund_by_reference_.find(attempt.reference); found != refund_by_reference_.end()) {
    const Refund& existing = refunds_[found->second];
    const bool same = existing.payment_id == attempt.payment_id && existing.amount_yen == attempt.amount_yen;
    const Payment* refunded = find_payment(existing.payment_id);
    return {same ? RefundOutcome::replayed : RefundOutcome::reference_conflict, existing,
            refunded != nullptr ? *refunded : Payment{}};
  }
  Payment* payment = find_payment(attempt.payment_id);
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
  refund.id = numbered_id("emr", refunds_.size() + 1);
  refund.status = "succeeded";
  refund.balance_after_yen = balance_yen;
  put_refund(refund);
  return {RefundOutcome::done, refund, *payment};
}

RestoreReport CentreBook::restore(const std::vector<Payment>& payments, const std::vector<Refund>& refunds) {
  std::lock_guard lock(mutex_);
  payments_.clear();
  payment_by_id_.clear();
  payment_by_reference_.clear();
  refunds_.clear();
  refund_by_id_.clear();
  refund_by_reference_.clear();
  balances_yen_.clear();
  for (const Payment& payment : payments) put_payment(payment);
  for (const Refund& refund : refunds) put_refund(refund);
  // The journals keep what happened; balances and refunded amounts are derived from it, so a line
  // torn by a crash cannot leave them disagreeing with the payments and refunds that were kept.
  for (Payment& payment : payments_) {
    payment.amount_refunded_yen = 0;
    const std::optional<Brand> brand = parse_brand(payment.brand);
    if (payment.status != "captured" || !brand || !is_prepaid(*brand)) continue;
    std::int64_t& balance_yen = balance_of(*brand, payment.idm);
    std::int64_t debited_yen = 0;
    if (!__builtin_sub_overflow(balance_yen, payment.amount_yen, &debited_yen)) balance_yen = debited_yen;
  }
  RestoreReport report;
  for (const Refund& refund : refunds_) {
    if (!count_refund(refund)) ++report.refunds_not_counted;
  }
  return report;
}

bool CentreBook::count_refund(const Refund& refund) {
  Payment* payment = find_payment(refund.payment_id);
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
  return payments_;
}

std::optional<Payment> CentreBook::by_id(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto found = payment_by_id_.find(id);
  if (found == payment_by_id_.end()) return std::nullopt;
  return payments_[found->second];
}

std::optional<Payment> CentreBook::by_reference(const std::string& reference) const {
  std::lock_guard lock(mutex_);
  const auto found = payment_by_reference_.find(reference);
  if (found == payment_by_reference_.end()) return std::nullopt;
  return payments_[found->second];
}

std::vector<Refund> CentreBook::all_refunds() const {
  std::lock_guard lock(mutex_);
  return refunds_;
}

std::optional<Refund> CentreBook::refund_by_id(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto found = refund_by_id_.find(id);
  if (found == refund_by_id_.end()) return std::nullopt;
  return refunds_[found->second];
}

std::optional<Refund> CentreBook::refund_by_reference(const std::string& reference) const {
  std::lock_guard lock(mutex_);
  const auto found = refund_by_reference_.find(reference);
  if (found == refund_by_reference_.end()) return std::nullopt;
  return refunds_[found->second];
}

Payment* CentreBook::find_payment(const std::string& id) {
  const auto found = payment_by_id_.find(id);
  return found == payment_by_id_.end() ? nullptr : &payments_[found->second];
}

void CentreBook::put_payment(const Payment& payment) {
  if (Payment* known = find_payment(payment.id)) {
    *known = payment;
    return;
  }
  payment_by_id_[payment.id] = payments_.size();
  payment_by_reference_[payment.reference] = payments_.size();
  payments_.push_back(payment);
}

void CentreBook::put_refund(const Refund& refund) {
  if (const auto known = refund_by_id_.find(refund.id); known != refund_by_id_.end()) {
    refunds_[known->second] = refund;
    return;
  }
  refund_by_id_[refund.id] = refunds_.size();
  refund_by_reference_[refund.reference] = refunds_.size();
  refunds_.push_back(refund);
}

}  // namespace kessai::sim::emoney
