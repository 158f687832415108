#pragma once
// The acquirer's charges and refunds as JSON: one form both in answers and in the journals
// (<state-dir>/charges.jsonl and refunds.jsonl), where every change appends the record's full new line.
// Pure (no files, no sockets), so the reload is unit-tested.

#include <cstddef>
#include <istream>
#include <optional>
#include <string_view>

#include <boost/json/object.hpp>

#include "acquirer_book.hpp"

namespace kessai::sim {

boost::json::object charge_json(const Charge& charge);
boost::json::object refund_json(const Refund& refund);

// One journal line back into a record; nullopt for a line that is not one (a torn last line after a
// crash, a hand edit). Lines written before captures existed have no amount_captured: a captured
// charge of those was captured in full. Lines written before capture times were kept have no
// captured_at: a captured charge of those reads as captured when it was made (created_at).
std::optional<Charge> parse_charge_line(std::string_view line);
std::optional<Refund> parse_refund_line(std::string_view line);

struct JournalLoad {
  std::size_t charges = 0;  // distinct charges in the book after the load
  std::size_t refunds = 0;
  std::size_t skipped_lines = 0;  // unreadable lines, left out
};

// Replaces the book with what the journals hold; the latest line of a charge wins.
JournalLoad load_journals(AcquirerBook& book, std::istream& charge_lines, std::istream& refund_lines);

}  // namespace kessai::sim
