// The production reader of settlement files and bank statements (engine/recon, statement_reader.hpp)
// through the shipped profiles (ops/config/settlement/*.toml): the files the e-money, QR and Pay-easy
// simulators write, read line by line with their signs, fees, nets and totals; a Zengin 入出金取引明細
// built byte by byte from its layout (half-width kana, 和暦 dates); and every rejection on a damaged
// copy. The card acquirer's file is in statement_reader_card_test.cpp: its simulator's headers cannot
// meet the instant-payment books' in one translation unit.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <date/date.h>

#include "emoney_book.hpp"
#include "emoney_settlement.hpp"
#include "kessai/recon/statement_profile.hpp"
#include "kessai/recon/statement_reader.hpp"
#include "kessai/runtime/bank_calendar.hpp"
#include "kessai/runtime/shift_jis.hpp"
#include "payeasy_book.hpp"
#include "payeasy_settlement.hpp"
#include "qr_book.hpp"
#include "qr_settlement.hpp"
#include "zengin_statement.hpp"

using namespace kessai;
using recon::LineKind;
namespace chrono = std::chrono;

namespace {

constexpr chrono::year_month_day kApril1{chrono::year{2024} / 4 / 1};
constexpr chrono::year_month_day kNovember20{chrono::year{2026} / 11 / 20};  // 令和8年11月20日

const std::filesystem::path kProfilesDir = std::filesystem::path(KESSAI_SOURCE_DIR) / "ops/config/settlement";

const recon::StatementProfile& profile(const std::string& name) {
  static const std::vector<recon::StatementProfile> profiles = [] {
    auto loaded = recon::load_profiles(kProfilesDir);
    INFO((loaded ? "" : loaded.error()));
    REQUIRE(loaded);
    return std::move(loaded).value();
  }();
  for (const auto& candidate : profiles) {
    if (candidate.name == name) return candidate;
  }
  FAIL("no profile " << name);
  throw;
}

chrono::sys_seconds utc(const char* text) {
  std::istringstream in(text);
  date::sys_seconds instant;
  in >> date::parse("%FT%TZ", instant);
  REQUIRE_FALSE(in.fail());
  return chrono::sys_seconds(instant.time_since_epoch());
}

recon::StatementFile read_ok(const std::string& name, const std::string& file_name,
                             const std::string& bytes) {
  auto file = recon::read_statement(profile(name), file_name, bytes);
  INFO((file ? "" : file.error().code + ": " + file.error().message));
  REQUIRE(file);
  CHECK(file->profile == name);
  CHECK(file->file_name == file_name);
  return std::move(file).value();
}

recon::Rejection rejection(const std::string& name, const std::string& file_name, const std::string& bytes) {
  const auto file = recon::read_statement(profile(name), file_name, bytes);
  REQUIRE_FALSE(file);
  return file.error();
}

// `content` with the first `from` replaced by `to`.
std::string with(std::string content, const std::string& from, const std::string& to) {
  const std::size_t at = content.find(from);
  INFO("'" << from << "' in the file");
  REQUIRE(at != std::string::npos);
  return content.replace(at, from.size(), to);
}

std::string sjis(const std::string& utf8) {
  return runtime::utf8_to_shift_jis(utf8).value();
}

// A line's figures as one comparable text: kind, amount, fee, net.
std::string figures(const recon::StatementLine& line) {
  const char* kind = line.kind == LineKind::sale      ? "sale"
                     : line.kind == LineKind::refund  ? "refund"
                     : line.kind == LineKind::deposit ? "deposit"
                                                      : "withdrawal";
  return std::string(kind) + " " + std::to_string(line.amount_yen) + " " + std::to_string(line.fee_yen) +
         " " + std::to_string(line.net_yen);
}

void check_totals(const recon::StatementFile& file, const sim::SettlementFile& written) {
  CHECK(file.lines.size() == written.lines);
  CHECK(file.amount_total_yen == written.totals.amount_yen);
  CHECK(file.fee_total_yen == written.totals.fee_yen);
  CHECK(file.net_total_yen == written.totals.net_yen);
  CHECK(file.business_date == kApril1);
  for (const auto& line : file.lines) {
    CHECK(line.net_yen == line.amount_yen - line.fee_yen);
    CHECK(line.value_date == kApril1);
  }
}

sim::SettlementFile emoney_file() {
  sim::emoney::CentreBook book(1, 0.0);
  const auto sale =
      book.pay({"pi_1", 3000, "nanaco", "0123456789ABCDEF", "施設001"}, "2024-04-01T00:30:00Z").payment;
  REQUIRE(book.refund({sale.id, "re_1", 1000}, "2024-04-01T01:00:00Z").outcome ==
          sim::emoney::RefundOutcome::done);
  book.pay({"pi_2", 1980, "id", "0123456789ABCDEF", "FAC002"}, "2024-04-01T02:00:00Z");
  const auto [payments, refunds] = book.records();
  auto file = sim::emoney::settlement_file(payments, refunds, kApril1, sim::emoney::default_mdr_table());
  REQUIRE(file);
  return std::move(file).value();
}

sim::SettlementFile qr_file() {
  sim::qr_provider::ProviderBook book(1, 0.0);
  const auto sale =
      book.pay({"pi_1", 3000, "281234567890125678", "FAC\"001\""}, "2024-04-01T00:30:00Z").payment;
  REQUIRE(book.refund({sale.id, "re_1", 1000}, "2024-04-01T01:00:00Z").outcome ==
          sim::qr_provider::RefundOutcome::done);
  book.pay({"pi_2", 1980, "291234567890125678", "FAC002"}, "2024-04-01T02:00:00Z");
  const auto [payments, refunds] = book.records();
  auto file =
      sim::qr_provider::settlement_file(payments, refunds, kApril1, sim::qr_provider::default_mdr_table());
  REQUIRE(file);
  return std::move(file).value();
}

struct PayeasyDay {
  sim::SettlementFile file;
  std::vector<sim::payeasy::Number> numbers;  // longest, wide, small
};

PayeasyDay payeasy_day() {
  using sim::payeasy::PayAttempt;
  constexpr std::int64_t kApril1Jst = 1711897200;  // 2024-04-01T00:00:00+09:00
  sim::payeasy::CentreBook book("58091", 1, 0.0);
  const auto issue = [&](const std::string& reference, std::int64_t amount_yen) {
    const sim::payeasy::NumberTerms terms{
        reference, amount_yen, "PROC001", kApril1Jst + 7 * 86'400, "http://127.0.0.1:9/h", ""};
    const auto decision = book.issue(terms, kApril1Jst - 3600);
    REQUIRE(decision.outcome == sim::payeasy::IssueOutcome::issued);
    return decision.number;
  };
  const auto pay = [&](const sim::payeasy::Number& number, std::int64_t at_s) {
    const PayAttempt attempt{number.institution_number, number.customer_number, number.confirmation_number,
                             std::nullopt};
    REQUIRE(book.pay(attempt, at_s).outcome == sim::payeasy::PayOutcome::paid);
  };
  // kessai's longest id, full-width text (two bytes each in Shift_JIS), a payment below the flat fee,
  // and a payment reversed the same day.
  const auto longest = issue("pi_" + std::string(24, 'x'), 3000);
  const auto wide = issue("pi_全角2", 1980);
  const auto small = issue("pi_3", 100);
  pay(longest, kApril1Jst + 1800);
  pay(wide, kApril1Jst + 9 * 3600);
  pay(small, kApril1Jst + 12 * 3600);
  REQUIRE(book.reverse(wide.id, kApril1Jst + 10 * 3600).outcome == sim::payeasy::ChangeOutcome::done);
  auto file = sim::payeasy::settlement_file(book.all(), "58091", kApril1, 110);
  REQUIRE(file);
  return {std::move(file).value(), {longest, wide, small}};
}

// --- A Zengin 入出金取引明細 (種別 03), built from its layout ---------------------------------------

constexpr std::size_t kZenginRecordBytes = 200;

std::string digits(std::int64_t value, std::size_t width) {
  std::string text = std::to_string(value);
  REQUIRE(text.size() <= width);
  return std::string(width - text.size(), '0') + text;
}

// A record: half-width spaces, then each field (1-based start, Shift_JIS bytes) in its place.
std::string zengin_record(const std::vector<std::pair<std::size_t, std::string>>& fields) {
  std::string record(kZenginRecordBytes, ' ');
  for (const auto& [start, bytes] : fields) {
    REQUIRE(start - 1 + bytes.size() <= kZenginRecordBytes);
    record.replace(start - 1, bytes.size(), bytes);
  }
  return record + "\r\n";
}

struct ZenginEntry {
  std::string reference;  // 照会番号
  chrono::year_month_day booked;
  chrono::year_month_day value;
  char kind = '1';   // 入払区分
  std::string type;  // 取引区分
  std::int64_t amount_yen = 0;
  std::string payer_code;
  std::string payer_name;  // UTF-8, half-width kana
  std::string description;
};

const std::vector<ZenginEntry> kZenginEntries{
    {"00000101", kNovember20, kNovember20, '1', "11", 2925, "1234567890", "ｶ)ｹｯｻｲｶｰﾄﾞ", "ｶｰﾄﾞ ｾｲｻﾝ"},
    {"00000102", kNovember20, chrono::year{2026} / 11 / 19, '1', "11", 1065, "", "ﾃﾞﾝｼﾏﾈｰｾﾝﾀｰ", ""},
    {"00000103", kNovember20, kNovember20, '2', "14", 330, "", "", "ﾌﾘｺﾐﾃｽｳﾘﾖｳ"},
    {"00000104", kNovember20, kNovember20, '1', "10", 3'000'000, "", "ﾄｳｷﾖｳﾄ", "ｹﾞﾝｷﾝ"},
};
constexpr std::int64_t kOpeningYen = 1'000'000;
constexpr std::int64_t kDepositsYen = 2925 + 1065 + 3'000'000;
constexpr std::int64_t kClosingYen = kOpeningYen + kDepositsYen - 330;

std::string zengin_statement() {
  const std::string day = runtime::format_wareki_yymmdd(kNovember20);
  REQUIRE(day == "081120");
  std::string file = zengin_record({{1, "1"},
                                    {2, "03"},
                                    {4, "0"},
                                    {5, day},
                                    {11, day},
                                    {17, day},
                                    {23, "0001"},
                                    {27, sjis("ﾐｽﾞﾎ")},
                                    {42, "101"},
                                    {45, sjis("ﾄｳｷﾖｳﾄﾁﾖｳ")},
                                    {63, "1"},
                                    {64, "0001234567"},
                                    {74, sjis("ﾄｳｷﾖｳﾄ ｶｲｹｲｶﾝﾘｶﾝ")},
                                    {114, "1"},
                                    {116, digits(kOpeningYen, 14)}});
  for (const ZenginEntry& entry : kZenginEntries) {
    file += zengin_record({{1, "2"},
                           {2, entry.reference},
                           {10, runtime::format_wareki_yymmdd(entry.booked)},
                           {16, runtime::format_wareki_yymmdd(entry.value)},
                           {22, std::string(1, entry.kind)},
                           {23, entry.type},
                           {25, digits(entry.amount_yen, 12)},
                           {37, digits(0, 12)},
                           {72, entry.payer_code},
                           {82, sjis(entry.payer_name)},
                           {130, sjis("ﾐﾂｲｽﾐﾄﾓ")},
                           {145, sjis("ﾎﾝﾃﾝ")},
                           {160, sjis(entry.description)}});
  }
  file += zengin_record({{1, "8"},
                         {2, digits(3, 6)},
                         {8, digits(kDepositsYen, 13)},
                         {21, digits(1, 6)},
                         {27, digits(330, 13)},
                         {40, "1"},
                         {41, digits(kClosingYen, 14)}});
  file += zengin_record({{1, "9"}});
  return file;
}

constexpr const char* kZenginName = "zengin03_20261120.dat";

// Byte `offset` (0-based) of record `number` (1-based) of the Zengin statement.
std::size_t zengin_at(std::size_t number, std::size_t byte) {
  return (number - 1) * (kZenginRecordBytes + 2) + byte - 1;
}

std::string zengin_with(std::size_t record, std::size_t byte, const std::string& bytes) {
  std::string file = zengin_statement();
  return file.replace(zengin_at(record, byte), bytes.size(), bytes);
}

struct Damage {
  const char* what;
  std::function<std::string()> file;
  const char* code;
  std::uint32_t record;
  const char* message;  // a part of it
};

}  // namespace

TEST_CASE("the shipped profiles load, sorted, and a file name finds the one profile that reads it",
          "[statement_reader]") {
  const auto profiles = recon::load_profiles(kProfilesDir);
  REQUIRE(profiles);
  std::vector<std::string> names;
  for (const auto& loaded : profiles.value()) names.push_back(loaded.name);
  CHECK(names == std::vector<std::string>{"card-acquirer", "emoney-centre", "payeasy-centre", "qr-provider",
                                          "zengin-03"});
  CHECK(profile("zengin-03").content == recon::FileContent::bank_statement);
  CHECK(profile("emoney-centre").content == recon::FileContent::settlement);
  CHECK(recon::profile_matches(profile("qr-provider"), "qr_settlement_20240401.csv"));
  CHECK_FALSE(recon::profile_matches(profile("qr-provider"), "qr_settlement_20240401.csv.part"));

  const auto found = recon::profile_for(profiles.value(), "zengin03_20261120.dat");
  REQUIRE(found);
  CHECK(found.value()->name == "zengin-03");
  const auto unknown = recon::profile_for(profiles.value(), "statement.txt");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == "unknown_layout");
  CHECK(unknown.error().message.find("\"statement.txt\"") != std::string::npos);
  auto twice = profiles.value();
  twice.push_back(profile("zengin-03"));
  twice.back().name = "zengin-03-copy";
  const auto ambiguous = recon::profile_for(twice, "zengin03_20261120.dat");
  REQUIRE_FALSE(ambiguous);
  CHECK(ambiguous.error().code == "unknown_layout");
  CHECK(ambiguous.error().message.find("zengin-03 and zengin-03-copy") != std::string::npos);
}

TEST_CASE("a profile with a mistake is refused, naming the file and the key", "[statement_reader]") {
  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() / "kessai_statement_profiles";
  std::filesystem::create_directories(directory);
  const std::string base = R"(format = "csv"
file_glob = "x_*.csv"
file_date = "x_%Y%m%d.csv"
encoding = "utf-8"
line_end = "crlf"
header_lines = 1
time_zone = "Asia/Tokyo"
amount_sign = "signed"
[formats]
transacted_at = "%FT%T%Ez"
[kinds]
sale = "S"
refund = "R"
)";
  const std::string columns = R"([columns]
reference = "ref"
processor_transaction_id = "id"
merchant = "m"
transacted_at = "at"
kind = "k"
amount = "a"
fee = "f"
net = "n"
)";
  const auto load = [&](const std::string& text) {
    std::ofstream(directory / "x.toml") << text;
    return recon::load_profile(directory / "x.toml");
  };
  REQUIRE(load(base + columns));
  const auto refused = [&](const std::string& text, const std::string& part) {
    const auto loaded = load(text);
    REQUIRE_FALSE(loaded);
    INFO(loaded.error());
    CHECK(loaded.error().starts_with((directory / "x.toml").string() + ": "));
    CHECK(loaded.error().find(part) != std::string::npos);
  };
  refused(base + with(columns, "fee = \"f\"\n", ""), "[columns] fee: missing");
  refused(base + with(columns, "amount = \"a\"", "amount = 0"), "[columns] amount: must be a column name");
  refused(base + columns + "payer_name = \"p\"\n", "[columns] unknown key 'payer_name'");
  refused(with(base, "Asia/Tokyo", "Asia/Atlantis") + columns,
          "time_zone: unknown time zone 'Asia/Atlantis'");
  refused(with(base, "x_%Y%m%d.csv", "x_%Y%m.csv") + columns, "file_date: must hold %Y, %m and %d once each");
  refused(with(base, "x_%Y%m%d.csv", "y_%Y%m%d.csv") + columns, "do not match file_glob");
  refused(with(base, "refund = \"R\"", "refund = \"S\"") + columns, "[kinds]: the two kinds have one value");
  refused(with(base, "\"signed\"", "\"minus\"") + columns,
          "amount_sign: 'minus' is not one of by_kind, signed");
  refused(base + columns + "[trailer]\nprefix = \"T\"\ndeposit_count_column = 2\n",
          "[trailer] unknown key 'deposit_count_column'");
  refused(base + columns + "[trailer]\nprefix = \"T\"\ncount_column = \"count\"\n",
          "[trailer] count_column: must be a 1-based field number");
  refused(with(base, "%FT%T%Ez", "wareki_yymmdd") + columns,
          "[formats] transacted_at: wareki_yymmdd is a date only");
  refused(with(base, "format = \"csv\"", "format = \"fixed\"") + columns, "record_bytes: missing");
  std::filesystem::remove_all(directory);
}

TEST_CASE("the e-money centre's Shift_JIS file reads with its kinds, fees and nets signed",
          "[statement_reader]") {
  const sim::SettlementFile written = emoney_file();
  const auto file = read_ok("emoney-centre", written.name, written.content);
  check_totals(file, written);
  REQUIRE(file.lines.size() == 3);
  // 1.98 % on nanaco, 3.24 % on iD; the centre keeps its fee on a refund (手数料 0).
  CHECK(figures(file.lines[0]) == "sale 3000 59 2941");
  CHECK(figures(file.lines[1]) == "refund -1000 0 -1000");
  CHECK(figures(file.lines[2]) == "sale 1980 64 1916");
  CHECK(file.amount_total_yen == 3980);
  CHECK(file.lines[0].record == 2);  // the header is line 1
  CHECK(file.lines[0].reference == "pi_1");
  CHECK(file.lines[0].merchant == "施設001");
  CHECK(file.lines[0].brand == "nanaco");
  CHECK(file.lines[0].processor_transaction_id.starts_with("em_"));
  CHECK(file.lines[1].reference == "re_1");
  CHECK(file.lines[1].merchant == "施設001");
  CHECK(file.lines[1].processor_transaction_id.starts_with("emr_"));
  CHECK(file.lines[2].brand == "iD");
  // 利用日 and 利用時刻 are Japan time.
  CHECK(file.lines[0].occurred_at == utc("2024-04-01T00:30:00Z"));
  CHECK(file.lines[1].occurred_at == utc("2024-04-01T01:00:00Z"));
  CHECK_FALSE(file.has_closing_balance);
}

TEST_CASE("the QR provider's file with a BOM and no trailer reads, quoted fields unescaped",
          "[statement_reader]") {
  const sim::SettlementFile written = qr_file();
  const auto file = read_ok("qr-provider", written.name, written.content);
  check_totals(file, written);
  REQUIRE(file.lines.size() == 3);
  // 2.60 % on d払い and au PAY; the fee on the refunded amount comes back.
  CHECK(figures(file.lines[0]) == "sale 3000 78 2922");
  CHECK(figures(file.lines[1]) == "refund -1000 -26 -974");
  CHECK(figures(file.lines[2]) == "sale 1980 51 1929");
  CHECK(file.lines[0].merchant == "FAC\"001\"");
  CHECK(file.lines[0].brand == "d払い");
  CHECK(file.lines[2].brand == "au PAY");
  CHECK(file.lines[1].reference == "re_1");
  CHECK(file.lines[2].occurred_at == utc("2024-04-01T02:00:00Z"));
}

TEST_CASE("the Pay-easy centre's fixed-width Shift_JIS file reads at its bytes", "[statement_reader]") {
  const PayeasyDay day = payeasy_day();
  const auto file = read_ok("payeasy-centre", day.file.name, day.file.content);
  check_totals(file, day.file);
  REQUIRE(file.lines.size() == 4);
  // A flat 110 yen, at most the amount, given back whole on a 取消.
  CHECK(figures(file.lines[0]) == "sale 3000 110 2890");
  CHECK(figures(file.lines[1]) == "sale 1980 110 1870");
  CHECK(figures(file.lines[2]) == "refund -1980 -110 -1870");
  CHECK(figures(file.lines[3]) == "sale 100 100 0");
  const auto& [longest, wide, small] = std::tie(day.numbers[0], day.numbers[1], day.numbers[2]);
  CHECK(file.lines[0].reference == longest.reference);
  CHECK(file.lines[1].reference == "pi_全角2");  // two-byte characters in a fixed-width field
  CHECK(file.lines[2].reference == "pi_全角2");  // a 取消 carries its payment's reference
  CHECK(file.lines[2].processor_transaction_id == wide.id);
  CHECK(file.lines[3].customer_number == small.customer_number);
  CHECK(file.lines[3].confirmation_number == small.confirmation_number);
  CHECK(file.lines[0].merchant == "58091");
  CHECK(file.lines[0].occurred_at == utc("2024-03-31T15:30:00Z"));
  CHECK(file.lines[2].occurred_at == utc("2024-04-01T01:00:00Z"));
  CHECK(file.lines[0].record == 2);
}

TEST_CASE("a Zengin 入出金取引明細 reads: half-width kana, 和暦 dates, balances", "[statement_reader]") {
  const std::string bytes = zengin_statement();
  REQUIRE(bytes.size() == 7 * (kZenginRecordBytes + 2));
  const auto file = read_ok("zengin-03", kZenginName, bytes);
  CHECK(file.content == recon::FileContent::bank_statement);
  CHECK(file.business_date == kNovember20);
  REQUIRE(file.lines.size() == kZenginEntries.size());
  for (std::size_t i = 0; i < kZenginEntries.size(); ++i) {
    const ZenginEntry& entry = kZenginEntries[i];
    const recon::StatementLine& line = file.lines[i];
    INFO("entry " << entry.reference);
    CHECK(line.record == i + 2);
    CHECK(line.reference == entry.reference);  // zeros kept: an identifier, not a number
    CHECK(line.kind == (entry.kind == '1' ? LineKind::deposit : LineKind::withdrawal));
    CHECK(line.amount_yen == (entry.kind == '1' ? entry.amount_yen : -entry.amount_yen));
    CHECK(line.fee_yen == 0);
    CHECK(line.net_yen == line.amount_yen);
    CHECK(line.occurred_at == utc("2026-11-19T15:00:00Z"));  // 勘定日 00:00 Japan time
    CHECK(line.value_date == entry.value);
    CHECK(line.transaction_type == entry.type);
    CHECK(line.payer_code == entry.payer_code);
    CHECK(line.payer_name == entry.payer_name);  // half-width stays half-width
    CHECK(line.description == entry.description);
    CHECK(line.processor_transaction_id.empty());
  }
  CHECK(file.lines[0].payer_name == "ｶ)ｹｯｻｲｶｰﾄﾞ");
  CHECK(file.lines[1].value_date == chrono::year_month_day{chrono::year{2026} / 11 / 19});
  CHECK(file.amount_total_yen == kDepositsYen - 330);
  CHECK(file.net_total_yen == file.amount_total_yen);
  CHECK(file.fee_total_yen == 0);
  CHECK(file.has_opening_balance);
  CHECK(file.opening_balance_yen == kOpeningYen);
  CHECK(file.has_closing_balance);
  CHECK(file.closing_balance_yen == kClosingYen);
}

TEST_CASE("a damaged Zengin statement is refused whole, with the first problem", "[statement_reader]") {
  const std::string good = zengin_statement();
  const std::vector<Damage> damages{
      {"a kana byte flipped to one that is no Shift_JIS", [&] { return zengin_with(2, 82, "\x80"); },
       "bad_encoding", 2, "record 2, byte 82: 0x80 is no Shift_JIS (CP932) character"},
      {"cut in the middle of a record", [&] { return good.substr(0, zengin_at(3, 100)); }, "truncated", 3,
       "cut short: it ends in the middle of its record 3"},
      {"no end record", [&] { return good.substr(0, zengin_at(7, 1)); }, "truncated", 0,
       "without its end record (type \"9\")"},
      {"no trailer", [&] { return good.substr(0, zengin_at(6, 1)); }, "truncated", 0,
       "without its trailer (a record starting \"8\")"},
      {"a trailer's 入金件数 off by one", [&] { return zengin_with(6, 2, digits(4, 6)); }, "bad_count", 6,
       "record 6 (trailer): it counts 4 deposit lines (deposit_count_column (bytes 2–7)), the file holds 3"},
      {"a trailer's 出金件数 off by one", [&] { return zengin_with(6, 21, digits(0, 6)); }, "bad_count", 6,
       "it counts 0 withdrawal lines"},
      {"a trailer's 入金額合計 off by one yen",
       [&] { return zengin_with(6, 8, digits(kDepositsYen + 1, 13)); }, "bad_total", 6,
       "record 6 (trailer): its deposit amount total is 3,003,991 yen (deposit_amount_total_column (bytes "
       "8–20)), the deposit lines add up to 3,003,990 yen"},
      {"a 取引後残高 off by one yen", [&] { return zengin_with(6, 41, digits(kClosingYen - 1, 14)); },
       "bad_total", 6,
       "the closing balance 4,003,659 yen (closing_balance_column (bytes 41–54)) is not the opening balance"},
      {"an 入払区分 that is neither", [&] { return zengin_with(3, 22, "3"); }, "bad_field", 3,
       "record 3: kind (byte 22) \"3\" is neither \"1\" (deposit) nor \"2\" (withdrawal)"},
      {"a 勘定日 that never was", [&] { return zengin_with(4, 10, "081131"); }, "bad_field", 4,
       "record 4: date (bytes 10–15) \"081131\" is not a date written as 和暦 YYMMDD"},
      {"a 預入・払出日 that is no date", [&] { return zengin_with(4, 16, "08 120"); }, "bad_field", 4,
       "value_date (bytes 16–21) \"08 120\" is not a date"},
      {"a 勘定日 outside the header's period", [&] { return zengin_with(2, 10, "081121"); }, "bad_field", 2,
       "record 2: its date 2026-11-21 is outside the file's period, 2026-11-20 to 2026-11-20"},
      {"an amount that is not digits", [&] { return zengin_with(5, 25, "0000003x0000"); }, "bad_field", 5,
       "record 5: amount (bytes 25–36) \"0000003x0000\" is not a whole number of yen"},
      {"a negative amount in a by-kind file", [&] { return zengin_with(4, 25, "-00000000330"); }, "bad_field",
       4, "is negative"},
      {"an amount of zero", [&] { return zengin_with(4, 25, digits(0, 12)); }, "bad_field", 4, "is zero"},
      {"a record a byte short",
       [&] { return with(good, std::string(20, ' ') + "\r\n8", std::string(19, ' ') + "\r\n8"); },
       "bad_record", 5, "record 5 is 199 bytes long, not 200"},
      {"a record type no one knows", [&] { return zengin_with(3, 1, "5"); }, "bad_record", 3,
       "record 3 has the unknown record type \"5\" (data \"2\", trailer \"8\", end \"9\")"},
      {"LF alone for CRLF", [&] { return with(good, "\r\n2", "\n2"); }, "bad_record", 1,
       "record 1 ends with LF alone; the file's records end with CRLF"},
      {"a header that is a data record", [&] { return zengin_with(1, 1, "2"); }, "bad_record", 1,
       "record 1 should be the header (record type \"1\") but its type is \"2\""},
      {"a 振込入金通知 (種別 01) for a 入出金取引明細", [&] { return zengin_with(1, 2, "01"); }, "bad_record",
       1, "record 1 (header): the field (bytes 2–3) holds \"01\", not \"03\""},
      {"a header for another day", [&] { return zengin_with(1, 11, "081119081119"); }, "bad_record", 1,
       "the period 2026-11-19 to 2026-11-19 does not hold 2026-11-20, the date of the file's name"},
      {"a data record after the trailer",
       [&] {
         return good.substr(0, zengin_at(7, 1)) + good.substr(zengin_at(2, 1), 202) +
                good.substr(zengin_at(7, 1));
       },
       "bad_record", 7, "record 7 is a data record after the trailer"},
      {"a record after the end", [&] { return good + good.substr(zengin_at(2, 1), 202); }, "bad_record", 8,
       "record 8 comes after the end record"},
      {"a 貸越区分 that is neither", [&] { return zengin_with(1, 114, "3"); }, "bad_field", 1,
       "record 1 (header): opening balance sign (byte 114) \"3\" is neither \"1\" (zero or more) nor \"2\" "
       "(below "
       "zero)"},
      {"a 取引後残高 marked overdrawn", [&] { return zengin_with(6, 40, "2"); }, "bad_total", 6,
       "the closing balance -4,003,660 yen"},
      {"a UTF-8 byte order mark", [&] { return "\xEF\xBB\xBF" + good; }, "bad_encoding", 0,
       "byte order mark"},
      {"nothing", [&] { return std::string(); }, "empty", 0, "the file is empty"},
  };
  for (const Damage& damage : damages) {
    INFO(damage.what);
    const recon::Rejection refused = rejection("zengin-03", kZenginName, damage.file());
    CHECK(refused.code == damage.code);
    CHECK(refused.record == damage.record);
    INFO(refused.message);
    CHECK(refused.message.find(damage.message) != std::string::npos);
  }
}

TEST_CASE("a file name that is not its profile's file_date is refused", "[statement_reader]") {
  const std::string bytes = zengin_statement();
  for (const char* name : {"zengin03_20261131.dat", "zengin03_2026112.dat", "zengin03_20261120.dat.part",
                           "ZENGIN03_20261120.dat", "zengin03_2026-11-20.dat"}) {
    INFO(name);
    const recon::Rejection refused = rejection("zengin-03", name, bytes);
    CHECK(refused.code == "bad_name");
    CHECK(refused.record == 0);
    CHECK(refused.message.find("\"zengin03_%Y%m%d.dat\"") != std::string::npos);
  }
  // The name's date must also be the header's.
  CHECK(rejection("zengin-03", "zengin03_20261121.dat", bytes).code == "bad_record");
}

TEST_CASE("a damaged e-money centre file is refused, with the line and the column", "[statement_reader]") {
  const sim::SettlementFile written = emoney_file();
  const std::string good = written.content;
  const std::string sale = sjis("売上");
  const std::vector<Damage> damages{
      {"a byte of 売上 flipped", [&] { return with(good, sale, "\xFF" + sale.substr(1)); }, "bad_encoding", 2,
       "line 2, byte"},
      {"a 金額 that is not a number", [&] { return with(good, ",3000,", ",30x0,"); }, "bad_field", 2,
       "line 2: 金額 \"30x0\" is not a whole number of yen"},
      {"a 区分 no one knows", [&] { return with(good, sale, sjis("売り")); }, "bad_field", 2, "is neither"},
      {"a negative amount where 区分 gives the sign",
       [&] { return with(good, ",1000,0,1000", ",-1000,0,-1000"); }, "bad_field", 3, "is negative"},
      {"a 差引金額 that is not 金額 − 手数料", [&] { return with(good, ",3000,59,2941", ",3000,59,2942"); },
       "bad_net", 2, "\"2942\" is not"},
      {"an amount beyond 64 bits",
       [&] { return with(good, ",3000,59,2941", ",99999999999999999999,59,2941"); }, "bad_field", 2,
       "is too large a number of yen"},
      {"a 利用日 that never was", [&] { return with(good, "2024/04/01,09:30:00", "2024/04/31,09:30:00"); },
       "bad_field", 2, "is not a date written as \"%Y/%m/%d\""},
      {"a 利用時刻 of 24 o'clock", [&] { return with(good, ",09:30:00,", ",24:30:00,"); }, "bad_field", 2,
       "is not a time written as \"%H:%M:%S\""},
      {"a line with a field too few", [&] { return with(good, ",3000,59,2941", ",3000,2941"); }, "bad_record",
       2, "line 2 has 9 fields; the header has 10"},
      {"a header without 金額", [&] { return with(good, sjis("金額"), sjis("金高")); }, "bad_record", 1,
       "line 1 (header) has no column"},
      {"the 合計 line counting a line too many",
       [&] { return with(good, sjis("合計") + ",3,", sjis("合計") + ",4,"); }, "bad_count", 5,
       "it counts 4 lines"},
      {"the 合計 line a yen off",
       [&] { return with(good, sjis("合計") + ",3,3980,", sjis("合計") + ",3,3979,"); }, "bad_total", 5,
       "its amount total is 3,979 yen"},
      {"no 合計 line", [&] { return good.substr(0, good.rfind(sjis("合計"))); }, "truncated", 0,
       "without its trailer"},
      {"a line cut short", [&] { return good.substr(0, good.size() - 3); }, "truncated", 5, "line 5"},
  };
  for (const Damage& damage : damages) {
    INFO(damage.what);
    const recon::Rejection refused = rejection("emoney-centre", written.name, damage.file());
    CHECK(refused.code == damage.code);
    CHECK(refused.record == damage.record);
    INFO(refused.message);
    CHECK(refused.message.find(damage.message) != std::string::npos);
  }
}

TEST_CASE("a damaged QR provider or Pay-easy file is refused", "[statement_reader]") {
  const sim::SettlementFile qr = qr_file();
  const std::string without_bom = qr.content.substr(3);
  const recon::Rejection no_bom = rejection("qr-provider", qr.name, without_bom);
  CHECK(no_bom.code == "bad_encoding");
  CHECK(no_bom.message.find("does not start with the UTF-8 byte order mark") != std::string::npos);
  const recon::Rejection bad_utf8 = rejection("qr-provider", qr.name, with(qr.content, "d払い", "d\xE6\x89"));
  CHECK(bad_utf8.code == "bad_encoding");
  CHECK(bad_utf8.record == 2);
  const recon::Rejection wrong_sign =
      rejection("qr-provider", qr.name, with(qr.content, ",-1000,", ",1000,"));
  CHECK(wrong_sign.code == "bad_field");
  CHECK(wrong_sign.message == "line 3: 取引金額 \"1000\" must be negative on a \"返金完了\" line");
  const recon::Rejection lone_quote =
      rejection("qr-provider", qr.name, with(qr.content, "FAC\"\"001", "FAC\"001"));
  CHECK(lone_quote.code == "bad_record");

  const PayeasyDay day = payeasy_day();
  const std::string& content = day.file.content;
  const std::size_t trailer = content.size() - 2 * 122;
  std::string count_off = content;
  count_off[trailer + 6] = '4';  // 収納件数 3 → 4
  const recon::Rejection counted = rejection("payeasy-centre", day.file.name, count_off);
  CHECK(counted.code == "bad_count");
  CHECK(counted.record == 6);
  CHECK(counted.message.find("it counts 4 sale lines (sale_count_column (bytes 2–7)), the file holds 3") !=
        std::string::npos);
  std::string fee_off = content;
  fee_off[trailer + 46] = static_cast<char>(fee_off[trailer + 46] + 1);  // 収納手数料合計 + 1
  CHECK(rejection("payeasy-centre", day.file.name, fee_off).code == "bad_total");
  // A profile whose field starts inside a two-byte character: 全 of "pi_全角2" loses its first byte.
  recon::StatementProfile shifted = profile("payeasy-centre");
  recon::Column& reference = shifted.columns[static_cast<std::size_t>(recon::Field::reference)];
  reference.start_byte += 4;
  reference.length_bytes -= 4;
  const auto cut_field = recon::read_statement(shifted, day.file.name, content);
  REQUIRE_FALSE(cut_field);
  CHECK(cut_field.error().code == "bad_field");
  CHECK(cut_field.error().record == 3);
  CHECK(cut_field.error().message == "record 3: reference (bytes 96–120) cuts a character in two");
  // A full-width character cut in two by a byte flipped in its second half.
  std::string cut = content;
  const std::size_t wide = cut.find(sjis("全"));
  cut[wide + 1] = '\x7F';
  CHECK(rejection("payeasy-centre", day.file.name, cut).code == "bad_encoding");
}

TEST_CASE("the bank simulator's statement reads through the Zengin profile, overdrawn and back",
          "[statement_reader]") {
  sim::bank::Statement statement;
  statement.created_on = chrono::year{2026} / 11 / 21;
  statement.from_date = kNovember20;
  statement.to_date = kNovember20;
  statement.balance_before_yen = -5000;  // 貸越
  sim::bank::Entry payout;
  payout.inquiry_number = 1;
  payout.accounting_date = kNovember20;
  payout.value_date = kNovember20;
  payout.amount_yen = 2925;
  payout.payer_name = "ｶ)ｹｯｻｲｶｰﾄﾞ";
  payout.summary = "ｾｲｻﾝ";
  sim::bank::Entry debit = payout;
  debit.inquiry_number = 2;
  debit.direction = sim::bank::Direction::withdrawal;
  debit.transaction_code = std::string(sim::bank::kAccountTransferCode);
  debit.amount_yen = 330;
  debit.payer_name = "";
  statement.entries = {payout, debit};
  const auto written = sim::bank::statement_file(statement);
  REQUIRE(written);
  const auto file = read_ok("zengin-03", written->name, written->content);
  REQUIRE(file.lines.size() == 2);
  CHECK(figures(file.lines[0]) == "deposit 2925 0 2925");
  CHECK(figures(file.lines[1]) == "withdrawal -330 0 -330");
  CHECK(file.lines[0].reference == "00000001");
  CHECK(file.lines[0].payer_name == "ｶ)ｹｯｻｲｶｰﾄﾞ");
  CHECK(file.lines[0].payer_code == "0000000000");  // 振込依頼人コード with nothing to say: zeros
  CHECK(file.lines[0].transaction_type == "11");
  CHECK(file.lines[1].transaction_type == "14");
  CHECK(file.opening_balance_yen == -5000);
  CHECK(file.closing_balance_yen == written->balance_after_yen);
  CHECK(file.closing_balance_yen == -5000 + 2925 - 330);
}
