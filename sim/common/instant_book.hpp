#pragma once
// The bookkeeping of an "instant payment" processor (an e-money centre, a QR provider): a payment is
// paid when it is made (no authorization, so nothing to capture or void) or declined, and never changes
// afterwards; refunds pay it back in parts, up to its amount. Payments and refunds are de-duplicated by
// the merchant's reference. What a payment is made of and what declines it (brands, balances, codes)
// stay in each simulator's book, which derives from InstantBook and fills in its hooks. Pure logic.
//
// Payment: std::string id, reference, merchant, status, created_at; std::int64_t amount_yen,
//          amount_refunded_yen.
// Refund:  std::string id, payment_id, reference, status, created_at; std::int64_t amount_yen.
// Outcome: an enum with done, replayed, not_found, invalid_amount, reference_conflict, exceeds_payment.

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json_lines.hpp"
#include "record_index.hpp"

namespace kessai::sim {

struct RefundAttempt {
  std::string payment_id;
  std::string reference;
  std::int64_t amount_yen = 0;
};

template <class Payment>
struct PaymentDecisionOf {
  Payment payment;
  bool replayed = false;  // the reference was paid before: the same payment is returned, nothing new
  bool conflict = false;  // the reference was paid before on other terms
};

template <class Outcome, class Payment, class Refund>
struct RefundDecisionOf {
  Outcome outcome = Outcome::not_found;
  Refund refund;    // the refund made or replayed; otherwise the attempt's terms, without an id
  Payment payment;  // the refunded payment as it is now; empty when not_found
};

struct RestoreReport {
  std::size_t refunds_not_counted = 0;  // of an unknown or declined payment, or over its amount
};

// What differs between instant-payment processors in the shared rules: their ids and status words.
template <class Outcome>
struct InstantRules {
  std::string_view payment_prefix;   // "em" → "em_000001"
  std::string_view refund_prefix;    // "emr"
  std::string_view paid_status;      // "captured", "completed": the only status that can be refunded
  std::string_view refunded_status;  // "succeeded", "completed"
  Outcome not_paid;                  // the refund outcome for a payment that was not paid
};

template <class Payment, class Refund, class Outcome>
class InstantBook {
 public:
  using PaymentDecision = PaymentDecisionOf<Payment>;
  using RefundDecision = RefundDecisionOf<Outcome, Payment, Refund>;

  InstantBook(std::uint64_t seed, double decline_rate, InstantRules<Outcome> rules)
      : random_(seed), decline_rate_(decline_rate), rules_(rules) {}
  virtual ~InstantBook() = default;
  InstantBook(const InstantBook&) = delete;
  InstantBook& operator=(const InstantBook&) = delete;

  // The refund rules, in their order: a reference used before (the same refund replayed, or a
  // conflict when the payment or amount differ), no such payment, an amount of nothing, a payment not
  // paid, the simulator's own refusal, more than is left of the payment, a credit that cannot be made.
  RefundDecision refund(const RefundAttempt& attempt, const std::string& now) {
    std::lock_guard lock(mutex_);
    Refund refund;
    refund.payment_id = attempt.payment_id;
    refund.reference = attempt.reference;
    refund.amount_yen = attempt.amount_yen;
    refund.created_at = now;
    if (const Refund* existing = refunds_.find_by_reference(attempt.reference)) {
      const bool same =
          existing->payment_id == attempt.payment_id && existing->amount_yen == attempt.amount_yen;
      const Payment* refunded = payments_.find(existing->payment_id);
      return {same ? Outcome::replayed : Outcome::reference_conflict, *existing,
              refunded != nullptr ? *refunded : Payment{}};
    }
    Payment* payment = payments_.find(attempt.payment_id);
    if (payment == nullptr) return {Outcome::not_found, refund, {}};
    if (attempt.amount_yen <= 0) return {Outcome::invalid_amount, refund, *payment};
    if (payment->status != rules_.paid_status) return {rules_.not_paid, refund, *payment};
    if (std::optional<Outcome> refused = refusal(*payment)) return {*refused, refund, *payment};
    // Both are within 0..amount, so the difference cannot overflow.
    const std::int64_t refundable_yen = payment->amount_yen - payment->amount_refunded_yen;
    if (attempt.amount_yen > refundable_yen) return {Outcome::exceeds_payment, refund, *payment};
    if (!credit(*payment, refund)) return {Outcome::invalid_amount, refund, *payment};
    payment->amount_refunded_yen += attempt.amount_yen;
    assert(payment->amount_refunded_yen <= payment->amount_yen);
    refund.id = refunds_.next_id(rules_.refund_prefix);
    refund.status = rules_.refunded_status;
    refunds_.put(refund);
    return {Outcome::done, refund, *payment};
  }

  // Replaces the book with the persisted records at start-up: of several records with one id the last
  // wins; each payment's refunded amount, and what the simulator derives (derive, credit), are derived
  // from the records again, so a line torn by a crash cannot leave them disagreeing with the records.
  RestoreReport restore(const std::vector<Payment>& payments, const std::vector<Refund>& refunds) {
    std::lock_guard lock(mutex_);
    payments_.clear();
    refunds_.clear();
    forget_derived();
    for (const Payment& payment : payments) payments_.put(payment);
    for (const Refund& refund : refunds) refunds_.put(refund);
    for (Payment& payment : payments_.mutable_all()) {
      payment.amount_refunded_yen = 0;
      if (payment.status == rules_.paid_status) derive(payment);
    }
    RestoreReport report;
    for (const Refund& refund : refunds_.all()) {
      if (!count_refund(refund)) ++report.refunds_not_counted;
    }
    return report;
  }

  std::vector<Payment> all() const {
    std::lock_guard lock(mutex_);
    return payments_.all();
  }
  std::optional<Payment> by_id(const std::string& id) const {
    std::lock_guard lock(mutex_);
    return copy_of(payments_.find(id));
  }
  std::optional<Payment> by_reference(const std::string& reference) const {
    std::lock_guard lock(mutex_);
    return copy_of(payments_.find_by_reference(reference));
  }
  std::vector<Refund> all_refunds() const {
    std::lock_guard lock(mutex_);
    return refunds_.all();
  }
  // Every payment and every refund as of one moment (a settlement file must not see a refund whose
  // payment it does not see).
  std::pair<std::vector<Payment>, std::vector<Refund>> records() const {
    std::lock_guard lock(mutex_);
    return {payments_.all(), refunds_.all()};
  }
  std::optional<Refund> refund_by_id(const std::string& id) const {
    std::lock_guard lock(mutex_);
    return copy_of(refunds_.find(id));
  }
  std::optional<Refund> refund_by_reference(const std::string& reference) const {
    std::lock_guard lock(mutex_);
    return copy_of(refunds_.find_by_reference(reference));
  }

 protected:
  // The payment the reference was paid with before (replayed, a conflict unless `same` says so), or a
  // new one: numbered, with the attempt's reference, amount and merchant, then `decide` (under the
  // book's lock) sets the rest, its status first. Attempt: reference, amount_yen, merchant.
  template <class Attempt, class Same, class Decide>
  PaymentDecision pay_once(const Attempt& attempt, const std::string& now, Same same, Decide decide) {
    assert(attempt.amount_yen > 0);
    std::lock_guard lock(mutex_);
    if (const Payment* existing = payments_.find_by_reference(attempt.reference)) {
      return PaymentDecision{*existing, true, !same(*existing)};
    }
    Payment payment;
    payment.id = payments_.next_id(rules_.payment_prefix);
    payment.reference = attempt.reference;
    payment.amount_yen = attempt.amount_yen;
    payment.merchant = attempt.merchant;
    payment.created_at = now;
    decide(payment);
    payments_.put(payment);
    return PaymentDecision{payment, false, false};
  }

  // The decline rate: a share of otherwise good payments declined, reproducibly from the seed. Under
  // the book's lock.
  bool declined_at_random() {
    if (decline_rate_ <= 0.0) return false;
    std::uniform_real_distribution<double> roll(0.0, 1.0);
    return roll(random_) < decline_rate_;
  }

  // Hooks, all called under the book's lock.
  // A paid payment the simulator will not refund at all; nullopt to go on.
  virtual std::optional<Outcome> refusal(const Payment&) const { return std::nullopt; }
  // The refund's effect outside the payment (a card's balance), setting the refund's own fields; false
  // when it cannot be made (the refund is then invalid_amount, or not counted at restore).
  virtual bool credit(const Payment&, Refund&) { return true; }
  // restore: what a paid payment changed outside itself, made again (after forget_derived).
  virtual void derive(const Payment&) {}
  virtual void forget_derived() {}

  mutable std::mutex mutex_;

 private:
  // restore: the refund's amount back on its payment, if it fits the rules a new refund meets.
  bool count_refund(const Refund& refund) {
    Payment* payment = payments_.find(refund.payment_id);
    if (payment == nullptr || payment->status != rules_.paid_status) return false;
    if (refusal(*payment)) return false;
    if (refund.amount_yen > payment->amount_yen - payment->amount_refunded_yen) return false;
    Refund credited = refund;
    if (!credit(*payment, credited)) return false;
    payment->amount_refunded_yen += refund.amount_yen;
    return true;
  }

  std::mt19937_64 random_;
  double decline_rate_;
  InstantRules<Outcome> rules_;
  RecordIndex<Payment> payments_;
  RecordIndex<Refund> refunds_;
};

struct JournalLoad {
  std::size_t payments = 0;  // distinct payments in the book after the load
  std::size_t refunds = 0;
  std::size_t skipped_lines = 0;        // unreadable lines, left out
  std::size_t refunds_not_counted = 0;  // readable, but inconsistent with the payments (see restore)
};

// Replaces the book with what the journals hold, each line read by its parser (nullopt: skipped).
template <class Book, class Payment, class Refund>
JournalLoad load_instant_journals(Book& book, std::istream& payment_lines, std::istream& refund_lines,
                                  std::optional<Payment> (*parse_payment)(std::string_view),
                                  std::optional<Refund> (*parse_refund)(std::string_view)) {
  JournalLoad load;
  const std::vector<Payment> payments = read_lines(payment_lines, parse_payment, load.skipped_lines);
  const std::vector<Refund> refunds = read_lines(refund_lines, parse_refund, load.skipped_lines);
  load.refunds_not_counted = book.restore(payments, refunds).refunds_not_counted;
  load.payments = book.all().size();
  load.refunds = book.all_refunds().size();
  return load;
}

}  // namespace kessai::sim
