#pragma once
// Writing and reading the ledger inside a caller's transaction, so a state change and its journal
// commit together or not at all.

#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "kessai/ledger/balances.hpp"
#include "kessai/ledger/chart.hpp"
#include "kessai/ledger/journal.hpp"

namespace kessai::ledger::pg {

// Inserts the journal and all its postings (one statement); returns the journal id.
std::int64_t insert_journal(pqxx::work& tx, const Journal& journal);

// Creates the accounts that do not exist yet; existing ones keep their name.
void ensure_accounts(pqxx::work& tx, const std::vector<chart::AccountDefinition>& accounts);

// Every account with its totals, ordered by code; accounts without postings show zeros.
std::vector<AccountBalance> trial_balance(pqxx::transaction_base& tx);

// Journals for one reference (a payment id), oldest first, with their postings.
std::vector<StoredJournal> journals_by_reference(pqxx::transaction_base& tx, const std::string& reference);

}  // namespace kessai::ledger::pg
