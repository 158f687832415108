#pragma once
// The ledger as an hledger journal (https://hledger.org), so finance staff and auditors can check and
// query kessai's books with a tool kessai does not control: `hledger -f FILE check --strict` must pass,
// and `hledger balance` must agree with `kessai ledger trial-balance`.
//
// A file is hledger_declarations() followed by hledger_transaction() for each journal, so an export can
// write journals as it reads them.

#include <string>
#include <string_view>
#include <vector>

#include "kessai/ledger/balances.hpp"
#include "kessai/result.hpp"

namespace kessai::reports {

// hledger's account type code for a stored account type: "asset" → "A", "liability" → "L",
// "equity" → "E", "revenue" → "R", "expense" → "X"; empty for anything else.
std::string_view hledger_account_type(std::string_view type);

// The head of the file: a comment, the JPY commodity with no decimal places, and an account directive
// with its `type:` tag (and its name as a comment) for every account, so strict checks know them all.
// Fails, naming the account, when a stored type is not one of the five.
Result<std::string, std::string> hledger_declarations(const std::vector<ledger::StoredAccount>& accounts);

// One journal as a transaction: the business date, the journal id as the code `(J<id>)`, kind and
// reference as the description, one posting per line with the account code and `JPY <signed yen>`,
// then a blank line.
std::string hledger_transaction(const ledger::StoredJournal& journal);

}  // namespace kessai::reports
