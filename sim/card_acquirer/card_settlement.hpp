#pragma once
// The card acquirer's daily settlement file (売上明細), as acquirers send their merchants one: every
// captured charge and every refund of a business date (Asia/Tokyo), each with the acquirer's fee, and
// a trailer with the count and totals. Pure: the records in, the file's bytes out.
//
// card_settlement_YYYYMMDD.csv: UTF-8 without a byte order mark, CRLF line ends, one header line
//   record_type,transaction_id,merchant_reference,merchant_id,transaction_at,kind,amount,fee,net,card_brand
// then one "D" line per transaction and a trailer "T,<count>,<amount_total>,<fee_total>,<net_total>".
// A sale is dated by its capture; a refund by when it was made, with a negative amount, the fee on the
// refunded amount given back (a negative fee) and a negative net. net = amount − fee on every line.

#include <chrono>
#include <string>
#include <vector>

#include "acquirer_book.hpp"
#include "kessai/result.hpp"
#include "settlement_day.hpp"

namespace kessai::sim {

// The contracted rate when --mdr-bp does not say: 2.50 % (cards in Japan: 1.98–3.24 %).
constexpr int kCardMdrBasisPointsDefault = 250;

// The header line's column names, in order.
const std::vector<std::string>& card_settlement_header();

// "card_settlement_YYYYMMDD.csv".
std::string card_settlement_file_name(std::chrono::year_month_day date);

// The lines of a business date from the acquirer's charges and refunds (AcquirerBook::records()).
// Authorizations never captured, voided and declined charges are not settled.
Result<std::vector<SettlementLine>, std::string> card_settlement_lines(const std::vector<Charge>& charges,
                                                                       const std::vector<Refund>& refunds,
                                                                       std::chrono::year_month_day date,
                                                                       int mdr_bp);

// The file of a business date holding exactly `lines`, its trailer their count and totals.
Result<SettlementFile, std::string> card_settlement_file(std::chrono::year_month_day date,
                                                         const std::vector<SettlementLine>& lines);

// The file of a business date from the acquirer's charges and refunds: the two above.
Result<SettlementFile, std::string> card_settlement_file(const std::vector<Charge>& charges,
                                                         const std::vector<Refund>& refunds,
                                                         std::chrono::year_month_day date, int mdr_bp);

// POST /sim/settlement's layout over the book's records as they are at each request.
SettlementLayout card_settlement_layout(const AcquirerBook& book, int mdr_bp);

}  // namespace kessai::sim
