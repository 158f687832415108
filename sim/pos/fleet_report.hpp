#pragma once
// The fleet's summary: the terminals' reports added up, each terminal's day close, and the verdict the
// exit status gives (0: every day close matched, every resent transaction was acknowledged as a
// duplicate; 1 otherwise). Pure.

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "terminal_report.hpp"

namespace kessai::sim::pos {

struct FleetVerdict {
  bool passed = false;
  std::vector<std::string> reasons = {};  // why not, one line each
};

FleetVerdict fleet_verdict(const std::vector<TerminalReport>& terminals);

// The summary as one JSON object (sim/README.md, "POS terminal fleet", lists its members).
boost::json::object fleet_summary(const std::vector<TerminalReport>& terminals, std::uint64_t facilities,
                                  std::uint64_t seed, const FleetVerdict& verdict);

}  // namespace kessai::sim::pos
