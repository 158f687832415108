#pragma once
// The chart of accounts (勘定科目). Every account kessai posts to is named here, so the naming scheme
// has one owner and reports can rely on it.

#include <string>
#include <vector>

#include "kessai/identifier.hpp"
#include "kessai/ledger/journal.hpp"

namespace kessai::ledger::chart {

AccountCode bank();                                    // 普通預金 (the city's receiving account)
AccountCode suspense();                                // 仮受金: unexplained amounts
AccountCode receivable(const ProcessorId& processor);  // 未収金: owed to us by a processor
AccountCode clearing(const ProcessorId& processor);    // a processor's payouts on their way to the bank
AccountCode revenue(const FeeCode& fee_code);          // 手数料・使用料収入 per fee code
AccountCode processor_fee_expense(const ProcessorId& processor);  // 支払手数料 (MDR)

struct AccountDefinition {
  AccountCode code;
  std::string name;  // human name shown in reports
};

// Accounts that exist regardless of configuration.
std::vector<AccountDefinition> fixed_accounts();
// The accounts one processor needs.
std::vector<AccountDefinition> processor_accounts(const ProcessorId& processor);
AccountDefinition revenue_account(const FeeCode& fee_code, const std::string& fee_name);

}  // namespace kessai::ledger::chart
