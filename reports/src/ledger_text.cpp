#include "kessai/reports/ledger_text.hpp"

#include <algorithm>
#include <cstdio>

namespace kessai::reports {

namespace {

// Display width for alignment: account names are ASCII, amounts are ASCII; Japanese names go last.
std::string pad_right(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}
std::string pad_left(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

}  // namespace

std::string trial_balance_text(const std::vector<ledger::AccountBalance>& balances) {
  std::size_t code_width = 7;
  for (const auto& balance : balances) code_width = std::max(code_width, balance.code.size());
  constexpr std::size_t kAmountWidth = 16;
  std::string out = pad_right("account", code_width) + "  " + pad_left("debit", kAmountWidth) + "  " +
                    pad_left("credit", kAmountWidth) + "  " + pad_left("balance", kAmountWidth) + "  name\n";
  const std::size_t rule_width = code_width + 3 * (kAmountWidth + 2);
  out += std::string(rule_width, '-') + "\n";
  for (const auto& balance : balances) {
    out += pad_right(balance.code, code_width) + "  " + pad_left(format_yen(balance.debits), kAmountWidth) +
           "  " + pad_left(format_yen(balance.credits), kAmountWidth) + "  " +
           pad_left(format_yen(balance.balance), kAmountWidth) + "  " + balance.name + "\n";
  }
  out += std::string(rule_width, '-') + "\n";
  const std::optional<ledger::TrialBalanceTotals> totals = ledger::total(balances);
  if (!totals) return out + "totals overflow int64 yen: the ledger is corrupt\n";
  out += pad_right("total", code_width) + "  " + pad_left(format_yen(totals->debits), kAmountWidth) + "  " +
         pad_left(format_yen(totals->credits), kAmountWidth) + "\n";
  out += totals->balanced ? "balanced: debits equal credits\n" : "NOT BALANCED: debits differ from credits\n";
  return out;
}

std::string journals_text(const std::vector<ledger::StoredJournal>& journals) {
  std::string out;
  for (const auto& journal : journals) {
    out += "journal " + std::to_string(journal.id) + "  " + journal.business_date + "  " + journal.kind +
           "  " + journal.reference + "  (recorded " + journal.created_at + ")\n";
    std::size_t width = 0;
    for (const auto& posting : journal.postings) width = std::max(width, posting.account_code.size());
    for (const auto& posting : journal.postings) {
      const bool debit = posting.amount.is_positive();
      const std::string amount =
          format_yen(debit ? posting.amount : posting.amount.checked_negate().value_or(posting.amount));
      out += "    " + pad_right(posting.account_code, width) + "  " + (debit ? "Dr " : "Cr ") +
             pad_left(amount, 14) + "\n";
    }
  }
  return out;
}

}  // namespace kessai::reports
