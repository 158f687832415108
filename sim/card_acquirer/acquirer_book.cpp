#include "acquirer_book.hpp"

#include <cstdio>

namespace kessai::sim {

namespace {

// "ch_000001", "rf_000001": numbered in the order the book made them, as the journals replay them.
std::string numbered_id(const char* prefix, std::size_t number) {
  char id[32];
  std::snprintf(id, sizeof id, "%s_%06zu", prefix, number);
  return id;
}

}  // namespace

std::optional<std::string> decline_code_for_token(const std::string& token) {
  if (token == "tok_decline") return "card_declined";
  if (token == "tok_insufficient_funds") return "insufficient_funds";
  if (token == "tok_expired_card") return "expired_card";
  if (!token.starts_with("tok_")) return "invalid_token";
  return std::nullopt;
}

ChargeDecision AcquirerBook::charge(const ChargeAttempt& attempt, const std::string& now) {
  std::lock_guard lock(mutex_);
  if (const auto found = by_reference_.find(attempt.reference); found != by_reference_.end()) {
    const Charge& existing = charges_[found->second];
    return ChargeDecision{existing, true, existing.amount_yen != attempt.amount_yen};
  }
  Charge charge;
  charge.id = numbered_id("ch", charges_.size() + 1);
  charge.reference = attempt.reference;
  charge.amount_yen = attempt.amount_yen;
  charge.merchant = attempt.merchant;
  charge.created_at = now;
  std::optional<std::string> decline = decline_code_for_token(attempt.card_token);
  if (!decline && decline_rate_ > 0.0) {
    std::uniform_real_distribution<double> roll(0.0, 1.0);
    if (roll(random_) < decline_rate_) decline = "do_not_honor";
  }
  if (decline) {
    charge.status = "declined";
    charge.decline_code = *decline;
  } else if (attempt.capture) {
    charge.status = "captured";
    charge.amount_captured_yen = attempt.amount_yen;
  } else {
    charge.status = "authorized";
  }
  put_charge(charge);
  return ChargeDecision{charge, false, false};
}

ChargeChange AcquirerBook::capture(const std::string& charge_id, std::optional<std::int64_t> amount_yen) {
  std::lock_guard lock(mutex_);
  Charge* charge = find_charge(charge_id);
  if (charge == nullptr) return {BookOutcome::not_found, {}};
  const std::int64_t capture_yen = amount_yen.value_or(charge->amount_yen);
  if (charge->status == "captured") {
    // A retry of the capture that was made is answered again; any other amount is a second capture.
    const bool same = capture_yen == charge->amount_captured_yen;
    return {same ? BookOutcome::replayed : BookOutcome::already_captured, *charge};
  }
  if (charge->status != "authorized") return {BookOutcome::wrong_state, *charge};
  if (capture_yen <= 0 || capture_yen > charge->amount_yen) return {BookOutcome::invalid_amount, *charge};
  // A partial capture releases the rest of the authorization: it can never be captured later.
  charge->status = "captured";
  charge->amount_captured_yen = capture_yen;
  return {BookOutcome::done, *charge};
}

ChargeChange AcquirerBook::void_authorization(const std::string& charge_id) {
  std::lock_guard lock(mutex_);
  Charge* charge = find_charge(charge_id);
  if (charge == nullptr) return {BookOutcome::not_found, {}};
  if (charge->status == "voided") return {BookOutcome::replayed, *charge};
  // Money already moved: only a refund can give it back.
  if (charge->status == "captured") return {BookOutcome::already_captured, *charge};
  if (charge->status != "authorized") return {BookOutcome::wrong_state, *charge};
  charge->status = "voided";
  return {BookOutcome::done, *charge};
}

RefundDecision AcquirerBook::refund(const RefundAttempt& attempt, const std::string& now) {
  std::lock_guard lock(mutex_);
  Refund refund{"", attempt.charge_id, attempt.reference, attempt.amount_yen, "", now};
  if (const auto found = refund_by_reference_.find(attempt.reference); found != refund_by_reference_.end()) {
    const Refund& existing = refunds_[found->second];
    const bool same = existing.charge_id == attempt.charge_id && existing.amount_yen == attempt.amount_yen;
    const Charge* refunded = find_charge(existing.charge_id);
    return {same ? BookOutcome::replayed : BookOutcome::reference_conflict, existing,
            refunded != nullptr ? *refunded : Charge{}};
  }
  Charge* charge = find_charge(attempt.charge_id);
  if (charge == nullptr) return {BookOutcome::not_found, refund, {}};
  if (attempt.amount_yen <= 0) return {BookOutcome::invalid_amount, refund, *charge};
  if (charge->status != "captured") return {BookOutcome::wrong_state, refund, *charge};
  // Both are within 0..captured, so the difference cannot overflow.
  const std::int64_t refundable_yen = charge->amount_captured_yen - charge->amount_refunded_yen;
  if (attempt.amount_yen > refundable_yen) return {BookOutcome::exceeds_capture, refund, *charge};
  refund.id = numbered_id("rf", refunds_.size() + 1);
  refund.status = "succeeded";
  charge->amount_refunded_yen += attempt.amount_yen;
  put_refund(refund);
  return {BookOutcome::done, refund, *charge};
}

void AcquirerBook::restore(const std::vector<Charge>& charges, const std::vector<Refund>& refunds) {
  std::lock_guard lock(mutex_);
  charges_.clear();
  charge_by_id_.clear();
  by_reference_.clear();
  refunds_.clear();
  refund_by_id_.clear();
  refund_by_reference_.clear();
  for (const Charge& charge : charges) put_charge(charge);
  for (const Refund& refund : refunds) put_refund(refund);
  // refunds.jsonl is the record of refunds: a crash between appending a refund and its charge's new
  // line must neither lose nor double the refunded amount.
  for (Charge& charge : charges_) charge.amount_refunded_yen = 0;
  for (const Refund& refund : refunds_) {
    Charge* charge = find_charge(refund.charge_id);
    if (charge == nullptr) continue;
    std::int64_t sum_yen = 0;
    if (__builtin_add_overflow(charge->amount_refunded_yen, refund.amount_yen, &sum_yen)) continue;
    charge->amount_refunded_yen = sum_yen;
  }
}

std::vector<Charge> AcquirerBook::all() const {
  std::lock_guard lock(mutex_);
  return charges_;
}

std::optional<Charge> AcquirerBook::by_id(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto found = charge_by_id_.find(id);
  if (found == charge_by_id_.end()) return std::nullopt;
  return charges_[found->second];
}

std::optional<Charge> AcquirerBook::by_reference(const std::string& reference) const {
  std::lock_guard lock(mutex_);
  const auto found = by_reference_.find(reference);
  if (found == by_reference_.end()) return std::nullopt;
  return charges_[found->second];
}

std::vector<Refund> AcquirerBook::all_refunds() const {
  std::lock_guard lock(mutex_);
  return refunds_;
}

std::optional<Refund> AcquirerBook::refund_by_id(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto found = refund_by_id_.find(id);
  if (found == refund_by_id_.end()) return std::nullopt;
  return refunds_[found->second];
}

std::optional<Refund> AcquirerBook::refund_by_reference(const std::string& reference) const {
  std::lock_guard lock(mutex_);
  const auto found = refund_by_reference_.find(reference);
  if (found == refund_by_reference_.end()) return std::nullopt;
  return refunds_[found->second];
}

Charge* AcquirerBook::find_charge(const std::string& id) {
  const auto found = charge_by_id_.find(id);
  return found == charge_by_id_.end() ? nullptr : &charges_[found->second];
}

void AcquirerBook::put_charge(const Charge& charge) {
  if (Charge* known = find_charge(charge.id)) {
    *known = charge;
    return;
  }
  charge_by_id_[charge.id] = charges_.size();
  by_reference_[charge.reference] = charges_.size();
  charges_.push_back(charge);
}

void AcquirerBook::put_refund(const Refund& refund) {
  if (const auto known = refund_by_id_.find(refund.id); known != refund_by_id_.end()) {
    refunds_[known->second] = refund;
    return;
  }
  refund_by_id_[refund.id] = refunds_.size();
  refund_by_reference_[refund.reference] = refunds_.size();
  refunds_.push_back(refund);
}

}  // namespace kessai::sim
