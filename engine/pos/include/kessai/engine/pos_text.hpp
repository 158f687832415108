#pragma once
// Texts of the POS protocol: the clerk's Japanese messages, and terminals' local times.

#include <chrono>
#include <optional>
#include <string_view>

namespace kessai::engine {

// Short Japanese text for the clerk's screen, by the name of an ErrorCode or TransactionStatus value.
std::string_view pos_display_text(std::string_view name);

// An RFC 3339 time with a UTC offset or Z ("2026-11-22T10:15:03+09:00", fractions allowed), as UTC.
std::optional<std::chrono::system_clock::time_point> parse_local_time(std::string_view text);

}  // namespace kessai::engine
