#include "zengin_statement.hpp"

#include <algorithm>
#include <cassert>
#include <initializer_list>
#include <limits>
#include <optional>
#include <utility>

#include "kessai/runtime/bank_calendar.hpp"
#include "kessai/runtime/shift_jis.hpp"
#include "settlement_file.hpp"

namespace kessai::sim::bank {

namespace chrono = std::chrono;

namespace {

constexpr std::string_view kHeaderRecord = "1";
constexpr std::string_view kDataRecord = "2";
constexpr std::string_view kTrailerRecord = "8";
constexpr std::string_view kEndRecord = "9";
constexpr std::string_view kStatementKind = "03";   // 種別コード: 入出金取引明細
constexpr std::string_view kShiftJisCode = "0";     // コード区分: JIS (Shift_JIS); "1" would be EBCDIC
constexpr std::string_view kOrdinaryDeposit = "1";  // 預金種目: 普通預金
constexpr std::string_view kBalancePlus = "1";      // 貸越区分
constexpr std::string_view kBalanceMinus = "2";
constexpr std::string_view kPassbook = "1";  // 通帳・証書区分: 通帳
constexpr std::size_t kDateDigits = 6;       // 和暦 YYMMDD
constexpr std::size_t kBankCodeDigits = 4;
constexpr std::size_t kBranchCodeDigits = 3;
constexpr std::size_t kTransactionCodeDigits = 2;

bool is_digits(std::string_view text) {
  return std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
}

// One fixed-width record filled field by field, each at its 1-based byte position: a field placed
// anywhere but where the record has reached is our own mistake (asserted), so the positions in the code
// are the layout's. The first field whose value does not fit is the record's error, named after `owner`
// (照会番号 …, "the header") and the field.
class ZenginRecord {
 public:
  ZenginRecord(std::string owner, std::string_view record_type)
      : owner_(std::move(owner)), bytes_(record_type) {}

  // Digits right-aligned and zero-padded to `width`; empty: zeros.
  ZenginRecord& digits(std::size_t position, std::string_view field, std::string_view value,
                       std::size_t width) {
    at(position);
    if (!error_ && !is_digits(value)) {
      error_ = owner_ + ": " + std::string(field) + " '" + std::string(value) + "' is not digits";
    } else if (!error_ && value.size() > width) {
      error_ = owner_ + ": " + std::string(field) + " " + std::string(value) + " has " +
               std::to_string(value.size()) + " digits, more than the " + std::to_string(width) +
               " of its field";
    }
    pad(width, value, '0', true);
    return *this;
  }

  ZenginRecord& number(std::size_t position, std::string_view field, std::int64_t value, std::size_t width) {
    if (value < 0 && !error_)
      error_ = owner_ + ": " + std::string(field) + " " + std::to_string(value) + " is negative";
    return digits(position, field, value < 0 ? "" : std::to_string(value), width);
  }

  ZenginRecord& date(std::size_t position, std::string_view field, chrono::year_month_day value) {
    return digits(position, field, runtime::format_wareki_yymmdd(value), kDateDigits);
  }

  // Half-width text (printable ASCII, half-width katakana) left-aligned and padded with spaces.
  ZenginRecord& text(std::size_t position, std::string_view field, std::string_view utf8, std::size_t width) {
    at(position);
    std::string encoded;
    if (!error_ && !runtime::is_halfwidth_katakana_text(utf8)) {
      error_ = owner_ + ": " + std::string(field) + " '" + std::string(utf8) +
               "' is not half-width text (printable ASCII and half-width katakana only)";
    } else if (!error_) {
      // Every character is one byte in Shift_JIS, so the conversion cannot fail.
      encoded = runtime::utf8_to_shift_jis(utf8).value();
      if (encoded.size() > width) {
        error_ = owner_ + ": " + std::string(field) + " '" + std::string(utf8) + "' takes " +
                 std::to_string(encoded.size()) + " bytes, more than the " + std::to_string(width) +
                 " of its field";
      }
    }
    pad(width, encoded, ' ', false);
    return *this;
  }

  // ダミー: spaces.
  ZenginRecord& blank(std::size_t position, std::size_t width) {
    at(position);
    bytes_.append(width, ' ');
    return *this;
  }

  // The record, which must have reached kRecordBytes, then CRLF; or the first field that did not fit.
  Result<std::string, std::string> finish() {
    if (error_) return fail(std::move(*error_));
    assert(bytes_.size() == kRecordBytes);
    bytes_ += "\r\n";
    return std::move(bytes_);
  }

 private:
  void at([[maybe_unused]] std::size_t position) const { assert(bytes_.size() + 1 == position); }

  // Fills `width` bytes whatever the value, so the positions after it stay right after an error.
  void pad(std::size_t width, std::string_view value, char filler, bool right_aligned) {
    if (error_ || value.size() > width) {
      bytes_.append(width, filler);
    } else if (right_aligned) {
      bytes_.append(width - value.size(), filler);
      bytes_ += value;
    } else {
      bytes_ += value;
      bytes_.append(width - value.size(), filler);
    }
  }

  std::string owner_;
  std::string bytes_;
  std::optional<std::string> error_;
};

std::string_view balance_sign(std::int64_t balance_yen) {
  return balance_yen < 0 ? kBalanceMinus : kBalancePlus;
}

// |balance|; nullopt for the one value that has none.
std::optional<std::int64_t> magnitude(std::int64_t balance_yen) {
  if (balance_yen == std::numeric_limits<std::int64_t>::min()) return std::nullopt;
  return balance_yen < 0 ? -balance_yen : balance_yen;
}

Result<std::string, std::string> header_record(const Statement& statement) {
  const Account& account = statement.account;
  const auto balance = magnitude(statement.balance_before_yen);
  if (!balance) return fail(std::string("the header: 取引前残高 overflows"));
  return ZenginRecord("the header", kHeaderRecord)
      .digits(2, "種別コード", kStatementKind, 2)
      .digits(4, "コード区分", kShiftJisCode, 1)
      .date(5, "作成日", statement.created_on)
      .date(11, "勘定日(自)", statement.from_date)
      .date(17, "勘定日(至)", statement.to_date)
      .digits(23, "銀行コード", account.bank_code, kBankCodeDigits)
      .text(27, "銀行名", account.bank_name, kBankNameBytes)
      .digits(42, "支店コード", account.branch_code, kBranchCodeDigits)
      .text(45, "支店名", account.branch_name, kBankNameBytes)
      .blank(60, 3)
      .digits(63, "預金種目", kOrdinaryDeposit, 1)
      .digits(64, "口座番号", account.account_number, kAccountNumberDigits)
      .text(74, "口座名", account.account_name, kAccountNameBytes)
      .digits(114, "貸越区分", balance_sign(statement.balance_before_yen), 1)
      .digits(115, "通帳・証書区分", kPassbook, 1)
      .number(116, "取引前残高", *balance, kBalanceDigits)
      .blank(130, 71)
      .finish();
}

Result<std::string, std::string> data_record(const Entry& entry) {
  const std::string owner = "照会番号 " + std::to_string(entry.inquiry_number);
  if (entry.amount_yen <= 0)
    return fail(owner + ": 取引金額 " + std::to_string(entry.amount_yen) + " is not positive");
  const std::string_view direction = entry.direction == Direction::deposit ? "1" : "2";
  return ZenginRecord(owner, kDataRecord)
      .number(2, "照会番号", static_cast<std::int64_t>(entry.inquiry_number), kInquiryNumberDigits)
      .date(10, "勘定日", entry.accounting_date)
      .date(16, "預入・払出日", entry.value_date)
      .digits(22, "入払区分", direction, 1)
      .digits(23, "取引区分", entry.transaction_code, kTransactionCodeDigits)
      .number(25, "取引金額", entry.amount_yen, kAmountDigits)
      .digits(37, "うち他店券金額", "", kAmountDigits)
      .digits(49, "交換呈示日", "", kDateDigits)
      .digits(55, "不渡返還日", "", kDateDigits)
      .digits(61, "手形・小切手区分", "", 1)
      .digits(62, "手形・小切手番号", "", 7)
      .digits(69, "僚店番号", "", 3)
      .digits(72, "振込依頼人コード", entry.payer_code, kPayerCodeDigits)
      .text(82, "振込依頼人名", entry.payer_name, kPayerNameBytes)
      .text(130, "仕向銀行名", entry.sending_bank_name, kBankNameBytes)
      .text(145, "仕向店名", entry.sending_branch_name, kBankNameBytes)
      .text(160, "摘要", entry.summary, kSummaryBytes)
      .text(180, "EDI情報", entry.edi, kEdiBytes)
      .blank(200, 1)
      .finish();
}

std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

}  // namespace

std::string statement_file_name(chrono::year_month_day accounting_date) {
  return format_date(accounting_date, "zengin03_%Y%m%d.dat");
}

Result<StatementFile, std::string> statement_file(const Statement& statement) {
  StatementFile file;
  file.name = statement_file_name(statement.to_date);
  const auto failed = [&file](const std::string& error) { return fail(file.name + ": " + error); };
  // 和暦 dates exist from 平成 on; the caller's dates are its own (the bank's calendar), not input.
  assert(std::ranges::all_of(
      std::initializer_list{statement.created_on, statement.from_date, statement.to_date},
      [](chrono::year_month_day date) {
        return date.ok() && chrono::sys_days(date) >= chrono::sys_days(runtime::kHeiseiFirstDay);
      }));
  auto header = header_record(statement);
  if (!header) return failed(header.error());
  file.content = std::move(header).value();

  std::int64_t balance_yen = statement.balance_before_yen;
  for (const Entry& entry : statement.entries) {
    auto record = data_record(entry);
    if (!record) return failed(record.error());
    file.content += record.value();
    const bool deposit = entry.direction == Direction::deposit;
    const auto total =
        checked_add(deposit ? file.deposit_total_yen : file.withdrawal_total_yen, entry.amount_yen);
    const auto balance = checked_add(balance_yen, deposit ? entry.amount_yen : -entry.amount_yen);
    if (!total || !balance)
      return failed("照会番号 " + std::to_string(entry.inquiry_number) + ": the totals overflow");
    (deposit ? file.deposit_total_yen : file.withdrawal_total_yen) = *total;
    ++(deposit ? file.deposits : file.withdrawals);
    balance_yen = *balance;
  }
  file.balance_after_yen = balance_yen;
  const auto balance_after = magnitude(balance_yen);
  if (!balance_after) return failed("the trailer: 取引後残高 overflows");
  auto trailer = ZenginRecord("the trailer", kTrailerRecord)
                     .number(2, "入金件数", static_cast<std::int64_t>(file.deposits), kCountDigits)
                     .number(8, "入金額合計", file.deposit_total_yen, kAmountTotalDigits)
                     .number(21, "出金件数", static_cast<std::int64_t>(file.withdrawals), kCountDigits)
                     .number(27, "出金額合計", file.withdrawal_total_yen, kAmountTotalDigits)
                     .digits(40, "貸越区分", balance_sign(balance_yen), 1)
                     .number(41, "取引後残高", *balance_after, kBalanceDigits)
                     .blank(55, 146)
                     .finish();
  if (!trailer) return failed(trailer.error());
  file.content += trailer.value();
  file.content += ZenginRecord("the end record", kEndRecord).blank(2, 199).finish().value();
  return file;
}

}  // namespace kessai::sim::bank
