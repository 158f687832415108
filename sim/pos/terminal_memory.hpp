#pragma once
// What a terminal keeps in non-volatile memory: its request sequence and transaction numbers, and its
// totals of the days not yet long past (so a restart during the day still closes the whole day). The
// simulator keeps it as a small text file per terminal in --state-dir, written before every request is
// sent (pos_fleet_main.cpp); here are its format and the store's interface. Pure.
//
//   # kessai-sim pos: the memory of terminal term_…
//   last_request_sequence 41
//   next_transaction_number 18
//   day 2026-04-01 17                      (business date, last transaction number)
//   total 2026-04-01 card visa 3 4500 1 500  (date, means, brand, payments, yen, refunds, yen)

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "takings.hpp"

namespace kessai::sim::pos {

struct TerminalMemory {
  std::uint64_t last_request_sequence = 0;    // the highest request sequence number sent
  std::uint64_t next_transaction_number = 1;  // the number the next transaction gets
  DayBook days = {};
};

// Days of totals kept; older ones are dropped (their day was closed long ago).
constexpr std::size_t kMemoryDaysKept = 7;
// The largest number read back for a count, an amount or a counter: far above any real terminal's,
// and far enough below 2^63 that sums cannot overflow.
constexpr std::uint64_t kMemoryNumberMax = 1'000'000'000'000'000ull;
constexpr std::size_t kMemoryLinesMax = 10'000;

std::string format_memory(std::string_view terminal_id, const TerminalMemory& memory);
// The memory a file holds; or the first problem, naming its line.
std::variant<TerminalMemory, std::string> parse_memory(std::string_view text);

class MemoryStore {
 public:
  virtual ~MemoryStore() = default;
  // Durable once it returns (as far as the process is concerned); throws std::runtime_error when the
  // memory cannot be written: a terminal that cannot remember must not send.
  virtual void save(const TerminalMemory& memory) = 0;
};

}  // namespace kessai::sim::pos
