// The ledger's rules as the database itself enforces them, whatever a client sends.
#include <catch2/catch.hpp>

#include "kessai/ledger/chart.hpp"
#include "kessai/ledger/pg/journal_store.hpp"
#include "kessai/ledger/pg/migrate.hpp"
#include "kessai/ledger/posting_rules.hpp"
#include "test_database.hpp"

using namespace kessai;

namespace {

constexpr std::chrono::year_month_day kDay{std::chrono::year{2026}, std::chrono::month{11},
                                           std::chrono::day{21}};

void seed_accounts(pqxx::connection& connection) {
  pqxx::work tx(connection);
  ledger::pg::ensure_accounts(tx, ledger::chart::fixed_accounts());
  ledger::pg::ensure_accounts(tx, ledger::chart::processor_accounts(*ProcessorId::parse("card-sim")));
  ledger::pg::ensure_accounts(tx, {ledger::chart::revenue_account(*FeeCode::parse("F001"), "fee")});
  tx.commit();
}

std::string sqlstate_of(pqxx::connection& connection, const std::string& statements) {
  try {
    pqxx::work tx(connection);
    tx.exec(statements);
    tx.commit();
  } catch (const pqxx::sql_error& error) {
    return error.sqlstate();
  }
  return "";
}

std::int64_t count(pqxx::connection& connection, const std::string& table) {
  pqxx::read_transaction tx(connection);
  return tx.exec("select count(*) from " + table)[0][0].as<std::int64_t>();
}

}  // namespace

TEST_CASE("migrations apply once and are idempotent") {
  testing::TestDatabase database(false);
  pqxx::connection connection(database.url());
  auto first = ledger::pg::migrate(connection);
  REQUIRE(first.ok());
  CHECK(first->applied.size() == ledger::pg::embedded_migrations().size());
  auto second = ledger::pg::migrate(connection);
  REQUIRE(second.ok());
  CHECK(second->applied.empty());
  CHECK(second->schema_version == ledger::pg::embedded_migrations().back().version);
}

TEST_CASE("a changed migration or a newer database is refused") {
  testing::TestDatabase database;
  pqxx::connection connection(database.url());
  {
    pqxx::work tx(connection);
    tx.exec("update schema_migrations set checksum = 'edited' where version = 1");
    tx.commit();
  }
  auto edited = ledger::pg::migrate(connection);
  REQUIRE_FALSE(edited.ok());
  CHECK_THAT(edited.error(), Catch::Contains("was changed after it was applied"));
  {
    pqxx::work tx(connection);
    tx.exec("insert into schema_migrations (version, name, checksum) values (9999, 'future', 'x')");
    tx.commit();
  }
  auto newer = ledger::pg::migrate(connection);
  REQUIRE_FALSE(newer.ok());
  CHECK_THAT(newer.error(), Catch::Contains("run a newer kessai"));
}

TEST_CASE("the database refuses unbalanced journals at commit") {
  testing::TestDatabase database;
  pqxx::connection connection(database.url());
  seed_accounts(connection);
  const std::string journal =
      "insert into journal_entries (kind, reference, business_date) values ('x', 'r', '2026-11-21');";
  CHECK(sqlstate_of(connection, journal + "insert into postings (journal_id, account_code, amount_yen) values"
                                          " (currval('journal_entries_id_seq'), 'assets:bank:main', 100),"
                                          " (currval('journal_entries_id_seq'), 'revenue:fee:F001', -99);") ==
        "KL001");
  CHECK(sqlstate_of(connection, journal + "insert into postings (journal_id, account_code, amount_yen) values"
                                          " (currval('journal_entries_id_seq'), 'assets:bank:main', 100);") ==
        "KL001");
  CHECK(sqlstate_of(connection, journal) == "KL001");  // a journal without postings
  CHECK(sqlstate_of(connection, journal + "insert into postings (journal_id, account_code, amount_yen) values"
                                          " (currval('journal_entries_id_seq'), 'assets:bank:main', 0),"
                                          " (currval('journal_entries_id_seq'), 'revenue:fee:F001', 0);") ==
        "23514");
  CHECK(count(connection, "journal_entries") == 0);
  CHECK(count(connection, "postings") == 0);
}

TEST_CASE("postings are append-only and journals close when their transaction commits") {
  testing::TestDatabase database;
  pqxx::connection connection(database.url());
  seed_accounts(connection);
  std::int64_t journal_id = 0;
  {
    pqxx::work tx(connection);
    auto journal = ledger::capture_journal(
        {"pi_1", Yen(3000), *ProcessorId::parse("card-sim"), *FeeCode::parse("F001"), kDay});
    journal_id = ledger::pg::insert_journal(tx, journal.value());
    tx.commit();
  }
  const std::string id = std::to_string(journal_id);
  CHECK(sqlstate_of(connection, "update postings set amount_yen = 1 where journal_id = " + id) == "KL002");
  CHECK(sqlstate_of(connection, "delete from postings where journal_id = " + id) == "KL002");
  CHECK(sqlstate_of(connection, "truncate postings cascade") == "KL002");
  CHECK(sqlstate_of(connection, "update journal_entries set reference = 'x' where id = " + id) == "KL002");
  CHECK(sqlstate_of(connection, "delete from journal_entries where id = " + id) == "KL002");
  // Even a balanced pair may not be slipped into a journal committed earlier.
  CHECK(sqlstate_of(connection, "insert into postings (journal_id, account_code, amount_yen) values (" + id +
                                    ", 'assets:bank:main', 5), (" + id + ", 'revenue:fee:F001', -5)") ==
        "KL003");
  CHECK(count(connection, "postings") == 2);
}

TEST_CASE("written journals read back, and the trial balance sums them") {
  testing::TestDatabase database;
  pqxx::connection connection(database.url());
  seed_accounts(connection);
  for (const std::int64_t amount : {3000, 500, 12800}) {
    pqxx::work tx(connection);
    auto journal = ledger::capture_journal({"pi_" + std::to_string(amount), Yen(amount),
                                            *ProcessorId::parse("card-sim"), *FeeCode::parse("F001"), kDay});
    ledger::pg::insert_journal(tx, journal.value());
    tx.commit();
  }
  pqxx::read_transaction tx(connection);
  const auto balances = ledger::pg::trial_balance(tx);
  const auto totals = ledger::total(balances);
  REQUIRE(totals.has_value());
  CHECK(totals->balanced);
  CHECK(totals->debits == Yen(16300));
  for (const auto& balance : balances) {
    if (balance.code == "assets:receivable:card-sim") CHECK(balance.balance == Yen(16300));
    if (balance.code == "revenue:fee:F001") CHECK(balance.balance == Yen(-16300));
  }
  const auto journals = ledger::pg::journals_by_reference(tx, "pi_500");
  REQUIRE(journals.size() == 1);
  CHECK(journals[0].business_date == "2026-11-21");
  REQUIRE(journals[0].postings.size() == 2);
  CHECK(journals[0].postings[0].amount == Yen(500));
}
