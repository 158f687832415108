#pragma once
// The Pay-easy centre simulator's book: what a 収納機関 (the centre collecting for the merchant, over the
// banks' MPN network) decides and remembers. The merchant has a number issued for an amount with a
// deadline; the payer pays it at a bank ATM or in net banking with the institution number, customer
// number and confirmation number; the centre sends a quick notice (速報); a bank may cancel a cleared
// payment afterwards (取消). Pure logic (no sockets, no files, no clock: `now` is passed in, in Unix
// seconds); persisted as JSON lines by the caller and restored from them.
//
// A number is issued, then paid, expired (issued and past its deadline), or canceled (withdrawn by the
// merchant while unpaid); a paid number may be reversed (取消). Numbers are de-duplicated by the
// merchant's reference.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "record_index.hpp"

namespace kessai::sim::payeasy {

// A number's amount: 1..999,999,999 yen (nine digits, what ATMs take).
constexpr std::int64_t kAmountYenMax = 999'999'999;
// A deadline is in the future, at most 60 days ahead.
constexpr std::int64_t kExpiresAheadSecondsMax = 60 * 86'400;
constexpr std::size_t kInstitutionNumberDigits = 5;   // 収納機関番号
constexpr std::size_t kCustomerNumberDigits = 20;     // お客様番号: 12 drawn, 7 of the sequence, 1 check
constexpr std::size_t kConfirmationNumberDigits = 6;  // 確認番号
// The customer number holds the number's sequence in seven digits: that many numbers, no more.
constexpr std::size_t kNumbersMax = 9'999'999;

struct Number {
  std::string id;         // "pe_000001"
  std::string reference;  // the merchant's payment id; unique per number
  std::int64_t amount_yen = 0;
  std::string merchant;
  std::string institution_number;   // 収納機関番号
  std::string customer_number;      // お客様番号: 20 digits, unique, Luhn check digit last
  std::string confirmation_number;  // 確認番号: 6 digits
  std::int64_t expires_at_s = 0;    // 支払期限, Unix seconds
  std::string status;               // issued, paid, expired, canceled, reversed
  std::int64_t created_at_s = 0;
  std::optional<std::int64_t> paid_at_s;
  std::optional<std::int64_t> reversed_at_s;
  std::optional<std::int64_t> canceled_at_s;
  std::string notify_url;  // where the centre's notices about it go
  std::string payer_name;  // optional, shown to the payer at the ATM
};

struct NumberTerms {
  std::string reference;
  std::int64_t amount_yen = 0;  // 1..kAmountYenMax
  std::string merchant;
  std::int64_t expires_at_s = 0;
  std::string notify_url;
  std::string payer_name;
};

// Stable numbers; never renumber.
enum class IssueOutcome : std::uint8_t {
  issued = 1,              // a new number: the caller persists it
  replayed = 2,            // the reference was issued before on the same amount and deadline
  reference_conflict = 3,  // the reference was issued before on other terms
  expiry_not_future = 4,   // the deadline is now or past
  expiry_too_far = 5,      // the deadline is more than kExpiresAheadSecondsMax ahead
  book_full = 6,           // kNumbersMax numbers issued
};

struct IssueDecision {
  IssueOutcome outcome = IssueOutcome::issued;
  Number number;          // the number issued or replayed; otherwise empty
  bool auto_pay = false;  // a new number the simulated payer pays by itself (--auto-pay-rate)
};

// What the payer enters at the ATM.
struct PayAttempt {
  std::string institution_number;
  std::string customer_number;
  std::string confirmation_number;
  std::optional<std::int64_t> amount_yen;  // when given, it must be the number's
};

// Stable numbers; never renumber.
enum class PayOutcome : std::uint8_t {
  paid = 1,                   // the caller persists the number and sends the quick notice
  not_found = 2,              // no such institution or customer number
  confirmation_mismatch = 3,  // the confirmation number is not the number's
  expired = 4,
  canceled = 5,
  already_paid = 6,  // paid or reversed
  amount_mismatch = 7,
};

struct PayDecision {
  PayOutcome outcome = PayOutcome::not_found;
  Number number;         // as it is now; empty when not_found
  bool changed = false;  // the number's record changed (paid, or found expired): persist it
};

// Stable numbers; never renumber.
enum class ChangeOutcome : std::uint8_t {
  done = 1,          // canceled or reversed now: persist it
  replayed = 2,      // already canceled, already reversed: nothing changed
  not_found = 3,     // no such number
  already_paid = 4,  // cancel of a paid or reversed number
  not_paid = 5,      // reversal of a number that was not paid
  expired = 6,       // cancel of an expired number: nothing to do
};

struct ChangeDecision {
  ChangeOutcome outcome = ChangeOutcome::not_found;
  Number number;
  bool changed = false;  // persist the number (done, or found expired)
};

// The check digit (mod 10, Luhn) of a string of ASCII digits, the digit to append to it.
char luhn_check_digit(std::string_view digits);
// Whether the last digit is the Luhn check digit of the others.
bool luhn_valid(std::string_view digits);

class CentreBook {
 public:
  // institution_number: kInstitutionNumberDigits digits; auto_pay_rate 0..1. The seed draws the customer
  // numbers' random digits, the confirmation numbers and which numbers are paid automatically.
  CentreBook(std::string institution_number, std::uint64_t seed, double auto_pay_rate);
  CentreBook(const CentreBook&) = delete;
  CentreBook& operator=(const CentreBook&) = delete;

  const std::string& institution_number() const { return institution_number_; }

  // A new number, or the one issued before for the reference (replayed or a conflict). The deadline of a
  // new number only is checked against now: a retry gets its number back even past the deadline.
  IssueDecision issue(const NumberTerms& terms, std::int64_t now_s);

  // The payer pays. Checked in this order: the institution and customer number, the confirmation
  // number, the number's status (expired, canceled, paid or reversed), then the amount.
  PayDecision pay(const PayAttempt& attempt, std::int64_t now_s);

  // The merchant withdraws an unpaid number.
  ChangeDecision cancel(const std::string& id, std::int64_t now_s);

  // The bank cancels a cleared payment (取消).
  ChangeDecision reverse(const std::string& id, std::int64_t now_s);

  // Every issued number past its deadline becomes expired; those that did now, to be persisted.
  std::vector<Number> expire_due(std::int64_t now_s);

  std::vector<Number> all() const;
  std::optional<Number> by_id(const std::string& id) const;
  std::optional<Number> by_reference(const std::string& reference) const;

  // Replaces the book with the persisted numbers (of several with one id the last wins).
  void restore(const std::vector<Number>& numbers);

 private:
  std::string customer_number_for(std::size_t sequence);
  std::string confirmation_number();
  bool auto_pay_drawn();

  std::string institution_number_;
  double auto_pay_rate_;
  mutable std::mutex mutex_;
  std::mt19937_64 random_;
  RecordIndex<Number> numbers_;
  std::map<std::string, std::string> by_customer_number_;  // customer number → id
};

}  // namespace kessai::sim::payeasy
