#pragma once
// Plain-text renderings of the ledger for the terminal: the trial balance and journals.

#include <string>
#include <vector>

#include "kessai/ledger/balances.hpp"

namespace kessai::reports {

// A table of every account with debits, credits and balance, then the totals and whether they agree.
std::string trial_balance_text(const std::vector<ledger::AccountBalance>& balances);

// Each journal with its postings, debits and credits in separate columns.
std::string journals_text(const std::vector<ledger::StoredJournal>& journals);

}  // namespace kessai::reports
