// Matching against ledger items read without their processor_reference, merchant and time (how
// recon_store reads a night's million items): the result is the same as against complete items, and
// the details are read only when a line is not found by our reference.

#include <catch2/catch.hpp>

#include "kessai/recon/matching.hpp"

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
  c.mdr_bp = {{"default", 250}};
  return c;
}

LedgerItem item(std::int64_t journal, ItemKind kind, const std::string& reference, const std::string& payment,
                const std::string& processor_reference, std::int64_t amount,
                std::chrono::sys_seconds at = kNoon) {
  return LedgerItem{.journal_id = journal,
                    .kind = kind,
                    .reference = reference,
                    .payment_intent_id = payment,
                    .processor_reference = processor_reference,
                    .merchant = "FAC001",
                    .business_date = kDay,
                    .settlement_date = kDay,
                    .at = at,
                    .amount_yen = amount};
}

// The ledger of the tests: three captures (pi_c taken at 12:05) and a refund of pi_b.
std::vector<LedgerItem> complete_items() {
  return {item(1, ItemKind::capture, "pi_a", "pi_a", "ch_a", 3000),
          item(2, ItemKind::capture, "pi_b", "pi_b", "ch_b", 1000),
          item(3, ItemKind::capture, "pi_c", "pi_c", "ch_c", 2000, kNoon + 5min),
          item(4, ItemKind::refund, "re_d", "pi_b", "rf_d", 400)};
}

// The same items as the store reads them first.
std::vector<LedgerItem> without_details(std::vector<LedgerItem> items) {
  for (LedgerItem& i : items) {
    i.processor_reference.clear();
    i.merchant.clear();
    i.at = {};
  }
  return items;
}

StatementLine line(std::uint32_t record, LineKind kind, const std::string& reference, const std::string& txn,
                   std::int64_t amount, std::chrono::sys_seconds at = kNoon) {
  StatementLine l;
  l.record = record;
  l.kind = kind;
  l.reference = reference;
  l.processor_transaction_id = txn;
  l.merchant = "FAC001";
  l.brand = "visa";
  l.occurred_at = at;
  l.value_date = kDay;
  l.amount_yen = amount;
  l.fee_yen = amount * 250 / 10000;
  l.net_yen = l.amount_yen - l.fee_yen;
  return l;
}

StatementFile file_of(std::vector<StatementLine> lines) {
  StatementFile file;
  file.profile = "card-acquirer";
  file.file_name = "card_settlement_20261120.csv";
  file.business_date = kDay;
  file.lines = std::move(lines);
  return file;
}

// What a match decided, comparable between two matches.
struct Decided {
  std::vector<std::optional<std::size_t>> items{};
  std::vector<std::string> matched_by{};
  std::vector<std::optional<std::size_t>> payment_items{};
  std::vector<std::pair<Reason, std::string>> exceptions{};
  std::int64_t receivable_yen = 0, suspense_yen = 0;
  std::vector<bool> settled{};
  bool operator==(const Decided&) const = default;
};

Decided decided(const FileMatch& match, const std::vector<LedgerItem>& items) {
  Decided d;
  for (const LineOutcome& outcome : match.lines) {
    d.items.push_back(outcome.item);
    d.matched_by.emplace_back(outcome.matched_by);
    d.payment_items.push_back(outcome.payment_item);
  }
  for (const FoundException& e : match.exceptions) d.exceptions.emplace_back(e.reason, e.detail);
  d.receivable_yen = match.receivable_yen;
  d.suspense_yen = match.suspense_yen;
  for (const LedgerItem& i : items) d.settled.push_back(i.settled);
  return d;
}

}  // namespace

TEST_CASE("recon matching never reads the items' details for a file whose lines all carry our references",
          "[recon]") {
  const ProcessorContract contract = card_contract();
  ReconConfig config;
  config.processors.push_back(contract);
  // pi_b twice: the second line is a duplicate, found by its reference too.
  const StatementFile file = file_of(
      {line(2, LineKind::sale, "pi_a", "ch_a", 3000), line(3, LineKind::sale, "pi_b", "ch_b", 1000),
       line(4, LineKind::sale, "pi_b", "ch_b2", 1000), line(5, LineKind::refund, "re_d", "rf_d", -400)});
  std::vector<LedgerItem> complete = complete_items();
  const FileMatch expected = match_settlement_file(file, contract, config, complete);

  std::vector<LedgerItem> slim = without_details(complete_items());
  int calls = 0;
  const FileMatch match =
      match_settlement_file(file, contract, config, slim, [&](std::vector<LedgerItem>&) { ++calls; });
  CHECK(calls == 0);
  CHECK(decided(match, slim) == decided(expected, complete));
  REQUIRE(match.lines[3].payment_item);
  CHECK(slim[*match.lines[3].payment_item].payment_intent_id == "pi_b");  // the refund's payment
}

TEST_CASE(
    "recon matching reads the items' details once, before the first line found by another way, "
    "and then matches as with complete items",
    "[recon]") {
  const ProcessorContract contract = card_contract();
  ReconConfig config;
  config.processors.push_back(contract);
  // pi_a by reference; pi_b by the processor's id (our reference garbled); pi_c by fallback (no id
  // known, same amount and merchant, 12:07 against 12:05); a refund by the processor's id; a sale of
  // nobody's.
  const StatementFile file = file_of(
      {line(2, LineKind::sale, "pi_a", "ch_a", 3000), line(3, LineKind::sale, "pi_bb", "ch_b", 1000),
       line(4, LineKind::sale, "x", "ch_unknown", 2000, kNoon + 7min),
       line(5, LineKind::refund, "re_dd", "rf_d", -400), line(6, LineKind::sale, "pi_z", "ch_z", 777)});
  std::vector<LedgerItem> complete = complete_items();
  const FileMatch expected = match_settlement_file(file, contract, config, complete);
  CHECK(expected.lines[1].matched_by == "processor_transaction_id");
  CHECK(expected.lines[2].matched_by == "fallback");
  CHECK(expected.lines[3].matched_by == "processor_transaction_id");
  CHECK_FALSE(expected.lines[4].item);

  std::vector<LedgerItem> slim = without_details(complete_items());
  int calls = 0;
  const FileMatch match =
      match_settlement_file(file, contract, config, slim, [&](std::vector<LedgerItem>& items) {
        ++calls;
        const std::vector<LedgerItem> details = complete_items();
        for (std::size_t i = 0; i < items.size(); ++i) {
          items[i].processor_reference = details[i].processor_reference;
          items[i].merchant = details[i].merchant;
          items[i].at = details[i].at;
        }
      });
  CHECK(calls == 1);
  CHECK(decided(match, slim) == decided(expected, complete));
}

TEST_CASE("recon matching: of two items under one reference, a line finds the first", "[recon]") {
  const ProcessorContract contract = card_contract();
  ReconConfig config;
  config.processors.push_back(contract);
  std::vector<LedgerItem> items{item(7, ItemKind::capture, "pi_a", "pi_a", "ch_a", 3000),
                                item(9, ItemKind::capture, "pi_a", "pi_a", "ch_a2", 3000)};
  const StatementFile file =
      file_of({line(2, LineKind::sale, "pi_a", "ch_a", 3000), line(3, LineKind::sale, "pi_a", "ch_a", 3000)});
  const FileMatch match = match_settlement_file(file, contract, config, items);
  REQUIRE(match.lines[0].item);
  CHECK(*match.lines[0].item == 0);
  // The same processor's id again: a duplicate line, about the first item's payment.
  CHECK_FALSE(match.lines[1].item);
  CHECK(match.lines[1].payment_item == std::optional<std::size_t>(0));
  REQUIRE(match.exceptions.size() == 1);
  CHECK(match.exceptions[0].reason == Reason::duplicate_settlement);
}
