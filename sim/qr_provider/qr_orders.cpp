#include "qr_orders.hpp"

#include <cassert>

namespace kessai::sim::qr_provider {

namespace {

bool expire_if_due(Order& order, std::int64_t now_s) {
  if (order.status != "pending" || now_s <= order.expires_at_s) return false;
  order.status = "expired";
  return true;
}

}  // namespace

CreateDecision OrderBook::create(const PendingTerms& terms, std::int64_t now_s) {
  assert(terms.amount_yen > 0 && terms.amount_yen <= kOrderAmountYenMax);
  std::lock_guard lock(mutex_);
  if (const Order* known = orders_.find_by_reference(terms.reference)) {
    // Expired in the answer only: the caller's expire_due persists expiries.
    Order existing = *known;
    expire_if_due(existing, now_s);
    const bool same = existing.amount_yen == terms.amount_yen && existing.expires_at_s == terms.expires_at_s;
    return {same ? CreateOutcome::replayed : CreateOutcome::reference_conflict, existing};
  }
  if (terms.expires_at_s <= now_s) return {CreateOutcome::expiry_not_future, {}};
  if (terms.expires_at_s - now_s > kOrderExpiresAheadSecondsMax) return {CreateOutcome::expiry_too_far, {}};
  Order order;
  order.id = orders_.next_id("qo");
  order.reference = terms.reference;
  order.amount_yen = terms.amount_yen;
  order.merchant = terms.merchant;
  order.status = "pending";
  order.expires_at_s = terms.expires_at_s;
  order.created_at_s = now_s;
  order.notify_url = terms.notify_url;
  orders_.put(order);
  return {CreateOutcome::created, order};
}

ScanDecision OrderBook::check_scan(const ScanAttempt& attempt, std::int64_t now_s) {
  std::lock_guard lock(mutex_);
  Order* order = orders_.find(attempt.order_id);
  if (order == nullptr) return {ScanOutcome::not_found, {}, false};
  const bool expired_now = expire_if_due(*order, now_s);
  if (order->status == "expired") return {ScanOutcome::expired, *order, expired_now};
  if (order->status == "canceled") return {ScanOutcome::canceled, *order, false};
  if (order->status != "pending") return {ScanOutcome::already_paid, *order, false};
  if (attempt.amount_yen != order->amount_yen) return {ScanOutcome::amount_mismatch, *order, false};
  if (attempt.payer.starts_with("blocked")) return {ScanOutcome::user_blocked, *order, false};
  if (attempt.payer.starts_with("broke")) return {ScanOutcome::insufficient_balance, *order, false};
  return {ScanOutcome::payable, *order, false};
}

Order OrderBook::mark_paid(const ScanAttempt& attempt, const std::string& payment_id, std::int64_t now_s) {
  std::lock_guard lock(mutex_);
  Order* order = orders_.find(attempt.order_id);
  assert(order != nullptr && order->status == "pending");
  order->status = "paid";
  order->paid_at_s = now_s;
  order->wallet = attempt.wallet;
  order->payer = attempt.payer;
  order->payment_id = payment_id;
  return *order;
}

CancelDecision OrderBook::cancel(const std::string& id, std::int64_t now_s) {
  std::lock_guard lock(mutex_);
  Order* order = orders_.find(id);
  if (order == nullptr) return {CancelOutcome::not_found, {}, false};
  const bool expired_now = expire_if_due(*order, now_s);
  if (order->status == "expired") return {CancelOutcome::expired, *order, expired_now};
  if (order->status == "canceled") return {CancelOutcome::replayed, *order, false};
  if (order->status != "pending") return {CancelOutcome::already_paid, *order, false};
  order->status = "canceled";
  order->canceled_at_s = now_s;
  return {CancelOutcome::canceled, *order, true};
}

std::vector<Order> OrderBook::expire_due(std::int64_t now_s) {
  std::lock_guard lock(mutex_);
  std::vector<Order> expired;
  for (Order& order : orders_.mutable_all()) {
    if (expire_if_due(order, now_s)) expired.push_back(order);
  }
  return expired;
}

std::vector<Order> OrderBook::all() const {
  std::lock_guard lock(mutex_);
  return orders_.all();
}

std::optional<Order> OrderBook::by_id(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return copy_of(orders_.find(id));
}

std::optional<Order> OrderBook::by_reference(const std::string& reference) const {
  std::lock_guard lock(mutex_);
  return copy_of(orders_.find_by_reference(reference));
}

void OrderBook::restore(const std::vector<Order>& orders) {
  std::lock_guard lock(mutex_);
  orders_.clear();
  for (const Order& order : orders) orders_.put(order);
}

}  // namespace kessai::sim::qr_provider
