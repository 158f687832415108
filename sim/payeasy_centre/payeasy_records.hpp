#pragma once
// The Pay-easy centre's numbers as JSON: in answers, in the journal (<state-dir>/numbers.jsonl, the full
// record, one new line per change; the latest line of a number wins) and in the data of its notices.
// Pure (no files, no sockets), so the reload is unit-tested.

#include <cstddef>
#include <istream>
#include <optional>
#include <string_view>

#include <boost/json/object.hpp>

#include "payeasy_book.hpp"

namespace kessai::sim::payeasy {

// The number as answers show it: {"id", "object": "payeasy_number", "reference", "amount", "currency",
// "merchant", "institution_number", "customer_number", "confirmation_number", "expires_at", "status",
// "created_at", "paid_at", "reversed_at", "canceled_at" (null until then), "payer_name", "notify_url"}.
// A journal line is the same.
boost::json::object number_json(const Number& number);

// One journal line back into a number; nullopt for a line that is not one (a torn last line, a hand edit).
std::optional<Number> parse_number_line(std::string_view line);

// A notice's data: {"number", "reference", "amount", "institution_number", "customer_number", "status",
// "paid_at"}, and "reversed_at" once reversed.
boost::json::object notice_data(const Number& number);

struct NumberLoad {
  std::size_t numbers = 0;        // distinct numbers in the book after the load
  std::size_t skipped_lines = 0;  // unreadable lines, left out
};

// Replaces the book with what the journal holds.
NumberLoad load_journal(CentreBook& book, std::istream& number_lines);

}  // namespace kessai::sim::payeasy
