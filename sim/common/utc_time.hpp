#pragma once
// Time stamps on the wire as RFC 3339 in UTC ("2026-12-01T14:59:59Z"), read into Unix seconds and written
// back, for the records that expire at a time the merchant names (Pay-easy numbers, QR orders). Pure.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace kessai::sim {

// Now, in Unix seconds: injected into the books and fronts whose records expire, so tests replay exactly
// (the simulator passes unix_seconds_now).
using SecondsClock = std::function<std::int64_t()>;

std::int64_t unix_seconds_now();

// "YYYY-MM-DDTHH:MM:SS", an optional fraction of a second (dropped), then "Z" or "+00:00"; nullopt for
// anything else, including dates that do not exist (2026-02-30) and other offsets.
std::optional<std::int64_t> parse_utc_seconds(std::string_view text);

// "YYYY-MM-DDTHH:MM:SSZ".
std::string format_utc_seconds(std::int64_t unix_seconds);

// Times in records: a time as format_utc_seconds gives it, or null for one not reached yet (paid_at).
boost::json::value utc_or_null(const std::optional<std::int64_t>& unix_seconds);
// The member's time; nullopt when it is missing or not a time parse_utc_seconds reads.
std::optional<std::int64_t> utc_at(const boost::json::object& object, std::string_view key);
// A member that is a time, null or absent (unix_seconds left empty); false when it is anything else.
bool optional_utc_at(const boost::json::object& object, std::string_view key,
                     std::optional<std::int64_t>& unix_seconds);

}  // namespace kessai::sim
