#include "kessai/ledger/pg/journal_store.hpp"

#include <cassert>

namespace kessai::ledger::pg {

namespace {

// Account codes are validated (letters, digits, '-', '_', ':'), so they need no quoting in an array literal.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += items[i];
  }
  out.push_back('}');
  return out;
}

}  // namespace

std::int64_t insert_journal(pqxx::work& tx, const Journal& journal) {
  assert(journal.postings().size() >= 2);
  assert(sum_postings(journal.postings()).value_or(Yen(1)).is_zero());

  const pqxx::result inserted = tx.exec_params(
      "insert into journal_entries (kind, reference, business_date) values ($1, $2, $3::date) returning id",
      journal.kind(), journal.reference(), format_date(journal.business_date()));
  const auto journal_id = inserted[0][0].as<std::int64_t>();

  std::vector<std::string> accounts;
  std::vector<std::string> amounts;
  for (const Posting& posting : journal.postings()) {
    accounts.push_back(posting.account.str());
    amounts.push_back(std::to_string(posting.amount.value()));
  }
  tx.exec_params(
      "insert into postings (journal_id, account_code, amount_yen)"
      " select $1, account, amount from unnest($2::text[], $3::bigint[]) as p(account, amount)",
      journal_id, text_array(accounts), text_array(amounts));
  return journal_id;
}

void ensure_accounts(pqxx::work& tx, const std::vector<chart::AccountDefinition>& accounts) {
  for (const chart::AccountDefinition& account : accounts) {
    tx.exec_params(
        "insert into accounts (code, type, name) values ($1, $2, $3) on conflict (code) do nothing",
        account.code.str(), std::string(to_string(account.code.type())), account.name);
  }
}

std::vector<AccountBalance> trial_balance(pqxx::transaction_base& tx) {
  const pqxx::result rows = tx.exec(
      "select a.code, a.type, a.name,"
      "  coalesce(sum(p.amount_yen) filter (where p.amount_yen > 0), 0)::bigint,"
      "  coalesce(-sum(p.amount_yen) filter (where p.amount_yen < 0), 0)::bigint,"
      "  coalesce(sum(p.amount_yen), 0)::bigint"
      " from accounts a left join postings p on p.account_code = a.code"
      " group by a.code, a.type, a.name order by a.code");
  std::vector<AccountBalance> balances;
  balances.reserve(rows.size());
  for (const auto& row : rows) {
    balances.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                        Yen(row[3].as<std::int64_t>()), Yen(row[4].as<std::int64_t>()),
                        Yen(row[5].as<std::int64_t>())});
  }
  return balances;
}

std::vector<StoredJournal> journals_by_reference(pqxx::transaction_base& tx, const std::string& reference) {
  const pqxx::result rows = tx.exec_params(
      "select j.id, j.kind, j.reference, j.business_date::text,"
      "  to_char(j.created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
      "  p.account_code, p.amount_yen"
      " from journal_entries j join postings p on p.journal_id = j.id"
      " where j.reference = $1 order by j.id, p.id",
      reference);
  std::vector<StoredJournal> journals;
  for (const auto& row : rows) {
    const auto id = row[0].as<std::int64_t>();
    if (journals.empty() || journals.back().id != id) {
      journals.push_back({id,
                          row[1].as<std::string>(),
                          row[2].as<std::string>(),
                          row[3].as<std::string>(),
                          row[4].as<std::string>(),
                          {}});
    }
    journals.back().postings.push_back({row[5].as<std::string>(), Yen(row[6].as<std::int64_t>())});
  }
  return journals;
}

}  // namespace kessai::ledger::pg
