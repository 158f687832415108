#include "kessai/ledger/pg/journal_stream.hpp"

#include <cassert>

#include "kessai/ledger/journal.hpp"

namespace kessai::ledger::pg {

namespace {

// libpqxx 6.4's icursorstream takes no parameters, so the dates are quoted literals; they are
// formatted from parsed dates, never copied from user text.
std::string range_condition(pqxx::transaction_base& tx, const JournalRange& range) {
  std::string condition = "true";
  if (range.from) condition += " and j.business_date >= " + tx.quote(format_date(*range.from)) + "::date";
  if (range.to) condition += " and j.business_date <= " + tx.quote(format_date(*range.to)) + "::date";
  return condition;
}

}  // namespace

std::vector<StoredAccount> list_accounts(pqxx::transaction_base& tx) {
  const pqxx::result rows = tx.exec("select code, type, name from accounts order by code");
  std::vector<StoredAccount> accounts;
  accounts.reserve(rows.size());
  for (const auto& row : rows) {
    accounts.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()});
  }
  return accounts;
}

std::int64_t for_each_journal(pqxx::transaction_base& tx, const JournalRange& range,
                              const std::function<bool(const StoredJournal&)>& on_journal,
                              int rows_per_fetch) {
  assert(rows_per_fetch > 0);
  const std::string query =
      "select j.id, j.kind, j.reference, j.business_date::text,"
      "  to_char(j.created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
      "  p.account_code, p.amount_yen"
      " from journal_entries j join postings p on p.journal_id = j.id"
      " where " +
      range_condition(tx, range) + " order by j.business_date, j.id, p.id";
  pqxx::icursorstream cursor(tx, query, "kessai_journal_stream", rows_per_fetch);

  // A journal's postings may straddle two fetches, so it is passed on only when the next one starts.
  std::int64_t passed = 0;
  StoredJournal current;
  bool have_current = false;
  pqxx::result block;
  while (true) {
    cursor >> block;
    if (block.empty()) break;
    for (const auto& row : block) {
      const auto id = row[0].as<std::int64_t>();
      if (!have_current || current.id != id) {
        if (have_current) {
          ++passed;
          if (!on_journal(current)) return passed;
        }
        current = {id,
                   row[1].as<std::string>(),
                   row[2].as<std::string>(),
                   row[3].as<std::string>(),
                   row[4].as<std::string>(),
                   {}};
        have_current = true;
      }
      current.postings.push_back({row[5].as<std::string>(), Yen(row[6].as<std::int64_t>())});
    }
  }
  if (have_current) {
    ++passed;
    on_journal(current);
  }
  return passed;
}

}  // namespace kessai::ledger::pg
