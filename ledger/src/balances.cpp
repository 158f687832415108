#include "kessai/ledger/balances.hpp"

namespace kessai::ledger {

std::optional<TrialBalanceTotals> total(const std::vector<AccountBalance>& balances) {
  TrialBalanceTotals totals;
  for (const AccountBalance& balance : balances) {
    const std::optional<Yen> debits = totals.debits.checked_add(balance.debits);
    const std::optional<Yen> credits = totals.credits.checked_add(balance.credits);
    if (!debits || !credits) return std::nullopt;
    totals.debits = *debits;
    totals.credits = *credits;
  }
  totals.balanced = totals.debits == totals.credits;
  return totals;
}

}  // namespace kessai::ledger
