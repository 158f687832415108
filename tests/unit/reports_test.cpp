#include <catch2/catch.hpp>

#include "kessai/reports/ledger_text.hpp"

using namespace kessai;

TEST_CASE("the trial balance text shows every account and says whether it balances") {
  std::vector<ledger::AccountBalance> balances{
      {"assets:receivable:card-sim", "asset", "未収金", Yen(21200), Yen(0), Yen(21200)},
      {"revenue:fee:F001", "revenue", "体育館", Yen(0), Yen(21200), Yen(-21200)},
  };
  const std::string text = reports::trial_balance_text(balances);
  CHECK_THAT(text, Catch::Contains("assets:receivable:card-sim"));
  CHECK_THAT(text, Catch::Contains("21,200"));
  CHECK_THAT(text, Catch::Contains("-21,200"));
  CHECK_THAT(text, Catch::Contains("balanced: debits equal credits"));
  balances[0].debits = Yen(1);
  CHECK_THAT(reports::trial_balance_text(balances), Catch::Contains("NOT BALANCED"));
}

TEST_CASE("journals print debits and credits apart") {
  ledger::StoredJournal journal{
      7,
      "capture",
      "pi_x",
      "2026-11-21",
      "2026-11-21T01:00:00Z",
      {{"assets:receivable:card-sim", Yen(3000)}, {"revenue:fee:F001", Yen(-3000)}}};
  const std::string text = reports::journals_text({journal});
  CHECK_THAT(text, Catch::Contains("journal 7"));
  CHECK_THAT(text, Catch::Contains("Dr          3,000"));
  CHECK_THAT(text, Catch::Contains("Cr          3,000"));
}
