#include "card_settlement.hpp"

#include <utility>

#include "settlement_file.hpp"

namespace kessai::sim {

namespace {

constexpr std::string_view kDataRecord = "D";
constexpr std::string_view kTrailerRecord = "T";

std::vector<SaleRecord> sales_of(const std::vector<Charge>& charges, int mdr_bp) {
  std::vector<SaleRecord> sales;
  for (const Charge& charge : charges) {
    if (charge.status != "captured" || charge.amount_captured_yen <= 0) continue;
    SaleRecord sale;
    sale.transaction_id = charge.id;
    sale.reference = charge.reference;
    sale.merchant = charge.merchant;
    sale.brand = charge.card_brand;
    sale.settled_at = charge.captured_at.empty() ? charge.created_at : charge.captured_at;
    sale.amount_yen = charge.amount_captured_yen;
    sale.mdr_bp = mdr_bp;
    sales.push_back(std::move(sale));
  }
  return sales;
}

std::vector<RefundRecord> refunds_of(const std::vector<Refund>& refunds) {
  std::vector<RefundRecord> records;
  for (const Refund& refund : refunds) {
    if (refund.status != "succeeded") continue;
    records.push_back(
        RefundRecord{refund.id, refund.charge_id, refund.reference, refund.created_at, refund.amount_yen});
  }
  return records;
}

std::string data_line(const SettlementLine& line) {
  return csv_line({std::string(kDataRecord), line.transaction_id, line.reference, line.merchant,
                   format_tokyo(line.transacted_at, "%FT%T+09:00"),
                   line.kind == SettlementKind::sale ? "sale" : "refund",
                   std::to_string(signed_amount_yen(line)), std::to_string(signed_fee_yen(line)),
                   std::to_string(signed_net_yen(line)), line.brand});
}

}  // namespace

const std::vector<std::string>& card_settlement_header() {
  static const std::vector<std::string> header{"record_type",
                                               "transaction_id",
                                               "merchant_reference",
                                               "merchant_id",
                                               "transaction_at",
                                               "kind",
                                               "amount",
                                               "fee",
                                               "net",
                                               "card_brand"};
  return header;
}

std::string card_settlement_file_name(std::chrono::year_month_day date) {
  return format_date(date, "card_settlement_%Y%m%d.csv");
}

Result<std::vector<SettlementLine>, std::string> card_settlement_lines(const std::vector<Charge>& charges,
                                                                       const std::vector<Refund>& refunds,
                                                                       std::chrono::year_month_day date,
                                                                       int mdr_bp) {
  return settlement_lines(sales_of(charges, mdr_bp), refunds_of(refunds), date,
                          FeeOnRefund::returned_proportionally);
}

Result<SettlementFile, std::string> card_settlement_file(std::chrono::year_month_day date,
                                                         const std::vector<SettlementLine>& lines) {
  const auto totals = settlement_totals(lines);
  if (!totals) return fail(totals.error());
  SettlementFile file;
  file.name = card_settlement_file_name(date);
  file.content = csv_line(card_settlement_header());
  for (const SettlementLine& line : lines) file.content += data_line(line);
  file.content +=
      csv_line({std::string(kTrailerRecord), std::to_string(lines.size()), std::to_string(totals->amount_yen),
                std::to_string(totals->fee_yen), std::to_string(totals->net_yen)});
  file.lines = lines.size();
  file.totals = totals.value();
  return file;
}

Result<SettlementFile, std::string> card_settlement_file(const std::vector<Charge>& charges,
                                                         const std::vector<Refund>& refunds,
                                                         std::chrono::year_month_day date, int mdr_bp) {
  auto lines = card_settlement_lines(charges, refunds, date, mdr_bp);
  if (!lines) return fail(lines.error());
  return card_settlement_file(date, lines.value());
}

SettlementLayout card_settlement_layout(const AcquirerBook& book, int mdr_bp) {
  SettlementLayout layout;
  layout.file_name = &card_settlement_file_name;
  layout.lines = [&book, mdr_bp](std::chrono::year_month_day date) {
    const auto [charges, refunds] = book.records();
    return card_settlement_lines(charges, refunds, date, mdr_bp);
  };
  layout.write = [](std::chrono::year_month_day date, const std::vector<SettlementLine>& lines) {
    return card_settlement_file(date, lines);
  };
  return layout;
}

}  // namespace kessai::sim
