#include "qr_settlement.hpp"

#include <optional>
#include <utility>

namespace kessai::sim::qr_provider {

namespace {

constexpr std::string_view kCompleted = "取引完了";
constexpr std::string_view kRefunded = "返金完了";

std::optional<Wallet> parse_wallet(std::string_view text) {
  for (const Wallet wallet : {Wallet::paypay, Wallet::d_barai, Wallet::au_pay, Wallet::rakuten_pay}) {
    if (to_string(wallet) == text) return wallet;
  }
  return std::nullopt;
}

// The completed payments as sales, at their wallet's rate.
Result<std::vector<SaleRecord>, std::string> sales_of(const std::vector<Payment>& payments,
                                                      const MdrTable& mdr) {
  std::vector<SaleRecord> sales;
  for (const Payment& payment : payments) {
    if (payment.status != "completed") continue;
    const std::optional<Wallet> wallet = parse_wallet(payment.wallet);
    const auto rate = mdr.find(payment.wallet);
    if (!wallet || rate == mdr.end()) {
      return fail(payment.id + " has wallet '" + payment.wallet + "', which has no contracted rate");
    }
    SaleRecord sale;
    sale.transaction_id = payment.id;
    sale.reference = payment.reference;
    sale.merchant = payment.merchant;
    sale.brand = std::string(japanese_name(*wallet));
    sale.detail = payment.code_masked;
    sale.settled_at = payment.created_at;
    sale.amount_yen = payment.amount_yen;
    sale.mdr_bp = rate->second;
    sales.push_back(std::move(sale));
  }
  return sales;
}

std::vector<RefundRecord> refunds_of(const std::vector<Refund>& refunds) {
  std::vector<RefundRecord> records;
  for (const Refund& refund : refunds) {
    if (refund.status != "completed") continue;
    records.push_back(
        RefundRecord{refund.id, refund.payment_id, refund.reference, refund.created_at, refund.amount_yen});
  }
  return records;
}

std::string data_line(const SettlementLine& line) {
  const bool refund = line.kind == SettlementKind::refund;
  return csv_line({line.transaction_id, line.merchant, "", line.merchant, "", "",
                   std::string(refund ? kRefunded : kCompleted), format_tokyo(line.transacted_at, "%F %T"),
                   std::to_string(signed_amount_yen(line)), "", line.brand, line.detail, "", line.reference,
                   std::to_string(signed_fee_yen(line)), std::to_string(signed_net_yen(line))});
}

}  // namespace

MdrTable default_mdr_table() {
  return MdrTable{{"paypay", 198}, {"d_barai", 260}, {"au_pay", 260}, {"rakuten_pay", 324}};
}

std::string_view japanese_name(Wallet wallet) {
  switch (wallet) {
    case Wallet::paypay:
      return "PayPay";
    case Wallet::d_barai:
      return "d払い";
    case Wallet::au_pay:
      return "au PAY";
    case Wallet::rakuten_pay:
      return "楽天ペイ";
  }
  return "";
}

const std::vector<std::string>& settlement_header() {
  static const std::vector<std::string> header{
      "取引番号",       "加盟店ID",     "屋号",     "店舗ID",       "店舗名",     "端末番号/PosID",
      "取引ステータス", "取引日時",     "取引金額", "レシート番号", "支払い方法", "支払い詳細項目",
      "取引確定期限",   "加盟店決済ID", "手数料",   "入金額"};
  return header;
}

std::string settlement_file_name(std::chrono::year_month_day date) {
  return format_date(date, "qr_settlement_%Y%m%d.csv");
}

Result<std::vector<SettlementLine>, std::string> settlement_lines(const std::vector<Payment>& payments,
                                                                  const std::vector<Refund>& refunds,
                                                                  std::chrono::year_month_day date,
                                                                  const MdrTable& mdr) {
  auto sales = sales_of(payments, mdr);
  if (!sales) return fail(sales.error());
  return sim::settlement_lines(sales.value(), refunds_of(refunds), date,
                               FeeOnRefund::returned_proportionally);
}

Result<SettlementFile, std::string> settlement_file(std::chrono::year_month_day date,
                                                    const std::vector<SettlementLine>& lines) {
  const auto totals = settlement_totals(lines);
  if (!totals) return fail(totals.error());
  SettlementFile file;
  file.name = settlement_file_name(date);
  file.content = std::string(kUtf8Bom) + csv_line(settlement_header());
  for (const SettlementLine& line : lines) file.content += data_line(line);
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

SettlementLayout settlement_layout(const ProviderBook& book, MdrTable mdr) {
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

}  // namespace kessai::sim::qr_provider
