#pragma once
// What one terminal of the fleet did and saw, for the summary (fleet_report.hpp). Pure data.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "takings.hpp"

namespace kessai::sim::pos {

struct DifferenceLine {
  TotalLine terminal = {};  // what the terminal counted
  TotalLine kessai = {};    // what kessai recorded
};

struct DayCloseOutcome {
  std::string business_date = "";
  std::string result = "";  // MATCH, MISMATCH; NOT_SENT when no DayCloseReply came
  std::string close_id = "";
  std::uint64_t last_transaction_number = 0;
  std::uint64_t pending_count = 0;                                 // payments kessai still asks about
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps = {};  // first, last (inclusive)
  std::vector<DifferenceLine> differences = {};
  std::vector<TotalLine> totals_sent = {};
  std::string problem = "";  // NOT_SENT: why
};

// Problems kept word for word per terminal (the counts go on beyond).
constexpr std::size_t kProblemsKept = 20;

struct TerminalReport {
  std::string terminal_id = "";
  std::string facility_id = "";
  std::string business_date = "";          // the latest HelloReply's
  std::uint64_t sales = 0;                 // sales drawn (--payments)
  std::uint64_t payments_online = 0;       // online payments kessai answered (numbers consumed)
  std::uint64_t payments_offline = 0;      // payments taken offline
  std::uint64_t approved = 0;              // online and offline
  std::uint64_t declined = 0;              // online
  std::uint64_t failed = 0;                // online FAILED
  std::uint64_t offline_declined = 0;      // declined when forwarded: out of the takings
  std::uint64_t offline_refused = 0;       // not forwarded (REFUSED): out of the takings
  std::uint64_t offline_failed = 0;        // still FAILED after every re-upload
  std::uint64_t offline_not_uploaded = 0;  // never answered by an upload
  std::uint64_t lost_sales = 0;            // refused offline (QR, above the floor limit): no number used
  std::uint64_t sales_abandoned = 0;       // refused by an ErrorReply, or kessai unreachable: number reused
  std::uint64_t pending_resolved = 0;
  std::uint64_t pending_unresolved = 0;  // still PENDING (or unknown) at the day close
  std::uint64_t refunds = 0;             // refunds and voids approved
  std::uint64_t refunds_declined = 0;    // DECLINED or FAILED
  std::uint64_t refunds_abandoned = 0;   // refused by an ErrorReply
  std::uint64_t lost_replies_recovered = 0;
  std::uint64_t network_drops = 0;
  std::uint64_t offline_batches_sent = 0;
  std::uint64_t duplicate_uploads = 0;          // parts uploaded again on purpose
  std::uint64_t duplicates_acknowledged = 0;    // resent transactions answered duplicate=true, same id
  std::uint64_t duplicates_unacknowledged = 0;  // resent transactions answered otherwise
  std::uint64_t resends_unanswered = 0;         // a resend that got no reply: nothing could be checked
  std::uint64_t requests = 0;
  std::uint64_t transport_errors = 0;
  std::uint64_t malformed_replies = 0;
  std::uint64_t sequence_jumps = 0;
  std::uint64_t protocol_violations = 0;  // replies that contradict the request or the protocol
  std::uint64_t gaps_during_run = 0;  // numbers HelloReply / OfflineBatchReply called missing unexpectedly
  std::uint64_t gaps_reported = 0;    // numbers the day close called missing
  std::map<std::string, std::uint64_t> error_replies = {};  // by ErrorCode name
  std::int64_t takings_yen = 0;  // this run's approved payments less approved refunds
  std::vector<DayCloseOutcome> day_closes = {};
  std::string stopped = "";  // why the terminal stopped before its day close; empty if it did not
  std::vector<std::string> problems = {};
};

}  // namespace kessai::sim::pos
