// The Pay-easy centre's confirmed-record file (確報): fixed-width records of 120 Shift_JIS bytes, byte for
// byte from numbers paid, reversed, canceled and expired at known instants; the trailer's totals; the
// values that do not fit their field; and POST /sim/settlement through the centre's front, without
// sockets. The profile's byte ranges are checked against this writer in settlement_profile_test.cpp.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "notifier.hpp"
#include "payeasy_book.hpp"
#include "payeasy_front.hpp"
#include "payeasy_settlement.hpp"
#include "settlement_file.hpp"

using namespace kessai;
using sim::payeasy::Number;
namespace chrono = std::chrono;

namespace {

constexpr chrono::year_month_day kMarch31{chrono::year{2024} / 3 / 31};
constexpr chrono::year_month_day kApril1{chrono::year{2024} / 4 / 1};
constexpr chrono::year_month_day kApril2{chrono::year{2024} / 4 / 2};
constexpr std::int64_t kApril1Jst = 1711897200;  // 2024-04-01T00:00:00+09:00 = 2024-03-31T15:00:00Z
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kFeeYen = 110;

// A number as the book keeps it once paid (and reversed, when reversed_at_s is given).
Number paid_number(const std::string& id, const std::string& reference, std::int64_t amount_yen,
                   std::int64_t paid_at_s, std::optional<std::int64_t> reversed_at_s = std::nullopt) {
  Number number;
  number.id = id;
  number.reference = reference;
  number.amount_yen = amount_yen;
  number.merchant = "PROC001";
  number.institution_number = "58091";
  number.customer_number = "01319285790100000012";
  number.confirmation_number = "069565";
  number.expires_at_s = kApril1Jst + 7 * 86'400;
  number.status = reversed_at_s ? "reversed" : "paid";
  number.created_at_s = kApril1Jst - kHour;
  number.paid_at_s = paid_at_s;
  number.reversed_at_s = reversed_at_s;
  number.notify_url = "http://127.0.0.1:9/hooks/payeasy";
  return number;
}

Number unpaid_number(const std::string& id, const std::string& status, std::int64_t at_s) {
  Number number = paid_number(id, "pi_" + status, 500, at_s);
  number.status = status;
  number.paid_at_s.reset();
  if (status == "canceled") number.canceled_at_s = at_s;
  return number;
}

// One record: the fields as written, padded with spaces to 120 bytes, and CRLF.
std::string record(std::string_view fields) {
  REQUIRE(fields.size() <= sim::payeasy::kRecordBytes);
  return std::string(fields) + std::string(sim::payeasy::kRecordBytes - fields.size(), ' ') + "\r\n";
}

std::string header_april1() {
  return record("15809120240401PAYEASY-SIM         ");
}
std::string end_record() {
  return record("9");
}

// Every record of the file is exactly 120 bytes and ends CRLF; the file ends with the end record.
void check_record_lengths(const std::string& content) {
  REQUIRE(content.size() % (sim::payeasy::kRecordBytes + 2) == 0);
  for (std::size_t at = 0; at < content.size(); at += sim::payeasy::kRecordBytes + 2) {
    INFO("record at byte " << at);
    CHECK(content.substr(at + sim::payeasy::kRecordBytes, 2) == "\r\n");
    CHECK(content.substr(at, sim::payeasy::kRecordBytes).find_first_of("\r\n") == std::string::npos);
  }
  CHECK(content.ends_with(end_record()));
}

sim::SettlementFile file_of(const std::vector<Number>& numbers, chrono::year_month_day date) {
  const auto file = sim::payeasy::settlement_file(numbers, "58091", date, kFeeYen);
  REQUIRE(file);
  check_record_lengths(file->content);
  return file.value();
}

std::string error_of(const std::vector<Number>& numbers) {
  const auto file = sim::payeasy::settlement_file(numbers, "58091", kApril1, kFeeYen);
  REQUIRE_FALSE(file);
  return file.error();
}

}  // namespace

TEST_CASE("Pay-easy 確報: a payment is a header, one data record, the trailer and the end record",
          "[settlement][payeasy]") {
  const auto file =
      file_of({paid_number("pe_000001", "pi_1", 3000, kApril1Jst + 9 * kHour + 30 * 60)}, kApril1);
  CHECK(file.name == "payeasy_kakuho_20240401.dat");
  CHECK(file.content == header_april1() +
                            record("21"
                                   "58091"
                                   "01319285790100000012"
                                   "069565"
                                   "20240401093000"
                                   "0000003000"
                                   "00000110"
                                   "0000002890"
                                   "pe_000001       "
                                   "pi_1") +
                            record("8"
                                   "000001"
                                   "000000003000"
                                   "000000"
                                   "000000000000"
                                   "0000000110") +
                            end_record());
  CHECK(file.lines == 1);
  CHECK(file.totals.amount_yen == 3000);
  CHECK(file.totals.fee_yen == 110);
  CHECK(file.totals.net_yen == 2890);
}

TEST_CASE("Pay-easy 確報: a payment and its reversal on one day are two records; the fee comes back",
          "[settlement][payeasy]") {
  const auto file = file_of({paid_number("pe_000002", "pi_" + std::string(24, 'a'), 1980,
                                         kApril1Jst + 10 * kHour, kApril1Jst + 15 * kHour + 5)},
                            kApril1);
  CHECK(file.content == header_april1() +
                            record("21"
                                   "58091"
                                   "01319285790100000012"
                                   "069565"
                                   "20240401100000"
                                   "0000001980"
                                   "00000110"
                                   "0000001870"
                                   "pe_000002       "
                                   "pi_aaaaaaaaaaaaaaaaaaaaaaaa") +
                            record("22"  // 取消: the same amount, the fee given back, the same net
                                   "58091"
                                   "01319285790100000012"
                                   "069565"
                                   "20240401150005"
                                   "0000001980"
                                   "00000110"
                                   "0000001870"
                                   "pe_000002       "
                                   "pi_aaaaaaaaaaaaaaaaaaaaaaaa") +
                            record("8"
                                   "000001"
                                   "000000001980"
                                   "000001"
                                   "000000001980"
                                   "0000000110") +
                            end_record());
  CHECK(file.lines == 2);
  CHECK(file.totals.amount_yen == 0);
  CHECK(file.totals.fee_yen == 0);
  CHECK(file.totals.net_yen == 0);
}

TEST_CASE("Pay-easy 確報: the day is Japan's; a reversal is dated when it was made",
          "[settlement][payeasy]") {
  const std::vector<Number> numbers{
      // 23:59:59 on 31 March in Japan, then 00:00:00 on 1 April.
      paid_number("pe_000001", "pi_late", 1000, kApril1Jst - 1),
      paid_number("pe_000002", "pi_early", 2000, kApril1Jst),
      // Paid on 1 April, reversed on 2 April.
      paid_number("pe_000003", "pi_next", 4000, kApril1Jst + 23 * kHour, kApril1Jst + 24 * kHour + 60),
      // Never paid: not in any file.
      unpaid_number("pe_000004", "canceled", kApril1Jst + kHour),
      unpaid_number("pe_000005", "expired", kApril1Jst + 2 * kHour),
      unpaid_number("pe_000006", "issued", kApril1Jst + 3 * kHour),
  };
  const auto march31 = file_of(numbers, kMarch31);
  CHECK(march31.name == "payeasy_kakuho_20240331.dat");
  CHECK(march31.content == record("15809120240331PAYEASY-SIM") +
                               record("21"
                                      "58091"
                                      "01319285790100000012"
                                      "069565"
                                      "20240331235959"
                                      "0000001000"
                                      "00000110"
                                      "0000000890"
                                      "pe_000001       "
                                      "pi_late") +
                               record("8"
                                      "000001"
                                      "000000001000"
                                      "000000"
                                      "000000000000"
                                      "0000000110") +
                               end_record());

  const auto april1 = file_of(numbers, kApril1);
  CHECK(april1.content == header_april1() +
                              record("21"
                                     "58091"
                                     "01319285790100000012"
                                     "069565"
                                     "20240401000000"
                                     "0000002000"
                                     "00000110"
                                     "0000001890"
                                     "pe_000002       "
                                     "pi_early") +
                              record("21"
                                     "58091"
                                     "01319285790100000012"
                                     "069565"
                                     "20240401230000"
                                     "0000004000"
                                     "00000110"
                                     "0000003890"
                                     "pe_000003       "
                                     "pi_next") +
                              record("8"
                                     "000002"
                                     "000000006000"
                                     "000000"
                                     "000000000000"
                                     "0000000220") +
                              end_record());
  CHECK(april1.lines == 2);
  CHECK(april1.totals.amount_yen == 6000);
  CHECK(april1.totals.fee_yen == 220);
  CHECK(april1.totals.net_yen == 5780);

  const auto april2 = file_of(numbers, kApril2);
  CHECK(april2.content == record("15809120240402PAYEASY-SIM") +
                              record("22"
                                     "58091"
                                     "01319285790100000012"
                                     "069565"
                                     "20240402000100"
                                     "0000004000"
                                     "00000110"
                                     "0000003890"
                                     "pe_000003       "
                                     "pi_next") +
                              record("8"
                                     "000000"
                                     "000000000000"
                                     "000001"
                                     "000000004000"
                                     "0000000000") +
                              end_record());
  CHECK(april2.lines == 1);
  CHECK(april2.totals.amount_yen == -4000);
  CHECK(april2.totals.fee_yen == -110);
  CHECK(april2.totals.net_yen == -3890);

  // A day with nothing: the header, an empty trailer, the end.
  const auto empty = file_of(numbers, chrono::year{2024} / 4 / 3);
  CHECK(empty.content == record("15809120240403PAYEASY-SIM") +
                             record("8"
                                    "000000"
                                    "000000000000"
                                    "000000"
                                    "000000000000"
                                    "0000000000") +
                             end_record());
  CHECK(empty.lines == 0);
}

TEST_CASE("Pay-easy 確報: the trailer counts and adds up each kind; the fee never exceeds the amount",
          "[settlement][payeasy]") {
  std::vector<Number> numbers;
  for (int i = 1; i <= 9; ++i) {
    const std::string id = "pe_00000" + std::to_string(i);
    const std::int64_t paid_at_s = kApril1Jst + i * kHour;
    numbers.push_back(i % 3 == 0
                          ? paid_number(id, "pi_" + std::to_string(i), 999'999'999, paid_at_s, paid_at_s + 60)
                          : paid_number(id, "pi_" + std::to_string(i), 50 * i, paid_at_s));
  }
  const auto file = file_of(numbers, kApril1);
  // 6 payments of 50, 100, 200, 250, 350, 400 (fees 50, 100, 110 × 4) and 3 of 999,999,999 (fees 110),
  // the latter 3 reversed.
  const std::string trailer = file.content.substr(file.content.size() - 2 * 122, 122);
  CHECK(trailer == record("8000009"
                          "003000001347"
                          "000003"
                          "002999999997"
                          "0000000920"));
  CHECK(file.lines == 12);
  CHECK(file.totals.amount_yen == 1350);
  CHECK(file.totals.fee_yen == 590);
  CHECK(file.totals.net_yen == 760);
  // 50 yen: the fee is the whole amount, the net 0.
  CHECK(file.content.find("20240401010000"
                          "0000000050"
                          "00000050"
                          "0000000000"
                          "pe_000001       "
                          "pi_1 ") != std::string::npos);
}

TEST_CASE("Pay-easy 確報: a value that does not fit its field fails the file, naming the number and field",
          "[settlement][payeasy]") {
  const std::int64_t at_s = kApril1Jst + kHour;
  // 29 bytes fit (kessai's pi_ and 24 characters with room to spare); 30 do not, nor full-width text past
  // 29 bytes.
  CHECK(sim::payeasy::settlement_file({paid_number("pe_000001", "pi_" + std::string(26, 'b'), 1000, at_s)},
                                      "58091", kApril1, kFeeYen));
  CHECK(error_of({paid_number("pe_000001", "pi_" + std::string(27, 'b'), 1000, at_s)}) ==
        "payeasy_kakuho_20240401.dat: pe_000001: 加盟店参照番号 reference 'pi_" + std::string(27, 'b') +
            "' takes 30 bytes in Shift_JIS, more than the 29 of its field");
  const auto wide = sim::payeasy::settlement_file(
      {paid_number("pe_000001", "pi_一二三四五六七八九十一二三", 1000, at_s)}, "58091", kApril1, kFeeYen);
  REQUIRE(wide);  // 3 + 13 × 2 = 29 bytes
  CHECK(wide->content.find("pe_000001       pi_\x88\xEA\x93\xF1") != std::string::npos);  // 一二 in Shift_JIS
  check_record_lengths(wide->content);
  CHECK(error_of({paid_number("pe_000001", "pi_一二三四五六七八九十一二三四", 1000, at_s)})
            .ends_with("' takes 31 bytes in Shift_JIS, more than the 29 of its field"));
  CHECK(error_of({paid_number("pe_00000000000001", "pi_1", 1000, at_s)}) ==
        "payeasy_kakuho_20240401.dat: pe_00000000000001: センター番号 id 'pe_00000000000001' takes 17 bytes "
        "in Shift_JIS, more than the 16 of its field");
  CHECK(error_of({paid_number("pe_000001", "pi_1", 10'000'000'000, at_s)}) ==
        "payeasy_kakuho_20240401.dat: pe_000001: 金額 amount 10000000000 has 11 digits, more than the 10 "
        "of its field");

  Number edited = paid_number("pe_000001", "pi_1", 1000, at_s);
  edited.customer_number = "013192857901000000123";
  CHECK(error_of({edited}) ==
        "payeasy_kakuho_20240401.dat: pe_000001: お客様番号 customer_number 013192857901000000123 has 21 "
        "digits, more than the 20 of its field");
  edited = paid_number("pe_000001", "pi_1", 1000, at_s);
  edited.confirmation_number = "06956X";
  CHECK(error_of({edited}) ==
        "payeasy_kakuho_20240401.dat: pe_000001: 確認番号 confirmation_number '06956X' is not digits");

  // Text that would break the record apart, or has no Shift_JIS form.
  CHECK(error_of({paid_number("pe_000001", "pi_1\r\n2", 1000, at_s)}) ==
        "payeasy_kakuho_20240401.dat: pe_000001: 加盟店参照番号 reference holds a control character at "
        "byte 4");
  CHECK(error_of({paid_number("pe_000001", "pi_😀", 1000, at_s)})
            .ends_with("'pi_😀': '😀' at byte 3 has no Shift_JIS form"));

  // A number of another day that does not fit is not this day's problem.
  const auto other_day = sim::payeasy::settlement_file(
      {paid_number("pe_000001", "pi_" + std::string(40, 'c'), 1000, kApril1Jst - kHour)}, "58091", kApril1,
      kFeeYen);
  CHECK(other_day);
}

TEST_CASE("Pay-easy 確報: a trailer count or total that does not fit fails the file",
          "[settlement][payeasy]") {
  // 1,000 payments of 999,999,999 yen: 999,999,999,000 fits 12 digits; 1,001 do not.
  std::vector<Number> numbers;
  for (int i = 1; i <= 1'000; ++i) {
    numbers.push_back(paid_number("pe_" + std::to_string(100'000 + i), "pi_" + std::to_string(i), 999'999'999,
                                  kApril1Jst + i));
  }
  CHECK(sim::payeasy::settlement_file(numbers, "58091", kApril1, kFeeYen));
  numbers.push_back(paid_number("pe_200000", "pi_x", 999'999'999, kApril1Jst));
  const auto file = sim::payeasy::settlement_file(numbers, "58091", kApril1, kFeeYen);
  REQUIRE_FALSE(file);
  CHECK(
      file.error() ==
      "payeasy_kakuho_20240401.dat: the trailer: 収納金額合計 1000999998999 has 13 digits, more than the 12 "
      "of its field");
}

// ---- POST /sim/settlement through the centre's front, without sockets ----

namespace {

// A directory of its own under the system's temporary directory, removed afterwards.
struct TemporaryDirectory {
  explicit TemporaryDirectory(const std::string& name)
      : path(std::filesystem::temp_directory_path() / ("kessai-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
  }
  ~TemporaryDirectory() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Centre {
  explicit Centre(const std::filesystem::path& settlement_dir)
      : notifier(sim::NotifierOptions{"whsec_test", "pen", 0.0, 0, false, 1}, notices_journal),
        front(
            book, numbers_journal, notifier, [this] { return now_s; },
            sim::payeasy::SettlementTerms{settlement_dir, 200}) {}

  runtime::HttpResponse call(const std::string& method, const std::string& target,
                             const std::string& body = "") {
    runtime::HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    return front.handle(request);
  }

  boost::json::object issue(const std::string& reference, std::int64_t amount_yen,
                            const std::string& expires_at = "2024-04-08T00:00:00Z") {
    const boost::json::object terms{
        {"reference", reference},   {"amount", amount_yen},
        {"currency", "JPY"},        {"merchant", "PROC001"},
        {"expires_at", expires_at}, {"notify_url", "http://127.0.0.1:9/hooks/payeasy"}};
    const auto issued = call("POST", "/v1/numbers", boost::json::serialize(terms));
    REQUIRE(issued.status == 201);
    return boost::json::parse(issued.body).as_object();
  }

  // A number issued an hour before paid_at_s, then paid then; its id.
  std::string paid(const std::string& reference, std::int64_t amount_yen, std::int64_t paid_at_s) {
    now_s = paid_at_s - kHour;
    const boost::json::object number = issue(reference, amount_yen);
    now_s = paid_at_s;
    const boost::json::object attempt{{"institution_number", number.at("institution_number")},
                                      {"customer_number", number.at("customer_number")},
                                      {"confirmation_number", number.at("confirmation_number")}};
    REQUIRE(call("POST", "/sim/pay", boost::json::serialize(attempt)).status == 200);
    return std::string(number.at("id").as_string());
  }

  sim::payeasy::CentreBook book{"12345", 1, 0.0};
  std::ostringstream numbers_journal;
  std::ostringstream notices_journal;
  sim::Notifier notifier;
  std::int64_t now_s = kApril1Jst;
  sim::payeasy::CentreFront front;
};

}  // namespace

TEST_CASE("Pay-easy: POST /sim/settlement writes the day's 確報 and answers its summary",
          "[settlement][payeasy]") {
  TemporaryDirectory dir("payeasy-settlement");
  Centre centre(dir.path / "settlement");
  centre.paid("pi_1", 3000, kApril1Jst + kHour);
  const std::string reversed = centre.paid("pi_2", 150, kApril1Jst + 2 * kHour);
  centre.paid("pi_3", 5000, kApril1Jst + 25 * kHour);  // 2 April
  centre.now_s = kApril1Jst + 3 * kHour;
  REQUIRE(centre.call("POST", "/sim/reverse", R"({"number": ")" + reversed + R"("})").status == 200);
  // Canceled and expired numbers are not in the file.
  centre.issue("pi_4", 700);
  REQUIRE(centre.call("POST", "/v1/numbers/pe_000004/cancel").status == 200);
  centre.issue("pi_5", 800, "2024-04-01T00:00:00Z");
  centre.now_s = kApril1Jst + 12 * kHour;
  REQUIRE(centre.call("GET", "/v1/numbers/pe_000005").status == 200);  // found expired
  REQUIRE(centre.book.by_id("pe_000005")->status == "expired");

  const auto answer = centre.call("POST", "/sim/settlement", R"({"date": "2024-04-01"})");
  REQUIRE(answer.status == 201);
  const auto body = boost::json::parse(answer.body).as_object();
  const auto path = dir.path / "settlement" / "payeasy_kakuho_20240401.dat";
  CHECK(body.at("path").as_string() == path.string());
  CHECK(body.at("file") == "payeasy_kakuho_20240401.dat");
  CHECK(body.at("date") == "2024-04-01");
  CHECK(body.at("lines") == 3);
  // 3000 + 150 − 150 paid in; fees 200 + 150 (the fee at most the amount) − 150 given back.
  CHECK(body.at("amount_total") == 3000);
  CHECK(body.at("fee_total") == 200);
  CHECK(body.at("net_total") == 2800);
  const std::string written = read_file(path);
  check_record_lengths(written);
  CHECK(written.starts_with("11234520240401PAYEASY-SIM"));
  CHECK(written == sim::payeasy::settlement_file(centre.book.all(), "12345", kApril1, 200).value().content);

  // The same date again: the same bytes. A date with nothing: a file all the same.
  CHECK(centre.call("POST", "/sim/settlement", R"({"date": "2024-04-01"})").status == 201);
  CHECK(read_file(path) == written);
  const auto quiet = centre.call("POST", "/sim/settlement", R"({"date": "2024-04-05"})");
  CHECK(quiet.status == 201);
  CHECK(boost::json::parse(quiet.body).at("lines") == 0);
}

TEST_CASE("Pay-easy: POST /sim/settlement refuses a bad date; a file it cannot make is a 500",
          "[settlement][payeasy]") {
  TemporaryDirectory dir("payeasy-settlement-refused");
  Centre centre(dir.path / "settlement");
  for (const char* body : {"", "{}", R"({"date": "2024-02-30"})", R"({"date": "20240401"})"}) {
    INFO(body);
    const auto answer = centre.call("POST", "/sim/settlement", body);
    CHECK(answer.status == 400);
    CHECK(boost::json::parse(answer.body).at("error") == "invalid_request");
  }
  CHECK(centre.call("GET", "/sim/settlement").status == 404);
  CHECK_FALSE(std::filesystem::exists(dir.path / "settlement"));

  // A reference too long for its field (kessai's are never): the file is not written.
  centre.paid("pi_" + std::string(30, 'z'), 3000, kApril1Jst + kHour);
  const auto answer = centre.call("POST", "/sim/settlement", R"({"date": "2024-04-01"})");
  CHECK(answer.status == 500);
  const auto body = boost::json::parse(answer.body).as_object();
  CHECK(body.at("error") == "settlement_failed");
  CHECK(std::string(body.at("message").as_string()).find("reference 'pi_zzz") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path / "settlement" / "payeasy_kakuho_20240401.dat"));
}
