#pragma once
// The QR provider's payments and refunds as JSON: in answers, and in the journals
// (<state-dir>/payments.jsonl and refunds.jsonl, one line per payment or refund as it was made). A
// journal line is the answer plus the code's digest, which is what recognises a code used before after a
// restart; answers leave the digest out. Neither ever holds the code itself, only its last four digits.
// Pure (no files, no sockets), so the reload is unit-tested.

#include <cstddef>
#include <istream>
#include <optional>
#include <string_view>

#include <boost/json/object.hpp>

#include "qr_book.hpp"

namespace kessai::sim::qr_provider {

// What an answer shows. A payment of a merchant-presented order shows "order" instead of "qr_code_masked";
// a refund of one shows "order" too.
boost::json::object payment_json(const Payment& payment);
boost::json::object refund_json(const Refund& refund);

// What a journal keeps: payment_json and "qr_code_digest".
boost::json::object payment_line(const Payment& payment);

// The message of a declined payment's decline_code.
std::string decline_message(std::string_view decline_code);

// One journal line back into a record; nullopt for a line that is not one (a torn last line after a
// crash, a hand edit). A payment's "amount_refunded" is not read: refunds.jsonl decides it.
std::optional<Payment> parse_payment_line(std::string_view line);
std::optional<Refund> parse_refund_line(std::string_view line);

using sim::JournalLoad;

// Replaces the book with what the journals hold; used codes and refunded amounts are derived from them.
JournalLoad load_journals(ProviderBook& book, std::istream& payment_lines, std::istream& refund_lines);

}  // namespace kessai::sim::qr_provider
