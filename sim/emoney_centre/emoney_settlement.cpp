#include "emoney_settlement.hpp"

#include <set>
#include <utility>

#include "kessai/runtime/shift_jis.hpp"

namespace kessai::sim::emoney {

namespace {

constexpr std::string_view kSale = "売上";
constexpr std::string_view kRefund = "取消(返金)";
constexpr std::string_view kTotal = "合計";

// The captured payments as sales, at their brand's rate; `postpaid` gets the ids of iD and QUICPay
// payments, whose refunds are the card issuer's, never the centre's.
Result<std::vector<SaleRecord>, std::string> sales_of(const std::vector<Payment>& payments,
                                                      const MdrTable& mdr, std::set<std::string>& postpaid) {
  std::vector<SaleRecord> sales;
  for (const Payment& payment : payments) {
    if (payment.status != "captured") continue;
    const std::optional<Brand> brand = parse_brand(payment.brand);
    const auto rate = mdr.find(payment.brand);
    if (!brand || rate == mdr.end()) {
      return fail(payment.id + " has brand '" + payment.brand + "', which has no contracted rate");
    }
    if (!is_prepaid(*brand)) postpaid.insert(payment.id);
    SaleRecord sale;
    sale.transaction_id = payment.id;
    sale.reference = payment.reference;
    sale.merchant = payment.merchant;
    sale.brand = std::string(japanese_name(*brand));
    sale.settled_at = payment.created_at;
    sale.amount_yen = payment.amount_yen;
    sale.mdr_bp = rate->second;
    sales.push_back(std::move(sale));
  }
  return sales;
}

std::vector<RefundRecord> refunds_of(const std::vector<Refund>& refunds,
                                     const std::set<std::string>& postpaid) {
  std::vector<RefundRecord> records;
  for (const Refund& refund : refunds) {
    if (refund.status != "succeeded" || postpaid.contains(refund.payment_id)) continue;
    records.push_back(
        RefundRecord{refund.id, refund.payment_id, refund.reference, refund.created_at, refund.amount_yen});
  }
  return records;
}

std::string data_line(const SettlementLine& line) {
  const bool refund = line.kind == SettlementKind::refund;
  return csv_line({format_tokyo(line.transacted_at, "%Y/%m/%d"), format_tokyo(line.transacted_at, "%H:%M:%S"),
                   line.transaction_id, line.reference, line.merchant, line.brand,
                   std::string(refund ? kRefund : kSale), std::to_string(line.amount_yen),
                   std::to_string(line.fee_yen), std::to_string(line.amount_yen - line.fee_yen)});
}

}  // namespace

MdrTable default_mdr_table() {
  return MdrTable{{"transit_ic", 198}, {"waon", 198}, {"nanaco", 198}, {"id", 324}, {"quicpay", 324}};
}

std::string_view japanese_name(Brand brand) {
  switch (brand) {
    case Brand::transit_ic:
      return "交通系IC";
    case Brand::id:
      return "iD";
    case Brand::quicpay:
      return "QUICPay";
    case Brand::waon:
      return "WAON";
    case Brand::nanaco:
      return "nanaco";
  }
  return "";
}

const std::vector<std::string>& settlement_header() {
  static const std::vector<std::string> header{
      "利用日", "利用時刻", "センター取引番号", "加盟店取引番号", "加盟店コード", "ブランド",
      "区分",   "金額",     "手数料",           "差引金額"};
  return header;
}

std::string settlement_file_name(std::chrono::year_month_day date) {
  return format_date(date, "emoney_%Y%m%d.csv");
}

Result<std::vector<SettlementLine>, std::string> settlement_lines(const std::vector<Payment>& payments,
                                                                  const std::vector<Refund>& refunds,
                                                                  std::chrono::year_month_day date,
                                                                  const MdrTable& mdr) {
  std::set<std::string> postpaid;
  auto sales = sales_of(payments, mdr, postpaid);
  if (!sales) return fail(sales.error());
  return sim::settlement_lines(sales.value(), refunds_of(refunds, postpaid), date, FeeOnRefund::kept);
}

Result<SettlementFile, std::string> settlement_file(std::chrono::year_month_day date,
                                                    const std::vector<SettlementLine>& lines) {
  const auto totals = settlement_totals(lines);
  if (!totals) return fail(totals.error());
  std::string text = csv_line(settlement_header());
  for (const SettlementLine& line : lines) text += data_line(line);
  text += csv_line({std::string(kTotal), std::to_string(lines.size()), std::to_string(totals->amount_yen),
                    std::to_string(totals->fee_yen), std::to_string(totals->net_yen)});
  SettlementFile file;
  file.name = settlement_file_name(date);
  auto encoded = runtime::utf8_to_shift_jis(text);
  if (!encoded) return fail(file.name + ": " + encoded.error());
  file.content = std::move(encoded).value();
  file.lines = lines.size();
  file.totals = totals.value();
  return file;
}

Result<SettlementFile, std::string> settlement_file(const std::vector<Payment>& payments,
                                                    const std::vector<Refund>& refunds,
                                                    std::chrono::year_month_day date, const MdrTable& mdr) {
  auto lines = settlement_lines(payments, refunds, date, mdr);
  if (!lines) return fail(lines.error());
  return settlement_file(date, lines.value());
}

SettlementLayout settlement_layout(const CentreBook& book, MdrTable mdr) {
  SettlementLayout layout;
  layout.file_name = &settlement_file_name;
  layout.lines = [&book, mdr = std::move(mdr)](std::chrono::year_month_day date) {
    const auto [payments, refunds] = book.records();
    return settlement_lines(payments, refunds, date, mdr);
  };
  layout.write = [](std::chrono::year_month_day date, const std::vector<SettlementLine>& lines) {
    return settlement_file(date, lines);
  };
  return layout;
}

}  // namespace kessai::sim::emoney
