// The hledger rendering of the ledger, exactly: `hledger check --strict` reads these files (see
// tests/integration/hledger_export_test.cpp), so every character matters.
#include <catch2/catch.hpp>

#include "kessai/reports/hledger.hpp"

using namespace kessai;

namespace {

const std::string kHead =
    "; kessai ledger export for hledger: every journal with its postings, in business date and id order.\n"
    "; Amounts are integer yen, a debit positive and a credit negative. The code (J<id>) is kessai's\n"
    "; journal id. Check with: hledger -f FILE check --strict\n"
    "\n"
    "; JPY has no minor unit: the sample amount ends in its decimal mark, with no decimal places\n"
    "; (without the mark hledger would read the comma as a decimal comma).\n"
    "commodity JPY 1,000.\n"
    "\n";

}  // namespace

TEST_CASE("hledger: every account is declared with its type and its name as a comment") {
  const std::vector<ledger::StoredAccount> accounts{
      {"assets:bank:main", "asset", "普通預金 (bank)"},
      {"assets:receivable:card-sim", "asset", "未収金 card-sim"},
      {"equity:opening", "equity", ""},
      {"expenses:processor-fee:card-sim", "expense", "支払手数料 card-sim"},
      {"liabilities:suspense", "liability", "仮受金 (suspense)"},
      {"revenue:fee:F001", "revenue", "体育館\n個人利用料"},
  };
  const auto declarations = reports::hledger_declarations(accounts);
  REQUIRE(declarations.ok());
  CHECK(declarations.value() == kHead +
                                    "account assets:bank:main  ; type: A\n"
                                    "  ; 普通預金 (bank)\n"
                                    "account assets:receivable:card-sim  ; type: A\n"
                                    "  ; 未収金 card-sim\n"
                                    "account equity:opening  ; type: E\n"
                                    "account expenses:processor-fee:card-sim  ; type: X\n"
                                    "  ; 支払手数料 card-sim\n"
                                    "account liabilities:suspense  ; type: L\n"
                                    "  ; 仮受金 (suspense)\n"
                                    "account revenue:fee:F001  ; type: R\n"
                                    "  ; 体育館 個人利用料\n"
                                    "\n");
}

TEST_CASE("hledger: an empty ledger still declares the commodity") {
  const auto declarations = reports::hledger_declarations({});
  REQUIRE(declarations.ok());
  CHECK(declarations.value() == kHead + "\n");
}

TEST_CASE("hledger: an account type outside the five is refused, naming the account") {
  const auto declarations =
      reports::hledger_declarations({{"assets:bank:main", "asset", "bank"}, {"assets:odd", "Asset", "odd"}});
  REQUIRE_FALSE(declarations.ok());
  CHECK(declarations.error() ==
        "account assets:odd has the type 'Asset', not one of asset, liability, equity, revenue, expense");
  CHECK(reports::hledger_account_type("asset") == "A");
  CHECK(reports::hledger_account_type("liability") == "L");
  CHECK(reports::hledger_account_type("equity") == "E");
  CHECK(reports::hledger_account_type("revenue") == "R");
  CHECK(reports::hledger_account_type("expense") == "X");
  CHECK(reports::hledger_account_type("cash").empty());
  CHECK(reports::hledger_account_type("").empty());
}

TEST_CASE("hledger: journals become transactions with the journal id as code and signed yen") {
  const ledger::StoredJournal capture{
      7,
      "capture",
      "pi_01HX",
      "2026-11-21",
      "2026-11-21T01:00:00Z",
      {{"assets:receivable:card-sim", Yen(3000)}, {"revenue:fee:F001", Yen(-3000)}}};
  const ledger::StoredJournal refund{
      12,
      "refund",
      "re_01HY",
      "2026-11-22",
      "2026-11-22T02:00:00Z",
      {{"revenue:fee:F001", Yen(500)}, {"assets:receivable:card-sim", Yen(-500)}}};
  const ledger::StoredJournal settlement{40,
                                         "settlement",
                                         "card-sim/2026-11-24/line 7",
                                         "2026-11-24",
                                         "2026-11-24T09:00:00Z",
                                         {{"assets:bank:main", Yen(1234567)},
                                          {"expenses:processor-fee:card-sim", Yen(24444)},
                                          {"assets:receivable:card-sim", Yen(-1259011)}}};
  CHECK(reports::hledger_transaction(capture) ==
        "2026-11-21 (J7) capture pi_01HX\n"
        "    assets:receivable:card-sim  JPY 3000\n"
        "    revenue:fee:F001            JPY -3000\n"
        "\n");
  CHECK(reports::hledger_transaction(refund) ==
        "2026-11-22 (J12) refund re_01HY\n"
        "    revenue:fee:F001            JPY 500\n"
        "    assets:receivable:card-sim  JPY -500\n"
        "\n");
  CHECK(reports::hledger_transaction(settlement) ==
        "2026-11-24 (J40) settlement card-sim/2026-11-24/line 7\n"
        "    assets:bank:main                 JPY 1234567\n"
        "    expenses:processor-fee:card-sim  JPY 24444\n"
        "    assets:receivable:card-sim       JPY -1259011\n"
        "\n");
}

TEST_CASE("hledger: a reference cannot break the transaction line") {
  const ledger::StoredJournal journal{3,
                                      "capture",
                                      "ref; with a comment\nand a line break",
                                      "2026-11-21",
                                      "2026-11-21T01:00:00Z",
                                      {{"assets:receivable:qr-sim", Yen(1)}, {"revenue:fee:F002", Yen(-1)}}};
  CHECK(reports::hledger_transaction(journal) ==
        "2026-11-21 (J3) capture ref, with a comment and a line break\n"
        "    assets:receivable:qr-sim  JPY 1\n"
        "    revenue:fee:F002          JPY -1\n"
        "\n");
  ledger::StoredJournal no_reference = journal;
  no_reference.reference.clear();
  CHECK(reports::hledger_transaction(no_reference).starts_with("2026-11-21 (J3) capture\n"));
}

TEST_CASE("hledger: the largest amounts are written in full") {
  const ledger::StoredJournal journal{
      9223372036854775807,
      "opening",
      "x",
      "2026-01-01",
      "2026-01-01T00:00:00Z",
      {{"assets:bank:main", Yen(INT64_MAX)}, {"equity:opening", Yen(-INT64_MAX)}}};
  CHECK(reports::hledger_transaction(journal) ==
        "2026-01-01 (J9223372036854775807) opening x\n"
        "    assets:bank:main  JPY 9223372036854775807\n"
        "    equity:opening    JPY -9223372036854775807\n"
        "\n");
}
