#pragma once
// What a run counted and how it is told: the tally each I/O thread keeps (merged at the end), the
// results as JSON (--json) and the summary for a person (stderr). Pure.

#include <cstdint>
#include <map>
#include <string>

#include <boost/json/object.hpp>

#include "latency_histogram.hpp"
#include "load_options.hpp"

namespace kessai::sim::load {

// The errors' names in "errors"; stable, documented in sim/README.md.
inline constexpr std::string_view kErrorConnect = "connect";  // no connection; nothing sent
inline constexpr std::string_view kErrorConnectionLost =
    "connection_lost";                                        // closed or reset before the answer
inline constexpr std::string_view kErrorTimeout = "timeout";  // no answer within --timeout-ms
inline constexpr std::string_view kErrorTimeoutInQueue =
    "timeout_in_queue";  // waited a connection too long; not sent
inline constexpr std::string_view kErrorMalformed = "malformed_response";  // not HTTP, or too large

// The requests of the measured window (those due, or sent in the closed loop, after the warm-up).
struct LoadTally {
  std::uint64_t sent = 0;
  std::uint64_t succeeded = 0;  // 201
  // 201 answers that arrived within the measured seconds, whenever their requests were due: what kessaid
  // delivered in that time, also when the requests of the warm-up were still being answered (tps).
  std::uint64_t succeeded_in_window = 0;
  std::uint64_t failed = 0;       // any other status
  std::uint64_t late_starts = 0;  // open loop: waited in the queue for a free connection
  std::map<std::string, std::uint64_t, std::less<>> failed_by_code = {};
  std::map<std::string, std::uint64_t, std::less<>> errors = {};
  LatencyHistogram latency = {};  // every answer's, any status; from the due time (open) or the send (closed)

  void count_error(std::string_view name);
  void merge(const LoadTally& other);
  std::uint64_t error_count() const;
};

// last_answer_s: from the end of the warm-up to the last counted answer (at least the duration).
boost::json::object result_json(const LoadOptions& options, const LoadTally& tally, double last_answer_s);

// A few lines for a person: what ran, the counts, payments/s, the latencies, failures and errors.
std::string summary_text(const LoadOptions& options, const LoadTally& tally, double last_answer_s);

}  // namespace kessai::sim::load
