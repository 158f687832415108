#pragma once
// `kessai-sim bank` options: parsed and checked once, at start-up, into BankOptions. Pure.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bank_day.hpp"

namespace kessai::sim::bank {

// The last business date a run may be for: its deposit date, at most 10 days on (the longest run of
// closed bank days), stays in the calendar (runtime::kBankCalendarLastDay).
constexpr std::chrono::year_month_day kLastBusinessDate{std::chrono::year{2099} / 12 / 20};
constexpr std::uint64_t kInjectCountMax = 1'000;  // per reason: what POST /sim/settlement accepts

struct ProcessorEndpoint {
  std::string name = "";  // a row of kProcessorPayers
  std::string url = "";   // "http://host:port"
};

struct BankOptions {
  std::chrono::year_month_day date{};              // the business date D
  std::vector<ProcessorEndpoint> processors = {};  // in the order given, each name once
  std::string out_dir = "";                        // where the statement goes
  std::string truth_path = "";
  std::optional<InjectCounts> inject = std::nullopt;
  DepositFaults deposit_faults = {};
  std::uint64_t seed = 1;
  std::string state_dir = "";  // the book; default <out_dir>/.bank
};

// The options, or the first problem (for the usage error, exit 2).
std::variant<BankOptions, std::string> parse_bank_options(const std::vector<std::string>& args);

// "missing=2,late=1": each reason one of kInjectReasons, once, with a count 0..kInjectCountMax.
std::optional<InjectCounts> parse_inject(std::string_view text);

extern const std::string_view kBankUsage;

}  // namespace kessai::sim::bank
