#pragma once
// What finance staff (会計課) read after the nightly reconciliation, as typed figures: takings, the
// reconciliation per processor, the exception queue, and the cashless status of facilities and online
// procedures. Read from PostgreSQL in one snapshot per report; every yen figure comes from the ledger's
// postings (or the reconciliation tables that point at them), so the reports agree with the trial
// balance. Used by `kessai report` (rendered through kessai/reports/table.hpp) and by kessaid's dashboard
// (as JSON).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "kessai/reports/table.hpp"

namespace kessai::reports {

// Business dates, both ends included.
struct Period {
  std::chrono::year_month_day from{};
  std::chrono::year_month_day to{};
};

// --- Takings (収納実績) ------------------------------------------------------------------------------

// One business date × facility or procedure × fee code × means × brand.
struct TakingsRow {
  std::string business_date{};  // "YYYY-MM-DD"
  std::string place_kind{};     // "facility" or "procedure"
  std::string place_id{};
  std::string place_name{};
  std::string fee_code{};
  std::string fee_name{};
  std::string means{};            // "card", "emoney", "qr", "payeasy"
  std::string brand{};            // "visa", "transit_ic", "paypay", …; empty when not known
  std::int64_t payments = 0;      // captures
  std::int64_t gross_yen = 0;     // captured
  std::int64_t refunds = 0;       // refunds and Pay-easy reversals (取消)
  std::int64_t refunded_yen = 0;  // positive
  std::int64_t net_yen = 0;       // gross - refunded
};

struct TakingsReport {
  Period period{};
  std::vector<TakingsRow> rows{};  // by date, place, fee code, means, brand
  // The net credit to every revenue:fee:* account by journals of the period: the trial balance's figure,
  // which the rows' net must equal.
  std::int64_t ledger_revenue_yen = 0;
};

// --- Reconciliation per processor ------------------------------------------------------------------

struct ProcessorReconRow {
  std::string processor_id{};
  std::int64_t captured_yen = 0;  // receivable debited by the period's captures
  std::int64_t refunded_yen = 0;  // receivable credited by the period's refunds and reversals (positive)
  std::int64_t settled_yen = 0;  // receivable credited by the settlement files of the period (net of refunds)
  std::int64_t fees_yen = 0;     // processor fees charged in those files
  std::int64_t payout_yen = 0;   // what those files said the processor pays
  // What reached the bank for those payouts so far: the payouts deposits paid, with each deposit's
  // difference from them (a short deposit less; an unexpected deposit of the period, all of it).
  std::int64_t deposited_yen = 0;
  std::int64_t suspense_yen = 0;   // put on suspense by those files and their deposits (credit > 0)
  std::int64_t unsettled_yen = 0;  // captured - refunded - settled: still owed by the processor
  std::int64_t files = 0;          // accepted settlement files of the period
  std::int64_t open_exceptions = 0;
  std::int64_t resolved_exceptions = 0;
  std::string status{};  // "reconciled", "differences" (open exceptions or money unexplained), "no_file"
};

struct ReconSummaryReport {
  Period period{};
  std::vector<ProcessorReconRow> rows{};  // every processor with ledger items or files, by id
};

// --- Exceptions ------------------------------------------------------------------------------------

struct ExceptionEntry {
  std::int64_t id = 0;
  std::string business_date{};
  std::string processor_id{};
  std::string reason{};  // recon::Reason's name, e.g. "missing_in_settlement"
  std::string status{};  // "open" or "resolved"
  std::string reference{};
  std::string payment_intent_id{};
  std::string file_name{};
  std::int64_t expected_yen = 0;
  std::int64_t actual_yen = 0;
  std::int64_t suspense_yen = 0;
  std::string detail{};
  std::string created_at{};  // ISO 8601 UTC
  std::string resolved_at{};
  std::string resolved_by{};
  std::string resolution_note{};
};

// A night with a broken file can open an exception per line: a report lists this many at most.
inline constexpr std::size_t kExceptionRowsMax = 100'000;

struct ExceptionsReport {
  Period period{};
  std::vector<ExceptionEntry> rows{};  // exceptions of the period's business dates, open first, by id
  std::int64_t open = 0;               // every one of the period, also those beyond kExceptionRowsMax
  std::int64_t resolved = 0;
};

// --- Cashless status (導入状況) ---------------------------------------------------------------------

struct MeansStatus {
  std::string means{};       // "card", "emoney", "qr" (facilities); "card", "payeasy" (procedures)
  std::string state{};       // "live" (in place by the period's end), "planned" (a later date), "none"
  std::string live_since{};  // "YYYY-MM-DD" or empty
  std::int64_t payments = 0;
  std::int64_t net_yen = 0;
  std::int64_t share_basis_points = 0;  // of the place's net takings in the period (10000 = 100 %)
};

struct FacilityStatusRow {
  std::string facility_id{};
  std::string name{};
  std::string category{};            // "citizen" or "office"
  std::vector<MeansStatus> means{};  // card, emoney, qr, in that order
  std::int64_t payments = 0;
  std::int64_t net_yen = 0;
  bool all_three_live = false;
};

struct ProcedureStatusRow {
  std::string procedure_id{};
  std::string name{};
  std::vector<MeansStatus> means{};  // card, payeasy, in that order
  std::int64_t payments = 0;
  std::int64_t net_yen = 0;
};

struct CashlessStatusReport {
  Period period{};
  std::vector<FacilityStatusRow> facilities{};
  std::vector<ProcedureStatusRow> procedures{};
  std::int64_t facilities_all_three_live = 0;
  std::int64_t procedures_payeasy_live = 0;
};

// --- Reading them (each in one repeatable-read snapshot; pqxx errors propagate) --------------------

TakingsReport load_takings(pqxx::connection& connection, const Period& period);
ReconSummaryReport load_recon_summary(pqxx::connection& connection, const Period& period);
ExceptionsReport load_exceptions(pqxx::connection& connection, const Period& period);
CashlessStatusReport load_cashless_status(pqxx::connection& connection, const Period& period);

// --- As tables for CSV, XLSX and HTML (kessai/reports/table.hpp) -----------------------------------

Report to_report(const TakingsReport& report);
Report to_report(const ReconSummaryReport& report);
Report to_report(const ExceptionsReport& report);
Report to_report(const CashlessStatusReport& report);

// The report names `kessai report` knows: "takings", "recon-summary", "exceptions", "cashless-status".
const std::vector<std::string>& report_names();
// One line saying what the named report shows; empty for a name that is none.
std::string_view report_description(std::string_view name);

// The named report loaded and turned into tables; nullopt for a name that is none of report_names().
// generated_at is left empty for the caller to fill.
std::optional<Report> load_report(pqxx::connection& connection, std::string_view name, const Period& period);

// "2026-11-21" for one day, "2026-11-01 – 2026-11-30" for more.
std::string period_text(const Period& period);

}  // namespace kessai::reports
