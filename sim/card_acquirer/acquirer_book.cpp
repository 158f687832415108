#include "acquirer_book.hpp"

namespace kessai::sim {

std::optional<std::string> decline_code_for_token(const std::string& token) {
  if (token == "tok_decline") return "card_declined";
  if (token == "tok_insufficient_funds") return "insufficient_funds";
  if (token == "tok_expired_card") return "expired_card";
  if (!token.starts_with("tok_")) return "invalid_token";
  return std::nullopt;
}

std::string card_brand_for_token(const std::string& token) {
  for (const std::string_view brand : {"visa", "mastercard", "jcb", "amex", "diners"}) {
    if (token.size() == 4 + brand.size() && token.starts_with("tok_") && token.ends_with(brand)) {
      return std::string(brand);
    }
  }
  return "";
}

ChargeDecision AcquirerBook::charge(const ChargeAttempt& attempt, const std::string& now) {
  std::lock_guard lock(mutex_);
  if (const Charge* existing = charges_.find_by_reference(attempt.reference)) {
    return ChargeDecision{*existing, true, existing->amount_yen != attempt.amount_yen};
  }
  Charge charge;
  charge.id = charges_.next_id("ch");
  charge.reference = attempt.reference;
  charge.amount_yen = attempt.amount_yen;
  charge.merchant = attempt.merchant;
  charge.created_at = now;
  charge.card_brand = card_brand_for_token(attempt.card_token);
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
    charge.captured_at = now;
  } else {
    charge.status = "authorized";
  }
  charges_.put(charge);
  return ChargeDecision{charge, false, false};
}

ChargeChange AcquirerBook::capture(const std::string& charge_id, std::optional<std::int64_t> amount_yen,
                                   const std::string& now) {
  std::lock_guard lock(mutex_);
  Charge* charge = charges_.find(charge_id);
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
  charge->captured_at = now;
  return {BookOutcome::done, *charge};
}

ChargeChange AcquirerBook::void_authorization(const std::string& charge_id) {
  std::lock_guard lock(mutex_);
  Charge* charge = charges_.find(charge_id);
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
  if (const Refund* existing = refunds_.find_by_reference(attempt.reference)) {
    const bool same = existing->charge_id == attempt.charge_id && existing->amount_yen == attempt.amount_yen;
    const Charge* refunded = charges_.find(existing->charge_id);
    return {same ? BookOutcome::replayed : BookOutcome::reference_conflict, *existing,
            refunded != nullptr ? *refunded : Charge{}};
  }
  Charge* charge = charges_.find(attempt.charge_id);
  if (charge == nullptr) return {BookOutcome::not_found, refund, {}};
  if (attempt.amount_yen <= 0) return {BookOutcome::invalid_amount, refund, *charge};
  if (charge->status != "captured") return {BookOutcome::wrong_state, refund, *charge};
  // Both are within 0..captured, so the difference cannot overflow.
  const std::int64_t refundable_yen = charge->amount_captured_yen - charge->amount_refunded_yen;
  if (attempt.amount_yen > refundable_yen) return {BookOutcome::exceeds_capture, refund, *charge};
  refund.id = refunds_.next_id("rf");
  refund.status = "succeeded";
  charge->amount_refunded_yen += attempt.amount_yen;
  refunds_.put(refund);
  return {BookOutcome::done, refund, *charge};
}

void AcquirerBook::restore(const std::vector<Charge>& charges, const std::vector<Refund>& refunds) {
  std::lock_guard lock(mutex_);
  charges_.clear();
  refunds_.clear();
  for (const Charge& charge : charges) charges_.put(charge);
  for (const Refund& refund : refunds) refunds_.put(refund);
  // refunds.jsonl is the record of refunds: a crash between appending a refund and its charge's new
  // line must neither lose nor double the refunded amount.
  for (Charge& charge : charges_.mutable_all()) charge.amount_refunded_yen = 0;
  for (const Refund& refund : refunds_.all()) {
    Charge* charge = charges_.find(refund.charge_id);
    if (charge == nullptr) continue;
    std::int64_t sum_yen = 0;
    if (__builtin_add_overflow(charge->amount_refunded_yen, refund.amount_yen, &sum_yen)) continue;
    charge->amount_refunded_yen = sum_yen;
  }
}

std::vector<Charge> AcquirerBook::all() const {
  std::lock_guard lock(mutex_);
  return charges_.all();
}

std::pair<std::vector<Charge>, std::vector<Refund>> AcquirerBook::records() const {
  std::lock_guard lock(mutex_);
  return {charges_.all(), refunds_.all()};
}

std::optional<Charge> AcquirerBook::by_id(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return copy_of(charges_.find(id));
}

std::optional<Charge> AcquirerBook::by_reference(const std::string& reference) const {
  std::lock_guard lock(mutex_);
  return copy_of(charges_.find_by_reference(reference));
}

std::vector<Refund> AcquirerBook::all_refunds() const {
  std::lock_guard lock(mutex_);
  return refunds_.all();
}

std::optional<Refund> AcquirerBook::refund_by_id(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return copy_of(refunds_.find(id));
}

std::optional<Refund> AcquirerBook::refund_by_reference(const std::string& reference) const {
  std::lock_guard lock(mutex_);
  return copy_of(refunds_.find_by_reference(reference));
}

}  // namespace kessai::sim
