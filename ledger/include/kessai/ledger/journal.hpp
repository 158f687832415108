#pragma once
// The double-entry invariant lives here and only here: a Journal can only be built balanced.
// Postings are signed integer yen: a debit is positive, a credit negative, and every journal sums to 0.
// The database enforces the same rule again (ledger/migrations), as the last line of defence.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kessai/money.hpp"
#include "kessai/result.hpp"

namespace kessai::ledger {

inline constexpr std::size_t kAccountCodeBytesMax = 128;
inline constexpr std::size_t kAccountSegmentsMax = 6;
inline constexpr std::size_t kJournalPostingsMax = 64;
inline constexpr std::size_t kJournalTextBytesMax = 256;

enum class AccountType : std::uint8_t { asset = 1, liability = 2, equity = 3, revenue = 4, expense = 5 };
std::string_view to_string(AccountType type);

// "assets:receivable:card-sim": colon-separated segments, as hledger names accounts. The first segment
// fixes the type: assets, liabilities, equity, revenue, expenses.
class AccountCode {
 public:
  static std::optional<AccountCode> parse(std::string_view text);
  const std::string& str() const { return code_; }
  AccountType type() const { return type_; }
  friend bool operator==(const AccountCode& a, const AccountCode& b) { return a.code_ == b.code_; }
  friend auto operator<=>(const AccountCode& a, const AccountCode& b) { return a.code_ <=> b.code_; }

 private:
  AccountCode(std::string code, AccountType type) : code_(std::move(code)), type_(type) {}
  std::string code_;
  AccountType type_;
};

struct Posting {
  AccountCode account;
  Yen amount;  // debit > 0, credit < 0, never 0
};

// Stable numbers: stored in logs and tests; never renumber.
enum class JournalError : std::uint8_t {
  no_postings = 1,
  single_posting = 2,
  zero_posting = 3,
  unbalanced = 4,
  overflow = 5,
  too_many_postings = 6,
  text_too_long = 7,
};
std::string_view to_string(JournalError error);

class Journal {
 public:
  // kind: what made the journal ("capture", "refund", "settlement", …); reference: the business object
  // it belongs to (a payment intent id, a settlement file line, …).
  static Result<Journal, JournalError> build(std::string kind, std::string reference,
                                             std::chrono::year_month_day business_date,
                                             std::vector<Posting> postings);

  const std::string& kind() const { return kind_; }
  const std::string& reference() const { return reference_; }
  std::chrono::year_month_day business_date() const { return business_date_; }
  const std::vector<Posting>& postings() const { return postings_; }
  Yen total_debits() const;

 private:
  Journal() = default;
  std::string kind_;
  std::string reference_;
  std::chrono::year_month_day business_date_{};
  std::vector<Posting> postings_;
};

// Debits minus credits of a set of postings, checked; nullopt on overflow.
std::optional<Yen> sum_postings(const std::vector<Posting>& postings);

// "2026-11-21"
std::string format_date(std::chrono::year_month_day date);
std::optional<std::chrono::year_month_day> parse_date(std::string_view text);

}  // namespace kessai::ledger
