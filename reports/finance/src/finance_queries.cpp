// The finance reports read from PostgreSQL. Every yen figure is a sum of postings (or of the
// reconciliation tables that point at the journals holding them), so each report agrees with the trial
// balance; docs/reports.md says where each figure comes from.

#include <algorithm>
#include <map>

#include "kessai/ledger/journal.hpp"
#include "kessai/reports/finance.hpp"

namespace kessai::reports {

namespace {

// One snapshot per report: figures read by several queries still add up while payments go on.
using Snapshot = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

std::string date_text(std::chrono::year_month_day date) {
  return ledger::format_date(date);
}

// The revenue postings of the period's payments, refunds and reversals (the only journals that move
// revenue:fee:*), each with the payment it belongs to. Parameters: $1 from, $2 to.
constexpr std::string_view kRevenueItems =
    "with items as ("
    " select j.business_date, j.kind, j.id as journal_id, p.amount_yen,"
    "  substr(p.account_code, length('revenue:fee:') + 1) as fee_code,"
    "  pi.facility_id, pi.procedure_id, pi.means, coalesce(pi.brand, '') as brand"
    " from journal_entries j"
    " join postings p on p.journal_id = j.id and p.account_code like 'revenue:fee:%'"
    " left join refunds r on j.kind = 'refund' and r.id = j.reference"
    " left join payment_intents pi"
    "  on pi.id = case when j.kind = 'refund' then r.payment_intent_id else j.reference end"
    " where j.kind in ('capture', 'refund', 'reversal') and j.business_date between $1::date and $2::date)";

std::int64_t ledger_revenue(Snapshot& tx, const std::string& from, const std::string& to) {
  return tx
      .exec_params(
          "select coalesce(-sum(p.amount_yen), 0)::bigint from postings p"
          " join journal_entries j on j.id = p.journal_id"
          " where p.account_code like 'revenue:fee:%' and j.business_date between $1::date and $2::date",
          from, to)[0][0]
      .as<std::int64_t>();
}

// 128 bits: net × 10000 cannot overflow, whatever the ledger holds.
__extension__ using Wide = __int128;

// Shares of `nets` in basis points of `total`, in integers: each share rounded down, then the basis
// points left over given one each to the largest remainders, so that shares of non-negative takings add
// up to exactly 10000. Nothing taken (total <= 0): every share is 0.
std::vector<std::int64_t> shares_basis_points(const std::vector<std::int64_t>& nets, std::int64_t total) {
  std::vector<std::int64_t> shares(nets.size(), 0);
  if (total <= 0) return shares;
  std::vector<std::pair<std::int64_t, std::size_t>> remainders;
  std::int64_t given = 0;
  for (std::size_t i = 0; i < nets.size(); ++i) {
    const Wide scaled = static_cast<Wide>(nets[i]) * 10'000;
    Wide quotient = scaled / total;
    Wide remainder = scaled % total;
    if (remainder < 0) {  // floor, not truncation, for a negative net (refunds above takings)
      --quotient;
      remainder += total;
    }
    shares[i] = static_cast<std::int64_t>(quotient);
    given += shares[i];
    remainders.emplace_back(static_cast<std::int64_t>(remainder), i);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t k = 0; k < remainders.size() && given < 10'000 && remainders[k].first > 0; ++k) {
    ++shares[remainders[k].second];
    ++given;
  }
  return shares;
}

}  // namespace

std::string period_text(const Period& period) {
  if (period.from == period.to) return date_text(period.from);
  return date_text(period.from) + " – " + date_text(period.to);
}

TakingsReport load_takings(pqxx::connection& connection, const Period& period) {
  TakingsReport report;
  report.period = period;
  const std::string from = date_text(period.from), to = date_text(period.to);
  Snapshot tx(connection);
  const pqxx::result rows =
      tx.exec_params(std::string(kRevenueItems) +
                         " select i.business_date::text,"
                         "  case when i.facility_id is not null then 'facility'"
                         "   when i.procedure_id is not null then 'procedure' else '' end,"
                         "  coalesce(i.facility_id, i.procedure_id, ''), coalesce(f.name, pr.name, ''),"
                         "  i.fee_code, coalesce(fc.name, ''), coalesce(i.means, ''), i.brand,"
                         "  count(distinct i.journal_id) filter (where i.kind = 'capture'),"
                         "  coalesce(-sum(i.amount_yen) filter (where i.kind = 'capture'), 0)::bigint,"
                         "  count(distinct i.journal_id) filter (where i.kind <> 'capture'),"
                         "  coalesce(sum(i.amount_yen) filter (where i.kind <> 'capture'), 0)::bigint"
                         " from items i"
                         " left join facilities f on f.id = i.facility_id"
                         " left join procedures pr on pr.id = i.procedure_id"
                         " left join fee_codes fc on fc.code = i.fee_code"
                         " group by 1, 2, 3, 4, 5, 6, 7, 8 order by 1, 2, 3, 5, 7, 8",
                     from, to);
  for (const auto& row : rows) {
    TakingsRow r;
    r.business_date = row[0].as<std::string>();
    r.place_kind = row[1].as<std::string>();
    r.place_id = row[2].as<std::string>();
    r.place_name = row[3].as<std::string>();
    r.fee_code = row[4].as<std::string>();
    r.fee_name = row[5].as<std::string>();
    r.means = row[6].as<std::string>();
    r.brand = row[7].as<std::string>();
    r.payments = row[8].as<std::int64_t>();
    r.gross_yen = row[9].as<std::int64_t>();
    r.refunds = row[10].as<std::int64_t>();
    r.refunded_yen = row[11].as<std::int64_t>();
    r.net_yen = r.gross_yen - r.refunded_yen;
    report.rows.push_back(std::move(r));
  }
  // Read apart from the rows, by account alone: a revenue posting the rows missed shows as a difference.
  report.ledger_revenue_yen = ledger_revenue(tx, from, to);
  tx.commit();
  return report;
}

namespace {

ProcessorReconRow& processor_row(std::map<std::string, ProcessorReconRow>& rows, const std::string& id) {
  ProcessorReconRow& row = rows[id];
  row.processor_id = id;
  return row;
}

// The receivable moved by the period's payments, refunds and reversals, per processor (from the account:
// assets:receivable:<processor>). Returns the number of those journals per processor.
std::map<std::string, std::int64_t> add_ledger_items(Snapshot& tx, const std::string& from,
                                                     const std::string& to,
                                                     std::map<std::string, ProcessorReconRow>& rows) {
  std::map<std::string, std::int64_t> items;
  for (const auto& row : tx.exec_params(
           "select substr(p.account_code, length('assets:receivable:') + 1), count(distinct j.id),"
           "  coalesce(sum(p.amount_yen) filter (where j.kind = 'capture'), 0)::bigint,"
           "  coalesce(-sum(p.amount_yen) filter (where j.kind <> 'capture'), 0)::bigint"
           " from journal_entries j"
           " join postings p on p.journal_id = j.id and p.account_code like 'assets:receivable:%'"
           " where j.kind in ('capture', 'refund', 'reversal') and j.business_date between $1::date and "
           "$2::date"
           " group by 1",
           from, to)) {
    ProcessorReconRow& r = processor_row(rows, row[0].as<std::string>());
    items[r.processor_id] = row[1].as<std::int64_t>();
    r.captured_yen = row[2].as<std::int64_t>();
    r.refunded_yen = row[3].as<std::int64_t>();
  }
  return items;
}

// The settlement journals of the period's accepted files: receivable credited, fee expense and clearing
// (the payout) debited, suspense credited; and of their payouts, those a deposit paid.
void add_settlements(Snapshot& tx, const std::string& from, const std::string& to,
                     std::map<std::string, ProcessorReconRow>& rows) {
  for (const auto& row : tx.exec_params(
           "select f.processor_id, count(distinct f.id),"
           "  coalesce(-sum(p.amount_yen) filter (where p.account_code = 'assets:receivable:' || "
           "f.processor_id), 0)::bigint,"
           "  coalesce(sum(p.amount_yen) filter (where p.account_code = 'expenses:processor-fee:' || "
           "f.processor_id), 0)::bigint,"
           "  coalesce(sum(p.amount_yen) filter (where p.account_code = 'assets:clearing:' || "
           "f.processor_id), 0)::bigint,"
           "  coalesce(-sum(p.amount_yen) filter (where p.account_code = 'liabilities:suspense'), 0)::bigint"
           " from recon_files f left join postings p on p.journal_id = f.journal_id"
           " where f.status = 'accepted' and f.content = 'settlement' and f.processor_id is not null"
           "  and f.business_date between $1::date and $2::date"
           " group by 1",
           from, to)) {
    ProcessorReconRow& r = processor_row(rows, row[0].as<std::string>());
    r.files = row[1].as<std::int64_t>();
    r.settled_yen = row[2].as<std::int64_t>();
    r.fees_yen = row[3].as<std::int64_t>();
    r.payout_yen = row[4].as<std::int64_t>();
    r.suspense_yen += row[5].as<std::int64_t>();
  }
  for (const auto& row : tx.exec_params(
           "select po.processor_id, coalesce(sum(po.net_yen) filter (where po.bank_line_id is not null), "
           "0)::bigint"
           " from recon_payouts po join recon_files f on f.id = po.file_id"
           " where f.status = 'accepted' and f.business_date between $1::date and $2::date group by 1",
           from, to)) {
    processor_row(rows, row[0].as<std::string>()).deposited_yen = row[1].as<std::int64_t>();
  }
}

// Suspense from the deposits: those that paid a payout of the period's files, and the processor's
// deposits of the period that paid none (a deposit nobody expected). What a deposit put on suspense
// (more or less than its payouts, or all of an unexpected one) is part of what it deposited.
void add_deposit_suspense(Snapshot& tx, const std::string& from, const std::string& to,
                          std::map<std::string, ProcessorReconRow>& rows) {
  for (const auto& row : tx.exec_params(
           "with lines as ("
           " select po.processor_id, po.bank_line_id as id from recon_payouts po"
           "  join recon_files f on f.id = po.file_id"
           "  where f.status = 'accepted' and f.business_date between $1::date and $2::date"
           "   and po.bank_line_id is not null"
           " union"
           " select b.processor_id, b.id from bank_lines b"
           "  where b.processor_id is not null and b.account_date between $1::date and $2::date"
           "   and not exists (select 1 from recon_payouts po where po.bank_line_id = b.id))"
           " select l.processor_id, coalesce(-sum(p.amount_yen), 0)::bigint"
           " from lines l join bank_lines b on b.id = l.id"
           " join postings p on p.journal_id = b.journal_id and p.account_code = 'liabilities:suspense'"
           " group by 1",
           from, to)) {
    // A deposit's difference from the payouts it paid is on suspense, and it reached the bank too.
    ProcessorReconRow& r = processor_row(rows, row[0].as<std::string>());
    r.suspense_yen += row[1].as<std::int64_t>();
    r.deposited_yen += row[1].as<std::int64_t>();
  }
}

void add_exception_counts(Snapshot& tx, const std::string& from, const std::string& to,
                          std::map<std::string, ProcessorReconRow>& rows) {
  for (const auto& row : tx.exec_params(
           "select processor_id, count(*) filter (where status = 'open'),"
           "  count(*) filter (where status = 'resolved')"
           " from recon_exceptions"
           " where processor_id is not null and business_date between $1::date and $2::date group by 1",
           from, to)) {
    ProcessorReconRow& r = processor_row(rows, row[0].as<std::string>());
    r.open_exceptions = row[1].as<std::int64_t>();
    r.resolved_exceptions = row[2].as<std::int64_t>();
  }
}

}  // namespace

ReconSummaryReport load_recon_summary(pqxx::connection& connection, const Period& period) {
  ReconSummaryReport report;
  report.period = period;
  const std::string from = date_text(period.from), to = date_text(period.to);
  std::map<std::string, ProcessorReconRow> rows;
  Snapshot tx(connection);
  const std::map<std::string, std::int64_t> items = add_ledger_items(tx, from, to, rows);
  add_settlements(tx, from, to, rows);
  add_deposit_suspense(tx, from, to, rows);
  add_exception_counts(tx, from, to, rows);
  tx.commit();
  for (auto& [id, row] : rows) {
    row.unsettled_yen = row.captured_yen - row.refunded_yen - row.settled_yen;
    const bool has_items = items.count(id) > 0 && items.at(id) > 0;
    if (has_items && row.files == 0) {
      row.status = "no_file";
    } else if (row.open_exceptions > 0 || row.suspense_yen != 0 || row.payout_yen != row.deposited_yen) {
      row.status = "differences";
    } else {
      row.status = "reconciled";
    }
    report.rows.push_back(std::move(row));
  }
  return report;
}

ExceptionsReport load_exceptions(pqxx::connection& connection, const Period& period) {
  ExceptionsReport report;
  report.period = period;
  const std::string from = date_text(period.from), to = date_text(period.to);
  Snapshot tx(connection);
  const pqxx::row counts = tx.exec_params1(
      "select count(*) filter (where status = 'open'), count(*) filter (where status = 'resolved')"
      " from recon_exceptions where business_date between $1::date and $2::date",
      from, to);
  report.open = counts[0].as<std::int64_t>();
  report.resolved = counts[1].as<std::int64_t>();
  const pqxx::result rows = tx.exec_params(
      "select e.id, e.business_date::text, coalesce(e.processor_id, ''), e.reason, e.status,"
      "  coalesce(e.reference, ''), coalesce(e.payment_intent_id, ''), coalesce(f.file_name, ''),"
      "  coalesce(e.expected_yen, 0), coalesce(e.actual_yen, 0), e.suspense_yen, e.detail,"
      "  to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
      "  coalesce(to_char(e.resolved_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''),"
      "  coalesce(e.resolved_by, ''), coalesce(e.resolution_note, '')"
      " from recon_exceptions e left join recon_files f on f.id = e.file_id"
      " where e.business_date between $1::date and $2::date"
      " order by e.status = 'open' desc, e.id limit $3",
      from, to, static_cast<std::int64_t>(kExceptionRowsMax));
  tx.commit();
  for (const auto& row : rows) {
    report.rows.push_back(ExceptionEntry{.id = row[0].as<std::int64_t>(),
                                         .business_date = row[1].as<std::string>(),
                                         .processor_id = row[2].as<std::string>(),
                                         .reason = row[3].as<std::string>(),
                                         .status = row[4].as<std::string>(),
                                         .reference = row[5].as<std::string>(),
                                         .payment_intent_id = row[6].as<std::string>(),
                                         .file_name = row[7].as<std::string>(),
                                         .expected_yen = row[8].as<std::int64_t>(),
                                         .actual_yen = row[9].as<std::int64_t>(),
                                         .suspense_yen = row[10].as<std::int64_t>(),
                                         .detail = row[11].as<std::string>(),
                                         .created_at = row[12].as<std::string>(),
                                         .resolved_at = row[13].as<std::string>(),
                                         .resolved_by = row[14].as<std::string>(),
                                         .resolution_note = row[15].as<std::string>()});
  }
  return report;
}

namespace {

struct MeansTakings {
  std::int64_t payments = 0;
  std::int64_t net_yen = 0;
};
// By "facility:<id>" or "procedure:<id>", then means.
using PlaceTakings = std::map<std::string, std::map<std::string, MeansTakings>>;
// live_since by "facility:<id>" or "procedure:<id>", then means.
using PlaceMeans = std::map<std::string, std::map<std::string, std::string>>;

PlaceTakings load_place_takings(Snapshot& tx, const std::string& from, const std::string& to) {
  PlaceTakings takings;
  for (const auto& row :
       tx.exec_params(std::string(kRevenueItems) +
                          " select case when i.facility_id is not null then 'facility:' || i.facility_id"
                          "  else 'procedure:' || i.procedure_id end, i.means,"
                          "  count(distinct i.journal_id) filter (where i.kind = 'capture'),"
                          "  coalesce(-sum(i.amount_yen), 0)::bigint"
                          " from items i where i.means is not null group by 1, 2",
                      from, to)) {
    takings[row[0].as<std::string>()][row[1].as<std::string>()] =
        MeansTakings{.payments = row[2].as<std::int64_t>(), .net_yen = row[3].as<std::int64_t>()};
  }
  return takings;
}

PlaceMeans load_place_means(Snapshot& tx) {
  PlaceMeans means;
  for (const auto& row : tx.exec(
           "select 'facility:' || facility_id, means, live_since::text from facility_means"
           " union all select 'procedure:' || procedure_id, means, live_since::text from procedure_means")) {
    means[row[0].as<std::string>()][row[1].as<std::string>()] = row[2].as<std::string>();
  }
  return means;
}

// The place's means in the given order with their states on the period's last day, its takings per
// means and their shares of all its takings (means outside the list count in the total).
std::vector<MeansStatus> means_status(const std::vector<std::string>& order,
                                      const std::map<std::string, std::string>& live_since,
                                      const std::map<std::string, MeansTakings>& takings,
                                      const std::string& to, std::int64_t& payments, std::int64_t& net_yen) {
  std::vector<MeansStatus> out;
  std::vector<std::int64_t> nets;
  for (const std::string& means : order) {
    MeansStatus status{.means = means, .state = "none"};
    if (const auto found = live_since.find(means); found != live_since.end()) {
      status.live_since = found->second;
      status.state = found->second <= to ? "live" : "planned";  // ISO dates compare as text
    }
    if (const auto found = takings.find(means); found != takings.end()) {
      status.payments = found->second.payments;
      status.net_yen = found->second.net_yen;
    }
    nets.push_back(status.net_yen);
    out.push_back(std::move(status));
  }
  payments = 0;
  net_yen = 0;
  for (const auto& [means, taken] : takings) {
    payments += taken.payments;
    net_yen += taken.net_yen;
  }
  const std::vector<std::int64_t> shares = shares_basis_points(nets, net_yen);
  for (std::size_t i = 0; i < out.size(); ++i) out[i].share_basis_points = shares[i];
  return out;
}

}  // namespace

CashlessStatusReport load_cashless_status(pqxx::connection& connection, const Period& period) {
  CashlessStatusReport report;
  report.period = period;
  const std::string from = date_text(period.from), to = date_text(period.to);
  Snapshot tx(connection);
  const PlaceTakings takings = load_place_takings(tx, from, to);
  const PlaceMeans means = load_place_means(tx);
  const pqxx::result facilities = tx.exec("select id, name, category from facilities order by id");
  const pqxx::result procedures = tx.exec("select id, name from procedures order by id");
  tx.commit();
  const auto of = [](const auto& map, const std::string& key) {
    const auto found = map.find(key);
    return found == map.end() ? typename std::decay_t<decltype(map)>::mapped_type{} : found->second;
  };
  for (const auto& row : facilities) {
    FacilityStatusRow r{.facility_id = row[0].as<std::string>(),
                        .name = row[1].as<std::string>(),
                        .category = row[2].as<std::string>()};
    const std::string key = "facility:" + r.facility_id;
    r.means =
        means_status({"card", "emoney", "qr"}, of(means, key), of(takings, key), to, r.payments, r.net_yen);
    r.all_three_live =
        std::all_of(r.means.begin(), r.means.end(), [](const MeansStatus& m) { return m.state == "live"; });
    if (r.all_three_live) ++report.facilities_all_three_live;
    report.facilities.push_back(std::move(r));
  }
  for (const auto& row : procedures) {
    ProcedureStatusRow r{.procedure_id = row[0].as<std::string>(), .name = row[1].as<std::string>()};
    const std::string key = "procedure:" + r.procedure_id;
    r.means = means_status({"card", "payeasy"}, of(means, key), of(takings, key), to, r.payments, r.net_yen);
    if (r.means[1].state == "live") ++report.procedures_payeasy_live;
    report.procedures.push_back(std::move(r));
  }
  return report;
}

const std::vector<std::string>& report_names() {
  static const std::vector<std::string> names{"takings", "recon-summary", "exceptions", "cashless-status"};
  return names;
}

std::string_view report_description(std::string_view name) {
  if (name == "takings") return "収納実績: takings per date, facility or procedure, fee, means and brand";
  if (name == "recon-summary") {
    return "照合結果: per processor, captured, refunded, settled, fees, payout, deposited, suspense";
  }
  if (name == "exceptions") return "照合例外: the reconciliation's exceptions, open first, with resolutions";
  if (name == "cashless-status") {
    return "キャッシュレス導入状況: the means in place per facility and procedure, and their takings";
  }
  return "";
}

std::optional<Report> load_report(pqxx::connection& connection, std::string_view name, const Period& period) {
  if (name == "takings") return to_report(load_takings(connection, period));
  if (name == "recon-summary") return to_report(load_recon_summary(connection, period));
  if (name == "exceptions") return to_report(load_exceptions(connection, period));
  if (name == "cashless-status") return to_report(load_cashless_status(connection, period));
  return std::nullopt;
}

}  // namespace kessai::reports
