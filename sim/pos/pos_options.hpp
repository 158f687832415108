#pragma once
// `kessai-sim pos` options: parsed and checked once, at start-up, into FleetOptions. Pure.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sale_draw.hpp"
#include "terminal.hpp"

namespace kessai::sim::pos {

// Limits on a fleet run; each terminal is a thread.
constexpr std::uint64_t kFacilitiesMax = 1'000;
constexpr std::uint64_t kTerminalsPerFacilityMax = 1'000;
constexpr std::uint64_t kFleetTerminalsMax = 2'000;
constexpr std::uint64_t kPaymentsPerTerminalMax = 1'000'000;
constexpr std::uint64_t kOfflinePaymentsMax = 100'000;
constexpr std::uint64_t kPaymentsDefault = 20;
constexpr std::uint64_t kOfflinePaymentsDefault = 5;
constexpr std::size_t kFeeCodeBytesMax = 64;

struct FleetOptions {
  std::string kessai_url = "";
  std::string credentials_path = "";
  std::uint64_t facilities = 0;
  std::uint64_t terminals = 0;  // per facility
  std::uint64_t payments = kPaymentsDefault;
  std::string state_dir = "var/pos-sim";
  std::uint64_t seed = 1;
  MixWeights mix = {};
  std::vector<std::string> fee_codes = {};
  FleetRates rates = {};
  std::uint64_t offline_payments = kOfflinePaymentsDefault;
  std::string report_path = "";
};

// The options, or the first problem (for the usage error, exit 2).
std::variant<FleetOptions, std::string> parse_fleet_options(const std::vector<std::string>& args);

// "card=40,emoney=40,qr=20": a means left out weighs 0; at least one must weigh more than 0.
std::optional<MixWeights> parse_mix(std::string_view text);

// The plan of each terminal of the fleet.
TerminalPlan terminal_plan(const FleetOptions& options);

extern const std::string_view kPosUsage;

}  // namespace kessai::sim::pos
