#include "kessai/reports/hledger.hpp"

#include <algorithm>

namespace kessai::reports {

namespace {

// A line break would end the line early and hledger would read the rest as a new entry or directive;
// control characters become spaces.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

// In a transaction's description a ';' would start a comment and cut the reference short.
std::string description_text(std::string_view text) {
  std::string out = one_line(text);
  std::replace(out.begin(), out.end(), ';', ',');
  return out;
}

std::string pad_right(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

}  // namespace

std::string_view hledger_account_type(std::string_view type) {
  if (type == "asset") return "A";
  if (type == "liability") return "L";
  if (type == "equity") return "E";
  if (type == "revenue") return "R";
  if (type == "expense") return "X";
  return "";
}

Result<std::string, std::string> hledger_declarations(const std::vector<ledger::StoredAccount>& accounts) {
  std::string out =
      "; kessai ledger export for hledger: every journal with its postings, in business date and id order.\n"
      "; Amounts are integer yen, a debit positive and a credit negative. The code (J<id>) is kessai's\n"
      "; journal id. Check with: hledger -f FILE check --strict\n"
      "\n"
      "; JPY has no minor unit: the sample amount ends in its decimal mark, with no decimal places\n"
      "; (without the mark hledger would read the comma as a decimal comma).\n"
      "commodity JPY 1,000.\n"
      "\n";
  for (const auto& account : accounts) {
    const std::string_view type = hledger_account_type(account.type);
    if (type.empty()) {
      return fail("account " + account.code + " has the type '" + account.type +
                  "', not one of asset, liability, equity, revenue, expense");
    }
    // Two spaces before ';': hledger allows ';' inside account names.
    out += "account " + account.code + "  ; type: " + std::string(type) + "\n";
    if (!account.name.empty()) out += "  ; " + one_line(account.name) + "\n";
  }
  out += "\n";
  return out;
}

std::string hledger_transaction(const ledger::StoredJournal& journal) {
  std::string out =
      journal.business_date + " (J" + std::to_string(journal.id) + ") " + description_text(journal.kind);
  if (!journal.reference.empty()) out += " " + description_text(journal.reference);
  out += "\n";
  std::size_t width = 0;
  for (const auto& posting : journal.postings) width = std::max(width, posting.account_code.size());
  for (const auto& posting : journal.postings) {
    // At least two spaces end the account name; hledger allows single spaces inside one.
    out += "    " + pad_right(posting.account_code, width) + "  JPY " +
           std::to_string(posting.amount.value()) + "\n";
  }
  out += "\n";
  return out;
}

}  // namespace kessai::reports
