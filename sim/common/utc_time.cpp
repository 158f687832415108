#include "utc_time.hpp"

#include <chrono>
#include <cstdio>

#include <boost/json.hpp>

#include "json_lines.hpp"

namespace kessai::sim {

namespace chrono = std::chrono;

namespace {

constexpr std::int64_t kSecondsPerDay = 86'400;

// `count` ASCII digits at `position` as a number; nullopt when any is not a digit.
std::optional<int> digits_at(std::string_view text, std::size_t position, std::size_t count) {
  int value = 0;
  for (std::size_t i = position; i < position + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::int64_t unix_seconds_now() {
  return chrono::duration_cast<chrono::seconds>(chrono::system_clock::now().time_since_epoch()).count();
}

std::optional<std::int64_t> parse_utc_seconds(std::string_view text) {
  constexpr std::size_t kSecondsEnd = 19;  // "YYYY-MM-DDTHH:MM:SS"
  if (text.size() < kSecondsEnd + 1) return std::nullopt;
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const auto year = digits_at(text, 0, 4);
  const auto month = digits_at(text, 5, 2);
  const auto day = digits_at(text, 8, 2);
  const auto hour = digits_at(text, 11, 2);
  const auto minute = digits_at(text, 14, 2);
  const auto second = digits_at(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (*hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  std::string_view zone = text.substr(kSecondsEnd);
  if (zone.starts_with('.')) {
    std::size_t fraction_end = 1;
    while (fraction_end < zone.size() && zone[fraction_end] >= '0' && zone[fraction_end] <= '9')
      ++fraction_end;
    if (fraction_end == 1) return std::nullopt;
    zone.remove_prefix(fraction_end);
  }
  if (zone != "Z" && zone != "+00:00") return std::nullopt;
  const chrono::year_month_day date{chrono::year{*year}, chrono::month{static_cast<unsigned>(*month)},
                                    chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
  const std::int64_t days = chrono::sys_days(date).time_since_epoch().count();
  return days * kSecondsPerDay + *hour * 3600 + *minute * 60 + *second;
}

std::string format_utc_seconds(std::int64_t unix_seconds) {
  const chrono::sys_seconds at{chrono::seconds{unix_seconds}};
  const chrono::sys_days day = chrono::floor<chrono::days>(at);
  const chrono::year_month_day date{day};
  const chrono::hh_mm_ss time{at - day};
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return buffer;
}

boost::json::value utc_or_null(const std::optional<std::int64_t>& unix_seconds) {
  return unix_seconds ? boost::json::value(format_utc_seconds(*unix_seconds)) : boost::json::value(nullptr);
}

std::optional<std::int64_t> utc_at(const boost::json::object& object, std::string_view key) {
  const std::optional<std::string> text = string_at(object, key);
  return text ? parse_utc_seconds(*text) : std::nullopt;
}

bool optional_utc_at(const boost::json::object& object, std::string_view key,
                     std::optional<std::int64_t>& unix_seconds) {
  const boost::json::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return true;
  unix_seconds = utc_at(object, key);
  return unix_seconds.has_value();
}

}  // namespace kessai::sim
