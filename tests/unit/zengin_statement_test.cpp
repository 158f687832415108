// The bank simulator (kessai_sim_bank): the Zengin 200-byte statement (入出金取引明細) byte for byte —
// every record 200 bytes and CRLF, each field at its bytes, 和暦 dates, half-width katakana as single
// Shift_JIS bytes, the trailer's totals — and the bank's day: deposits drawn short or missing from the
// seed, the book that pays a (date, processor) once and carries the balance, the truth file, the
// processors' answers and the options.

#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "bank_day.hpp"
#include "bank_options.hpp"
#include "kessai/runtime/shift_jis.hpp"
#include "zengin_statement.hpp"

using namespace kessai;
using namespace kessai::sim::bank;
namespace chrono = std::chrono;
namespace json = boost::json;

namespace {

constexpr chrono::year_month_day kApril1{chrono::year{2026} / 4 / 1};
constexpr chrono::year_month_day kApril2{chrono::year{2026} / 4 / 2};

// The records of a file, each without its CRLF; every one must end with CRLF.
std::vector<std::string> records_of(const std::string& content) {
  std::vector<std::string> records;
  std::size_t at = 0;
  while (at < content.size()) {
    const std::size_t end = content.find("\r\n", at);
    REQUIRE(end != std::string::npos);
    records.push_back(content.substr(at, end - at));
    at = end + 2;
  }
  return records;
}

// Bytes `from` to `to` of a record, 1-based and inclusive as the layout counts them.
std::string field(const std::string& record, std::size_t from, std::size_t to) {
  return record.substr(from - 1, to - from + 1);
}

// Half-width text as its Shift_JIS bytes.
std::string sjis(std::string_view utf8) {
  return runtime::utf8_to_shift_jis(utf8).value();
}

std::string padded(std::string_view bytes, std::size_t width) {
  std::string text(bytes);
  text.append(width - text.size(), ' ');
  return text;
}

SettlementAnswer answer(std::string processor, std::int64_t net_yen) {
  SettlementAnswer each;
  each.processor = std::move(processor);
  each.path = "/tmp/" + each.processor + ".csv";
  each.file = each.processor + ".csv";
  each.lines = 3;
  each.amount_total_yen = net_yen + 100;
  each.fee_total_yen = 100;
  each.net_total_yen = net_yen;
  return each;
}

std::vector<SettlementAnswer> four_answers() {
  return {answer("card-acquirer", 120'000), answer("emoney-centre", 35'500), answer("qr-provider", 8'800),
          answer("payeasy-centre", 54'890)};
}

Statement sample_statement() {
  Statement statement;
  statement.created_on = statement.from_date = statement.to_date = kApril2;
  statement.balance_before_yen = 1'000'000;
  Entry in;
  in.inquiry_number = 7;
  in.accounting_date = in.value_date = kApril2;
  in.amount_yen = 120'000;
  in.payer_code = "0000100001";
  in.payer_name = "ｶ)ｶｰﾄﾞｱｸｲｱﾗｰ";
  in.sending_bank_name = "ﾐﾗｲｷﾞﾝｺｳ";
  in.sending_branch_name = "ﾎﾝﾃﾝ";
  in.summary = "ｹﾂｻｲ ﾆﾕｳｷﾝ 080401";
  Entry out = in;
  out.inquiry_number = 8;
  out.direction = Direction::withdrawal;
  out.transaction_code = kAccountTransferCode;
  out.amount_yen = 3'000;
  out.payer_code = "0000100003";
  out.payer_name = "ｶ)ｷﾕｰｱｰﾙﾍﾟｲ";
  statement.entries = {in, out};
  return statement;
}

}  // namespace

TEST_CASE("every record of the statement is 200 bytes and CRLF: header, data, trailer, end", "[bank]") {
  const auto file = statement_file(sample_statement());
  REQUIRE(file);
  CHECK(file->name == "zengin03_20260402.dat");
  const std::vector<std::string> records = records_of(file->content);
  REQUIRE(records.size() == 5);
  for (const std::string& record : records) CHECK(record.size() == kRecordBytes);
  CHECK(file->content.size() == 5 * (kRecordBytes + 2));
  CHECK(records[0][0] == '1');
  CHECK(records[1][0] == '2');
  CHECK(records[2][0] == '2');
  CHECK(records[3][0] == '8');
  CHECK(records[4] == "9" + std::string(199, ' '));
}

TEST_CASE("the header's fields at their bytes", "[bank]") {
  const auto file = statement_file(sample_statement());
  REQUIRE(file);
  const std::string header = records_of(file->content)[0];
  CHECK(field(header, 1, 1) == "1");
  CHECK(field(header, 2, 3) == "03");        // 種別コード
  CHECK(field(header, 4, 4) == "0");         // コード区分
  CHECK(field(header, 5, 10) == "080402");   // 作成日: 令和8年4月2日
  CHECK(field(header, 11, 16) == "080402");  // 勘定日(自)
  CHECK(field(header, 17, 22) == "080402");  // 勘定日(至)
  CHECK(field(header, 23, 26) == "0999");    // 銀行コード
  CHECK(field(header, 27, 41) == padded(sjis("ｼﾐﾕﾚｰｼﾖﾝｷﾞﾝｺｳ"), 15));
  CHECK(field(header, 42, 44) == "001");  // 支店コード
  CHECK(field(header, 45, 59) == padded(sjis("ﾄﾁﾖｳｼﾃﾝ"), 15));
  CHECK(field(header, 60, 62) == "   ");
  CHECK(field(header, 63, 63) == "1");           // 普通
  CHECK(field(header, 64, 73) == "0001234567");  // 口座番号
  CHECK(field(header, 74, 113) == padded(sjis("ｶｲｹｲｶﾝﾘｼﾔ"), 40));
  CHECK(field(header, 114, 114) == "1");               // 貸越区分: plus
  CHECK(field(header, 115, 115) == "1");               // 通帳・証書区分
  CHECK(field(header, 116, 129) == "00000001000000");  // 取引前残高
  CHECK(field(header, 130, 200) == std::string(71, ' '));
}

TEST_CASE("a data record's fields at their bytes, the unused numeric ones zeros", "[bank]") {
  const auto file = statement_file(sample_statement());
  REQUIRE(file);
  const std::vector<std::string> records = records_of(file->content);
  const std::string& in = records[1];
  CHECK(field(in, 2, 9) == "00000007");  // 照会番号
  CHECK(field(in, 10, 15) == "080402");  // 勘定日
  CHECK(field(in, 16, 21) == "080402");  // 預入・払出日
  CHECK(field(in, 22, 22) == "1");       // 入金
  CHECK(field(in, 23, 24) == "11");      // 振込
  CHECK(field(in, 25, 36) == "000000120000");
  CHECK(field(in, 37, 48) == "000000000000");  // うち他店券金額
  CHECK(field(in, 49, 54) == "000000");        // 交換呈示日
  CHECK(field(in, 55, 60) == "000000");        // 不渡返還日
  CHECK(field(in, 61, 61) == "0");             // 手形・小切手区分
  CHECK(field(in, 62, 68) == "0000000");       // 手形・小切手番号
  CHECK(field(in, 69, 71) == "000");           // 僚店番号
  CHECK(field(in, 72, 81) == "0000100001");    // 振込依頼人コード
  // ｶ ) ｶ ｰ ﾄ ﾞ ｱ ｸ ｲ ｱ ﾗ ｰ: one Shift_JIS byte each, 0xA1–0xDF for the kana.
  CHECK(field(in, 82, 129) == padded("\xB6)\xB6\xB0\xC4\xDE\xB1\xB8\xB2\xB1\xD7\xB0", 48));
  CHECK(field(in, 130, 144) == padded(sjis("ﾐﾗｲｷﾞﾝｺｳ"), 15));
  CHECK(field(in, 145, 159) == padded(sjis("ﾎﾝﾃﾝ"), 15));
  CHECK(field(in, 160, 179) == padded(sjis("ｹﾂｻｲ ﾆﾕｳｷﾝ 080401"), 20));
  CHECK(field(in, 180, 199) == std::string(20, ' '));  // EDI情報
  CHECK(field(in, 200, 200) == " ");
  const std::string& out = records[2];
  CHECK(field(out, 2, 9) == "00000008");
  CHECK(field(out, 22, 22) == "2");   // 出金
  CHECK(field(out, 23, 24) == "14");  // 振替
  CHECK(field(out, 25, 36) == "000000003000");
  // Every byte of every text field is ASCII or a half-width kana.
  for (const std::string& record : records) {
    for (const char c : record) {
      const auto byte = static_cast<unsigned char>(c);
      CHECK(((byte >= 0x20 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xDF)));
    }
  }
}

TEST_CASE("the trailer: counts, totals and the balance after", "[bank]") {
  const auto file = statement_file(sample_statement());
  REQUIRE(file);
  const std::string trailer = records_of(file->content)[3];
  CHECK(field(trailer, 2, 7) == "000001");           // 入金件数
  CHECK(field(trailer, 8, 20) == "0000000120000");   // 入金額合計
  CHECK(field(trailer, 21, 26) == "000001");         // 出金件数
  CHECK(field(trailer, 27, 39) == "0000000003000");  // 出金額合計
  CHECK(field(trailer, 40, 40) == "1");
  CHECK(field(trailer, 41, 54) == "00000001117000");  // 1,000,000 + 120,000 − 3,000
  CHECK(field(trailer, 55, 200) == std::string(146, ' '));
  CHECK(file->deposits == 1);
  CHECK(file->deposit_total_yen == 120'000);
  CHECK(file->withdrawals == 1);
  CHECK(file->withdrawal_total_yen == 3'000);
  CHECK(file->balance_after_yen == 1'117'000);
}

TEST_CASE("an overdrawn account: 貸越区分 2 and the balance's absolute value", "[bank]") {
  Statement statement = sample_statement();
  statement.balance_before_yen = -500;
  statement.entries.erase(statement.entries.begin());  // the withdrawal of 3,000 only
  const auto file = statement_file(statement);
  REQUIRE(file);
  const std::vector<std::string> records = records_of(file->content);
  CHECK(field(records[0], 114, 114) == "2");
  CHECK(field(records[0], 116, 129) == "00000000000500");
  CHECK(field(records[2], 40, 40) == "2");
  CHECK(field(records[2], 41, 54) == "00000000003500");
  CHECK(file->balance_after_yen == -3'500);
}

TEST_CASE("a statement with no records still has its header, trailer and end", "[bank]") {
  Statement statement = sample_statement();
  statement.entries.clear();
  const auto file = statement_file(statement);
  REQUIRE(file);
  const std::vector<std::string> records = records_of(file->content);
  REQUIRE(records.size() == 3);
  CHECK(field(records[1], 1, 39) == "8" + std::string(38, '0'));
  CHECK(field(records[1], 41, 54) == "00000001000000");
}

TEST_CASE("a 平成 date in the statement", "[bank]") {
  Statement statement = sample_statement();
  const chrono::year_month_day heisei{chrono::year{2019} / 4 / 30};
  statement.created_on = statement.from_date = statement.to_date = heisei;
  for (Entry& entry : statement.entries) entry.accounting_date = entry.value_date = heisei;
  const auto file = statement_file(statement);
  REQUIRE(file);
  CHECK(file->name == "zengin03_20190430.dat");
  CHECK(field(records_of(file->content)[0], 5, 10) == "310430");
  CHECK(field(records_of(file->content)[1], 10, 15) == "310430");
}

TEST_CASE("values that do not fit their field fail the file, naming the record and the field", "[bank]") {
  Statement statement = sample_statement();
  statement.entries[0].payer_name = "カード";  // full-width: not Zengin text
  auto file = statement_file(statement);
  REQUIRE_FALSE(file);
  CHECK(
      file.error() ==
      "zengin03_20260402.dat: 照会番号 7: 振込依頼人名 'カード' is not half-width text (printable ASCII and "
      "half-width katakana only)");

  statement = sample_statement();
  statement.entries[0].amount_yen = 1'000'000'000'000;  // 13 digits
  file = statement_file(statement);
  REQUIRE_FALSE(file);
  CHECK(file.error() ==
        "zengin03_20260402.dat: 照会番号 7: 取引金額 1000000000000 has 13 digits, more than the 12 of its "
        "field");

  statement = sample_statement();
  statement.entries[0].amount_yen = 0;
  file = statement_file(statement);
  REQUIRE_FALSE(file);
  CHECK(file.error() == "zengin03_20260402.dat: 照会番号 7: 取引金額 0 is not positive");

  statement = sample_statement();
  statement.entries[0].summary = std::string(21, 'A');
  file = statement_file(statement);
  REQUIRE_FALSE(file);
  CHECK(file.error().ends_with("摘要 'AAAAAAAAAAAAAAAAAAAAA' takes 21 bytes, more than the 20 of its field"));

  statement = sample_statement();
  statement.entries[0].summary = "ｹﾂｻｲ\r\n";
  CHECK_FALSE(statement_file(statement));

  statement = sample_statement();
  statement.balance_before_yen = 100'000'000'000'000;  // 15 digits
  file = statement_file(statement);
  REQUIRE_FALSE(file);
  CHECK(file.error().ends_with(
      "the header: 取引前残高 100000000000000 has 15 digits, more than the 14 of its field"));
}

TEST_CASE("the processors' table: Zengin text that fits, codes of 10 digits", "[bank]") {
  std::set<std::string_view> codes;
  for (const ProcessorPayer& payer : kProcessorPayers) {
    INFO(payer.processor);
    CHECK(runtime::is_halfwidth_katakana_text(payer.payer_name));
    CHECK(runtime::is_halfwidth_katakana_text(payer.bank_name));
    CHECK(runtime::is_halfwidth_katakana_text(payer.branch_name));
    CHECK(sjis(payer.payer_name).size() <= kPayerNameBytes);
    CHECK(sjis(payer.bank_name).size() <= kBankNameBytes);
    CHECK(sjis(payer.branch_name).size() <= kBankNameBytes);
    // Zengin has no small kana (ｧｨｩｪｫｬｭｮｯ, 0xA7–0xAF) and no lower-case letters.
    for (const char c : sjis(payer.payer_name)) {
      const auto byte = static_cast<unsigned char>(c);
      CHECK_FALSE((byte >= 0xA7 && byte <= 0xAF));
      CHECK_FALSE((byte >= 'a' && byte <= 'z'));
    }
    CHECK(payer.payer_code.size() == kPayerCodeDigits);
    codes.insert(payer.payer_code);
    CHECK(find_processor_payer(payer.processor) == &payer);
  }
  CHECK(codes.size() == kProcessorPayers.size());
  CHECK(find_processor_payer("card_acquirer") == nullptr);
  CHECK(find_processor_payer("ｶ)ｶｰﾄﾞｱｸｲｱﾗｰ") == nullptr);
  CHECK(payout_summary(kApril1, Direction::deposit) == "ｹﾂｻｲ ﾆﾕｳｷﾝ 080401");
  CHECK(payout_summary(kApril1, Direction::withdrawal) == "ｹﾂｻｲ ﾍﾝｷﾝ 080401");
}

TEST_CASE("deposits: each net total as due, drawn short or missing from the seed", "[bank]") {
  const std::vector<SettlementAnswer> answers = four_answers();
  const std::vector<Deposit> as_due = plan_deposits(answers, {}, 1, kApril1);
  REQUIRE(as_due.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(as_due[i].processor == answers[i].processor);
    CHECK(as_due[i].moved_yen == answers[i].net_total_yen);
    CHECK(as_due[i].reason.empty());
  }
  const std::vector<Deposit> faulty = plan_deposits(answers, DepositFaults{2, 1}, 7, kApril1);
  int shorts = 0;
  int missing = 0;
  for (const Deposit& deposit : faulty) {
    INFO(deposit.processor);
    CHECK(deposit.expected_yen == deposit.moved_yen + (deposit.expected_yen - deposit.moved_yen));
    if (deposit.reason == kDepositShort) {
      ++shorts;
      CHECK(deposit.expected_yen - deposit.moved_yen >= 1);
      CHECK(deposit.expected_yen - deposit.moved_yen <= kShortfallYenMax);
    } else if (deposit.reason == kDepositMissing) {
      ++missing;
      CHECK(deposit.moved_yen == 0);
    } else {
      CHECK(deposit.moved_yen == deposit.expected_yen);
    }
  }
  CHECK(shorts == 2);
  CHECK(missing == 1);
  // The same seed and date draw the same; the draws differ across seeds or dates (some of them).
  const auto same = plan_deposits(answers, DepositFaults{2, 1}, 7, kApril1);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(same[i].moved_yen == faulty[i].moved_yen);
    CHECK(same[i].reason == faulty[i].reason);
  }
  bool differs = false;
  for (std::uint64_t seed = 8; seed < 40 && !differs; ++seed) {
    const auto other = plan_deposits(answers, DepositFaults{2, 1}, seed, kApril1);
    for (std::size_t i = 0; i < 4; ++i) differs = differs || other[i].moved_yen != faulty[i].moved_yen;
  }
  CHECK(differs);
}

TEST_CASE("deposits: nothing for a zero net, money out for a negative one, never short to nothing",
          "[bank]") {
  const std::vector<SettlementAnswer> answers = {answer("card-acquirer", 0), answer("emoney-centre", -4'200),
                                                 answer("qr-provider", 1), answer("payeasy-centre", 2)};
  // Only qr-provider (1 yen) and payeasy-centre (2 yen) have money due; 1 yen cannot be paid short.
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto deposits = plan_deposits(answers, DepositFaults{4, 0}, seed, kApril1);
    CHECK(deposits[0].moved_yen == 0);
    CHECK(deposits[0].reason.empty());
    CHECK(deposits[1].moved_yen == -4'200);
    CHECK(deposits[1].reason.empty());
    CHECK(deposits[2].moved_yen == 1);
    CHECK(deposits[3].moved_yen == 1);  // 2 yen short by 1, the only shortfall that leaves money
    CHECK(deposits[3].reason == kDepositShort);
  }
  const auto missing = plan_deposits(answers, DepositFaults{0, 4}, 3, kApril1);
  CHECK(missing[2].reason == kDepositMissing);
  CHECK(missing[3].reason == kDepositMissing);
  CHECK(missing[1].moved_yen == -4'200);
}

TEST_CASE("the book pays a (date, processor) once, numbers records in turn and carries the balance",
          "[bank]") {
  const std::vector<SettlementAnswer> answers = {answer("card-acquirer", 120'000), answer("emoney-centre", 0),
                                                 answer("qr-provider", -3'000)};
  const auto deposits = plan_deposits(answers, {}, 1, kApril1);
  auto first = record_day({}, deposits, kApril1, kApril2);
  REQUIRE(first);
  REQUIRE(first->added.size() == 3);
  CHECK(first->added[0].inquiry_number == 1);
  CHECK(first->added[0].balance_after_yen == 120'000);
  CHECK(first->added[1].inquiry_number == 0);  // nothing moved
  CHECK(first->added[2].inquiry_number == 2);
  CHECK(first->added[2].balance_after_yen == 117'000);
  CHECK(first->already_recorded.empty());

  // The same date again: nothing added, the earlier records are the day's.
  std::vector<BookRecord> book = first->added;
  auto again = record_day(book, deposits, kApril1, kApril2);
  REQUIRE(again);
  CHECK(again->added.empty());
  CHECK(again->of_day.size() == 3);
  CHECK(again->already_recorded == std::vector<std::string>{"card-acquirer", "emoney-centre", "qr-provider"});

  // Saturday 4/4 and Sunday 4/5 are paid on Monday 4/6, as is Friday 4/3: one statement lists them all.
  const chrono::year_month_day friday{chrono::year{2026} / 4 / 3};
  const chrono::year_month_day saturday{chrono::year{2026} / 4 / 4};
  const chrono::year_month_day monday{chrono::year{2026} / 4 / 6};
  for (const auto day : {friday, saturday}) {
    auto each = record_day(book, plan_deposits({answer("card-acquirer", 10'000)}, {}, 1, day), day, monday);
    REQUIRE(each);
    book.insert(book.end(), each->added.begin(), each->added.end());
  }
  CHECK(book.back().inquiry_number == 4);
  CHECK(book.back().balance_after_yen == 137'000);
  auto statement = statement_of(book, monday, Account{});
  REQUIRE(statement);
  CHECK(statement->balance_before_yen == 117'000);  // every earlier 勘定日
  REQUIRE(statement->entries.size() == 2);
  CHECK(statement->entries[0].inquiry_number == 3);
  CHECK(statement->entries[0].summary == "ｹﾂｻｲ ﾆﾕｳｷﾝ 080403");
  CHECK(statement->entries[1].summary == "ｹﾂｻｲ ﾆﾕｳｷﾝ 080404");
  const auto monday_file = statement_file(statement.value());
  REQUIRE(monday_file);
  CHECK(monday_file->name == "zengin03_20260406.dat");
  CHECK(monday_file->balance_after_yen == 137'000);

  // The statement of 4/2: the deposit and the withdrawal, the processors named from the table.
  auto april2 = statement_of(book, kApril2, Account{});
  REQUIRE(april2);
  CHECK(april2->balance_before_yen == 0);
  REQUIRE(april2->entries.size() == 2);
  CHECK(april2->entries[0].direction == Direction::deposit);
  CHECK(april2->entries[0].transaction_code == "11");
  CHECK(april2->entries[0].payer_name == "ｶ)ｶｰﾄﾞｱｸｲｱﾗｰ");
  CHECK(april2->entries[1].direction == Direction::withdrawal);
  CHECK(april2->entries[1].transaction_code == "14");
  CHECK(april2->entries[1].amount_yen == 3'000);
  CHECK(april2->entries[1].payer_name == "ｶ)ｷﾕｰｱｰﾙﾍﾟｲ");
  CHECK(april2->entries[1].summary == "ｹﾂｻｲ ﾍﾝｷﾝ 080401");
}

TEST_CASE("book lines round-trip; torn or inconsistent lines are refused", "[bank]") {
  const BookRecord record{kApril1, "qr-provider", kApril2, 8'800, 8'000, std::string(kDepositShort), 12, -5};
  const std::string line = json::serialize(book_record_json(record));
  const auto back = parse_book_record(line);
  REQUIRE(back);
  CHECK(back->business_date == kApril1);
  CHECK(back->processor == "qr-provider");
  CHECK(back->accounting_date == kApril2);
  CHECK(back->expected_yen == 8'800);
  CHECK(back->moved_yen == 8'000);
  CHECK(back->reason == kDepositShort);
  CHECK(back->inquiry_number == 12);
  CHECK(back->balance_after_yen == -5);
  CHECK_FALSE(parse_book_record(line.substr(0, line.size() - 3)));
  CHECK_FALSE(parse_book_record("[]"));
  json::object no_number = book_record_json(record);
  no_number["inquiry_number"] = 0;  // money moved without a record
  CHECK_FALSE(parse_book_record(json::serialize(no_number)));
  json::object bad_date = book_record_json(record);
  bad_date["accounting_date"] = "2026-02-30";
  CHECK_FALSE(parse_book_record(json::serialize(bad_date)));
}

TEST_CASE("the processors' answers: the file's summary and its injected faults", "[bank]") {
  const std::string body =
      R"({"path": "/s/card_settlement_20260401.csv", "file": "card_settlement_20260401.csv",
          "date": "2026-04-01", "lines": 12, "amount_total": 52000, "fee_total": 1300, "net_total": 50700,
          "injected": [{"reason": "missing", "reference": "pi_1", "transaction_id": "ch_000003",
                        "amount_yen": 3000}]})";
  const auto parsed = parse_settlement_answer("card-acquirer", kApril1, body);
  REQUIRE(parsed);
  CHECK(parsed->processor == "card-acquirer");
  CHECK(parsed->path == "/s/card_settlement_20260401.csv");
  CHECK(parsed->lines == 12);
  CHECK(parsed->net_total_yen == 50'700);
  CHECK(parsed->injected.size() == 1);
  // Without "injected" (processors that inject nothing) it is an empty list.
  const auto plain = parse_settlement_answer(
      "qr-provider", kApril1,
      R"({"path": "p", "file": "f", "date": "2026-04-01", "lines": 0, "amount_total": -100, "fee_total": -2, "net_total": -98})");
  REQUIRE(plain);
  CHECK(plain->net_total_yen == -98);
  CHECK(plain->injected.empty());
  const auto other_date = parse_settlement_answer("qr-provider", kApril2, body);
  REQUIRE_FALSE(other_date);
  CHECK(other_date.error() == "qr-provider: the file is of 2026-04-01, not 2026-04-02");
  CHECK_FALSE(parse_settlement_answer("qr-provider", kApril1, "not json"));
  CHECK_FALSE(parse_settlement_answer("qr-provider", kApril1, R"({"path": "p"})"));
  CHECK_FALSE(parse_settlement_answer(
      "qr-provider", kApril1,
      R"({"path": "p", "file": "f", "date": "2026-04-01", "lines": 0, "amount_total": 0, "fee_total": 0, "net_total": 0, "injected": [1]})"));
}

TEST_CASE("the request to the processors and the truth file", "[bank]") {
  CHECK(settlement_request_body(kApril1, std::nullopt, 7) == R"({"date":"2026-04-01","seed":7})");
  CHECK(settlement_request_body(kApril1, InjectCounts{{"missing", 2}, {"late", 0}}, 1) ==
        R"({"date":"2026-04-01","inject":{"missing":2,"late":0},"seed":1})");

  std::vector<SettlementAnswer> answers = {answer("card-acquirer", 120'000), answer("qr-provider", 8'800)};
  answers[0].injected.push_back(json::object{{"reason", "late"}, {"reference", "pi_9"}, {"amount_yen", 500}});
  const auto deposits = plan_deposits(answers, DepositFaults{1, 0}, 1, kApril1);
  const auto day = record_day({}, deposits, kApril1, kApril2);
  REQUIRE(day);
  const json::object truth = truth_json(kApril1, kApril2, "/out/zengin03_20260402.dat", answers, day->of_day);
  CHECK(truth.at("date") == "2026-04-01");
  CHECK(truth.at("deposit_date") == "2026-04-02");
  CHECK(truth.at("statement") == "/out/zengin03_20260402.dat");
  const json::array& files = truth.at("settlement_files").as_array();
  REQUIRE(files.size() == 2);
  CHECK(files[0] == json::object{{"processor", "card-acquirer"},
                                 {"path", "/tmp/card-acquirer.csv"},
                                 {"lines", 3},
                                 {"net_total", 120'000}});
  const json::array& injected = truth.at("injected").as_array();
  REQUIRE(injected.size() == 2);
  CHECK(injected[0] ==
        json::object{
            {"reason", "late"}, {"reference", "pi_9"}, {"amount_yen", 500}, {"processor", "card-acquirer"}});
  const json::object& fault = injected[1].as_object();
  CHECK(fault.at("reason") == "deposit_short");
  const std::string processor(fault.at("processor").as_string());
  const std::int64_t expected = processor == "card-acquirer" ? 120'000 : 8'800;
  CHECK(fault.at("expected_yen") == expected);
  CHECK(fault.at("deposited_yen").as_int64() < expected);
  CHECK(fault.at("deposit_date") == "2026-04-02");
  CHECK(truth.at("deposits").as_array().size() == 2);
}

TEST_CASE("kessai-sim bank's options", "[bank]") {
  const auto parse = [](std::vector<std::string> args) { return parse_bank_options(args); };
  const auto ok = parse({"--date", "2026-04-01", "--processor", "card-acquirer=http://127.0.0.1:5001",
                         "--processor", "qr-provider=http://127.0.0.1:5003", "--out", "/tmp/bank", "--truth",
                         "/tmp/truth.json", "--inject", "missing=1,late=2", "--deposit-short", "1",
                         "--deposit-missing", "1", "--seed", "42"});
  REQUIRE(std::holds_alternative<BankOptions>(ok));
  const BankOptions& options = std::get<BankOptions>(ok);
  CHECK(options.date == kApril1);
  REQUIRE(options.processors.size() == 2);
  CHECK(options.processors[1].name == "qr-provider");
  CHECK(options.processors[1].url == "http://127.0.0.1:5003");
  CHECK(options.state_dir == "/tmp/bank/.bank");
  REQUIRE(options.inject);
  CHECK(*options.inject == InjectCounts{{"missing", 1}, {"late", 2}});
  CHECK(options.deposit_faults.short_count == 1);
  CHECK(options.deposit_faults.missing_count == 1);
  CHECK(options.seed == 42);

  const std::vector<std::string> base = {"--date", "2026-04-01", "--processor", "card-acquirer=http://h:1",
                                         "--out",  "o",          "--truth",     "t"};
  const auto problem = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    const auto parsed = parse(args);
    return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : std::string();
  };
  CHECK(problem({}).empty());
  CHECK(problem({"--processor", "card-acquirer=http://h:2"}) == "--processor card-acquirer is given twice");
  CHECK(problem({"--processor", "bank=http://h:2"}).starts_with("--processor: unknown processor 'bank'"));
  CHECK(problem({"--processor", "qr-provider"}) == "--processor must be NAME=URL");
  CHECK(problem({"--processor", "qr-provider=https://h:2"}).ends_with("the URL must be http://HOST:PORT"));
  CHECK(problem({"--deposit-short", "2"}) ==
        "--deposit-short and --deposit-missing together exceed the 1 processors given");
  CHECK(problem({"--deposit-missing", "5"}).starts_with("--deposit-missing must be a whole number"));
  CHECK(problem({"--inject", "missing=1,missing=2"}).starts_with("--inject must be"));
  CHECK(problem({"--inject", "lost=1"}).starts_with("--inject must be"));
  CHECK(problem({"--inject", "missing=-1"}).starts_with("--inject must be"));
  CHECK(problem({"--inject", "missing=1,"}).starts_with("--inject must be"));
  CHECK(problem({"--seed", "x"}) == "--seed must be a whole number");
  CHECK(problem({"--state-dir", "s"}).empty());
  CHECK(problem({"--colour", "red"}) == "unknown option --colour");
  CHECK(problem({"--seed"}) == "--seed needs a value");
  CHECK(std::get<std::string>(parse({"--processor", "card-acquirer=http://h:1", "--out", "o", "--truth",
                                     "t"})) == "--date is required");
  CHECK(std::get<std::string>(parse({"--date", "2026-04-01", "--out", "o", "--truth", "t"})) ==
        "at least one --processor NAME=URL is required");
  for (const std::string date : {"2026-02-30", "1989-12-31", "2099-12-21", "20260401"}) {
    INFO(date);
    std::vector<std::string> args = base;
    args[1] = date;
    CHECK(std::get<std::string>(parse(args)).starts_with("--date must be a date"));
  }
}
