#include "payeasy_book.hpp"

#include <algorithm>
#include <cassert>
#include <cstdio>

namespace kessai::sim::payeasy {

namespace {

constexpr std::uint64_t kCustomerDrawnMax = 999'999'999'999;  // the customer number's 12 drawn digits
constexpr std::uint64_t kConfirmationMax = 999'999;

bool is_digits(std::string_view text) {
  return std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
}

// An issued number past its deadline is expired, whoever looks at it first; true when it became so now.
bool expire_if_due(Number& number, std::int64_t now_s) {
  if (number.status != "issued" || now_s <= number.expires_at_s) return false;
  number.status = "expired";
  return true;
}

}  // namespace

char luhn_check_digit(std::string_view digits) {
  assert(is_digits(digits));
  int sum = 0;
  bool doubled = true;  // the digit next to the check digit is doubled
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int digit = *it - '0';
    if (doubled) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
    doubled = !doubled;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

bool luhn_valid(std::string_view digits) {
  if (digits.size() < 2 || !is_digits(digits)) return false;
  return luhn_check_digit(digits.substr(0, digits.size() - 1)) == digits.back();
}

CentreBook::CentreBook(std::string institution_number, std::uint64_t seed, double auto_pay_rate)
    : institution_number_(std::move(institution_number)),
      auto_pay_rate_(auto_pay_rate),
      random_(seed ^ 0x7061796561737975ull) {
  assert(institution_number_.size() == kInstitutionNumberDigits && is_digits(institution_number_));
  assert(auto_pay_rate_ >= 0.0 && auto_pay_rate_ <= 1.0);
}

IssueDecision CentreBook::issue(const NumberTerms& terms, std::int64_t now_s) {
  assert(terms.amount_yen > 0 && terms.amount_yen <= kAmountYenMax);
  std::lock_guard lock(mutex_);
  if (const Number* known = numbers_.find_by_reference(terms.reference)) {
    // Expired in the answer only: the caller's expire_due persists expiries.
    Number existing = *known;
    expire_if_due(existing, now_s);
    const bool same = existing.amount_yen == terms.amount_yen && existing.expires_at_s == terms.expires_at_s;
    return {same ? IssueOutcome::replayed : IssueOutcome::reference_conflict, existing, false};
  }
  if (terms.expires_at_s <= now_s) return {IssueOutcome::expiry_not_future, {}, false};
  if (terms.expires_at_s - now_s > kExpiresAheadSecondsMax) return {IssueOutcome::expiry_too_far, {}, false};
  const std::size_t sequence = numbers_.all().size() + 1;
  if (sequence > kNumbersMax) return {IssueOutcome::book_full, {}, false};
  Number number;
  number.id = numbers_.next_id("pe");
  number.reference = terms.reference;
  number.amount_yen = terms.amount_yen;
  number.merchant = terms.merchant;
  number.institution_number = institution_number_;
  number.customer_number = customer_number_for(sequence);
  number.confirmation_number = confirmation_number();
  number.expires_at_s = terms.expires_at_s;
  number.status = "issued";
  number.created_at_s = now_s;
  number.notify_url = terms.notify_url;
  number.payer_name = terms.payer_name;
  numbers_.put(number);
  by_customer_number_[number.customer_number] = number.id;
  return {IssueOutcome::issued, number, auto_pay_drawn()};
}

PayDecision CentreBook::pay(const PayAttempt& attempt, std::int64_t now_s) {
  std::lock_guard lock(mutex_);
  if (attempt.institution_number != institution_number_) return {PayOutcome::not_found, {}, false};
  const auto found = by_customer_number_.find(attempt.customer_number);
  if (found == by_customer_number_.end()) return {PayOutcome::not_found, {}, false};
  Number* number = numbers_.find(found->second);
  assert(number != nullptr);
  if (attempt.confirmation_number != number->confirmation_number) {
    return {PayOutcome::confirmation_mismatch, *number, false};
  }
  const bool expired_now = expire_if_due(*number, now_s);
  if (number->status == "expired") return {PayOutcome::expired, *number, expired_now};
  if (number->status == "canceled") return {PayOutcome::canceled, *number, false};
  if (number->status != "issued") return {PayOutcome::already_paid, *number, false};
  if (attempt.amount_yen && *attempt.amount_yen != number->amount_yen) {
    return {PayOutcome::amount_mismatch, *number, false};
  }
  number->status = "paid";
  number->paid_at_s = now_s;
  return {PayOutcome::paid, *number, true};
}

ChangeDecision CentreBook::cancel(const std::string& id, std::int64_t now_s) {
  std::lock_guard lock(mutex_);
  Number* number = numbers_.find(id);
  if (number == nullptr) return {ChangeOutcome::not_found, {}, false};
  const bool expired_now = expire_if_due(*number, now_s);
  if (number->status == "expired") return {ChangeOutcome::expired, *number, expired_now};
  if (number->status == "canceled") return {ChangeOutcome::replayed, *number, false};
  if (number->status != "issued") return {ChangeOutcome::already_paid, *number, false};
  number->status = "canceled";
  number->canceled_at_s = now_s;
  return {ChangeOutcome::done, *number, true};
}

ChangeDecision CentreBook::reverse(const std::string& id, std::int64_t now_s) {
  std::lock_guard lock(mutex_);
  Number* number = numbers_.find(id);
  if (number == nullptr) return {ChangeOutcome::not_found, {}, false};
  const bool expired_now = expire_if_due(*number, now_s);
  if (number->status == "reversed") return {ChangeOutcome::replayed, *number, false};
  if (number->status != "paid") return {ChangeOutcome::not_paid, *number, expired_now};
  number->status = "reversed";
  number->reversed_at_s = now_s;
  return {ChangeOutcome::done, *number, true};
}

std::vector<Number> CentreBook::expire_due(std::int64_t now_s) {
  std::lock_guard lock(mutex_);
  std::vector<Number> expired;
  for (Number& number : numbers_.mutable_all()) {
    if (expire_if_due(number, now_s)) expired.push_back(number);
  }
  return expired;
}

std::vector<Number> CentreBook::all() const {
  std::lock_guard lock(mutex_);
  return numbers_.all();
}

std::optional<Number> CentreBook::by_id(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return copy_of(numbers_.find(id));
}

std::optional<Number> CentreBook::by_reference(const std::string& reference) const {
  std::lock_guard lock(mutex_);
  return copy_of(numbers_.find_by_reference(reference));
}

void CentreBook::restore(const std::vector<Number>& numbers) {
  std::lock_guard lock(mutex_);
  numbers_.clear();
  by_customer_number_.clear();
  for (const Number& number : numbers) numbers_.put(number);
  for (const Number& number : numbers_.all()) by_customer_number_[number.customer_number] = number.id;
}

// Twelve digits drawn from the seed, the sequence in seven, and the Luhn check digit: unique by the
// sequence, not guessable from it.
std::string CentreBook::customer_number_for(std::size_t sequence) {
  assert(sequence >= 1 && sequence <= kNumbersMax);
  std::uniform_int_distribution<std::uint64_t> draw(0, kCustomerDrawnMax);
  char digits[32];
  std::snprintf(digits, sizeof digits, "%012llu%07zu", static_cast<unsigned long long>(draw(random_)),
                sequence);
  std::string customer_number = digits;
  customer_number += luhn_check_digit(customer_number);
  assert(customer_number.size() == kCustomerNumberDigits);
  return customer_number;
}

std::string CentreBook::confirmation_number() {
  std::uniform_int_distribution<std::uint64_t> draw(0, kConfirmationMax);
  char digits[16];
  std::snprintf(digits, sizeof digits, "%06llu", static_cast<unsigned long long>(draw(random_)));
  return digits;
}

bool CentreBook::auto_pay_drawn() {
  if (auto_pay_rate_ <= 0.0) return false;
  std::uniform_real_distribution<double> roll(0.0, 1.0);
  return roll(random_) < auto_pay_rate_;
}

}  // namespace kessai::sim::payeasy
