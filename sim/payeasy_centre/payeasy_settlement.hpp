#pragma once
// The Pay-easy centre's confirmed-record file (確報), as an MPN 収納機関 sends its payee one: every payment
// (収納) and every reversal (取消) of a business date (Asia/Tokyo), each with the centre's flat fee. Unlike
// the other simulators' CSV files it is fixed-width, as bank and MPN files are. Pure: the numbers in, the
// file's bytes out.
//
// payeasy_kakuho_YYYYMMDD.dat: Shift_JIS (CP932), every record exactly kRecordBytes bytes (counted in
// Shift_JIS) followed by CRLF. Numbers are right-aligned and zero-padded, text left-aligned and padded
// with half-width spaces; a value that does not fit its field fails the file, naming the number and the
// field: nothing is ever cut. Positions are 1-based bytes:
//
//   1 header   1 "1" | 2–6 収納機関番号 | 7–14 業務日付 YYYYMMDD | 15–34 作成者名 "PAYEASY-SIM" | spaces
//   2 data     1 "2" | 2 区分: "1" 収納, "2" 取消 | 3–7 収納機関番号 | 8–27 お客様番号 | 28–33 確認番号 |
//              34–47 収納日時 YYYYMMDDHHMMSS (JST; a 取消's is when it was reversed) | 48–57 金額 |
//              58–65 手数料 | 66–75 差引金額 | 76–91 センター番号 (pe_…) | 92–120 加盟店参照番号 (pi_…)
//   8 trailer  1 "8" | 2–7 収納件数 | 8–19 収納金額合計 | 20–25 取消件数 | 26–37 取消金額合計 |
//              38–47 収納手数料合計 | spaces
//   9 end      1 "9" | spaces
//
// Amounts are never negative: 区分 gives the sign. A payment's fee is the flat fee per payment, at most its
// amount; a reversal gives that fee back (its 手数料 is the fee returned, its 差引金額 amount − fee, both
// taken back). Issued, canceled and expired numbers are not in the file; a number paid and reversed on the
// same date gives two data records.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "kessai/result.hpp"
#include "payeasy_book.hpp"
#include "settlement_day.hpp"

namespace kessai::sim::payeasy {

// Every record's length in Shift_JIS bytes, the CRLF after it not counted.
constexpr std::size_t kRecordBytes = 120;
// The widths of the fields the data can overflow (the others hold what the book guarantees).
constexpr std::size_t kAmountDigits = 10;       // 金額, 差引金額
constexpr std::size_t kFeeDigits = 8;           // 手数料
constexpr std::size_t kNumberIdBytes = 16;      // センター番号 (pe_…)
constexpr std::size_t kReferenceBytes = 29;     // 加盟店参照番号: kessai's pi_ and 24 characters fit
constexpr std::size_t kCountDigits = 6;         // 収納件数, 取消件数
constexpr std::size_t kAmountTotalDigits = 12;  // 収納金額合計, 取消金額合計
constexpr std::size_t kFeeTotalDigits = 10;     // 収納手数料合計
constexpr std::string_view kCreator = "PAYEASY-SIM";  // 作成者名 in the header

// What the centre's day files need besides its numbers.
struct SettlementTerms {
  std::filesystem::path directory = {};  // where POST /sim/settlement writes: settlement_directory()
  std::int64_t fee_per_payment_yen = kFeePerPaymentYenDefault;  // 0..kFeePerPaymentYenMax
};

// "payeasy_kakuho_YYYYMMDD.dat".
std::string settlement_file_name(std::chrono::year_month_day date);

// The lines of a business date from the centre's numbers (CentreBook::all()), in file order; a line's
// merchant is the number's 収納機関番号 and its detail the number's お客様番号 and 確認番号, a space between.
// fee_per_payment_yen 0..kFeePerPaymentYenMax (--fee-yen).
std::vector<SettlementLine> settlement_lines(const std::vector<Number>& numbers,
                                             std::chrono::year_month_day date,
                                             std::int64_t fee_per_payment_yen);

// The file of a business date holding exactly `lines`, its trailer their counts and totals;
// institution_number is the centre's own, for the header. Fails, naming the number and the field, on a
// value that does not fit its field (a reference longer than kReferenceBytes) or text with no Shift_JIS
// form or with a control character.
Result<SettlementFile, std::string> settlement_file(const std::vector<SettlementLine>& lines,
                                                    std::string_view institution_number,
                                                    std::chrono::year_month_day date);

// The file of a business date from the centre's numbers: the two above.
Result<SettlementFile, std::string> settlement_file(const std::vector<Number>& numbers,
                                                    std::string_view institution_number,
                                                    std::chrono::year_month_day date,
                                                    std::int64_t fee_per_payment_yen);

// POST /sim/settlement's layout over the book's numbers as they are at each request: the flat fee on a
// sale of any amount, and for a payment that never happened a customer number the centre never issued.
SettlementLayout settlement_layout(const CentreBook& book, std::int64_t fee_per_payment_yen);

}  // namespace kessai::sim::payeasy
