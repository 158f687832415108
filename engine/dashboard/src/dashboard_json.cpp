// The finance reports as the dashboard's JSON. Figures are the reports' own; the only arithmetic here is
// summing a report's rows into the totals the page shows in large type (the takings by means, by place
// and in all), so the page never adds yen itself.

#include <algorithm>
#include <array>
#include <stdexcept>

#include <boost/json.hpp>

#include "kessai/engine/dashboard.hpp"
#include "kessai/ledger/journal.hpp"
#include "kessai/money.hpp"

namespace kessai::engine {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 4> kMeansOrder{"card", "emoney", "qr", "payeasy"};

void add_to(std::int64_t& total, std::int64_t value) {
  const std::optional<Yen> sum = Yen(total).checked_add(Yen(value));
  // A day's takings cannot reach 9.2 × 10^18 yen; if they do, the figures are wrong, so nothing is shown.
  if (!sum) throw std::overflow_error("a dashboard total overflows 64 bits");
  total = sum->value();
}

json::object period_json(const reports::Period& period) {
  return {{"from", ledger::format_date(period.from)}, {"to", ledger::format_date(period.to)}};
}

struct TakingsSum {
  std::int64_t payments = 0;
  std::int64_t gross_yen = 0;
  std::int64_t refunds = 0;
  std::int64_t refunded_yen = 0;
  std::int64_t net_yen = 0;

  void add(const reports::TakingsRow& row) {
    add_to(payments, row.payments);
    add_to(gross_yen, row.gross_yen);
    add_to(refunds, row.refunds);
    add_to(refunded_yen, row.refunded_yen);
    add_to(net_yen, row.net_yen);
  }
  json::object to_json() const {
    return {{"payments", payments},
            {"gross_yen", gross_yen},
            {"refunds", refunds},
            {"refunded_yen", refunded_yen},
            {"net_yen", net_yen}};
  }
};

json::object takings_row_json(const reports::TakingsRow& row) {
  return {{"business_date", row.business_date},
          {"place_kind", row.place_kind},
          {"place_id", row.place_id},
          {"place_name", row.place_name},
          {"fee_code", row.fee_code},
          {"fee_name", row.fee_name},
          {"means", row.means},
          {"brand", row.brand},
          {"payments", row.payments},
          {"gross_yen", row.gross_yen},
          {"refunds", row.refunds},
          {"refunded_yen", row.refunded_yen},
          {"net_yen", row.net_yen}};
}

json::array means_json(const std::vector<reports::MeansStatus>& means) {
  json::array out;
  for (const reports::MeansStatus& m : means) {
    out.push_back(json::object{{"means", m.means},
                               {"state", m.state},
                               {"live_since", m.live_since},
                               {"payments", m.payments},
                               {"net_yen", m.net_yen},
                               {"share_basis_points", m.share_basis_points}});
  }
  return out;
}

}  // namespace

std::string takings_json(const reports::TakingsReport& report) {
  TakingsSum total;
  std::array<TakingsSum, kMeansOrder.size()> by_means{};
  std::vector<std::pair<const reports::TakingsRow*, TakingsSum>> by_place;  // in the report's order
  json::array rows;
  for (const reports::TakingsRow& row : report.rows) {
    total.add(row);
    for (std::size_t i = 0; i < kMeansOrder.size(); ++i) {
      if (row.means == kMeansOrder[i]) by_means[i].add(row);
    }
    auto place = std::find_if(by_place.begin(), by_place.end(), [&](const auto& entry) {
      return entry.first->place_kind == row.place_kind && entry.first->place_id == row.place_id;
    });
    if (place == by_place.end()) place = by_place.insert(by_place.end(), {&row, TakingsSum{}});
    place->second.add(row);
    rows.push_back(takings_row_json(row));
  }
  json::array means;
  for (std::size_t i = 0; i < kMeansOrder.size(); ++i) {
    json::object entry = by_means[i].to_json();
    entry["means"] = kMeansOrder[i];
    means.push_back(std::move(entry));
  }
  json::array places;
  for (const auto& [first, sum] : by_place) {
    json::object entry = sum.to_json();
    entry["place_kind"] = first->place_kind;
    entry["place_id"] = first->place_id;
    entry["place_name"] = first->place_name;
    places.push_back(std::move(entry));
  }
  return json::serialize(json::object{{"period", period_json(report.period)},
                                      {"totals", total.to_json()},
                                      {"ledger_revenue_yen", report.ledger_revenue_yen},
                                      {"by_means", std::move(means)},
                                      {"by_place", std::move(places)},
                                      {"rows", std::move(rows)}});
}

std::string recon_summary_json(const reports::ReconSummaryReport& report) {
  json::array rows;
  // The day's state in one word for the headline: any difference outweighs a missing file, which
  // outweighs "reconciled"; no processor at all is "none".
  std::string overall = report.rows.empty() ? "none" : "reconciled";
  for (const reports::ProcessorReconRow& row : report.rows) {
    if (row.status == "differences") overall = "differences";
    if (row.status == "no_file" && overall == "reconciled") overall = "no_file";
    rows.push_back(json::object{{"processor_id", row.processor_id},
                                {"captured_yen", row.captured_yen},
                                {"refunded_yen", row.refunded_yen},
                                {"settled_yen", row.settled_yen},
                                {"fees_yen", row.fees_yen},
                                {"payout_yen", row.payout_yen},
                                {"deposited_yen", row.deposited_yen},
                                {"suspense_yen", row.suspense_yen},
                                {"unsettled_yen", row.unsettled_yen},
                                {"files", row.files},
                                {"open_exceptions", row.open_exceptions},
                                {"resolved_exceptions", row.resolved_exceptions},
                                {"status", row.status}});
  }
  return json::serialize(
      json::object{{"period", period_json(report.period)}, {"status", overall}, {"rows", std::move(rows)}});
}

std::string exceptions_json(const reports::ExceptionsReport& report) {
  json::array rows;
  std::int64_t open = 0;
  std::int64_t resolved = 0;
  for (const reports::ExceptionEntry& e : report.rows) {
    ++(e.status == "open" ? open : resolved);
    rows.push_back(json::object{{"id", e.id},
                                {"business_date", e.business_date},
                                {"processor_id", e.processor_id},
                                {"reason", e.reason},
                                {"status", e.status},
                                {"reference", e.reference},
                                {"payment_intent_id", e.payment_intent_id},
                                {"file_name", e.file_name},
                                {"expected_yen", e.expected_yen},
                                {"actual_yen", e.actual_yen},
                                {"suspense_yen", e.suspense_yen},
                                {"detail", e.detail},
                                {"created_at", e.created_at},
                                {"resolved_at", e.resolved_at},
                                {"resolved_by", e.resolved_by},
                                {"resolution_note", e.resolution_note}});
  }
  return json::serialize(json::object{{"period", period_json(report.period)},
                                      {"open", open},
                                      {"resolved", resolved},
                                      {"rows", std::move(rows)}});
}

std::string cashless_status_json(const reports::CashlessStatusReport& report) {
  json::array facilities;
  for (const reports::FacilityStatusRow& f : report.facilities) {
    facilities.push_back(json::object{{"facility_id", f.facility_id},
                                      {"name", f.name},
                                      {"category", f.category},
                                      {"means", means_json(f.means)},
                                      {"payments", f.payments},
                                      {"net_yen", f.net_yen},
                                      {"all_three_live", f.all_three_live}});
  }
  json::array procedures;
  for (const reports::ProcedureStatusRow& p : report.procedures) {
    procedures.push_back(json::object{{"procedure_id", p.procedure_id},
                                      {"name", p.name},
                                      {"means", means_json(p.means)},
                                      {"payments", p.payments},
                                      {"net_yen", p.net_yen}});
  }
  return json::serialize(json::object{{"period", period_json(report.period)},
                                      {"facilities", std::move(facilities)},
                                      {"procedures", std::move(procedures)},
                                      {"facilities_all_three_live", report.facilities_all_three_live},
                                      {"procedures_payeasy_live", report.procedures_payeasy_live}});
}

}  // namespace kessai::engine
