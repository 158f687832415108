#pragma once
// The e-money centre's payments and refunds as JSON: one form both in answers and in the journals
// (<state-dir>/payments.jsonl and refunds.jsonl, one line per payment or refund as it was made).
// Pure (no files, no sockets), so the reload is unit-tested.

#include <cstddef>
#include <istream>
#include <optional>
#include <string_view>

#include <boost/json/object.hpp>

#include "emoney_book.hpp"

namespace kessai::sim::emoney {

boost::json::object payment_json(const Payment& payment);
boost::json::object refund_json(const Refund& refund);

// One journal line back into a record; nullopt for a line that is not one (a torn last line after a
// crash, a hand edit). A payment's "amount_refunded" is not read: refunds.jsonl decides it.
std::optional<Payment> parse_payment_line(std::string_view line);
std::optional<Refund> parse_refund_line(std::string_view line);

using sim::JournalLoad;

// Replaces the book with what the journals hold; balances are derived from them.
JournalLoad load_journals(CentreBook& book, std::istream& payment_lines, std::istream& refund_lines);

}  // namespace kessai::sim::emoney
