#pragma once
// The receiving bank's statement of an account in the Zengin (全銀協) 200-byte layout: 入出金取引明細,
// 種別コード 03, one file per 勘定日. Pure: the account, its opening balance and its records in, the
// file's bytes out.
//
// zengin03_YYYYMMDD.dat (YYYYMMDD: the 勘定日, Gregorian): Shift_JIS (CP932), every record exactly
// kRecordBytes bytes followed by CRLF. Numbers are right-aligned and zero-padded, text left-aligned and
// padded with half-width spaces and made of half-width characters only (printable ASCII, upper-case
// letters by Zengin's custom, and half-width katakana, each one byte); dates are 和暦 YYMMDD. Numeric
// fields with nothing to say are zeros, text fields spaces. Positions are 1-based bytes:
//
//   1 header   1 データ区分 "1" | 2–3 種別コード "03" | 4 コード区分 "0" (Shift_JIS) | 5–10 作成日 |
//              11–16 勘定日(自) | 17–22 勘定日(至) | 23–26 銀行コード | 27–41 銀行名 | 42–44 支店コード |
//              45–59 支店名 | 60–62 ダミー | 63 預金種目 "1" (普通) | 64–73 口座番号 | 74–113 口座名 |
//              114 貸越区分 ("1" plus, "2" minus) | 115 通帳・証書区分 "1" | 116–129 取引前残高 |
//              130–200 ダミー
//   2 data     1 "2" | 2–9 照会番号 | 10–15 勘定日 | 16–21 預入・払出日 | 22 入払区分 (1 入金, 2 出金) |
//              23–24 取引区分 (11 振込, 14 振替) | 25–36 取引金額 | 37–48 うち他店券金額 | 49–54 交換呈示日 |
//              55–60 不渡返還日 | 61 手形・小切手区分 | 62–68 手形・小切手番号 | 69–71 僚店番号 |
//              72–81 振込依頼人コード | 82–129 振込依頼人名 | 130–144 仕向銀行名 | 145–159 仕向店名 |
//              160–179 摘要 | 180–199 EDI情報 | 200 ダミー
//   8 trailer  1 "8" | 2–7 入金件数 | 8–20 入金額合計 | 21–26 出金件数 | 27–39 出金額合計 | 40 貸越区分 |
//              41–54 取引後残高 | 55–200 ダミー
//   9 end      1 "9" | 2–200 ダミー
//
// Balances are signed: a negative one (an overdraft, 貸越) is written as its absolute value with
// 貸越区分 "2". A value that does not fit its field, or text that is not half-width, fails the file,
// naming the record and the field: nothing is ever cut.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kessai/result.hpp"

namespace kessai::sim::bank {

// Every record's length in Shift_JIS bytes, the CRLF after it not counted.
constexpr std::size_t kRecordBytes = 200;
constexpr std::size_t kInquiryNumberDigits = 8;   // 照会番号
constexpr std::size_t kAmountDigits = 12;         // 取引金額
constexpr std::size_t kCountDigits = 6;           // 入金件数, 出金件数
constexpr std::size_t kAmountTotalDigits = 13;    // 入金額合計, 出金額合計
constexpr std::size_t kBalanceDigits = 14;        // 取引前残高, 取引後残高
constexpr std::size_t kPayerCodeDigits = 10;      // 振込依頼人コード
constexpr std::size_t kPayerNameBytes = 48;       // 振込依頼人名
constexpr std::size_t kBankNameBytes = 15;        // 銀行名, 仕向銀行名 (and the branches' names)
constexpr std::size_t kSummaryBytes = 20;         // 摘要
constexpr std::size_t kEdiBytes = 20;             // EDI情報
constexpr std::size_t kAccountNameBytes = 40;     // 口座名
constexpr std::size_t kAccountNumberDigits = 10;  // 口座番号

// 取引区分 of the records the simulator writes.
constexpr std::string_view kTransferCode = "11";         // 振込: a processor's payout
constexpr std::string_view kAccountTransferCode = "14";  // 振替: a processor debiting the account

// The account the statement is of: the city's, at its receiving bank.
struct Account {
  std::string bank_code = "0999";           // 銀行コード, 4 digits
  std::string bank_name = "ｼﾐﾕﾚｰｼﾖﾝｷﾞﾝｺｳ";  // 銀行名
  std::string branch_code = "001";          // 支店コード, 3 digits
  std::string branch_name = "ﾄﾁﾖｳｼﾃﾝ";      // 支店名
  std::string account_number = "1234567";   // 口座番号 (普通預金), up to 10 digits
  std::string account_name = "ｶｲｹｲｶﾝﾘｼﾔ";   // 口座名: the city's 会計管理者
};

// 入払区分. Stable numbers: they are the field's own.
enum class Direction : std::uint8_t { deposit = 1, withdrawal = 2 };

// One data record: money in or out of the account.
struct Entry {
  std::uint64_t inquiry_number = 0;               // 照会番号: the bank's, sequential, > 0
  std::chrono::year_month_day accounting_date{};  // 勘定日
  std::chrono::year_month_day value_date{};       // 預入・払出日
  Direction direction = Direction::deposit;
  std::string transaction_code = std::string(kTransferCode);  // 取引区分, 2 digits
  std::int64_t amount_yen = 0;                                // 取引金額, > 0
  std::string payer_code = "";           // 振込依頼人コード, digits; empty: zeros
  std::string payer_name = "";           // 振込依頼人名 (UTF-8, half-width)
  std::string sending_bank_name = "";    // 仕向銀行名
  std::string sending_branch_name = "";  // 仕向店名
  std::string summary = "";              // 摘要
  std::string edi = "";                  // EDI情報
};

// A statement of one 勘定日 (from_date = to_date) or a range of them.
struct Statement {
  Account account = {};
  std::chrono::year_month_day created_on{};  // 作成日
  std::chrono::year_month_day from_date{};   // 勘定日(自)
  std::chrono::year_month_day to_date{};     // 勘定日(至)
  std::int64_t balance_before_yen = 0;       // 取引前残高; negative: overdrawn
  std::vector<Entry> entries = {};           // in the order of the file (照会番号)
};

struct StatementFile {
  std::string name = "";     // "zengin03_20260402.dat"
  std::string content = "";  // the bytes
  std::uint64_t deposits = 0;
  std::int64_t deposit_total_yen = 0;
  std::uint64_t withdrawals = 0;
  std::int64_t withdrawal_total_yen = 0;
  std::int64_t balance_after_yen = 0;  // 取引後残高
};

// "zengin03_YYYYMMDD.dat" of the 勘定日.
std::string statement_file_name(std::chrono::year_month_day accounting_date);

// The file of the statement, named after its to_date. Dates from 1989-01-08 (平成) on. Fails, naming the
// record and the field, on a value that does not fit its field (an amount over 12 digits, totals over
// 13, a balance over 14), an amount that is not positive, or text that is not half-width.
Result<StatementFile, std::string> statement_file(const Statement& statement);

}  // namespace kessai::sim::bank
