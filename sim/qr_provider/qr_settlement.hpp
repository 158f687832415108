#pragma once
// The QR provider's daily transaction file (取引明細), laid out like PayPay's merchant CSV: every
// completed payment by a scanned code (customer-presented) and every refund of a business date
// (Asia/Tokyo). Pure: the records in, the file's bytes out.
//
// qr_settlement_YYYYMMDD.csv: UTF-8 with a byte order mark (so Excel opens it as UTF-8), CRLF line ends,
// one header line with PayPay's 14 columns
//   取引番号,加盟店ID,屋号,店舗ID,店舗名,端末番号/PosID,取引ステータス,取引日時,取引金額,レシート番号,
//   支払い方法,支払い詳細項目,取引確定期限,加盟店決済ID
// and, after them, 2 columns of this provider's own: 手数料,入金額 (the fee and what is paid in). Then
// one line per transaction and no trailer: the count is the number of lines. 取引ステータス is 取引完了 (a
// payment) or 返金完了 (a refund); 取引日時 "YYYY-MM-DD HH:MM:SS" in Japan time, without an offset;
// 加盟店決済ID is the merchant's reference (kessai's pi_… / re_…). A refund has a negative 取引金額, the
// fee on the refunded amount given back (a negative 手数料) and a negative 入金額; 入金額 = 取引金額 − 手数料
// on every line. The simulator knows no trade or store names, terminals or receipts: 屋号, 店舗名,
// 端末番号/PosID, レシート番号 and 取引確定期限 are empty; 加盟店ID and 店舗ID are both the merchant sent
// with the payment; 支払い方法 is the wallet (PayPay, d払い, au PAY, 楽天ペイ) and 支払い詳細項目 the
// code's masked digits.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "kessai/result.hpp"
#include "qr_book.hpp"
#include "settlement_day.hpp"
#include "settlement_file.hpp"

namespace kessai::sim::qr_provider {

// The contracted rates when --mdr-bp does not say: PayPay 1.98 %, d払い and au PAY 2.60 %, 楽天ペイ 3.24 %.
MdrTable default_mdr_table();

// PayPay, d払い, au PAY, 楽天ペイ.
std::string_view japanese_name(Wallet wallet);

// The header line's column names, in order.
const std::vector<std::string>& settlement_header();

// "qr_settlement_YYYYMMDD.csv".
std::string settlement_file_name(std::chrono::year_month_day date);

// The lines of a business date from the provider's payments and refunds (ProviderBook::records()).
// Declined payments are not settled.
Result<std::vector<SettlementLine>, std::string> settlement_lines(const std::vector<Payment>& payments,
                                                                  const std::vector<Refund>& refunds,
                                                                  std::chrono::year_month_day date,
                                                                  const MdrTable& mdr);

// The file of a business date holding exactly `lines` (it has no trailer: the count is its lines).
Result<SettlementFile, std::string> settlement_file(std::chrono::year_month_day date,
                                                    const std::vector<SettlementLine>& lines);

// The file of a business date from the provider's payments and refunds: the two above.
Result<SettlementFile, std::string> settlement_file(const std::vector<Payment>& payments,
                                                    const std::vector<Refund>& refunds,
                                                    std::chrono::year_month_day date, const MdrTable& mdr);

// POST /sim/settlement's layout over the book's records as they are at each request.
SettlementLayout settlement_layout(const ProviderBook& book, MdrTable mdr);

}  // namespace kessai::sim::qr_provider
