#pragma once
// The terms of everything a merchant sets up for a payer to pay later, with a deadline and a notice when
// paid (a Pay-easy number, a QR order): reference, amount, currency, merchant, expires_at, notify_url.
// Read alike by both simulators; whether the deadline is near enough is each book's rule.

#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

namespace kessai::sim {

struct PendingTerms {
  std::string reference;          // 1..kReferenceBytesMax bytes
  std::int64_t amount_yen = 0;    // 1..amount_yen_max
  std::string merchant;           // optional: empty when absent
  std::int64_t expires_at_s = 0;  // RFC 3339 in UTC on the wire
  std::string notify_url;         // split_notify_url accepts it
};

// Reads the terms from the body's object, in this order: reference, amount, currency (JPY), merchant,
// expires_at, notify_url; the first problem, naming its field, or nullopt.
std::optional<std::string> parse_pending_terms(const boost::json::object& object, std::int64_t amount_yen_max,
                                               PendingTerms& terms);

}  // namespace kessai::sim
