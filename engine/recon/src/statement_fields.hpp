#pragma once
// The pieces statement_reader.cpp reads a file with, each fast enough for a million-line file: text
// checks and half-width Shift_JIS decoding without iconv, whole numbers with std::from_chars, dates and
// times of fixed numeric patterns without streams, and a time zone whose offset is looked up once per
// stretch of time, not once per line. Internal to kessai_recon_files.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <date/tz.h>

namespace kessai::recon::detail {

// --- Text ---

// The offset of the first byte that does not begin or continue a valid UTF-8 sequence (overlong forms,
// surrogates and code points beyond U+10FFFF are invalid); nullopt when all of it is UTF-8.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

// True when every byte is ASCII or a half-width katakana of Shift_JIS (0xA1–0xDF): text that needs no
// iconv, as a Zengin file's is.
bool is_single_byte_shift_jis(std::string_view text);

// Appends single-byte Shift_JIS text (is_single_byte_shift_jis) as UTF-8: ASCII as it is (CP932 maps it
// to itself), 0xA1–0xDF as U+FF61–U+FF9F.
void append_single_byte_shift_jis(std::string_view text, std::string& out);

// The 0-based offset of the first byte of Shift_JIS (CP932) text that is no character, found one
// character at a time (slow: for a message once the text is known to be bad); nullopt when none is.
std::optional<std::size_t> first_invalid_shift_jis(std::string_view text);

// --- Whole numbers ---

enum class NumberProblem : std::uint8_t { none = 0, not_whole = 1, too_large = 2, negative = 3 };

// A whole number written in decimal digits, with a leading '-' when `negative_allowed`; nothing else
// (no '+', spaces, separators or fraction).
NumberProblem parse_whole(std::string_view text, bool negative_allowed, std::int64_t& out);

// --- Dates and times ---

// What a pattern read: a date, a time of day, or both, and the UTC offset when the text has one.
struct DateTimeParts {
  std::chrono::year_month_day date{};
  bool has_date = false;
  std::chrono::seconds time_of_day{0};
  bool has_time = false;
  std::optional<std::chrono::minutes> utc_offset;
};

// A date::parse pattern compiled once. Patterns of fixed-width numeric fields (%Y %m %d %H %M %S %F %T
// %z %Ez %% and literal characters) are read by hand; any other pattern falls back to date::parse.
class DatePattern {
 public:
  DatePattern() = default;
  // time_only: the pattern writes a time of day alone (a `time` column).
  DatePattern(std::string_view pattern, bool time_only);

  // nullopt when the text is not of the pattern or is no real date or time (2024-02-30, 24:00:00).
  std::optional<DateTimeParts> parse(std::string_view text) const;

 private:
  struct Token {
    char spec = 0;     // 'Y', 'm', 'd', 'H', 'M', 'S', 'z' (+HHMM), 'Z' (%Ez, +HH:MM); 0: a literal
    char literal = 0;  // the character a literal token must be
  };
  std::optional<DateTimeParts> parse_fast(std::string_view text) const;
  std::optional<DateTimeParts> parse_with_library(std::string_view text) const;

  std::string pattern_;
  bool time_only_ = false;
  bool fast_ = true;
  std::vector<Token> tokens_;
};

// A time zone's conversions, remembering the last offset found: lines of a file are close in time, so
// the zone's rules are searched once per run of lines, not once per line.
class ZoneClock {
 public:
  explicit ZoneClock(const date::time_zone* zone) : zone_(zone) {}

  // A local time as UTC; a time a clock change skips or repeats is taken at its earliest reading.
  std::chrono::sys_seconds to_sys(date::local_seconds local);
  // The local calendar date of an instant.
  std::chrono::year_month_day local_date(std::chrono::sys_seconds instant);

 private:
  const date::time_zone* zone_;
  date::sys_info info_{};
  bool has_info_ = false;
};

}  // namespace kessai::recon::detail
