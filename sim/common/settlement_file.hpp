#pragma once
// The pieces every simulator's settlement file (精算ファイル) is made of, whatever its layout: CSV fields
// and CRLF lines, the UTF-8 byte order mark, the processor's fee on an amount, the business date and
// local time of a record in Asia/Tokyo, the --mdr-bp option, and writing the file all or nothing. Pure
// except write_file_atomically.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kessai/result.hpp"
#include "sim_options.hpp"

namespace kessai::sim {

// --- CSV -------------------------------------------------------------------------------------------

// A field as RFC 4180 writes it: in double quotes (each quote doubled) when it holds a comma, a double
// quote, CR or LF; as it is otherwise.
std::string csv_field(std::string_view text);

// The fields, each csv_field, joined by commas and ended with CRLF (RFC 4180, and what Excel and the
// processors' own files use).
std::string csv_line(const std::vector<std::string>& fields);

// --- Text encodings ------------------------------------------------------------------------------

// The UTF-8 byte order mark, which Excel needs to open a UTF-8 CSV as UTF-8.
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Shift_JIS (CP932) text is kessai::runtime's (kessai/runtime/shift_jis.hpp, library kessai_jp):
// utf8_to_shift_jis and shift_jis_to_utf8.

// --- Fees ----------------------------------------------------------------------------------------

// A merchant discount rate (MDR, 加盟店手数料率) in basis points: 1 bp = 0.01 %, 250 bp = 2.50 %.
constexpr int kMdrBasisPointsMax = 10'000;  // 100 %
constexpr std::int64_t kBasisPointsPerWhole = 10'000;

// The processor's fee on a sale: floor(amount × mdr_bp / 10,000) whole yen, in integer arithmetic (yen
// has no minor unit; the fraction is the merchant's). nullopt when amount × mdr_bp overflows.
// amount_yen ≥ 0, 0 ≤ mdr_bp ≤ kMdrBasisPointsMax.
std::optional<std::int64_t> fee_yen(std::int64_t amount_yen, int mdr_bp);

// The fee a refund gives back where the processor returns fees in proportion to what is refunded:
// fee_yen(refunded before + this refund) − fee_yen(refunded before), at the sale's rate. Each part is
// rounded down on the running total, so refunding a whole sale, in one part or many, gives back exactly
// the sale's fee. nullopt on overflow.
std::optional<std::int64_t> proportional_fee_back_yen(std::int64_t refunded_before_yen,
                                                      std::int64_t refund_yen, int mdr_bp);

// --- Business dates in Asia/Tokyo --------------------------------------------------------------

// Japan has kept standard time all year since 1952 (no daylight saving time), so Asia/Tokyo is UTC+09:00
// at every instant a record can carry: a fixed offset, no time-zone database needed.
constexpr std::chrono::hours kTokyoUtcOffset{9};

// A record's time stamp as the journals keep it, "YYYY-MM-DDTHH:MM:SSZ" (read by utc_time.hpp's
// parse_utc_seconds, so a fraction of a second or "+00:00" pass too); nullopt for anything else,
// including times and dates that do not exist.
std::optional<std::chrono::sys_seconds> parse_utc_timestamp(std::string_view text);

// A calendar date "YYYY-MM-DD" that exists; nullopt for anything else.
std::optional<std::chrono::year_month_day> parse_calendar_date(std::string_view text);

// The Asia/Tokyo calendar date (00:00–24:00 JST) an instant falls on: its business date.
std::chrono::year_month_day tokyo_date_of(std::chrono::sys_seconds instant);

// The instant's Asia/Tokyo wall-clock time in a strftime pattern of numeric fields (%Y %m %d %H %M %S,
// %F, %T), e.g. "%Y/%m/%d" or "%FT%T+09:00".
std::string format_tokyo(std::chrono::sys_seconds instant, const char* pattern);

// A date in a strftime pattern of numeric fields, e.g. "%Y%m%d" or "%F".
std::string format_date(std::chrono::year_month_day date, const char* pattern);

// --- Contracted rates (--mdr-bp) --------------------------------------------------------------

// Brand (as the simulator names it: transit_ic, paypay, …) → MDR in basis points.
using MdrTable = std::map<std::string, int, std::less<>>;

// Reads an --mdr-bp value into `option`: one number of basis points (every brand), or BRAND=BP pairs
// separated by commas; each rate a whole number 0..kMdrBasisPointsMax. The problem, or nullopt.
std::optional<std::string> parse_mdr_option(std::string_view text, MdrOption& option);

// A simulator's rates: its defaults, every brand set by a single number, then each BRAND=BP. A brand
// the defaults do not name is an error that lists the known ones.
Result<MdrTable, std::string> mdr_table(MdrTable defaults, const MdrOption& option);

// A simulator with one rate for everything (the card acquirer): the single number, or the default;
// BRAND=BP pairs are an error.
Result<int, std::string> single_mdr_bp(int default_bp, const MdrOption& option);

// --- Writing ---------------------------------------------------------------------------------------

// Writes <directory>/<name> all or nothing: the bytes go to <name>.part, are flushed to disk (fsync),
// then renamed over <name> and the directory flushed, so a reader polling the directory never sees half
// a file, even after a crash. The directory is created if need be. The file's absolute path, or what
// failed with the system's reason.
Result<std::filesystem::path, std::string> write_file_atomically(const std::filesystem::path& directory,
                                                                 std::string_view name,
                                                                 std::string_view content);

}  // namespace kessai::sim
