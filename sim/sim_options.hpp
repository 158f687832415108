#pragma once
// Options every simulator takes: where to listen, where to keep its records, and its fault switches.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "faults.hpp"

namespace kessai::sim {

struct SimOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string port_file;
  std::string state_dir = "var/sim";
  std::uint64_t seed = 1;
  double decline_rate = 0.0;  // 0..1, on top of the test tokens that always decline
  int latency_ms = 0;         // added before every answer
  FaultRates faults;          // applied to requests that change something (POST)
};

// Parses "--flag value" pairs; returns an error message for anything unknown or malformed.
std::optional<std::string> parse_sim_options(const std::vector<std::string>& args, SimOptions& options);

int run_card_acquirer(const SimOptions& options);

}  // namespace kessai::sim
