#include "statement_fields.hpp"

#include <charconv>
#include <cstring>
#include <sstream>

#include "kessai/runtime/shift_jis.hpp"

namespace kessai::recon::detail {

namespace chrono = std::chrono;

namespace {

constexpr unsigned char kHalfwidthFirst = 0xA1;  // ｡ in Shift_JIS, U+FF61
constexpr unsigned char kHalfwidthLast = 0xDF;   // ﾟ, U+FF9F

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

// `count` ASCII digits at `at` as a number; false when one is not a digit or the text is too short.
template <class T>
bool digits(std::string_view text, std::size_t& at, std::size_t count, T& out) {
  if (at + count > text.size()) return false;
  T value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = static_cast<T>(value * 10 + (text[i] - '0'));
  }
  at += count;
  out = value;
  return true;
}

// [+-]HH[:]MM at `at`.
bool utc_offset(std::string_view text, std::size_t& at, bool colon, chrono::minutes& out) {
  if (at >= text.size() || (text[at] != '+' && text[at] != '-')) return false;
  const bool negative = text[at++] == '-';
  int hours = 0;
  int minutes = 0;
  if (!digits(text, at, 2, hours)) return false;
  if (colon && (at >= text.size() || text[at++] != ':')) return false;
  if (!digits(text, at, 2, minutes) || hours > 23 || minutes > 59) return false;
  out = chrono::minutes(negative ? -(hours * 60 + minutes) : hours * 60 + minutes);
  return true;
}

}  // namespace

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    // ASCII eight bytes at a time: settlement files are mostly figures and ids.
    if (i + 8 <= size) {
      std::uint64_t word = 0;
      std::memcpy(&word, bytes + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      code = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      code = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      code = lead & 0x07u;
    } else {
      return i;
    }
    if (i + length > size) return i;
    for (std::size_t k = 1; k < length; ++k) {
      if (!is_continuation(bytes[i + k])) return i;
      code = (code << 6) | (bytes[i + k] & 0x3Fu);
    }
    const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
    if (overlong || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) return i;
    i += length;
  }
  return std::nullopt;
}

bool is_single_byte_shift_jis(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80 && (byte < kHalfwidthFirst || byte > kHalfwidthLast)) return false;
  }
  return true;
}

void append_single_byte_shift_jis(std::string_view text, std::string& out) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      out += c;
      continue;
    }
    // 0xA1–0xDF → U+FF61–U+FF9F, three bytes in UTF-8: EF BD A1–BF, EF BE 80–9F.
    const std::uint32_t code = 0xFF61u + (byte - kHalfwidthFirst);
    out += static_cast<char>(0xE0u | (code >> 12));
    out += static_cast<char>(0x80u | ((code >> 6) & 0x3Fu));
    out += static_cast<char>(0x80u | (code & 0x3Fu));
  }
}

std::optional<std::size_t> first_invalid_shift_jis(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80 || (byte >= kHalfwidthFirst && byte <= kHalfwidthLast)) {
      ++i;
      continue;
    }
    // Anything else is a two-byte character or no character: iconv decides, CP932's tables being its.
    if (i + 2 > text.size() || !runtime::shift_jis_to_utf8(text.substr(i, 2))) return i;
    i += 2;
  }
  return std::nullopt;
}

NumberProblem parse_whole(std::string_view text, bool negative_allowed, std::int64_t& out) {
  if (text.empty()) return NumberProblem::not_whole;
  if (text[0] == '-' && !negative_allowed) {
    std::int64_t ignored = 0;
    return parse_whole(text.substr(1), false, ignored) == NumberProblem::not_whole ? NumberProblem::not_whole
                                                                                   : NumberProblem::negative;
  }
  // from_chars takes a '-' but no '+', and no space: exactly the shape allowed.
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error == std::errc::result_out_of_range) return NumberProblem::too_large;
  if (error != std::errc{} || end != text.data() + text.size()) return NumberProblem::not_whole;
  if (text.size() > 1 && text[0] == '-' && text[1] == '-') return NumberProblem::not_whole;
  return NumberProblem::none;
}

DatePattern::DatePattern(std::string_view pattern, bool time_only)
    : pattern_(pattern), time_only_(time_only) {
  const auto add = [this](std::string_view specs) {
    for (const char spec : specs)
      tokens_.push_back(spec == '-' || spec == ':' ? Token{0, spec} : Token{spec, 0});
  };
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      tokens_.push_back({0, pattern[i]});
      continue;
    }
    const char spec = i + 1 < pattern.size() ? pattern[++i] : '\0';
    const char next = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
    if (spec == 'Y' || spec == 'm' || spec == 'd' || spec == 'H' || spec == 'M' || spec == 'S' ||
        spec == 'z') {
      tokens_.push_back({spec, 0});
    } else if (spec == 'F') {
      add("Y-m-d");
    } else if (spec == 'T') {
      add("H:M:S");
    } else if (spec == '%') {
      tokens_.push_back({0, '%'});
    } else if (spec == 'E' && next == 'z') {
      tokens_.push_back({'Z', 0});
      ++i;
    } else {
      fast_ = false;
      return;
    }
  }
}

std::optional<DateTimeParts> DatePattern::parse(std::string_view text) const {
  return fast_ ? parse_fast(text) : parse_with_library(text);
}

std::optional<DateTimeParts> DatePattern::parse_fast(std::string_view text) const {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  int hours = 0;
  int minutes = 0;
  int seconds = 0;
  DateTimeParts parts;
  std::size_t at = 0;
  for (const Token& token : tokens_) {
    bool ok = true;
    switch (token.spec) {
      case 0:
        ok = at < text.size() && text[at++] == token.literal;
        break;
      case 'Y':
        ok = digits(text, at, 4, year);
        break;
      case 'm':
        ok = digits(text, at, 2, month);
        break;
      case 'd':
        ok = digits(text, at, 2, day);
        break;
      case 'H':
        ok = digits(text, at, 2, hours) && hours < 24;
        break;
      case 'M':
        ok = digits(text, at, 2, minutes) && minutes < 60;
        break;
      case 'S':
        ok = digits(text, at, 2, seconds) && seconds < 60;
        break;
      case 'z':
      case 'Z': {
        chrono::minutes offset{0};
        ok = utc_offset(text, at, token.spec == 'Z', offset);
        parts.utc_offset = offset;
        break;
      }
      default:
        ok = false;
    }
    if (!ok) return std::nullopt;
    if (token.spec == 'Y' || token.spec == 'm' || token.spec == 'd') parts.has_date = true;
    if (token.spec == 'H' || token.spec == 'M' || token.spec == 'S') parts.has_time = true;
  }
  if (at != text.size()) return std::nullopt;
  if (parts.has_date) {
    parts.date = chrono::year_month_day{chrono::year{year}, chrono::month{month}, chrono::day{day}};
    if (!parts.date.ok()) return std::nullopt;
  }
  parts.time_of_day = chrono::hours(hours) + chrono::minutes(minutes) + chrono::seconds(seconds);
  return parts;
}

std::optional<DateTimeParts> DatePattern::parse_with_library(std::string_view text) const {
  std::istringstream in{std::string(text)};
  DateTimeParts parts;
  if (time_only_) {
    chrono::seconds time{0};
    in >> date::parse(pattern_, time);
    if (in.fail() || in.peek() != EOF || time < chrono::seconds{0} || time >= chrono::hours{24}) {
      return std::nullopt;
    }
    parts.has_time = true;
    parts.time_of_day = time;
    return parts;
  }
  constexpr chrono::minutes kNoOffset = chrono::minutes::min();
  date::local_seconds local{};
  chrono::minutes offset = kNoOffset;
  in >> date::parse(pattern_, local, offset);
  if (in.fail() || in.peek() != EOF) return std::nullopt;
  const auto day = date::floor<date::days>(local);
  parts.has_date = true;
  parts.has_time = true;
  parts.date = chrono::year_month_day(chrono::sys_days(day.time_since_epoch()));
  parts.time_of_day = local - day;
  if (offset != kNoOffset) parts.utc_offset = offset;
  return parts;
}

chrono::sys_seconds ZoneClock::to_sys(date::local_seconds local) {
  // A day away from either end of the offset's span, no clock change can make the time ambiguous.
  constexpr chrono::hours kDay{24};
  if (has_info_) {
    const chrono::sys_seconds guess{local.time_since_epoch() - info_.offset};
    if (guess - kDay >= info_.begin && guess + kDay < info_.end) return guess;
  }
  const chrono::sys_seconds instant = zone_->to_sys(local, date::choose::earliest);
  info_ = zone_->get_info(instant);
  has_info_ = true;
  return instant;
}

chrono::year_month_day ZoneClock::local_date(chrono::sys_seconds instant) {
  if (!has_info_ || instant < info_.begin || instant >= info_.end) {
    info_ = zone_->get_info(instant);
    has_info_ = true;
  }
  return chrono::year_month_day(chrono::floor<chrono::days>(instant + info_.offset));
}

}  // namespace kessai::recon::detail
