#pragma once
// The e-money centre's daily settlement file (利用明細), as a centre sends its merchants one: every
// captured payment and every refund of a business date (Asia/Tokyo), each with the centre's fee, and a
// total line. Pure: the records in, the file's bytes out.
//
// emoney_YYYYMMDD.csv: Shift_JIS (CP932), no byte order mark, CRLF line ends, one header line
//   利用日,利用時刻,センター取引番号,加盟店取引番号,加盟店コード,ブランド,区分,金額,手数料,差引金額
// then one line per transaction: 利用日 "YYYY/MM/DD" and 利用時刻 "HH:MM:SS" in Japan time; ブランド in
// Japanese (交通系IC, iD, QUICPay, WAON, nanaco); 区分 売上 (a sale) or 取消(返金) (a refund). Amounts are
// never negative: 区分 gives the sign. The centre keeps its fee when a payment is refunded, so a refund's
// 手数料 is 0 and its 差引金額 its whole amount, taken back. The last line is
//   合計,<件数>,<金額合計>,<手数料合計>,<差引金額合計>
// whose totals are signed: sales minus refunds.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "emoney_book.hpp"
#include "kessai/result.hpp"
#include "settlement_day.hpp"
#include "settlement_file.hpp"

namespace kessai::sim::emoney {

// The contracted rates when --mdr-bp does not say: transit IC 1.98 %, WAON and nanaco 1.98 %, iD and
// QUICPay 3.24 % (the usual rates in Japan).
MdrTable default_mdr_table();

// 交通系IC, iD, QUICPay, WAON, nanaco.
std::string_view japanese_name(Brand brand);

// The header line's column names, in order (UTF-8, before the file is encoded).
const std::vector<std::string>& settlement_header();

// "emoney_YYYYMMDD.csv".
std::string settlement_file_name(std::chrono::year_month_day date);

// The lines of a business date from the centre's payments and refunds (CentreBook::records()).
// Declined payments are not settled; nor are refunds of iD and QUICPay payments (their issuer's).
Result<std::vector<SettlementLine>, std::string> settlement_lines(const std::vector<Payment>& payments,
                                                                  const std::vector<Refund>& refunds,
                                                                  std::chrono::year_month_day date,
                                                                  const MdrTable& mdr);

// The file of a business date holding exactly `lines`, its total line their count and totals. Fails when
// a text field (a merchant code) has no Shift_JIS form.
Result<SettlementFile, std::string> settlement_file(std::chrono::year_month_day date,
                                                    const std::vector<SettlementLine>& lines);

// The file of a business date from the centre's payments and refunds: the two above.
Result<SettlementFile, std::string> settlement_file(const std::vector<Payment>& payments,
                                                    const std::vector<Refund>& refunds,
                                                    std::chrono::year_month_day date, const MdrTable& mdr);

// POST /sim/settlement's layout over the book's records as they are at each request.
SettlementLayout settlement_layout(const CentreBook& book, MdrTable mdr);

}  // namespace kessai::sim::emoney
