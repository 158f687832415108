// The finance reports as tables: headings in Japanese first with the English after, the machine's
// names kept beside the Japanese ones (so a column still filters on "card"), totals rows, and the notes
// that say what was checked against the ledger.

#include <map>

#include "kessai/money.hpp"
#include "kessai/reports/finance.hpp"

namespace kessai::reports {

namespace {

std::string yen_text(std::int64_t yen) {
  return yen < 0 ? "-¥" + format_yen(Yen(yen)).substr(1) : "¥" + format_yen(Yen(yen));
}

std::string means_label(const std::string& means) {
  if (means == "card") return "カード (card)";
  if (means == "emoney") return "電子マネー (emoney)";
  if (means == "qr") return "QR (qr)";
  if (means == "payeasy") return "ペイジー (payeasy)";
  return means.empty() ? "不明 (unknown)" : means;
}

std::string place_kind_label(const std::string& kind) {
  if (kind == "facility") return "施設 (facility)";
  if (kind == "procedure") return "手続 (procedure)";
  return "不明 (unknown payment)";
}

std::string reason_label(const std::string& reason) {
  static const std::map<std::string, std::string> labels{
      {"missing_in_settlement", "精算漏れ"}, {"unknown_in_ledger", "台帳にない精算"},
      {"amount_mismatch", "金額相違"},       {"fee_mismatch", "手数料相違"},
      {"duplicate_settlement", "二重精算"},  {"settled_after_refund", "返金後の精算"},
      {"deposit_mismatch", "入金相違"},      {"late_settlement", "精算遅延"},
  };
  const auto found = labels.find(reason);
  return found == labels.end() ? reason : found->second + " (" + reason + ")";
}

std::string exception_status_label(const std::string& status) {
  if (status == "open") return "未解決 (open)";
  if (status == "resolved") return "解決済 (resolved)";
  return status;
}

std::string recon_status_label(const std::string& status) {
  if (status == "reconciled") return "照合済 (reconciled)";
  if (status == "differences") return "差異あり (differences)";
  if (status == "no_file") return "精算ファイルなし (no_file)";
  return status;
}

std::string means_state_label(const MeansStatus& means) {
  if (means.state == "live") return "導入済 (live) " + means.live_since;
  if (means.state == "planned") return "導入予定 (planned) " + means.live_since;
  return "未定 (none)";
}

Report report_of(std::string name, std::string title, const Period& period) {
  Report report;
  report.name = std::move(name);
  report.title = std::move(title);
  report.period = period_text(period);
  return report;
}

Column text(std::string heading) {
  return Column{.heading = std::move(heading), .kind = ColumnKind::text};
}
Column count(std::string heading) {
  return Column{.heading = std::move(heading), .kind = ColumnKind::count};
}
Column yen(std::string heading) {
  return Column{.heading = std::move(heading), .kind = ColumnKind::yen};
}
Column share(std::string heading) {
  return Column{.heading = std::move(heading), .kind = ColumnKind::basis_points};
}
Column date(std::string heading) {
  return Column{.heading = std::move(heading), .kind = ColumnKind::date};
}

// "合計 (total)" in the first column, blanks up to the first figure.
std::vector<Cell> totals_row(std::size_t blanks, std::vector<Cell> figures) {
  std::vector<Cell> row{Cell(std::string("合計 (total)"))};
  for (std::size_t i = 1; i < blanks; ++i) row.emplace_back(std::string());
  row.insert(row.end(), figures.begin(), figures.end());
  return row;
}

struct Sums {
  std::int64_t payments = 0;
  std::int64_t gross_yen = 0;
  std::int64_t refunds = 0;
  std::int64_t refunded_yen = 0;
  std::int64_t net_yen = 0;
  void add(const TakingsRow& row) {
    payments += row.payments;
    gross_yen += row.gross_yen;
    refunds += row.refunds;
    refunded_yen += row.refunded_yen;
    net_yen += row.net_yen;
  }
  std::vector<Cell> cells() const { return {payments, gross_yen, refunds, refunded_yen, net_yen}; }
};

std::vector<Column> takings_figure_columns() {
  return {count("件数 (payments)"), yen("売上 (gross)"), count("返金件数 (refunds)"), yen("返金 (refunds)"),
          yen("純額 (net)")};
}

}  // namespace

Report to_report(const TakingsReport& takings) {
  Report report = report_of("takings", "収納実績 (takings)", takings.period);
  Table detail{.title = "収納実績 (takings)"};
  detail.columns = {date("日付 (date)"),
                    text("区分 (kind)"),
                    text("ID"),
                    text("施設・手続 (facility / procedure)"),
                    text("手数料コード (fee code)"),
                    text("手数料 (fee)"),
                    text("手段 (means)"),
                    text("ブランド (brand)")};
  for (Column& column : takings_figure_columns()) detail.columns.push_back(std::move(column));
  Sums total;
  std::map<std::string, Sums> by_means;
  for (const TakingsRow& row : takings.rows) {
    detail.rows.push_back({row.business_date, place_kind_label(row.place_kind), row.place_id, row.place_name,
                           row.fee_code, row.fee_name, means_label(row.means), row.brand, row.payments,
                           row.gross_yen, row.refunds, row.refunded_yen, row.net_yen});
    total.add(row);
    by_means[row.means].add(row);
  }
  detail.totals = totals_row(8, total.cells());

  Table means{.title = "手段別 (by means)"};
  means.columns = {text("手段 (means)")};
  for (Column& column : takings_figure_columns()) means.columns.push_back(std::move(column));
  for (const std::string name : {"card", "emoney", "qr", "payeasy"}) {
    std::vector<Cell> row{means_label(name)};
    for (Cell& cell : by_means[name].cells()) row.push_back(std::move(cell));
    means.rows.push_back(std::move(row));
    by_means.erase(name);
  }
  for (const auto& [name, sums] : by_means) {  // a means the four do not name: shown, never dropped
    std::vector<Cell> row{means_label(name)};
    for (Cell& cell : sums.cells()) row.push_back(std::move(cell));
    means.rows.push_back(std::move(row));
  }
  means.totals = totals_row(1, total.cells());

  if (total.net_yen == takings.ledger_revenue_yen) {
    report.notes.push_back("純額合計 = 収益勘定 (revenue accounts) " + yen_text(takings.ledger_revenue_yen) +
                           " — 一致 (agrees with the ledger)");
  } else {
    report.notes.push_back("【不一致 (MISMATCH)】純額合計 (net total) " + yen_text(total.net_yen) +
                           " ≠ 収益勘定 (revenue accounts) " + yen_text(takings.ledger_revenue_yen) +
                           ", 差額 (difference) " + yen_text(total.net_yen - takings.ledger_revenue_yen) +
                           ": a journal on revenue:fee:* is not a payment, refund or reversal kessai knows; "
                           "see kessai ledger trial-balance");
  }
  report.notes.push_back(
      "件数 (payments) = captures; 返金 (refunds) = refunds and Pay-easy reversals (取消) booked in the "
      "period");
  report.tables = {std::move(detail), std::move(means)};
  return report;
}

Report to_report(const ReconSummaryReport& summary) {
  Report report = report_of("recon-summary", "照合結果 (reconciliation summary)", summary.period);
  Table table{.title = "照合結果 (reconciliation summary)"};
  table.columns = {text("決済事業者 (processor)"),
                   yen("売上計上 (captured)"),
                   yen("返金 (refunded)"),
                   yen("精算済 (settled)"),
                   yen("手数料 (fees)"),
                   yen("入金予定 (payout)"),
                   yen("入金済 (deposited)"),
                   yen("仮受金 (suspense)"),
                   yen("未精算 (unsettled)"),
                   count("精算ファイル (files)"),
                   count("未解決 (open exceptions)"),
                   count("解決済 (resolved)"),
                   text("状態 (status)")};
  std::vector<std::int64_t> sums(11, 0);
  for (const ProcessorReconRow& row : summary.rows) {
    const std::vector<std::int64_t> figures{row.captured_yen,    row.refunded_yen,       row.settled_yen,
                                            row.fees_yen,        row.payout_yen,         row.deposited_yen,
                                            row.suspense_yen,    row.unsettled_yen,      row.files,
                                            row.open_exceptions, row.resolved_exceptions};
    std::vector<Cell> cells{row.processor_id};
    for (std::size_t i = 0; i < figures.size(); ++i) {
      cells.emplace_back(figures[i]);
      sums[i] += figures[i];
    }
    cells.emplace_back(recon_status_label(row.status));
    table.rows.push_back(std::move(cells));
  }
  table.totals = {std::string("合計 (total)")};
  for (std::int64_t sum : sums) table.totals.emplace_back(sum);
  table.totals.emplace_back(std::string());
  report.notes = {
      "売上計上・返金: the receivable (assets:receivable:<processor>) moved by the period's payments, "
      "refunds "
      "and reversals",
      "精算済・手数料・入金予定・仮受金: the settlement journals of the period's accepted settlement files; "
      "入金済: their payouts a bank deposit paid so far",
      "未精算 (unsettled) = 売上計上 − 返金 − 精算済: still owed by the processor",
      "差異あり (differences): open exceptions, suspense, or a payout not (yet) deposited; 精算ファイルなし "
      "(no_file): payments but no accepted settlement file"};
  report.tables = {std::move(table)};
  return report;
}

Report to_report(const ExceptionsReport& exceptions) {
  Report report = report_of("exceptions", "照合例外 (exceptions)", exceptions.period);
  Table table{.title = "照合例外 (exceptions)"};
  table.columns = {text("番号 (id)"),           date("日付 (date)"),          text("決済事業者 (processor)"),
                   text("理由 (reason)"),       text("状態 (status)"),        text("参照 (reference)"),
                   text("支払 (payment)"),      text("ファイル (file)"),      yen("期待額 (expected)"),
                   yen("実額 (actual)"),        yen("仮受金 (suspense)"),     text("内容 (detail)"),
                   text("発生 (created, UTC)"), text("解決 (resolved, UTC)"), text("解決者 (resolved by)"),
                   text("解決メモ (note)")};
  std::int64_t suspense = 0;
  for (const ExceptionEntry& e : exceptions.rows) {
    table.rows.push_back({std::to_string(e.id), e.business_date, e.processor_id, reason_label(e.reason),
                          exception_status_label(e.status), e.reference, e.payment_intent_id, e.file_name,
                          e.expected_yen, e.actual_yen, e.suspense_yen, e.detail, e.created_at, e.resolved_at,
                          e.resolved_by, e.resolution_note});
    suspense += e.suspense_yen;
  }
  if (!table.rows.empty()) {
    table.totals = totals_row(10, {suspense});
    table.totals.resize(table.columns.size(), std::string());
  }
  report.notes.push_back("未解決 (open) " + std::to_string(exceptions.open) + " 件, 解決済 (resolved) " +
                         std::to_string(exceptions.resolved) + " 件");
  const auto listed = static_cast<std::int64_t>(exceptions.rows.size());
  if (listed < exceptions.open + exceptions.resolved) {
    report.notes.push_back("【一部 (PARTIAL)】" + std::to_string(listed) + " of " +
                           std::to_string(exceptions.open + exceptions.resolved) +
                           " exceptions listed, open ones first; see kessai recon exceptions list");
  }
  report.tables = {std::move(table)};
  return report;
}

Report to_report(const CashlessStatusReport& status) {
  Report report = report_of("cashless-status", "キャッシュレス導入状況 (cashless status)", status.period);
  Table facilities{.title = "施設 (facilities)"};
  facilities.columns = {text("ID"),
                        text("施設 (facility)"),
                        text("区分 (category)"),
                        text("カード (card)"),
                        text("電子マネー (emoney)"),
                        text("QR (qr)"),
                        text("3手段導入 (all three live)"),
                        share("カード構成比 (card share)"),
                        share("電子マネー構成比 (emoney share)"),
                        share("QR構成比 (qr share)"),
                        count("件数 (payments)"),
                        yen("純額 (net)")};
  std::int64_t payments = 0, net = 0;
  std::int64_t citizen = 0, citizen_live = 0, office = 0, office_live = 0;
  for (const FacilityStatusRow& row : status.facilities) {
    std::vector<Cell> cells{
        row.facility_id, row.name,
        row.category == "office" ? std::string("庁内 (office)") : std::string("市民利用 (citizen)")};
    for (const MeansStatus& means : row.means) cells.emplace_back(means_state_label(means));
    cells.emplace_back(std::string(row.all_three_live ? "はい (yes)" : "いいえ (no)"));
    for (const MeansStatus& means : row.means) cells.emplace_back(means.share_basis_points);
    cells.emplace_back(row.payments);
    cells.emplace_back(row.net_yen);
    facilities.rows.push_back(std::move(cells));
    payments += row.payments;
    net += row.net_yen;
    (row.category == "office" ? office : citizen) += 1;
    (row.category == "office" ? office_live : citizen_live) += row.all_three_live ? 1 : 0;
  }
  facilities.totals = totals_row(10, {payments, net});

  Table procedures{.title = "手続 (procedures)"};
  procedures.columns = {text("ID"),
                        text("手続 (procedure)"),
                        text("カード (card)"),
                        text("ペイジー (payeasy)"),
                        share("カード構成比 (card share)"),
                        share("ペイジー構成比 (payeasy share)"),
                        count("件数 (payments)"),
                        yen("純額 (net)")};
  payments = 0;
  net = 0;
  for (const ProcedureStatusRow& row : status.procedures) {
    std::vector<Cell> cells{row.procedure_id, row.name};
    for (const MeansStatus& means : row.means) cells.emplace_back(means_state_label(means));
    for (const MeansStatus& means : row.means) cells.emplace_back(means.share_basis_points);
    cells.emplace_back(row.payments);
    cells.emplace_back(row.net_yen);
    procedures.rows.push_back(std::move(cells));
    payments += row.payments;
    net += row.net_yen;
  }
  procedures.totals = totals_row(6, {payments, net});

  report.notes = {
      "3手段導入済の施設 (facilities with card, e-money and QR live): " +
          std::to_string(status.facilities_all_three_live) + " / " +
          std::to_string(status.facilities.size()) + " (市民利用 citizen " + std::to_string(citizen_live) +
          " / " + std::to_string(citizen) + ", 庁内 office " + std::to_string(office_live) + " / " +
          std::to_string(office) + ")",
      "ペイジー導入済の手続 (procedures with Pay-easy live): " +
          std::to_string(status.procedures_payeasy_live) + " / " + std::to_string(status.procedures.size()),
      "導入済 (live): in place by " + period_text(Period{.from = status.period.to, .to = status.period.to}) +
          "; 構成比 (share): of the place's net takings in the period"};
  report.tables = {std::move(facilities), std::move(procedures)};
  return report;
}

}  // namespace kessai::reports
