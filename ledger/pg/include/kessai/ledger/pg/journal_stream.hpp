#pragma once
// Reading the whole ledger, or a range of business dates, without holding it in memory: journals come
// one at a time through a server-side cursor, for exports that may cover millions of postings.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <pqxx/pqxx>

#include "kessai/ledger/balances.hpp"

namespace kessai::ledger::pg {

// Rows (postings) fetched from the cursor at a time: memory stays at one fetch plus one journal.
inline constexpr int kJournalStreamRowsPerFetch = 2000;

// Business dates, both ends included; an absent end is open.
struct JournalRange {
  std::optional<std::chrono::year_month_day> from{};
  std::optional<std::chrono::year_month_day> to{};
};

// Every account, ordered by code (accounts without postings too).
std::vector<StoredAccount> list_accounts(pqxx::transaction_base& tx);

// Calls on_journal with each journal in the range, in (business date, id) order, with all its postings
// in id order; stops early when on_journal returns false. Returns the number of journals passed.
// Run it in a repeatable-read transaction to see the same ledger as the other queries of an export.
std::int64_t for_each_journal(pqxx::transaction_base& tx, const JournalRange& range,
                              const std::function<bool(const StoredJournal&)>& on_journal,
                              int rows_per_fetch = kJournalStreamRowsPerFetch);

}  // namespace kessai::ledger::pg
