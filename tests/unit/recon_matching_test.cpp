// The reconciliation's matching rules, without a database: settlement lines against ledger items, the
// contracted fees, missing settlements, deposits against payouts, and recon.toml.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "kessai/recon/matching.hpp"
#include "kessai/recon/recon_config.hpp"

using namespace kessai::recon;
using std::chrono::sys_days;
using std::chrono::year_month_day;
using namespace std::chrono_literals;

namespace {

constexpr year_month_day kDay{std::chrono::year(2026), std::chrono::month(11), std::chrono::day(20)};
const std::chrono::sys_seconds kNoon = std::chrono::sys_seconds(sys_days(kDay)) + 3h;  // 12:00 JST

ProcessorContract card_contract() {
  ProcessorContract c;
  c.processor_id = "card-sim";
  c.profile = "card-acquirer";
  c.mdr_bp = {{"default", 250}, {"jcb", 300}};
  c.payer_names = {"ｶ)ｶｰﾄﾞｱｸｲｱﾗｰ"};
  return c;
}

ReconConfig config_with(ProcessorContract contract) {
  ReconConfig config;
  config.processors.push_back(std::move(contract));
  return config;
}

LedgerItem capture(std::int64_t journal, const std::string& pi, std::int64_t amount,
                   std::chrono::sys_seconds at = kNoon, year_month_day date = kDay) {
  return LedgerItem{.journal_id = journal,
                    .kind = ItemKind::capture,
                    .reference = pi,
                    .payment_intent_id = pi,
                    .processor_reference = "ch_" + pi.substr(3),
                    .merchant = "FAC001",
                    .business_date = date,
                    .settlement_date = date,
                    .at = at,
                    .amount_yen = amount};
}

LedgerItem refund(std::int64_t journal, const std::string& re, const std::string& pi, std::int64_t amount) {
  return LedgerItem{.journal_id = journal,
                    .kind = ItemKind::refund,
                    .reference = re,
                    .payment_intent_id = pi,
                    .processor_reference = "rf_" + re.substr(3),
                    .merchant = "FAC001",
                    .business_date = kDay,
                    .settlement_date = kDay,
                    .at = kNoon,
                    .amount_yen = amount};
}

StatementLine sale_line(std::uint32_t record, const std::string& pi, std::int64_t amount, std::int64_t fee,
                        std::chrono::sys_seconds at = kNoon) {
  StatementLine line;
  line.record = record;
  line.kind = LineKind::sale;
  line.reference = pi;
  line.processor_transaction_id = "ch_" + pi.substr(3);
  line.merchant = "FAC001";
  line.brand = "visa";
  line.occurred_at = at;
  line.value_date = kDay;
  line.amount_yen = amount;
  line.fee_yen = fee;
  line.net_yen = amount - fee;
  return line;
}

StatementLine refund_line(std::uint32_t record, const std::string& re, std::int64_t amount,
                          std::int64_t fee) {
  StatementLine line = sale_line(record, "pi" + re.substr(2), -amount, -fee);
  line.kind = LineKind::refund;
  line.reference = re;
  line.processor_transaction_id = "rf_" + re.substr(3);
  return line;
}

StatementFile file_of(std::vector<StatementLine> lines, year_month_day date = kDay) {
  StatementFile file;
  file.profile = "card-acquirer";
  file.file_name = "card_settlement_20261120.csv";
  file.business_date = date;
  for (const auto& line : lines) {
    file.amount_total_yen += line.amount_yen;
    file.fee_total_yen += line.fee_yen;
    file.net_total_yen += line.net_yen;
  }
  file.lines = std::move(lines);
  return file;
}

std::vector<Reason> reasons(const FileMatch& match) {
  std::vector<Reason> out;
  for (const auto& e : match.exceptions) out.push_back(e.reason);
  return out;
}

}  // namespace

TEST_CASE("a clean file settles every item once and balances receivable, fee and clearing", "[recon]") {
  const ProcessorContract contract = card_contract();
  const ReconConfig config = config_with(contract);
  std::vector<LedgerItem> items{capture(1, "pi_a", 3000), capture(2, "pi_b", 1000),
                                refund(3, "re_c", "pi_b", 400)};
  const StatementFile file = file_of(
      {sale_line(2, "pi_a", 3000, 75), sale_line(3, "pi_b", 1000, 25), refund_line(4, "re_c", 400, 10)});
  const FileMatch match = match_settlement_file(file, contract, config, items);
  CHECK(match.exceptions.empty());
  CHECK(match.receivable_yen == 3000 + 1000 - 400);
  CHECK(match.fee_yen == 75 + 25 - 10);
  CHECK(match.net_yen == file.net_total_yen);
  CHECK(match.suspense_yen == 0);
  CHECK(match.net_yen + match.fee_yen - match.receivable_yen - match.suspense_yen == 0);
  for (const auto& item : items) CHECK(item.settled);
  CHECK(match.lines[0].matched_by == "reference");
  CHECK(match.lines[2].ledger_amount_yen == -400);
}

TEST_CASE("a line without our reference is matched by the processor's id, then by amount, merchant and time",
          "[recon]") {
  const ProcessorContract contract = card_contract();
  const ReconConfig config = config_with(contract);
  std::vector<LedgerItem> items{capture(1, "pi_a", 3000), capture(2, "pi_b", 5000, kNoon + 120s),
                                capture(3, "pi_c", 5000, kNoon + 900s)};
  StatementLine by_id = sale_line(2, "pi_a", 3000, 75);
  by_id.reference = "";
  StatementLine by_fallback = sale_line(3, "pi_x", 5000, 125, kNoon + 100s);
  by_fallback.reference = "";
  by_fallback.processor_transaction_id = "unknown_to_us";
  const FileMatch match = match_settlement_file(file_of({by_id, by_fallback}), contract, config, items);
  CHECK(match.exceptions.empty());
  CHECK(match.lines[0].matched_by == "processor_transaction_id");
  CHECK(match.lines[1].matched_by == "fallback");
  REQUIRE(match.lines[1].item);
  CHECK(items[*match.lines[1].item].reference == "pi_b");  // the nearer; pi_c is outside the window anyway
  CHECK_FALSE(items[2].settled);
}

TEST_CASE("fallback refuses a line two payments fit equally, and one outside the window", "[recon]") {
  const ProcessorContract contract = card_contract();
  const ReconConfig config = config_with(contract);
  std::vector<LedgerItem> items{capture(1, "pi_a", 2000, kNoon - 60s), capture(2, "pi_b", 2000, kNoon + 60s),
                                capture(3, "pi_c", 7000, kNoon + 3600s)};
  StatementLine tied = sale_line(2, "pi_zz", 2000, 50);
  StatementLine far = sale_line(3, "pi_yy", 7000, 175);
  const FileMatch match = match_settlement_file(file_of({tied, far}), contract, config, items);
  CHECK(reasons(match) == std::vector<Reason>{Reason::unknown_in_ledger, Reason::unknown_in_ledger});
  CHECK(match.suspense_yen == 2000 + 7000);
  CHECK(match.receivable_yen == 0);
}

TEST_CASE("each discrepancy gives its one exception with what goes to suspense", "[recon]") {
  const ProcessorContract contract = card_contract();
  const ReconConfig config = config_with(contract);
  std::vector<LedgerItem> items{
      capture(1, "pi_dup", 1000),
      capture(2, "pi_amount", 2000),
      capture(3, "pi_fee", 4000),
      capture(4, "pi_refunded", 3000),
      refund(5, "re_r", "pi_refunded", 3000),
      capture(6, "pi_old", 500, kNoon - 24h * 2, year_month_day{sys_days(kDay) - std::chrono::days(2)})};
  const StatementFile file = file_of({
      sale_line(2, "pi_dup", 1000, 25), sale_line(3, "pi_dup", 1000, 25),  // the same line again
      sale_line(4, "pi_amount", 2100, 52),                                 // 100 yen more than taken
      sale_line(5, "pi_fee", 4000, 130),                                   // contract: 100
      sale_line(6, "pi_refunded", 3000, 75),  // refunded whole, the refund not in the file
      sale_line(7, "pi_old", 500, 12),        // two days late
      sale_line(8, "pi_nobody", 777, 19),     // no such payment
  });
  const FileMatch match = match_settlement_file(file, contract, config, items);
  CHECK(reasons(match) == std::vector<Reason>{Reason::duplicate_settlement, Reason::amount_mismatch,
                                              Reason::fee_mismatch, Reason::settled_after_refund,
                                              Reason::late_settlement, Reason::unknown_in_ledger});
  CHECK(match.exceptions[0].suspense_yen == 1000);
  CHECK(match.exceptions[1].expected_yen == 2000);
  CHECK(match.exceptions[1].actual_yen == 2100);
  CHECK(match.exceptions[1].suspense_yen == 100);
  CHECK(match.exceptions[2].expected_yen == 100);
  CHECK(match.exceptions[2].actual_yen == 130);
  CHECK(match.exceptions[5].suspense_yen == 777);
  CHECK(match.suspense_yen == 1000 + 100 + 777);
  // The journal balances: Dr clearing + Dr fee = Cr receivable + Cr suspense.
  CHECK(match.net_yen + match.fee_yen == match.receivable_yen + match.suspense_yen);
  // The refund was not settled: it stays open, and settled_after_refund stands for it.
  CHECK_FALSE(items[4].settled);
  const std::vector<year_month_day> closed{kDay};
  CHECK(missing_items(items, closed, {"pi_refunded"}).empty());
  CHECK(missing_items(items, closed, {}) == std::vector<std::size_t>{4});
}

TEST_CASE("an item settled by an earlier file is a duplicate here; a fee within tolerance is right",
          "[recon]") {
  ProcessorContract contract = card_contract();
  ReconConfig config = config_with(contract);
  config.fee_tolerance_yen = 1;
  std::vector<LedgerItem> items{capture(1, "pi_a", 3000), capture(2, "pi_b", 1999)};
  items[0].settled = true;
  const FileMatch match = match_settlement_file(
      file_of({sale_line(2, "pi_a", 3000, 75), sale_line(3, "pi_b", 1999, 50)}), contract, config, items);
  // 1999 × 2.5 % = 49.975 → 49; 50 is within 1 yen.
  CHECK(reasons(match) == std::vector<Reason>{Reason::duplicate_settlement});
  CHECK(items[1].settled);
}

TEST_CASE("missing items are those of accepted dates that no line settled", "[recon]") {
  const year_month_day before{sys_days(kDay) - std::chrono::days(1)};
  std::vector<LedgerItem> items{capture(1, "pi_a", 100), capture(2, "pi_b", 200, kNoon, before),
                                capture(3, "pi_c", 300)};
  items[2].settled = true;
  CHECK(missing_items(items, {kDay}, {}) == std::vector<std::size_t>{0});
  CHECK(missing_items(items, {before, kDay}, {}) == std::vector<std::size_t>{0, 1});
}

TEST_CASE("contracted fees by brand, flat, kept on refunds, and without the product overflowing", "[recon]") {
  ProcessorContract card = card_contract();
  CHECK(contracted_fee_yen(card, LineKind::sale, "visa", 3000) == 75);
  CHECK(contracted_fee_yen(card, LineKind::sale, "jcb", 3000) == 90);
  CHECK(contracted_fee_yen(card, LineKind::refund, "visa", 1999) == 49);
  CHECK(contracted_fee_yen(card, LineKind::sale, "visa", 9'000'000'000'000'000'000) ==
        225'000'000'000'000'000);
  card.fee_on_refund = FeeOnRefund::kept;
  CHECK(contracted_fee_yen(card, LineKind::refund, "visa", 1000) == 0);
  ProcessorContract emoney = card_contract();
  emoney.mdr_bp = {{"iD", 324}};
  CHECK_FALSE(contracted_fee_yen(emoney, LineKind::sale, "WAON", 1000).has_value());
  ProcessorContract payeasy = card_contract();
  payeasy.mdr_bp.clear();
  payeasy.flat_fee_yen = 110;
  CHECK(contracted_fee_yen(payeasy, LineKind::sale, "", 5000) == 110);
  CHECK(contracted_fee_yen(payeasy, LineKind::sale, "", 80) == 80);
}

TEST_CASE("a deposit pays the payouts due by its date when it is their sum, else it is a mismatch",
          "[recon]") {
  const ReconConfig config = config_with(card_contract());
  const year_month_day monday{std::chrono::year(2026), std::chrono::month(11), std::chrono::day(24)};
  std::vector<Payout> payouts{
      {.file_id = 1, .processor_id = "card-sim", .business_date = kDay, .due_date = monday, .net_yen = 9000},
      {.file_id = 2, .processor_id = "card-sim", .business_date = kDay, .due_date = monday, .net_yen = 1000},
      {.file_id = 3, .processor_id = "qr-sim", .business_date = kDay, .due_date = monday, .net_yen = 500}};
  StatementLine deposit;
  deposit.record = 2;
  deposit.kind = LineKind::deposit;
  deposit.reference = "00000001";
  deposit.value_date = monday;
  deposit.amount_yen = 10000;
  deposit.net_yen = 10000;
  deposit.payer_name = "ｶ)ｶｰﾄﾞｱｸｲｱﾗｰ";
  DepositMatch all = match_deposit(deposit, config, payouts);
  CHECK_FALSE(all.exception);
  CHECK(all.payouts == std::vector<std::size_t>{0, 1});
  CHECK(all.expected_yen == 10000);

  payouts[0].paid = payouts[1].paid = false;
  deposit.amount_yen = 1000;
  DepositMatch one = match_deposit(deposit, config, payouts);
  CHECK_FALSE(one.exception);
  CHECK(one.payouts == std::vector<std::size_t>{1});

  deposit.amount_yen = 8990;
  DepositMatch short_one = match_deposit(deposit, config, payouts);
  REQUIRE(short_one.exception);
  CHECK(short_one.exception->reason == Reason::deposit_mismatch);
  CHECK(short_one.exception->expected_yen == 9000);
  CHECK(short_one.exception->suspense_yen == -10);

  deposit.payer_name = "ｼﾗﾅｲ ﾋﾄ";
  DepositMatch stranger = match_deposit(deposit, config, payouts);
  REQUIRE(stranger.exception);
  CHECK(stranger.processor_id.empty());
  CHECK(stranger.exception->suspense_yen == 8990);
}

TEST_CASE("recon.toml is read with paths relative to it, and its mistakes are named", "[recon]") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("kessai-recon-config-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& text) {
    std::ofstream(dir / "recon.toml") << text;
    return load_recon_config(dir / "recon.toml");
  };
  auto good = write(
      "profiles = \"profiles\"\n[[processors]]\nid = \"card-sim\"\nprofile = \"card-acquirer\"\ninbox = "
      "\"in/card\"\n"
      "payer_names = [\"ｶ)ｶｰﾄﾞ\"]\n[processors.mdr_bp]\ndefault = 250\n[[banks]]\nprofile = \"zengin-03\"\n"
      "inbox = \"/srv/bank\"\n");
  REQUIRE(good.ok());
  CHECK(good->profiles_dir == dir / "profiles");
  CHECK(good->processors.at(0).inbox == dir / "in/card");
  CHECK(good->banks.at(0).inbox == "/srv/bank");
  CHECK(good->processor("card-sim") != nullptr);

  auto unknown = write("[[processors]]\nid = \"card-sim\"\nprofile = \"p\"\ninbox = \"i\"\nmdr = 3\n");
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.error(), Catch::Contains("unknown key 'mdr'"));
  auto no_fee = write("[[processors]]\nid = \"card-sim\"\nprofile = \"p\"\ninbox = \"i\"\n");
  REQUIRE_FALSE(no_fee.ok());
  CHECK_THAT(no_fee.error(), Catch::Contains("mdr_bp"));
  auto rate =
      write("[[processors]]\nid = \"card-sim\"\nprofile = \"p\"\ninbox = \"i\"\nmdr_bp = {visa = 20000}\n");
  REQUIRE_FALSE(rate.ok());
  CHECK_THAT(rate.error(), Catch::Contains("mdr_bp.visa"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("the shipped recon.toml reads and names a rate for every brand its simulators write", "[recon]") {
  auto config = load_recon_config(std::filesystem::path(KESSAI_SOURCE_DIR) / "ops/config/recon.toml");
  REQUIRE(config.ok());
  CHECK(config->processors.size() == 4);
  const ProcessorContract* emoney = config->processor("emoney-sim");
  REQUIRE(emoney != nullptr);
  for (const char* brand : {"交通系IC", "iD", "QUICPay", "WAON", "nanaco"}) {
    CHECK(contracted_fee_yen(*emoney, LineKind::sale, brand, 1000).has_value());
  }
  const ProcessorContract* qr = config->processor("qr-sim");
  REQUIRE(qr != nullptr);
  for (const char* brand : {"PayPay", "d払い", "au PAY", "楽天ペイ"}) {
    CHECK(contracted_fee_yen(*qr, LineKind::sale, brand, 1000).has_value());
  }
}

TEST_CASE("an item belongs in the file of the day the processor took it, not of its business date",
          "[recon]") {
  const ProcessorContract contract = card_contract();
  const ReconConfig config = config_with(contract);
  const year_month_day before{sys_days(kDay) - std::chrono::days(1)};
  // Taken offline yesterday, forwarded when the terminal uploaded it today: booked on yesterday's date.
  std::vector<LedgerItem> items{capture(1, "pi_offline", 800, kNoon, before)};
  items[0].settlement_date = kDay;
  const FileMatch match =
      match_settlement_file(file_of({sale_line(2, "pi_offline", 800, 20)}), contract, config, items);
  CHECK(match.exceptions.empty());  // not late
  // Before today's file is read, yesterday's file does not miss it.
  std::vector<LedgerItem> unread{capture(1, "pi_offline", 800, kNoon, before)};
  unread[0].settlement_date = kDay;
  CHECK(missing_items(unread, {before}, {}).empty());
  CHECK(missing_items(unread, {before, kDay}, {}) == std::vector<std::size_t>{0});
}
