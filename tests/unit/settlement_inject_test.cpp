// Discrepancies injected into a day's settlement file (settlement_inject.hpp): each reason on a made-up
// day, one sale never touched twice, the same seed giving the same bytes, fewer than asked when the day is
// short of lines, the trailer's totals always those of the lines written, late lines carried to the next
// date's file exactly once through POST /sim/settlement, and the request bodies refused.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "card_settlement.hpp"
#include "payeasy_book.hpp"
#include "payeasy_settlement.hpp"
#include "settlement_day.hpp"
#include "settlement_file.hpp"
#include "settlement_inject.hpp"

using namespace kessai;
using sim::DiscrepancyReason;
namespace chrono = std::chrono;

namespace {

constexpr chrono::year_month_day kApril1{chrono::year{2024} / 4 / 1};
constexpr chrono::year_month_day kApril2{chrono::year{2024} / 4 / 2};
constexpr int kRateBp = 250;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A directory of its own under the system's temporary directory, removed afterwards.
struct TemporaryDirectory {
  explicit TemporaryDirectory(const std::string& name)
      : path(std::filesystem::temp_directory_path() / ("kessai-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
  }
  ~TemporaryDirectory() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

sim::SaleRecord sale(const std::string& number, const std::string& at, std::int64_t amount_yen,
                     const std::string& merchant = "FAC001") {
  sim::SaleRecord record;
  record.transaction_id = "ch_" + number;
  record.reference = "pi_" + number;
  record.merchant = merchant;
  record.brand = "visa";
  record.settled_at = at;
  record.amount_yen = amount_yen;
  record.mdr_bp = kRateBp;
  return record;
}

sim::RefundRecord refund(const std::string& number, const std::string& sale_number, const std::string& at,
                         std::int64_t amount_yen) {
  return sim::RefundRecord{"rf_" + number, "ch_" + sale_number, "re_" + number, at, amount_yen};
}

// 1 April in Japan: eight sales nobody refunded, one refunded whole in two parts the same day, one
// refunded in part, and a sale of 2 April.
struct MadeUpDay {
  std::vector<sim::SaleRecord> sales{sale("000001", "2024-03-31T15:00:00Z", 1000),
                                     sale("000002", "2024-04-01T00:10:00Z", 2000),
                                     sale("000003", "2024-04-01T01:00:00Z", 3000, "FAC002"),
                                     sale("000004", "2024-04-01T02:00:00Z", 1500),
                                     sale("000005", "2024-04-01T03:00:00Z", 2500, "FAC002"),
                                     sale("000006", "2024-04-01T04:00:00Z", 4000),
                                     sale("000007", "2024-04-01T05:00:00Z", 500),
                                     sale("000008", "2024-04-01T06:00:00Z", 1200),
                                     sale("000009", "2024-04-01T07:00:00Z", 1000),
                                     sale("000010", "2024-04-01T08:00:00Z", 3000),
                                     sale("000011", "2024-04-01T16:00:00Z", 800)};
  std::vector<sim::RefundRecord> refunds{refund("000001", "000009", "2024-04-01T09:00:00Z", 400),
                                         refund("000002", "000009", "2024-04-01T10:00:00Z", 600),
                                         refund("000003", "000010", "2024-04-01T11:00:00Z", 1000)};

  sim::SettlementLayout layout() const {
    sim::SettlementLayout layout;
    layout.file_name = &sim::card_settlement_file_name;
    layout.lines = [this](chrono::year_month_day date) {
      return sim::settlement_lines(sales, refunds, date, sim::FeeOnRefund::returned_proportionally);
    };
    layout.write = [](chrono::year_month_day date, const std::vector<sim::SettlementLine>& lines) {
      return sim::card_settlement_file(date, lines);
    };
    return layout;
  }

  std::vector<sim::SettlementLine> lines(chrono::year_month_day date = kApril1) const {
    return layout().lines(date).value();
  }
};

sim::InjectionRequest asking(DiscrepancyReason reason, std::size_t count, std::uint64_t seed = 1) {
  sim::InjectionRequest request;
  request.counts[static_cast<std::size_t>(reason) - 1] = count;
  request.seed = seed;
  return request;
}

sim::InjectionOutcome inject(const MadeUpDay& day, const sim::InjectionRequest& request,
                             const std::vector<sim::SettlementLine>& carried = {}) {
  return sim::inject_discrepancies(day.lines(), carried, kApril1, request, day.layout());
}

std::string text_at(const boost::json::object& object, std::string_view key) {
  return std::string(object.at(key).as_string());
}

std::size_t count_reference(const std::vector<sim::SettlementLine>& lines, const std::string& reference) {
  return static_cast<std::size_t>(std::ranges::count_if(
      lines, [&](const sim::SettlementLine& line) { return line.reference == reference; }));
}

// The sales nobody refunded on the day: the only ones a sale discrepancy may take.
const std::set<std::string> kUnrefundedSales{"pi_000001", "pi_000002", "pi_000003", "pi_000004",
                                             "pi_000005", "pi_000006", "pi_000007", "pi_000008"};

std::vector<std::string> split_crlf(const std::string& content) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < content.size()) {
    const std::size_t end = content.find("\r\n", start);
    lines.push_back(content.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, ',')) fields.push_back(field);
  return fields;
}

// The card file's D lines added up must be its T line: count, amount, fee, net.
void check_card_trailer(const std::string& content) {
  const std::vector<std::string> lines = split_crlf(content);
  REQUIRE(lines.size() >= 2);
  std::int64_t count = 0;
  std::int64_t amount = 0;
  std::int64_t fee = 0;
  std::int64_t net = 0;
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
    const auto fields = split_commas(lines[i]);
    REQUIRE(fields.size() == 10);
    CHECK(fields[0] == "D");
    ++count;
    amount += std::stoll(fields[6]);
    fee += std::stoll(fields[7]);
    net += std::stoll(fields[8]);
    CHECK(std::stoll(fields[8]) == std::stoll(fields[6]) - std::stoll(fields[7]));
  }
  CHECK(lines.back() == "T," + std::to_string(count) + "," + std::to_string(amount) + "," +
                            std::to_string(fee) + "," + std::to_string(net));
}

}  // namespace

TEST_CASE("inject missing: a sale line of a sale not refunded in the file is left out",
          "[settlement][inject]") {
  const MadeUpDay day;
  const auto outcome = inject(day, asking(DiscrepancyReason::missing, 1));
  REQUIRE(outcome.injected.size() == 1);
  const sim::InjectedDiscrepancy& injected = outcome.injected[0];
  CHECK(injected.reason == DiscrepancyReason::missing);
  CHECK(kUnrefundedSales.contains(injected.line.reference));
  CHECK(count_reference(outcome.lines, injected.line.reference) == 0);
  CHECK(outcome.lines.size() == day.lines().size() - 1);
  CHECK(outcome.held.empty());
  const auto json = sim::injected_json(injected);
  CHECK(json.at("reason") == "missing");
  CHECK(text_at(json, "reference") == injected.line.reference);
  CHECK(text_at(json, "transaction_id") == injected.line.transaction_id);
  CHECK(json.at("kind") == "sale");
  CHECK(json.at("amount_yen") == injected.line.amount_yen);
}

TEST_CASE("inject late: a sale line is held back for the next date's file", "[settlement][inject]") {
  const MadeUpDay day;
  const auto outcome = inject(day, asking(DiscrepancyReason::late, 2));
  REQUIRE(outcome.injected.size() == 2);
  REQUIRE(outcome.held.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const sim::InjectedDiscrepancy& injected = outcome.injected[i];
    CHECK(injected.reason == DiscrepancyReason::late);
    CHECK(kUnrefundedSales.contains(injected.line.reference));
    CHECK(count_reference(outcome.lines, injected.line.reference) == 0);
    CHECK(outcome.held[i].reference == injected.line.reference);
    CHECK(sim::injected_json(injected).at("to_date") == "2024-04-02");
  }
  CHECK(outcome.injected[0].line.reference != outcome.injected[1].line.reference);
  CHECK(outcome.lines.size() == day.lines().size() - 2);
}

TEST_CASE("inject duplicate: the same sale line twice, one after the other", "[settlement][inject]") {
  const MadeUpDay day;
  const auto outcome = inject(day, asking(DiscrepancyReason::duplicate, 1));
  REQUIRE(outcome.injected.size() == 1);
  const std::string& reference = outcome.injected[0].line.reference;
  CHECK(kUnrefundedSales.contains(reference));
  CHECK(count_reference(outcome.lines, reference) == 2);
  CHECK(outcome.lines.size() == day.lines().size() + 1);
  const auto first = std::ranges::find_if(
      outcome.lines, [&](const sim::SettlementLine& line) { return line.reference == reference; });
  REQUIRE(std::next(first) != outcome.lines.end());
  CHECK(std::next(first)->transaction_id == first->transaction_id);
  CHECK(std::next(first)->amount_yen == first->amount_yen);
}

TEST_CASE("inject amount_mismatch: the amount raised by 1..500 yen, the fee that of the new amount",
          "[settlement][inject]") {
  const MadeUpDay day;
  const auto outcome = inject(day, asking(DiscrepancyReason::amount_mismatch, 3));
  REQUIRE(outcome.injected.size() == 3);
  for (const sim::InjectedDiscrepancy& injected : outcome.injected) {
    CHECK(kUnrefundedSales.contains(injected.line.reference));
    const auto in_file = std::ranges::find_if(outcome.lines, [&](const sim::SettlementLine& line) {
      return line.reference == injected.line.reference;
    });
    REQUIRE(in_file != outcome.lines.end());
    CHECK(in_file->amount_yen == injected.file_amount_yen);
    CHECK(injected.file_amount_yen > injected.line.amount_yen);
    CHECK(injected.file_amount_yen <= injected.line.amount_yen + 500);
    CHECK(in_file->fee_yen == sim::fee_yen(in_file->amount_yen, kRateBp));
    const auto json = sim::injected_json(injected);
    CHECK(json.at("amount_yen") == injected.line.amount_yen);
    CHECK(json.at("file_amount_yen") == injected.file_amount_yen);
  }
}

TEST_CASE("inject fee_mismatch: the fee raised by 5..50 yen, the amount kept, the net lowered",
          "[settlement][inject]") {
  const MadeUpDay day;
  const auto outcome = inject(day, asking(DiscrepancyReason::fee_mismatch, 2));
  REQUIRE(outcome.injected.size() == 2);
  for (const sim::InjectedDiscrepancy& injected : outcome.injected) {
    const auto in_file = std::ranges::find_if(outcome.lines, [&](const sim::SettlementLine& line) {
      return line.reference == injected.line.reference;
    });
    REQUIRE(in_file != outcome.lines.end());
    CHECK(in_file->amount_yen == injected.line.amount_yen);
    CHECK(in_file->fee_yen == injected.file_fee_yen);
    CHECK(injected.file_fee_yen - injected.line.fee_yen >= 5);
    CHECK(injected.file_fee_yen - injected.line.fee_yen <= 50);
    CHECK(injected.line.fee_yen == sim::fee_yen(injected.line.amount_yen, kRateBp));
    const auto json = sim::injected_json(injected);
    CHECK(json.at("fee_yen") == injected.file_fee_yen);
    CHECK(json.at("expected_fee_yen") == injected.line.fee_yen);
  }
}

TEST_CASE("inject unknown: a sale that never happened, fresh id and reference, an amount of no sale",
          "[settlement][inject]") {
  const MadeUpDay day;
  const auto lines = day.lines();
  std::set<std::int64_t> amounts;
  std::set<std::string> merchants;
  for (const auto& line : lines) {
    amounts.insert(line.amount_yen);
    merchants.insert(line.merchant);
  }
  const auto outcome = inject(day, asking(DiscrepancyReason::unknown, 3));
  REQUIRE(outcome.injected.size() == 3);
  CHECK(outcome.lines.size() == lines.size() + 3);
  std::set<std::string> references;
  for (const sim::InjectedDiscrepancy& injected : outcome.injected) {
    const sim::SettlementLine& line = injected.line;
    CHECK(line.reference.starts_with("pi_simunknown"));
    CHECK(line.reference.size() == 3 + 24);
    CHECK(line.transaction_id.starts_with("ch_9"));
    CHECK(line.transaction_id.size() == std::string("ch_000001").size());
    CHECK(line.kind == sim::SettlementKind::sale);
    CHECK_FALSE(amounts.contains(line.amount_yen));
    CHECK(merchants.contains(line.merchant));
    CHECK(sim::tokyo_date_of(line.transacted_at) == kApril1);
    CHECK(line.fee_yen == sim::fee_yen(line.amount_yen, kRateBp));
    CHECK(count_reference(outcome.lines, line.reference) == 1);
    references.insert(line.reference);
    CHECK(text_at(sim::injected_json(injected), "merchant") == line.merchant);
  }
  CHECK(references.size() == 3);
  CHECK(std::ranges::is_sorted(
      outcome.lines, [](const auto& a, const auto& b) { return a.transacted_at < b.transacted_at; }));
}

TEST_CASE("inject settled_after_refund: a sale refunded whole loses its refund lines; none without one",
          "[settlement][inject]") {
  const MadeUpDay day;
  const auto outcome = inject(day, asking(DiscrepancyReason::settled_after_refund, 2));
  // Only pi_000009 is refunded whole in the file (pi_000010 in part): one, not two.
  REQUIRE(outcome.injected.size() == 1);
  const sim::InjectedDiscrepancy& injected = outcome.injected[0];
  CHECK(injected.line.reference == "pi_000009");
  CHECK(count_reference(outcome.lines, "pi_000009") == 1);
  CHECK(count_reference(outcome.lines, "re_000001") == 0);
  CHECK(count_reference(outcome.lines, "re_000002") == 0);
  CHECK(count_reference(outcome.lines, "re_000003") == 1);
  const auto json = sim::injected_json(injected);
  CHECK(json.at("refund_references") == boost::json::array{"re_000001", "re_000002"});
  CHECK(json.at("refund_transaction_ids") == boost::json::array{"rf_000001", "rf_000002"});

  MadeUpDay no_refunds;
  no_refunds.refunds.clear();
  CHECK(inject(no_refunds, asking(DiscrepancyReason::settled_after_refund, 1)).injected.empty());
}

TEST_CASE("injections never touch one sale twice, nor a sale with a refund in the file; fewer when short",
          "[settlement][inject]") {
  const MadeUpDay day;
  sim::InjectionRequest request;
  request.counts.fill(5);
  const auto outcome = inject(day, request);
  std::set<std::string> sales;
  std::size_t on_sales = 0;
  for (const sim::InjectedDiscrepancy& injected : outcome.injected) {
    if (injected.reason == DiscrepancyReason::unknown) continue;
    CHECK(sales.insert(injected.line.reference).second);
    if (injected.reason != DiscrepancyReason::settled_after_refund) {
      CHECK(kUnrefundedSales.contains(injected.line.reference));
      ++on_sales;
    }
  }
  // 8 sales for 25 asked on sales; the one refunded whole; every unknown.
  CHECK(on_sales == kUnrefundedSales.size());
  CHECK(sales.contains("pi_000009"));
  CHECK_FALSE(sales.contains("pi_000010"));
  CHECK(std::ranges::count_if(outcome.injected, [](const auto& injected) {
          return injected.reason == DiscrepancyReason::unknown;
        }) == 5);
  // Listed by reason, in the order they are injected.
  CHECK(std::ranges::is_sorted(outcome.injected, [](const auto& a, const auto& b) {
    const auto rank = [](DiscrepancyReason reason) {
      return std::ranges::find(sim::kDiscrepancyReasons, reason) - sim::kDiscrepancyReasons.begin();
    };
    return rank(a.reason) < rank(b.reason);
  }));

  // A day with nothing: nothing injected, no error.
  const auto empty = sim::inject_discrepancies({}, {}, kApril1, request, day.layout());
  CHECK(empty.injected.empty());
  CHECK(empty.lines.empty());
}

TEST_CASE("injections: the same lines, date, injections and seed give the same bytes",
          "[settlement][inject]") {
  const MadeUpDay day;
  sim::InjectionRequest request;
  request.counts.fill(1);
  const auto bytes = [&](std::uint64_t seed) {
    request.seed = seed;
    const auto outcome = inject(day, request);
    std::string text = sim::card_settlement_file(kApril1, outcome.lines).value().content;
    for (const auto& injected : outcome.injected)
      text += boost::json::serialize(sim::injected_json(injected));
    return text;
  };
  CHECK(bytes(7) == bytes(7));
  CHECK(bytes(1) == bytes(1));
  std::set<std::string> different;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) different.insert(bytes(seed));
  CHECK(different.size() > 1);  // the seed chooses
}

TEST_CASE("injections: the trailer's count and totals are those of the lines written",
          "[settlement][inject]") {
  const MadeUpDay day;
  sim::InjectionRequest request;
  request.counts.fill(2);
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    request.seed = seed;
    const auto outcome = inject(day, request);
    const auto file = sim::card_settlement_file(kApril1, outcome.lines);
    REQUIRE(file);
    CHECK(file->lines == outcome.lines.size());
    check_card_trailer(file->content);
  }
}

TEST_CASE("injections: lines held back from the day before are added in their place and never touched",
          "[settlement][inject]") {
  const MadeUpDay day;
  const auto held = inject(day, asking(DiscrepancyReason::late, 1)).held;
  REQUIRE(held.size() == 1);
  sim::InjectionRequest request;
  request.counts.fill(20);
  const auto next = sim::inject_discrepancies(day.lines(kApril2), held, kApril2, request, day.layout());
  CHECK(count_reference(next.lines, held[0].reference) == 1);
  CHECK(next.lines.front().reference == held[0].reference);  // by time: 1 April, before every line of 2 April
  for (const auto& injected : next.injected) CHECK(injected.line.reference != held[0].reference);
}

TEST_CASE("POST /sim/settlement with late: the line goes to the next date's file, exactly once",
          "[settlement][inject]") {
  TemporaryDirectory dir("settlement-inject-late");
  const MadeUpDay day;
  const auto layout = day.layout();
  const std::string late_body = R"({"date": "2024-04-01", "inject": {"late": 1}, "seed": 3})";
  const auto first = sim::answer_settlement(late_body, dir.path, layout);
  REQUIRE(first.status == 201);
  const auto answer = boost::json::parse(first.body).as_object();
  REQUIRE(answer.at("injected").as_array().size() == 1);
  const auto& injected = answer.at("injected").as_array()[0].as_object();
  CHECK(injected.at("reason") == "late");
  CHECK(injected.at("to_date") == "2024-04-02");
  const std::string reference(injected.at("reference").as_string());
  const std::string april1 = read_file(dir.path / "card_settlement_20240401.csv");
  CHECK(april1.find(reference) == std::string::npos);
  CHECK(answer.at("lines") == day.lines().size() - 1);
  check_card_trailer(april1);
  CHECK(std::filesystem::exists(dir.path / sim::kHeldLinesFile));

  // The same date again with the same injection: the same bytes, the line held once.
  REQUIRE(sim::answer_settlement(late_body, dir.path, layout).status == 201);
  CHECK(read_file(dir.path / "card_settlement_20240401.csv") == april1);
  const std::string held = read_file(dir.path / sim::kHeldLinesFile);
  CHECK(std::ranges::count(held, '\n') == 1);

  // 2 April's file has it once, first (it was made on 1 April), and again once when made again.
  for (int time = 0; time < 2; ++time) {
    const auto next = sim::answer_settlement(R"({"date": "2024-04-02"})", dir.path, layout);
    REQUIRE(next.status == 201);
    CHECK(boost::json::parse(next.body).at("lines") == 2);
    const std::string april2 = read_file(dir.path / "card_settlement_20240402.csv");
    const auto lines = split_crlf(april2);
    REQUIRE(lines.size() == 4);
    CHECK(lines[1].find("," + reference + ",") != std::string::npos);
    CHECK(lines[2].find(",pi_000011,") != std::string::npos);
    check_card_trailer(april2);
  }

  // 1 April made again without the injection: nothing held any more, 2 April's file without it.
  REQUIRE(sim::answer_settlement(R"({"date": "2024-04-01"})", dir.path, layout).status == 201);
  CHECK(read_file(dir.path / sim::kHeldLinesFile).empty());
  REQUIRE(sim::answer_settlement(R"({"date": "2024-04-02"})", dir.path, layout).status == 201);
  CHECK(read_file(dir.path / "card_settlement_20240402.csv").find(reference) == std::string::npos);
}

TEST_CASE("POST /sim/settlement answers what it injected and writes no held lines without late",
          "[settlement][inject]") {
  TemporaryDirectory dir("settlement-inject-answer");
  const MadeUpDay day;
  const auto response = sim::answer_settlement(
      R"({"date": "2024-04-01", "inject": {"missing": 1, "duplicate": 1, "amount_mismatch": 1,
          "fee_mismatch": 1, "unknown": 1, "settled_after_refund": 1, "late": 0}})",
      dir.path, day.layout());
  REQUIRE(response.status == 201);
  const auto answer = boost::json::parse(response.body).as_object();
  std::vector<std::string> reasons;
  for (const auto& injected : answer.at("injected").as_array()) {
    reasons.emplace_back(injected.at("reason").as_string());
  }
  CHECK(reasons == std::vector<std::string>{"missing", "duplicate", "amount_mismatch", "fee_mismatch",
                                            "settled_after_refund", "unknown"});
  // −1 missing, +1 duplicate, −2 refunds, +1 unknown.
  CHECK(answer.at("lines") == day.lines().size() - 1);
  check_card_trailer(read_file(dir.path / "card_settlement_20240401.csv"));
  CHECK_FALSE(std::filesystem::exists(dir.path / sim::kHeldLinesFile));

  // Without "inject": an empty list.
  const auto plain = sim::answer_settlement(R"({"date": "2024-04-01"})", dir.path, day.layout());
  CHECK(boost::json::parse(plain.body).at("injected").as_array().empty());
}

TEST_CASE("POST /sim/settlement refuses a bad inject or seed, naming the key; nothing written",
          "[settlement][inject]") {
  TemporaryDirectory dir("settlement-inject-refused");
  const MadeUpDay day;
  const std::vector<std::pair<std::string, std::string>> refused{
      {R"({"date": "2024-04-01", "inject": {"missng": 1}})", "'missng'"},
      {R"({"date": "2024-04-01", "inject": {"missing": -1}})", "inject.missing"},
      {R"({"date": "2024-04-01", "inject": {"late": 1.5}})", "inject.late"},
      {R"({"date": "2024-04-01", "inject": {"duplicate": "1"}})", "inject.duplicate"},
      {R"({"date": "2024-04-01", "inject": {"unknown": 1001}})", "inject.unknown"},
      {R"({"date": "2024-04-01", "inject": {"fee_mismatch": null}})", "inject.fee_mismatch"},
      {R"({"date": "2024-04-01", "inject": [1]})", "inject"},
      {R"({"date": "2024-04-01", "seed": -1})", "seed"},
      {R"({"date": "2024-04-01", "seed": "7"})", "seed"},
      {R"({"date": "2024-04-01", "seed": 2.5})", "seed"},
      {R"({"date": "2024-04-01", "sed": 2})", "'sed'"},
      {R"({"inject": {"missing": 1}})", "date"},
  };
  for (const auto& [body, named] : refused) {
    INFO(body);
    const auto response = sim::answer_settlement(body, dir.path, day.layout());
    CHECK(response.status == 400);
    const auto answer = boost::json::parse(response.body).as_object();
    CHECK(answer.at("error") == "invalid_request");
    CHECK(std::string(answer.at("message").as_string()).find(named) != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(dir.path));

  const auto largest =
      sim::parse_settlement_request(R"({"date": "2024-04-01", "seed": 18446744073709551615, "inject": {}})");
  REQUIRE(largest);
  CHECK(largest->inject.seed == 18446744073709551615ull);
  CHECK_FALSE(largest->inject.any());
  const auto most = sim::parse_settlement_request(R"({"date": "2024-04-01", "inject": {"missing": 1000}})");
  REQUIRE(most);
  CHECK(most->inject.asked(DiscrepancyReason::missing) == 1000);
  CHECK(sim::parse_settlement_request(R"({"date": "2024-04-01"})")->inject.seed == 1);
}

TEST_CASE("a held line reads back as it was written", "[settlement][inject]") {
  const MadeUpDay day;
  const sim::HeldLine held{"card_settlement_20240402.csv", kApril1, kApril2, day.lines()[2]};
  const auto back = sim::parse_held_line(boost::json::serialize(sim::held_line_json(held)));
  REQUIRE(back);
  CHECK(back->file == held.file);
  CHECK(back->from_date == kApril1);
  CHECK(back->to_date == kApril2);
  CHECK(back->line.transacted_at == held.line.transacted_at);
  CHECK(back->line.reference == held.line.reference);
  CHECK(back->line.sale_id == held.line.sale_id);
  CHECK(back->line.amount_yen == held.line.amount_yen);
  CHECK(back->line.fee_yen == held.line.fee_yen);
  CHECK(back->line.mdr_bp == kRateBp);
  CHECK_FALSE(sim::parse_held_line("{}"));
  CHECK_FALSE(sim::parse_held_line("not json"));
}

TEST_CASE("Pay-easy: an unknown payment has a customer number never issued; a reversed one settles",
          "[settlement][inject][payeasy]") {
  sim::payeasy::CentreBook book("58091", 1, 0.0);
  constexpr std::int64_t kApril1Jst = 1711897200;
  std::vector<sim::payeasy::Number> numbers;
  for (int i = 1; i <= 3; ++i) {
    const auto issued =
        book.issue(sim::payeasy::NumberTerms{"pi_p" + std::to_string(i), 1000 * i, "PROC001",
                                             kApril1Jst + 7 * 86'400, "http://127.0.0.1:9/", ""},
                   kApril1Jst);
    REQUIRE(issued.outcome == sim::payeasy::IssueOutcome::issued);
    const sim::payeasy::PayAttempt attempt{"58091", issued.number.customer_number,
                                           issued.number.confirmation_number, std::nullopt};
    REQUIRE(book.pay(attempt, kApril1Jst + 3600 * i).outcome == sim::payeasy::PayOutcome::paid);
  }
  REQUIRE(book.reverse("pe_000002", kApril1Jst + 5 * 3600).outcome == sim::payeasy::ChangeOutcome::done);
  const sim::SettlementLayout layout = sim::payeasy::settlement_layout(book, 110);
  sim::InjectionRequest request;
  request.counts[static_cast<std::size_t>(DiscrepancyReason::unknown) - 1] = 2;
  request.counts[static_cast<std::size_t>(DiscrepancyReason::settled_after_refund) - 1] = 1;
  request.counts[static_cast<std::size_t>(DiscrepancyReason::amount_mismatch) - 1] = 1;
  const auto lines = layout.lines(kApril1).value();
  const auto outcome = sim::inject_discrepancies(lines, {}, kApril1, request, layout);
  REQUIRE(outcome.injected.size() == 4);
  CHECK(outcome.injected[1].reason == DiscrepancyReason::settled_after_refund);
  CHECK(outcome.injected[1].line.reference == "pi_p2");
  CHECK(outcome.injected[1].refunds.size() == 1);
  // The flat fee on the raised amount too.
  CHECK(outcome.injected[0].reason == DiscrepancyReason::amount_mismatch);
  for (const auto& line : outcome.lines) CHECK(line.fee_yen == 110);
  for (std::size_t i = 2; i < 4; ++i) {
    const sim::SettlementLine& line = outcome.injected[i].line;
    CHECK(line.merchant == "58091");
    CHECK(line.transaction_id.starts_with("pe_9"));
    const std::string customer_number = line.detail.substr(0, line.detail.find(' '));
    CHECK(customer_number.size() == 20);
    CHECK(customer_number.substr(12, 7) == "0000000");  // sequence 0: the centre numbers from 1
    CHECK(sim::payeasy::luhn_valid(customer_number));
    CHECK(line.detail.size() == 20 + 1 + 6);
  }
  const auto file = layout.write(kApril1, outcome.lines);
  REQUIRE(file);
  // Header, 3 paid + 2 unknown (the reversal left out), trailer, end: 120 bytes and CRLF each.
  CHECK(file->content.size() == 8 * 122);
  CHECK(file->lines == 5);
  const std::string trailer = file->content.substr(6 * 122, 47);
  std::int64_t paid_total = 0;
  for (const auto& line : outcome.lines) paid_total += line.amount_yen;
  char expected[64];
  std::snprintf(expected, sizeof expected, "8%06d%012lld%06d%012d%010d", 5,
                static_cast<long long>(paid_total), 0, 0, 5 * 110);
  CHECK(trailer == expected);
}
