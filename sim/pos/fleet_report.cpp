#include "fleet_report.hpp"

#include <boost/json/array.hpp>

namespace kessai::sim::pos {

namespace {

// MATCH when every day close matched, NOT_SENT when one (or all) could not be sent, else MISMATCH.
std::string day_close_status(const TerminalReport& terminal) {
  if (terminal.day_closes.empty()) return "NOT_SENT";
  std::string status = "MATCH";
  for (const DayCloseOutcome& close : terminal.day_closes) {
    if (close.result == "NOT_SENT") return "NOT_SENT";
    if (close.result != "MATCH") status = "MISMATCH";
  }
  return status;
}

boost::json::object total_json(const TotalLine& line) {
  return {{"means", means_name(line.means)},     {"brand", line.brand},
          {"payment_count", line.payment_count}, {"payment_yen", line.payment_yen},
          {"refund_count", line.refund_count},   {"refund_yen", line.refund_yen}};
}

boost::json::object day_close_json(const DayCloseOutcome& close) {
  boost::json::array gaps;
  for (const auto& [first, last] : close.gaps) gaps.push_back(boost::json::array{first, last});
  boost::json::array differences;
  for (const DifferenceLine& difference : close.differences) {
    differences.push_back({{"means", means_name(difference.terminal.means)},
                           {"brand", difference.terminal.brand},
                           {"terminal", total_json(difference.terminal)},
                           {"kessai", total_json(difference.kessai)}});
  }
  boost::json::array totals;
  for (const TotalLine& line : close.totals_sent) totals.push_back(total_json(line));
  boost::json::object json{{"business_date", close.business_date},
                           {"result", close.result},
                           {"close_id", close.close_id},
                           {"last_transaction_number", close.last_transaction_number},
                           {"pending_count", close.pending_count},
                           {"gaps", std::move(gaps)},
                           {"differences", std::move(differences)},
                           {"totals_sent", std::move(totals)}};
  if (!close.problem.empty()) json["problem"] = close.problem;
  return json;
}

// The counters every terminal has, by name, for the terminal's object and the fleet's sums.
template <typename Visit>
void visit_counters(const TerminalReport& t, Visit visit) {
  visit("sales", t.sales);
  visit("payments_online", t.payments_online);
  visit("payments_offline", t.payments_offline);
  visit("approved", t.approved);
  visit("declined", t.declined);
  visit("failed", t.failed);
  visit("offline_declined", t.offline_declined);
  visit("offline_refused", t.offline_refused);
  visit("offline_failed", t.offline_failed);
  visit("offline_not_uploaded", t.offline_not_uploaded);
  visit("lost_sales", t.lost_sales);
  visit("sales_abandoned", t.sales_abandoned);
  visit("pending_resolved", t.pending_resolved);
  visit("pending_unresolved", t.pending_unresolved);
  visit("refunds", t.refunds);
  visit("refunds_declined", t.refunds_declined);
  visit("refunds_abandoned", t.refunds_abandoned);
  visit("lost_replies_recovered", t.lost_replies_recovered);
  visit("network_drops", t.network_drops);
  visit("offline_batches_sent", t.offline_batches_sent);
  visit("duplicate_uploads", t.duplicate_uploads);
  visit("duplicates_acknowledged", t.duplicates_acknowledged);
  visit("duplicates_unacknowledged", t.duplicates_unacknowledged);
  visit("resends_unanswered", t.resends_unanswered);
  visit("requests", t.requests);
  visit("transport_errors", t.transport_errors);
  visit("malformed_replies", t.malformed_replies);
  visit("sequence_jumps", t.sequence_jumps);
  visit("protocol_violations", t.protocol_violations);
  visit("gaps_during_run", t.gaps_during_run);
  visit("gaps_reported", t.gaps_reported);
}

boost::json::object terminal_json(const TerminalReport& terminal) {
  boost::json::object json{{"terminal", terminal.terminal_id},
                           {"facility", terminal.facility_id},
                           {"business_date", terminal.business_date}};
  json["day_close"] = day_close_status(terminal);
  boost::json::array closes;
  for (const DayCloseOutcome& close : terminal.day_closes) closes.push_back(day_close_json(close));
  json["day_closes"] = std::move(closes);
  visit_counters(terminal, [&json](const char* name, std::uint64_t value) { json[name] = value; });
  json["takings_yen"] = terminal.takings_yen;
  boost::json::object errors;
  for (const auto& [code, count] : terminal.error_replies) errors[code] = count;
  json["error_replies"] = std::move(errors);
  if (!terminal.stopped.empty()) json["stopped"] = terminal.stopped;
  boost::json::array problems;
  for (const std::string& problem : terminal.problems) problems.push_back(boost::json::string(problem));
  json["problems"] = std::move(problems);
  return json;
}

}  // namespace

FleetVerdict fleet_verdict(const std::vector<TerminalReport>& terminals) {
  FleetVerdict verdict;
  for (const TerminalReport& t : terminals) {
    const std::string who = "terminal " + t.terminal_id + ": ";
    if (!t.stopped.empty()) verdict.reasons.push_back(who + "stopped: " + t.stopped);
    for (const DayCloseOutcome& close : t.day_closes) {
      if (close.result != "MATCH")
        verdict.reasons.push_back(who + "day close " + close.business_date + " " + close.result +
                                  (close.problem.empty() ? "" : ": " + close.problem));
    }
    if (t.stopped.empty() && t.day_closes.empty()) verdict.reasons.push_back(who + "no day close");
    if (t.duplicates_unacknowledged > 0)
      verdict.reasons.push_back(who + std::to_string(t.duplicates_unacknowledged) +
                                " resent transaction(s) not acknowledged as duplicates");
    if (t.pending_unresolved > 0 || t.offline_not_uploaded > 0)
      verdict.reasons.push_back(who + std::to_string(t.pending_unresolved + t.offline_not_uploaded) +
                                " transaction(s) with no outcome at the day close");
    if (t.protocol_violations > 0)
      verdict.reasons.push_back(who + std::to_string(t.protocol_violations) +
                                " reply(ies) against the protocol");
  }
  verdict.passed = !terminals.empty() && verdict.reasons.empty();
  return verdict;
}

boost::json::object fleet_summary(const std::vector<TerminalReport>& terminals, std::uint64_t facilities,
                                  std::uint64_t seed, const FleetVerdict& verdict) {
  boost::json::object summary{{"seed", seed},
                              {"terminals", static_cast<std::uint64_t>(terminals.size())},
                              {"facilities", facilities}};
  std::map<std::string, std::uint64_t> sums;
  std::map<std::string, std::uint64_t> error_replies;
  std::uint64_t matched = 0;
  std::uint64_t mismatched = 0;
  std::int64_t takings_yen = 0;
  boost::json::array per_terminal;
  for (const TerminalReport& terminal : terminals) {
    visit_counters(terminal, [&sums](const char* name, std::uint64_t value) { sums[name] += value; });
    for (const auto& [code, count] : terminal.error_replies) error_replies[code] += count;
    const std::string status = day_close_status(terminal);
    matched += status == "MATCH" ? 1 : 0;
    mismatched += status == "MISMATCH" ? 1 : 0;
    takings_yen += terminal.takings_yen;
    per_terminal.push_back(terminal_json(terminal));
  }
  // Summed in the order visit_counters names them (std::map would sort them).
  if (!terminals.empty())
    visit_counters(terminals.front(), [&](const char* name, std::uint64_t) { summary[name] = sums[name]; });
  boost::json::object errors;
  for (const auto& [code, count] : error_replies) errors[code] = count;
  summary["error_replies"] = std::move(errors);
  summary["day_close_match"] = matched;
  summary["day_close_mismatch"] = mismatched;
  summary["day_close_not_sent"] = static_cast<std::uint64_t>(terminals.size()) - matched - mismatched;
  summary["takings_yen"] = takings_yen;
  summary["passed"] = verdict.passed;
  boost::json::array reasons;
  for (const std::string& reason : verdict.reasons) reasons.push_back(boost::json::string(reason));
  summary["failures"] = std::move(reasons);
  summary["per_terminal"] = std::move(per_terminal);
  return summary;
}

}  // namespace kessai::sim::pos
