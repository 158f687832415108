#include "acquirer_book.hpp"

#include <cstdio>

namespace kessai::sim {

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
  char id[32];
  std::snprintf(id, sizeof id, "ch_%06zu", charges_.size() + 1);
  charge.id = id;
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
  } else {
    charge.status = attempt.capture ? "captured" : "authorized";
  }
  by_reference_[charge.reference] = charges_.size();
  charges_.push_back(charge);
  return ChargeDecision{charge, false, false};
}

void AcquirerBook::restore(Charge charge) {
  std::lock_guard lock(mutex_);
  by_reference_[charge.reference] = charges_.size();
  charges_.push_back(std::move(charge));
}

std::vector<Charge> AcquirerBook::all() const {
  std::lock_guard lock(mutex_);
  return charges_;
}

std::optional<Charge> AcquirerBook::by_id(const std::string& id) const {
  std::lock_guard lock(mutex_);
  for (const Charge& charge : charges_) {
    if (charge.id == id) return charge;
  }
  return std::nullopt;
}

std::optional<Charge> AcquirerBook::by_reference(const std::string& reference) const {
  std::lock_guard lock(mutex_);
  const auto found = by_reference_.find(reference);
  if (found == by_reference_.end()) return std::nullopt;
  return charges_[found->second];
}

}  // namespace kessai::sim
