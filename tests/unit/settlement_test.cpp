// Settlement files: the pieces every simulator's file is made of (fees, CSV, Shift_JIS, Japan dates, the
// --mdr-bp option, the atomic write, POST /sim/settlement), then the e-money centre's and the QR
// provider's day files, byte for byte, from records made at known instants (the books take their clock
// as the `now` of each call). The card acquirer's are in card_settlement_test.cpp.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "emoney_book.hpp"
#include "emoney_settlement.hpp"
#include "kessai/runtime/shift_jis.hpp"
#include "qr_book.hpp"
#include "qr_settlement.hpp"
#include "settlement_day.hpp"
#include "settlement_file.hpp"

using namespace kessai;
namespace chrono = std::chrono;

namespace {

constexpr chrono::year_month_day kApril1{chrono::year{2024} / 4 / 1};
constexpr chrono::year_month_day kMarch31{chrono::year{2024} / 3 / 31};

// The last second of 31 March in Japan, and the first of 1 April.
constexpr const char* kJustBeforeMidnight = "2024-03-31T14:59:59Z";
constexpr const char* kMidnight = "2024-03-31T15:00:00Z";

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

// A file made whole, with no lines to inject into: the endpoint's own behaviour.
using WholeFile = std::function<Result<sim::SettlementFile, std::string>(chrono::year_month_day)>;

sim::SettlementLayout whole_file(WholeFile make) {
  sim::SettlementLayout layout;
  layout.file_name = [](chrono::year_month_day) { return std::string("test_20240401.csv"); };
  layout.lines = [](chrono::year_month_day) -> Result<std::vector<sim::SettlementLine>, std::string> {
    return std::vector<sim::SettlementLine>{};
  };
  layout.write = [make = std::move(make)](chrono::year_month_day date,
                                          const std::vector<sim::SettlementLine>&) { return make(date); };
  return layout;
}

sim::SettlementFile small_file(const std::string& content) {
  sim::SettlementFile file;
  file.name = "test_20240401.csv";
  file.content = content;
  file.lines = 1;
  file.totals = sim::SettlementTotals{3000, 75, 2925};
  return file;
}

}  // namespace

TEST_CASE("the fee is the floor of amount × basis points / 10,000, in whole yen", "[settlement]") {
  CHECK(sim::fee_yen(3000, 250) == 75);
  CHECK(sim::fee_yen(1980, 250) == 49);  // 49.5
  CHECK(sim::fee_yen(1000, 198) == 19);  // 19.8: the fraction is the merchant's
  CHECK(sim::fee_yen(500, 324) == 16);   // 16.2
  CHECK(sim::fee_yen(39, 250) == 0);     // 0.975
  CHECK(sim::fee_yen(40, 250) == 1);
  CHECK(sim::fee_yen(0, 250) == 0);
  CHECK(sim::fee_yen(12345, 0) == 0);
  CHECK(sim::fee_yen(12345, 10'000) == 12345);
  // The largest amount whose product fits, and the first that does not.
  constexpr std::int64_t kLargest = INT64_MAX / 10'000;
  CHECK(sim::fee_yen(kLargest, 10'000) == kLargest);
  CHECK_FALSE(sim::fee_yen(INT64_MAX / 250 + 1, 250));
}

TEST_CASE(
    "a proportional refund gives back the fee on the running total, so a whole refund gives back "
    "the whole fee",
    "[settlement]") {
  // 150 yen at 2.50 %: fee 3 (3.75). Two halves give back 1 (1.875) then 2 (3 − 1).
  CHECK(sim::proportional_fee_back_yen(0, 75, 250) == 1);
  CHECK(sim::proportional_fee_back_yen(75, 75, 250) == 2);
  CHECK(sim::proportional_fee_back_yen(0, 150, 250) == 3);
  // Three parts of 1,000 yen at 1.98 % add up to its fee of 19.
  const auto first = sim::proportional_fee_back_yen(0, 333, 198);
  const auto second = sim::proportional_fee_back_yen(333, 333, 198);
  const auto third = sim::proportional_fee_back_yen(666, 334, 198);
  REQUIRE((first && second && third));
  CHECK(*first + *second + *third == *sim::fee_yen(1000, 198));
  CHECK_FALSE(sim::proportional_fee_back_yen(INT64_MAX, 1, 250));
}

TEST_CASE("CSV fields are quoted only when they must be, quotes doubled; lines end CRLF", "[settlement]") {
  CHECK(sim::csv_field("FAC001") == "FAC001");
  CHECK(sim::csv_field("") == "");
  CHECK(sim::csv_field("交通系IC") == "交通系IC");
  CHECK(sim::csv_field("-1000") == "-1000");
  CHECK(sim::csv_field("a,b") == "\"a,b\"");
  CHECK(sim::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(sim::csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(sim::csv_field("cr\r") == "\"cr\r\"");
  CHECK(sim::csv_line({"D", "a,b", "", "x\"y"}) == "D,\"a,b\",,\"x\"\"y\"\r\n");
  CHECK(sim::csv_line({}) == "\r\n");
}

TEST_CASE("the e-money header survives a round trip through Shift_JIS", "[settlement]") {
  std::string header;
  for (const std::string& name : sim::emoney::settlement_header()) header += name + ",";
  header += "交通系IC,売上,取消(返金),合計";
  const auto encoded = runtime::utf8_to_shift_jis(header);
  REQUIRE(encoded);
  // 利用日 in Shift_JIS: 利 97 98, 用 97 70, 日 93 FA; two bytes a kanji, one an ASCII character.
  CHECK(encoded->substr(0, 6) == "\x97\x98\x97\x70\x93\xFA");
  CHECK(encoded->size() < header.size());
  const auto decoded = runtime::shift_jis_to_utf8(encoded.value());
  REQUIRE(decoded);
  CHECK(decoded.value() == header);
  // Half-width kana, as bank files use them: one byte each, three in UTF-8.
  CHECK(runtime::utf8_to_shift_jis("ｶﾅ").value() == "\xB6\xC5");
  CHECK(runtime::shift_jis_to_utf8("\xB6\xC5").value() == "ｶﾅ");
}

TEST_CASE("text with no Shift_JIS form fails, naming the character and where it is", "[settlement]") {
  const auto emoji = runtime::utf8_to_shift_jis("FAC😀1");
  REQUIRE_FALSE(emoji);
  CHECK(emoji.error() == "'😀' at byte 3 has no Shift_JIS form");
  const auto hangul = runtime::utf8_to_shift_jis("한");
  REQUIRE_FALSE(hangul);
  CHECK(hangul.error().find("at byte 0 has no Shift_JIS form") != std::string::npos);
  const auto broken = runtime::utf8_to_shift_jis("ab\xFF");
  REQUIRE_FALSE(broken);
  CHECK(broken.error() == "byte 0xFF at byte 2 has no Shift_JIS form");
  CHECK_FALSE(runtime::utf8_to_shift_jis("\xE6\x97"));  // cut inside 日
  CHECK(runtime::utf8_to_shift_jis("").value().empty());
}

TEST_CASE("a UTC instant's business date and time are Japan's, 00:00 to 24:00 JST", "[settlement]") {
  const auto before = sim::parse_utc_timestamp(kJustBeforeMidnight);
  const auto midnight = sim::parse_utc_timestamp(kMidnight);
  REQUIRE((before && midnight));
  CHECK(sim::tokyo_date_of(*before) == kMarch31);
  CHECK(sim::tokyo_date_of(*midnight) == kApril1);
  CHECK(sim::format_tokyo(*before, "%FT%T+09:00") == "2024-03-31T23:59:59+09:00");
  CHECK(sim::format_tokyo(*midnight, "%Y/%m/%d %H:%M:%S") == "2024/04/01 00:00:00");
  CHECK(sim::format_date(kApril1, "card_settlement_%Y%m%d.csv") == "card_settlement_20240401.csv");
  // New Year's Eve in UTC is already New Year's Day in Japan.
  CHECK(sim::tokyo_date_of(*sim::parse_utc_timestamp("2024-12-31T15:00:00Z")) ==
        chrono::year_month_day{chrono::year{2025} / 1 / 1});

  CHECK(sim::parse_calendar_date("2024-02-29") == chrono::year_month_day{chrono::year{2024} / 2 / 29});
  CHECK_FALSE(sim::parse_calendar_date("2023-02-29"));
  CHECK_FALSE(sim::parse_calendar_date("2024-13-01"));
  CHECK_FALSE(sim::parse_calendar_date("20240401"));
  CHECK_FALSE(sim::parse_calendar_date("2024-04-01T00:00:00Z"));
  CHECK_FALSE(sim::parse_calendar_date("2024-4-1"));
  CHECK_FALSE(sim::parse_utc_timestamp("2024-04-01T24:00:00Z"));
  CHECK_FALSE(sim::parse_utc_timestamp("2024-04-01T09:00:00+09:00"));
  CHECK_FALSE(sim::parse_utc_timestamp("t"));
}

TEST_CASE("the option --mdr-bp is one rate or BRAND=BP pairs, checked against the simulator's brands",
          "[settlement]") {
  sim::MdrOption one;
  CHECK_FALSE(sim::parse_mdr_option("250", one));
  CHECK(one.every_brand_bp == 250);
  CHECK(sim::single_mdr_bp(250, sim::MdrOption{}).value() == 250);
  CHECK(sim::single_mdr_bp(250, one).value() == 250);

  sim::MdrOption pairs;
  CHECK_FALSE(sim::parse_mdr_option("waon=210,id=300", pairs));
  const auto table = sim::mdr_table(sim::emoney::default_mdr_table(), pairs);
  REQUIRE(table);
  CHECK(table->at("waon") == 210);
  CHECK(table->at("id") == 300);
  CHECK(table->at("transit_ic") == 198);
  CHECK(table->at("quicpay") == 324);
  CHECK_FALSE(sim::single_mdr_bp(250, pairs));  // the card acquirer has one rate

  sim::MdrOption every;
  CHECK_FALSE(sim::parse_mdr_option("300", every));
  const auto wallets = sim::mdr_table(sim::qr_provider::default_mdr_table(), every);
  REQUIRE(wallets);
  for (const auto& [wallet, bp] : wallets.value()) {
    CHECK(bp == 300);
  }

  sim::MdrOption unknown;
  CHECK_FALSE(sim::parse_mdr_option("suica=198", unknown));
  const auto refused = sim::mdr_table(sim::emoney::default_mdr_table(), unknown);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == "--mdr-bp: unknown brand 'suica' (known: id, nanaco, quicpay, transit_ic, waon)");

  for (const char* bad :
       {"", "-1", "10001", "2.5", "waon", "=198", "waon=", "waon=abc", "waon=198,", "2 50"}) {
    sim::MdrOption option;
    CHECK(sim::parse_mdr_option(bad, option));
  }
}

TEST_CASE("a settlement file is written whole under its name; no part file stays behind", "[settlement]") {
  TemporaryDirectory dir("settlement-write");
  const auto path = sim::write_file_atomically(dir.path / "deep", "a.csv", "one\r\n");
  REQUIRE(path);
  CHECK(path->is_absolute());
  CHECK(read_file(path.value()) == "one\r\n");
  // Written again: replaced, not appended to.
  REQUIRE(sim::write_file_atomically(dir.path / "deep", "a.csv", "two\r\n"));
  CHECK(read_file(path.value()) == "two\r\n");
  CHECK_FALSE(std::filesystem::exists(dir.path / "deep" / "a.csv.part"));
  // A directory that cannot be made (a file is in the way) is an error, not a crash.
  std::ofstream(dir.path / "file") << "x";
  const auto blocked = sim::write_file_atomically(dir.path / "file" / "sub", "a.csv", "x");
  REQUIRE_FALSE(blocked);
  CHECK(blocked.error().find("cannot create") != std::string::npos);
}

TEST_CASE("POST /sim/settlement writes the day's file and answers its summary", "[settlement]") {
  TemporaryDirectory dir("settlement-endpoint");
  chrono::year_month_day asked{};
  const WholeFile make = [&](chrono::year_month_day date) -> Result<sim::SettlementFile, std::string> {
    asked = date;
    return small_file("header\r\n");
  };
  const auto response = sim::answer_settlement(R"({"date": "2024-04-01"})", dir.path, whole_file(make));
  CHECK(response.status == 201);
  CHECK(asked == kApril1);
  const auto body = boost::json::parse(response.body).as_object();
  CHECK(body.at("file") == "test_20240401.csv");
  CHECK(body.at("path").as_string() == (dir.path / "test_20240401.csv").string());
  CHECK(body.at("date") == "2024-04-01");
  CHECK(body.at("lines") == 1);
  CHECK(body.at("amount_total") == 3000);
  CHECK(body.at("fee_total") == 75);
  CHECK(body.at("net_total") == 2925);
  CHECK(read_file(dir.path / "test_20240401.csv") == "header\r\n");

  // The same date again: the same name, the same bytes.
  CHECK(sim::answer_settlement(R"({"date": "2024-04-01"})", dir.path, whole_file(make)).status == 201);
  CHECK(read_file(dir.path / "test_20240401.csv") == "header\r\n");
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path), std::filesystem::directory_iterator()) ==
        1);
}

TEST_CASE("POST /sim/settlement refuses a body without a real date; a file it cannot make is a 500",
          "[settlement]") {
  TemporaryDirectory dir("settlement-refused");
  bool made = false;
  const WholeFile make = [&](chrono::year_month_day) -> Result<sim::SettlementFile, std::string> {
    made = true;
    return small_file("x");
  };
  for (const char* body :
       {"", "[]", "{}", R"({"date": 20240401})", R"({"date": "20240401"})", R"({"date": "2024-02-30"})",
        R"({"date": "2024-04-01T00:00:00Z"})", "{\"date\": "}) {
    const auto response = sim::answer_settlement(body, dir.path, whole_file(make));
    CHECK(response.status == 400);
    CHECK(boost::json::parse(response.body).at("error") == "invalid_request");
  }
  CHECK_FALSE(made);
  CHECK_FALSE(std::filesystem::exists(dir.path));

  const WholeFile failing = [](chrono::year_month_day) -> Result<sim::SettlementFile, std::string> {
    return fail(std::string("em_000001 has an unreadable time stamp 't'"));
  };
  const auto response = sim::answer_settlement(R"({"date": "2024-04-01"})", dir.path, whole_file(failing));
  CHECK(response.status == 500);
  const auto body = boost::json::parse(response.body).as_object();
  CHECK(body.at("error") == "settlement_failed");
  CHECK(body.at("message") == "em_000001 has an unreadable time stamp 't'");
}

TEST_CASE("the e-money centre's day file: Shift_JIS, Japanese columns, the fee kept on refunds",
          "[settlement]") {
  using sim::emoney::PaymentAttempt;
  sim::emoney::CentreBook book(1, 0.0);
  const char* card = "0123456789ABCDEF";
  const auto early =
      book.pay(PaymentAttempt{"pi_e1", 1000, "transit_ic", card, "FAC001"}, kJustBeforeMidnight);
  REQUIRE(early.payment.status == "captured");
  book.pay(PaymentAttempt{"pi_e2", 1000, "transit_ic", card, "FAC001"}, kMidnight);
  book.pay(PaymentAttempt{"pi_e3", 500, "quicpay", card, "FAC002"}, "2024-04-01T02:00:00Z");
  // Declined: not settled.
  const auto declined =
      book.pay(PaymentAttempt{"pi_e4", 800, "waon", "FFFF456789ABCDEF", "FAC001"}, "2024-04-01T02:30:00Z");
  REQUIRE(declined.payment.status == "declined");
  // A refund on 1 April of the payment of 31 March.
  REQUIRE(book.refund({early.payment.id, "re_e1", 400}, "2024-04-01T03:15:00Z").outcome ==
          sim::emoney::RefundOutcome::done);

  const auto [payments, refunds] = book.records();
  const auto file =
      sim::emoney::settlement_file(payments, refunds, kApril1, sim::emoney::default_mdr_table());
  REQUIRE(file);
  CHECK(file->name == "emoney_20240401.csv");
  const std::string expected =
      "利用日,利用時刻,センター取引番号,加盟店取引番号,加盟店コード,ブランド,区分,金額,手数料,差引金額\r\n"
      "2024/04/01,00:00:00,em_000002,pi_e2,FAC001,交通系IC,売上,1000,19,981\r\n"
      "2024/04/01,11:00:00,em_000003,pi_e3,FAC002,QUICPay,売上,500,16,484\r\n"
      "2024/04/01,12:15:00,emr_000001,re_e1,FAC001,交通系IC,取消(返金),400,0,400\r\n"
      "合計,3,1100,35,1065\r\n";
  CHECK(file->content == runtime::utf8_to_shift_jis(expected).value());
  CHECK(runtime::shift_jis_to_utf8(file->content).value() == expected);
  CHECK(file->lines == 3);
  CHECK(file->totals.amount_yen == 1100);
  CHECK(file->totals.fee_yen == 35);
  CHECK(file->totals.net_yen == 1065);

  const auto before =
      sim::emoney::settlement_file(payments, refunds, kMarch31, sim::emoney::default_mdr_table());
  REQUIRE(before);
  CHECK(runtime::shift_jis_to_utf8(before->content).value() ==
        "利用日,利用時刻,センター取引番号,加盟店取引番号,加盟店コード,ブランド,区分,金額,手数料,差引金額\r\n"
        "2024/03/31,23:59:59,em_000001,pi_e1,FAC001,交通系IC,売上,1000,19,981\r\n"
        "合計,1,1000,19,981\r\n");
}

TEST_CASE("an e-money merchant code with no Shift_JIS form stops the file with a reason", "[settlement]") {
  sim::emoney::CentreBook book(1, 0.0);
  book.pay(sim::emoney::PaymentAttempt{"pi_1", 1000, "waon", "0123456789ABCDEF", "FAC😀"}, kMidnight);
  const auto [payments, refunds] = book.records();
  const auto file =
      sim::emoney::settlement_file(payments, refunds, kApril1, sim::emoney::default_mdr_table());
  REQUIRE_FALSE(file);
  CHECK(file.error().starts_with("emoney_20240401.csv: '😀' at byte "));
  CHECK(file.error().ends_with(" has no Shift_JIS form"));
}

TEST_CASE("the QR provider's day file: PayPay's columns and two more, UTF-8 with a BOM, fees given back",
          "[settlement]") {
  using sim::qr_provider::PaymentAttempt;
  sim::qr_provider::ProviderBook book(1, 0.0);
  const auto early =
      book.pay(PaymentAttempt{"pi_q1", 1000, "271234567890125678", "FAC001"}, kJustBeforeMidnight);
  REQUIRE(early.payment.status == "completed");
  book.pay(PaymentAttempt{"pi_q2", 2000, "301234567890121234", "FAC,2"}, kMidnight);
  // Declined: not settled.
  const auto expired =
      book.pay(PaymentAttempt{"pi_q3", 700, "271234567890129999", "FAC001"}, "2024-04-01T01:00:00Z");
  REQUIRE(expired.payment.status == "declined");
  // Two halves of the payment of 31 March refunded on 1 April: 9 then 10 of its fee of 19 come back.
  REQUIRE(book.refund({early.payment.id, "re_q1", 500}, "2024-04-01T06:00:00Z").outcome ==
          sim::qr_provider::RefundOutcome::done);
  REQUIRE(book.refund({early.payment.id, "re_q2", 500}, "2024-04-01T07:00:00Z").outcome ==
          sim::qr_provider::RefundOutcome::done);

  const auto [payments, refunds] = book.records();
  const auto mdr = sim::qr_provider::default_mdr_table();
  const auto file = sim::qr_provider::settlement_file(payments, refunds, kApril1, mdr);
  REQUIRE(file);
  CHECK(file->name == "qr_settlement_20240401.csv");
  CHECK(file->content ==
        "\xEF\xBB\xBF"
        "取引番号,加盟店ID,屋号,店舗ID,店舗名,端末番号/PosID,取引ステータス,取引日時,取引金額,レシート番号,"
        "支払い方法,支払い詳細項目,取引確定期限,加盟店決済ID,手数料,入金額\r\n"
        "qp_000002,\"FAC,2\",,\"FAC,2\",,,取引完了,2024-04-01 00:00:00,2000,,楽天ペイ,**************1234,,"
        "pi_q2,64,1936\r\n"
        "qr_rf_000001,FAC001,,FAC001,,,返金完了,2024-04-01 15:00:00,-500,,PayPay,**************5678,,"
        "re_q1,-9,-491\r\n"
        "qr_rf_000002,FAC001,,FAC001,,,返金完了,2024-04-01 16:00:00,-500,,PayPay,**************5678,,"
        "re_q2,-10,-490\r\n");
  CHECK(file->lines == 3);
  CHECK(file->totals.amount_yen == 1000);
  CHECK(file->totals.fee_yen == 45);
  CHECK(file->totals.net_yen == 955);

  const auto before = sim::qr_provider::settlement_file(payments, refunds, kMarch31, mdr);
  REQUIRE(before);
  CHECK(before->content.ends_with(
      "\r\nqp_000001,FAC001,,FAC001,,,取引完了,2024-03-31 23:59:59,1000,,PayPay,**************5678,,pi_q1,19,"
      "981\r\n"));
  CHECK(before->lines == 1);
}

TEST_CASE("refunds a book would not count are not settled", "[settlement]") {
  const std::vector<sim::SaleRecord> sales{
      sim::SaleRecord{"em_1", "pi_1", "FAC001", "WAON", "", kMidnight, 1000, 198}};
  const std::vector<sim::RefundRecord> refunds{
      sim::RefundRecord{"emr_1", "em_1", "re_1", kMidnight, 600},
      sim::RefundRecord{"emr_2", "em_1", "re_2", kMidnight, 600},    // over what is left
      sim::RefundRecord{"emr_3", "em_404", "re_3", kMidnight, 100},  // of no known sale
      sim::RefundRecord{"emr_4", "em_1", "re_4", kMidnight, 400}};   // exactly what is left
  const auto lines = sim::settlement_lines(sales, refunds, kApril1, sim::FeeOnRefund::kept);
  REQUIRE(lines);
  REQUIRE(lines->size() == 3);
  // One second: the sale first, then the refunds by id.
  CHECK(lines.value()[0].transaction_id == "em_1");
  CHECK(lines.value()[1].transaction_id == "emr_1");
  CHECK(lines.value()[2].transaction_id == "emr_4");
  const auto totals = sim::settlement_totals(lines.value());
  REQUIRE(totals);
  CHECK(totals->amount_yen == 0);
  CHECK(totals->fee_yen == 19);  // kept
  CHECK(totals->net_yen == -19);
}
