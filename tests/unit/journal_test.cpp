#include <catch2/catch.hpp>

#include <limits>

#include "kessai/ledger/balances.hpp"
#include "kessai/ledger/chart.hpp"
#include "kessai/ledger/journal.hpp"
#include "kessai/ledger/posting_rules.hpp"

using namespace kessai;
using namespace kessai::ledger;

namespace {

AccountCode account(const char* text) {
  return *AccountCode::parse(text);
}
constexpr std::chrono::year_month_day kDay{std::chrono::year{2026}, std::chrono::month{11},
                                           std::chrono::day{21}};

}  // namespace

TEST_CASE("account codes are typed by their first segment") {
  CHECK(AccountCode::parse("assets:bank:main")->type() == AccountType::asset);
  CHECK(AccountCode::parse("revenue:fee:F001")->type() == AccountType::revenue);
  CHECK(AccountCode::parse("expenses:processor-fee:x")->type() == AccountType::expense);
  CHECK(AccountCode::parse("liabilities:suspense")->type() == AccountType::liability);
  CHECK_FALSE(AccountCode::parse("assets").has_value());        // needs a second segment
  CHECK_FALSE(AccountCode::parse("income:fee").has_value());    // unknown type
  CHECK_FALSE(AccountCode::parse("assets::bank").has_value());  // empty segment
  CHECK_FALSE(AccountCode::parse("assets:bank:").has_value());
  CHECK_FALSE(AccountCode::parse("assets:bank main").has_value());
  CHECK_FALSE(AccountCode::parse("assets:a:b:c:d:e:f").has_value());  // too deep
}

TEST_CASE("a journal can only be built balanced") {
  SECTION("balanced") {
    auto journal = Journal::build(
        "capture", "pi_1", kDay,
        {{account("assets:receivable:card"), Yen(3000)}, {account("revenue:fee:F001"), Yen(-3000)}});
    REQUIRE(journal.ok());
    CHECK(journal->total_debits() == Yen(3000));
  }
  SECTION("unbalanced") {
    auto journal = Journal::build(
        "capture", "pi_1", kDay,
        {{account("assets:receivable:card"), Yen(3000)}, {account("revenue:fee:F001"), Yen(-2999)}});
    REQUIRE_FALSE(journal.ok());
    CHECK(journal.error() == JournalError::unbalanced);
  }
  SECTION("no postings, one posting, a zero posting") {
    CHECK(Journal::build("x", "r", kDay, {}).error() == JournalError::no_postings);
    CHECK(Journal::build("x", "r", kDay, {{account("assets:bank:main"), Yen(1)}}).error() ==
          JournalError::single_posting);
    CHECK(Journal::build("x", "r", kDay,
                         {{account("assets:bank:main"), Yen(0)}, {account("revenue:fee:F"), Yen(0)}})
              .error() == JournalError::zero_posting);
  }
  SECTION("overflow while summing is an error, not a wrap to zero") {
    const Yen max(std::numeric_limits<std::int64_t>::max());
    auto journal = Journal::build("x", "r", kDay,
                                  {{account("assets:bank:main"), max},
                                   {account("assets:bank:other"), max},
                                   {account("revenue:fee:F"), Yen(2)}});
    CHECK(journal.error() == JournalError::overflow);
  }
  SECTION("too many postings") {
    std::vector<Posting> postings;
    for (std::size_t i = 0; i < kJournalPostingsMax / 2 + 1; ++i) {
      postings.push_back({account("assets:bank:main"), Yen(1)});
      postings.push_back({account("revenue:fee:F"), Yen(-1)});
    }
    CHECK(Journal::build("x", "r", kDay, postings).error() == JournalError::too_many_postings);
  }
}

TEST_CASE("a capture debits the processor's receivable and credits the fee's revenue") {
  auto journal =
      capture_journal({"pi_abc", Yen(3000), *ProcessorId::parse("card-sim"), *FeeCode::parse("F001"), kDay});
  REQUIRE(journal.ok());
  REQUIRE(journal->postings().size() == 2);
  CHECK(journal->postings()[0].account.str() == "assets:receivable:card-sim");
  CHECK(journal->postings()[0].amount == Yen(3000));
  CHECK(journal->postings()[1].account.str() == "revenue:fee:F001");
  CHECK(journal->postings()[1].amount == Yen(-3000));
  CHECK(journal->kind() == "capture");
  CHECK(journal->reference() == "pi_abc");
}

TEST_CASE("the chart names every account a processor needs") {
  const ProcessorId processor = *ProcessorId::parse("card-sim");
  const auto accounts = chart::processor_accounts(processor);
  REQUIRE(accounts.size() == 3);
  CHECK(accounts[0].code.str() == "assets:receivable:card-sim");
  CHECK(accounts[2].code.str() == "expenses:processor-fee:card-sim");
  CHECK(chart::bank().str() == "assets:bank:main");
  CHECK(chart::suspense().type() == AccountType::liability);
}

TEST_CASE("dates round-trip and invalid dates are refused") {
  CHECK(format_date(kDay) == "2026-11-21");
  CHECK(parse_date("2026-11-21") == kDay);
  CHECK_FALSE(parse_date("2026-02-30").has_value());
  CHECK_FALSE(parse_date("2026-1-21").has_value());
  CHECK_FALSE(parse_date("20261121").has_value());
}

TEST_CASE("trial balance totals agree only when debits equal credits") {
  std::vector<AccountBalance> balances{
      {"assets:receivable:x", "asset", "", Yen(500), Yen(0), Yen(500)},
      {"revenue:fee:F", "revenue", "", Yen(0), Yen(500), Yen(-500)},
  };
  CHECK(total(balances)->balanced);
  balances[1].credits = Yen(499);
  CHECK_FALSE(total(balances)->balanced);
}
