#pragma once
// What the ledger reads back: balances per account and stored journals, as plain values for reports.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "kessai/money.hpp"

namespace kessai::ledger {

struct AccountBalance {
  std::string code;
  std::string type;
  std::string name;
  Yen debits;   // sum of positive postings
  Yen credits;  // sum of negative postings, as a positive number
  Yen balance;  // debits - credits
};

struct TrialBalanceTotals {
  Yen debits;
  Yen credits;
  bool balanced = false;
};
// Checked sums; nullopt on overflow.
std::optional<TrialBalanceTotals> total(const std::vector<AccountBalance>& balances);

// An account as stored: code, type ("asset", "liability", "equity", "revenue", "expense") and name.
struct StoredAccount {
  std::string code{};
  std::string type{};
  std::string name{};
};

struct StoredPosting {
  std::string account_code;
  Yen amount;
};

struct StoredJournal {
  std::int64_t id = 0;
  std::string kind;
  std::string reference;
  std::string business_date;  // YYYY-MM-DD
  std::string created_at;     // ISO 8601 UTC
  std::vector<StoredPosting> postings;
};

}  // namespace kessai::ledger
