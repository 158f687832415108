#include "payeasy_settlement.hpp"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <optional>
#include <tuple>
#include <utility>

#include "kessai/runtime/shift_jis.hpp"
#include "settlement_file.hpp"

namespace kessai::sim::payeasy {

namespace chrono = std::chrono;

namespace {

constexpr std::string_view kHeaderRecord = "1";
constexpr std::string_view kDataRecord = "2";
constexpr std::string_view kTrailerRecord = "8";
constexpr std::string_view kEndRecord = "9";
constexpr std::string_view kPaymentKind = "1";   // 収納
constexpr std::string_view kReversalKind = "2";  // 取消
constexpr std::size_t kCreatorBytes = 20;
constexpr std::size_t kDateDigits = 8;       // YYYYMMDD
constexpr std::size_t kDateTimeDigits = 14;  // YYYYMMDDHHMMSS

bool is_digits(std::string_view text) {
  return std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
}

// One fixed-width record filled field by field in Shift_JIS bytes. The first field that does not fit is
// the record's error, named after `owner` (the number, or "the trailer") and the field.
class FixedRecord {
 public:
  FixedRecord(std::string owner, std::string_view record_type)
      : owner_(std::move(owner)), bytes_(record_type) {}

  // Digits (an identifier or a number), right-aligned and zero-padded to `width`.
  FixedRecord& digits(std::string_view field, std::string_view value, std::size_t width) {
    if (error_) return *this;
    if (value.empty() || !is_digits(value)) {
      error_ = owner_ + ": " + std::string(field) + " '" + std::string(value) + "' is not digits";
    } else if (value.size() > width) {
      error_ = owner_ + ": " + std::string(field) + " " + std::string(value) + " has " +
               std::to_string(value.size()) + " digits, more than the " + std::to_string(width) +
               " of its field";
    } else {
      bytes_.append(width - value.size(), '0');
      bytes_ += value;
    }
    return *this;
  }

  FixedRecord& number(std::string_view field, std::int64_t value, std::size_t width) {
    if (value < 0) {
      if (!error_) error_ = owner_ + ": " + std::string(field) + " " + std::to_string(value) + " is negative";
      return *this;
    }
    return digits(field, std::to_string(value), width);
  }

  // Text left-aligned and padded with half-width spaces to `width` Shift_JIS bytes (a full-width
  // character takes two). A control character would break the record apart: refused.
  FixedRecord& text(std::string_view field, std::string_view utf8, std::size_t width) {
    if (error_) return *this;
    const auto control = std::ranges::find_if(utf8, [](char c) {
      const auto byte = static_cast<unsigned char>(c);
      return byte < 0x20 || byte == 0x7F;
    });
    if (control != utf8.end()) {
      error_ = owner_ + ": " + std::string(field) + " holds a control character at byte " +
               std::to_string(control - utf8.begin());
      return *this;
    }
    auto encoded = runtime::utf8_to_shift_jis(utf8);
    if (!encoded) {
      error_ = owner_ + ": " + std::string(field) + " '" + std::string(utf8) + "': " + encoded.error();
    } else if (encoded->size() > width) {
      error_ = owner_ + ": " + std::string(field) + " '" + std::string(utf8) + "' takes " +
               std::to_string(encoded->size()) + " bytes in Shift_JIS, more than the " +
               std::to_string(width) + " of its field";
    } else {
      bytes_ += encoded.value();
      bytes_.append(width - encoded->size(), ' ');
    }
    return *this;
  }

  // The record padded with spaces to kRecordBytes, then CRLF; or the first field that did not fit.
  Result<std::string, std::string> finish() {
    if (error_) return fail(std::move(*error_));
    assert(bytes_.size() <= kRecordBytes);  // the layout's widths add up to kRecordBytes at most
    bytes_.append(kRecordBytes - bytes_.size(), ' ');
    bytes_ += "\r\n";
    return std::move(bytes_);
  }

 private:
  std::string owner_;
  std::string bytes_;
  std::optional<std::string> error_;
};

// A line's detail: the number's お客様番号 and 確認番号 with a space between, what the data record prints of
// the payer's number besides its id and reference.
std::string payer_detail(const Number& number) {
  return number.customer_number + " " + number.confirmation_number;
}

std::pair<std::string_view, std::string_view> split_payer_detail(std::string_view detail) {
  const std::size_t space = detail.find(' ');
  if (space == std::string_view::npos) return {detail, std::string_view()};
  return {detail.substr(0, space), detail.substr(space + 1)};
}

Result<std::string, std::string> data_record(const SettlementLine& line) {
  const std::string at = format_tokyo(line.transacted_at, "%Y%m%d%H%M%S");
  // A year before 1000 (a journal edited by hand) would make fewer digits: a date the field cannot hold.
  if (at.size() != kDateTimeDigits) {
    return fail(line.transaction_id + ": 収納日時 " + at + " is not a four-digit year");
  }
  const auto [customer_number, confirmation_number] = split_payer_detail(line.detail);
  return FixedRecord(line.transaction_id, kDataRecord)
      .digits("区分", line.kind == SettlementKind::sale ? kPaymentKind : kReversalKind, 1)
      .digits("収納機関番号 institution_number", line.merchant, kInstitutionNumberDigits)
      .digits("お客様番号 customer_number", customer_number, kCustomerNumberDigits)
      .digits("確認番号 confirmation_number", confirmation_number, kConfirmationNumberDigits)
      .digits("収納日時", at, kDateTimeDigits)
      .number("金額 amount", line.amount_yen, kAmountDigits)
      .number("手数料 fee", line.fee_yen, kFeeDigits)
      .number("差引金額 net", line.amount_yen - line.fee_yen, kAmountDigits)
      .text("センター番号 id", line.transaction_id, kNumberIdBytes)
      .text("加盟店参照番号 reference", line.reference, kReferenceBytes)
      .finish();
}

// A 20-digit customer number no number of the centre has (the sequence part is 0, and the centre numbers
// from 1) and a confirmation number, for a payment that never happened.
std::string unknown_payer_detail(std::uint64_t draw) {
  constexpr std::uint64_t kDrawnSpan = 1'000'000'000'000;  // the 12 drawn digits
  constexpr std::uint64_t kConfirmationSpan = 1'000'000;   // 6 digits
  char digits[32];
  std::snprintf(digits, sizeof digits, "%012llu0000000", static_cast<unsigned long long>(draw % kDrawnSpan));
  std::string customer_number = digits;
  customer_number += luhn_check_digit(customer_number);
  std::snprintf(digits, sizeof digits, "%06llu",
                static_cast<unsigned long long>(draw / kDrawnSpan % kConfirmationSpan));
  return customer_number + " " + digits;
}

// The trailer's figures: per kind, the count and amount total; the payments' fee total.
Result<std::string, std::string> trailer_record(const std::vector<SettlementLine>& payments,
                                                const std::vector<SettlementLine>& reversals) {
  const auto paid = settlement_totals(payments);
  const auto reversed = settlement_totals(reversals);
  if (!paid || !reversed) return fail(std::string("the day's totals overflow"));
  // A reversal's amount is negative in the signed totals; the trailer's are unsigned.
  return FixedRecord("the trailer", kTrailerRecord)
      .number("収納件数", static_cast<std::int64_t>(payments.size()), kCountDigits)
      .number("収納金額合計", paid->amount_yen, kAmountTotalDigits)
      .number("取消件数", static_cast<std::int64_t>(reversals.size()), kCountDigits)
      .number("取消金額合計", -reversed->amount_yen, kAmountTotalDigits)
      .number("収納手数料合計", paid->fee_yen, kFeeTotalDigits)
      .finish();
}

}  // namespace

std::string settlement_file_name(chrono::year_month_day date) {
  return format_date(date, "payeasy_kakuho_%Y%m%d.dat");
}

std::vector<SettlementLine> settlement_lines(const std::vector<Number>& numbers, chrono::year_month_day date,
                                             std::int64_t fee_per_payment_yen) {
  std::vector<SettlementLine> lines;
  const auto on_date = [date](std::int64_t unix_seconds) {
    return tokyo_date_of(chrono::sys_seconds(chrono::seconds(unix_seconds))) == date;
  };
  const auto line_of = [&lines](const Number& number, std::int64_t at_s, SettlementKind kind,
                                std::int64_t fee_yen) {
    lines.push_back(SettlementLine{chrono::sys_seconds(chrono::seconds(at_s)), kind, number.id,
                                   number.reference, number.institution_number, std::string(),
                                   payer_detail(number), number.amount_yen, fee_yen, number.id, 0});
  };
  for (const Number& number : numbers) {
    const bool paid = number.status == "paid" || number.status == "reversed";
    // The centre never takes more than the payment: a payment below the flat fee nets 0.
    const std::int64_t fee_yen = std::clamp<std::int64_t>(number.amount_yen, 0, fee_per_payment_yen);
    if (paid && number.paid_at_s && on_date(*number.paid_at_s)) {
      line_of(number, *number.paid_at_s, SettlementKind::sale, fee_yen);
    }
    if (number.status == "reversed" && number.reversed_at_s && on_date(*number.reversed_at_s)) {
      line_of(number, *number.reversed_at_s, SettlementKind::refund, fee_yen);
    }
  }
  // The order of the file: by time, a payment before a reversal in the same second, then by the id.
  std::ranges::sort(lines, [](const SettlementLine& a, const SettlementLine& b) {
    return std::tie(a.transacted_at, a.kind, a.transaction_id) <
           std::tie(b.transacted_at, b.kind, b.transaction_id);
  });
  return lines;
}

Result<SettlementFile, std::string> settlement_file(const std::vector<SettlementLine>& lines,
                                                    std::string_view institution_number,
                                                    chrono::year_month_day date) {
  SettlementFile file;
  file.name = settlement_file_name(date);
  const auto failed = [&file](const std::string& error) { return fail(file.name + ": " + error); };
  auto header = FixedRecord("the header", kHeaderRecord)
                    .digits("収納機関番号 institution_number", institution_number, kInstitutionNumberDigits)
                    .digits("業務日付", format_date(date, "%Y%m%d"), kDateDigits)
                    .text("作成者名", kCreator, kCreatorBytes)
                    .finish();
  if (!header) return failed(header.error());
  file.content = std::move(header).value();

  std::vector<SettlementLine> payments;
  std::vector<SettlementLine> reversals;
  for (const SettlementLine& line : lines) {
    auto record = data_record(line);
    if (!record) return failed(record.error());
    file.content += record.value();
    (line.kind == SettlementKind::sale ? payments : reversals).push_back(line);
  }
  auto trailer = trailer_record(payments, reversals);
  if (!trailer) return failed(trailer.error());
  file.content += trailer.value();
  file.content += FixedRecord("the end record", kEndRecord).finish().value();

  const auto totals = settlement_totals(lines);
  if (!totals) return failed(totals.error());
  file.lines = lines.size();
  file.totals = totals.value();
  return file;
}

Result<SettlementFile, std::string> settlement_file(const std::vector<Number>& numbers,
                                                    std::string_view institution_number,
                                                    chrono::year_month_day date,
                                                    std::int64_t fee_per_payment_yen) {
  assert(fee_per_payment_yen >= 0 && fee_per_payment_yen <= kFeePerPaymentYenMax);
  return settlement_file(settlement_lines(numbers, date, fee_per_payment_yen), institution_number, date);
}

SettlementLayout settlement_layout(const CentreBook& book, std::int64_t fee_per_payment_yen) {
  assert(fee_per_payment_yen >= 0 && fee_per_payment_yen <= kFeePerPaymentYenMax);
  SettlementLayout layout;
  layout.file_name = &settlement_file_name;
  // book.all() copies the numbers under the book's lock: the file sees them as they were at one moment.
  layout.lines = [&book, fee_per_payment_yen](
                     chrono::year_month_day date) -> Result<std::vector<SettlementLine>, std::string> {
    return settlement_lines(book.all(), date, fee_per_payment_yen);
  };
  layout.write = [&book](chrono::year_month_day date, const std::vector<SettlementLine>& lines) {
    return settlement_file(lines, book.institution_number(), date);
  };
  // A flat fee per payment, at most its amount, whatever the amount.
  layout.sale_fee_yen = [fee_per_payment_yen](const SettlementLine&,
                                              std::int64_t amount_yen) -> std::optional<std::int64_t> {
    return std::clamp<std::int64_t>(amount_yen, 0, fee_per_payment_yen);
  };
  layout.unknown_detail = &unknown_payer_detail;
  return layout;
}

}  // namespace kessai::sim::payeasy
