#include "settlement_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <system_error>

#include "utc_time.hpp"

namespace kessai::sim {

namespace chrono = std::chrono;

namespace {

// --- dates ---

// `count` ASCII digits at `position`; nullopt when any is not a digit.
std::optional<int> digits_at(std::string_view text, std::size_t position, std::size_t count) {
  int value = 0;
  for (std::size_t i = position; i < position + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// strftime on a broken-down time taken as UTC: only numeric fields are used, so no locale matters.
std::string format_utc(chrono::sys_seconds instant, const char* pattern) {
  const std::time_t seconds = instant.time_since_epoch().count();
  std::tm broken{};
  gmtime_r(&seconds, &broken);
  char buffer[64];
  const std::size_t length = std::strftime(buffer, sizeof buffer, pattern, &broken);
  assert(length > 0);  // our own patterns, all short
  return std::string(buffer, length);
}

// --- files ---

std::string system_error_text(const std::string& what, const std::filesystem::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

// Writes all of `content` to the descriptor; false (errno set) on failure.
bool write_all(int descriptor, std::string_view content) {
  while (!content.empty()) {
    const ssize_t written = ::write(descriptor, content.data(), content.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

// A whole number of basis points, 0..kMdrBasisPointsMax.
std::optional<int> basis_points(std::string_view text) {
  int value = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < 0 || value > kMdrBasisPointsMax) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += ',';
    line += csv_field(fields[i]);
  }
  line += "\r\n";
  return line;
}

std::optional<std::int64_t> fee_yen(std::int64_t amount_yen, int mdr_bp) {
  assert(amount_yen >= 0);
  assert(mdr_bp >= 0 && mdr_bp <= kMdrBasisPointsMax);
  std::int64_t product = 0;
  if (__builtin_mul_overflow(amount_yen, std::int64_t{mdr_bp}, &product)) return std::nullopt;
  // Both are non-negative, so integer division is the floor.
  return product / kBasisPointsPerWhole;
}

std::optional<std::int64_t> proportional_fee_back_yen(std::int64_t refunded_before_yen,
                                                      std::int64_t refund_yen, int mdr_bp) {
  assert(refunded_before_yen >= 0 && refund_yen >= 0);
  std::int64_t refunded_after_yen = 0;
  if (__builtin_add_overflow(refunded_before_yen, refund_yen, &refunded_after_yen)) return std::nullopt;
  const std::optional<std::int64_t> before = fee_yen(refunded_before_yen, mdr_bp);
  const std::optional<std::int64_t> after = fee_yen(refunded_after_yen, mdr_bp);
  if (!before || !after) return std::nullopt;
  assert(*after >= *before);  // the fee never falls as the amount grows
  return *after - *before;
}

std::optional<chrono::sys_seconds> parse_utc_timestamp(std::string_view text) {
  const std::optional<std::int64_t> seconds = parse_utc_seconds(text);
  if (!seconds) return std::nullopt;
  return chrono::sys_seconds(chrono::seconds(*seconds));
}

std::optional<chrono::year_month_day> parse_calendar_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto year = digits_at(text, 0, 4);
  const auto month = digits_at(text, 5, 2);
  const auto day = digits_at(text, 8, 2);
  if (!year || !month || !day) return std::nullopt;
  const chrono::year_month_day date{chrono::year{*year}, chrono::month{static_cast<unsigned>(*month)},
                                    chrono::day{static_cast<unsigned>(*day)}};
  return date.ok() ? std::optional(date) : std::nullopt;
}

chrono::year_month_day tokyo_date_of(chrono::sys_seconds instant) {
  return chrono::year_month_day(chrono::floor<chrono::days>(instant + kTokyoUtcOffset));
}

std::string format_tokyo(chrono::sys_seconds instant, const char* pattern) {
  return format_utc(instant + kTokyoUtcOffset, pattern);
}

std::string format_date(chrono::year_month_day date, const char* pattern) {
  assert(date.ok());
  return format_utc(chrono::sys_days(date), pattern);
}

std::optional<std::string> parse_mdr_option(std::string_view text, MdrOption& option) {
  constexpr std::string_view kRule =
      "must be basis points 0..10000 (250 = 2.50 %), or BRAND=BP pairs separated by commas";
  if (const std::optional<int> every = basis_points(text)) {
    option.every_brand_bp = *every;
    return std::nullopt;
  }
  // Every pair, the one after a trailing comma too: an empty pair is an error.
  while (true) {
    const std::size_t comma = text.find(',');
    const std::string_view pair = text.substr(0, comma);
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos || equals == 0) return std::string(kRule);
    const std::optional<int> bp = basis_points(pair.substr(equals + 1));
    if (!bp) return std::string(kRule) + " (got '" + std::string(pair) + "')";
    option.brand_bp[std::string(pair.substr(0, equals))] = *bp;
    if (comma == std::string_view::npos) break;
    text = text.substr(comma + 1);
  }
  return std::nullopt;
}

Result<MdrTable, std::string> mdr_table(MdrTable defaults, const MdrOption& option) {
  if (option.every_brand_bp) {
    for (auto& [brand, bp] : defaults) bp = *option.every_brand_bp;
  }
  for (const auto& [brand, bp] : option.brand_bp) {
    const auto known = defaults.find(brand);
    if (known == defaults.end()) {
      std::string names;
      for (const auto& [name, rate] : defaults) names += (names.empty() ? "" : ", ") + name;
      return fail("--mdr-bp: unknown brand '" + brand + "' (known: " + names + ")");
    }
    known->second = bp;
  }
  return defaults;
}

Result<int, std::string> single_mdr_bp(int default_bp, const MdrOption& option) {
  if (!option.brand_bp.empty()) {
    return fail(
        std::string("--mdr-bp: this simulator has one rate for every brand: give one number of "
                    "basis points, e.g. 250"));
  }
  return option.every_brand_bp.value_or(default_bp);
}

Result<std::filesystem::path, std::string> write_file_atomically(const std::filesystem::path& directory,
                                                                 std::string_view name,
                                                                 std::string_view content) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return fail("cannot create " + directory.string() + ": " + ec.message());
  const std::filesystem::path target = std::filesystem::absolute(directory / name, ec);
  if (ec) return fail("cannot resolve " + (directory / name).string() + ": " + ec.message());
  const std::filesystem::path part = target.string() + ".part";
  const int descriptor = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (descriptor < 0) return fail(system_error_text("cannot create", part));
  const bool written = write_all(descriptor, content) && ::fsync(descriptor) == 0;
  const int write_errno = errno;
  if (::close(descriptor) != 0 || !written) {
    if (!written) errno = write_errno;
    const std::string error = system_error_text("cannot write", part);
    ::unlink(part.c_str());
    return fail(error);
  }
  if (::rename(part.c_str(), target.c_str()) != 0) {
    const std::string error = system_error_text("cannot rename to", target);
    ::unlink(part.c_str());
    return fail(error);
  }
  // The rename itself is durable only once the directory's entry is on disk.
  const int directory_descriptor = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_descriptor >= 0) {
    ::fsync(directory_descriptor);
    ::close(directory_descriptor);
  }
  return target;
}

}  // namespace kessai::sim
