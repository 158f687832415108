#include "bank_options.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <limits>

#include "kessai/runtime/bank_calendar.hpp"
#include "settlement_file.hpp"

namespace kessai::sim::bank {

const std::string_view kBankUsage =
    "usage: kessai-sim bank --date YYYY-MM-DD --processor NAME=URL [--processor NAME=URL ...]\n"
    "                       --out DIR --truth FILE\n"
    "                       [--inject missing=N,late=N,duplicate=N,amount_mismatch=N,fee_mismatch=N,\n"
    "                                 unknown=N,settled_after_refund=N]\n"
    "                       [--deposit-short N] [--deposit-missing N] [--seed S] [--state-dir DIR]\n"
    "the city's receiving bank for business date D (Asia/Tokyo): asks each processor for its settlement\n"
    "file of D (POST URL/sim/settlement), pays each file's net total into the city's account on the\n"
    "next bank business day, and writes that day's Zengin statement (入出金取引明細, 200-byte records)\n"
    "as DIR/zengin03_YYYYMMDD.dat, then the truth file (what was injected) as FILE:\n"
    "  --processor NAME=URL   NAME: card-acquirer, emoney-centre, qr-provider, payeasy-centre; URL\n"
    "                         http://HOST:PORT of that simulator\n"
    "  --inject LIST          settlement faults each processor puts in its file (passed on as given)\n"
    "  --deposit-short N      N deposits paid 1..999 yen short (chosen from --seed)\n"
    "  --deposit-missing N    N deposits not paid at all\n"
    "  --seed S               every draw, for exact replays (default 1; also sent to the processors)\n"
    "  --state-dir DIR        the bank's book: balance and records (default DIR/.bank); a second run\n"
    "                         for the same date pays nothing twice\n"
    "exit 0 done (a JSON summary on stdout), 1 a processor failed or a file could not be written\n"
    "(nothing written), 2 usage errors.\n";

namespace {

std::optional<std::uint64_t> parse_whole(std::string_view text, std::uint64_t max) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value > max)
    return std::nullopt;
  return value;
}

std::optional<std::string> parse_processor(std::string_view value,
                                           std::vector<ProcessorEndpoint>& processors) {
  const std::size_t equals = value.find('=');
  if (equals == std::string_view::npos) return "--processor must be NAME=URL";
  const std::string name(value.substr(0, equals));
  const std::string url(value.substr(equals + 1));
  if (find_processor_payer(name) == nullptr) {
    return "--processor: unknown processor '" + name +
           "' (known: card-acquirer, emoney-centre, qr-provider, payeasy-centre)";
  }
  if (std::ranges::any_of(processors, [&](const ProcessorEndpoint& each) { return each.name == name; }))
    return "--processor " + name + " is given twice";
  if (!url.starts_with("http://") || url.size() == 7)
    return "--processor " + name + ": the URL must be http://HOST:PORT";
  processors.push_back(ProcessorEndpoint{name, url});
  return std::nullopt;
}

// The problem with the whole set, once every option is read.
std::optional<std::string> check_complete(const BankOptions& options, bool dated) {
  if (!dated) return std::string("--date is required");
  if (options.processors.empty()) return std::string("at least one --processor NAME=URL is required");
  if (options.out_dir.empty()) return std::string("--out is required");
  if (options.truth_path.empty()) return std::string("--truth is required");
  const std::uint64_t given = options.processors.size();
  if (options.deposit_faults.short_count + options.deposit_faults.missing_count > given) {
    return "--deposit-short and --deposit-missing together exceed the " + std::to_string(given) +
           " processors given";
  }
  return std::nullopt;
}

}  // namespace

std::optional<InjectCounts> parse_inject(std::string_view text) {
  InjectCounts counts;
  while (true) {
    const std::size_t comma = text.find(',');
    const std::string_view pair = text.substr(0, comma);
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string reason(pair.substr(0, equals));
    const auto count = parse_whole(pair.substr(equals + 1), kInjectCountMax);
    const bool known = std::ranges::find(kInjectReasons, reason) != kInjectReasons.end();
    const bool repeated = std::ranges::any_of(counts, [&](const auto& each) { return each.first == reason; });
    if (!count || !known || repeated) return std::nullopt;
    counts.emplace_back(reason, *count);
    if (comma == std::string_view::npos) return counts;
    text.remove_prefix(comma + 1);
  }
}

std::variant<BankOptions, std::string> parse_bank_options(const std::vector<std::string>& args) {
  BankOptions options;
  bool dated = false;
  for (std::size_t i = 0; i < args.size(); i += 2) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) return flag + " needs a value";
    const std::string& value = args[i + 1];
    if (flag == "--date") {
      const auto date = parse_calendar_date(value);
      if (!date || !runtime::in_bank_calendar(*date) ||
          std::chrono::sys_days(*date) > std::chrono::sys_days(kLastBusinessDate)) {
        return "--date must be a date YYYY-MM-DD from 1990-01-01 to 2099-12-20";
      }
      options.date = *date;
      dated = true;
    } else if (flag == "--processor") {
      if (auto problem = parse_processor(value, options.processors)) return *problem;
    } else if (flag == "--out") {
      options.out_dir = value;
    } else if (flag == "--truth") {
      options.truth_path = value;
    } else if (flag == "--state-dir") {
      options.state_dir = value;
    } else if (flag == "--inject") {
      options.inject = parse_inject(value);
      if (!options.inject) {
        return "--inject must be REASON=N pairs separated by commas, each reason once, N 0.." +
               std::to_string(kInjectCountMax) +
               "; reasons: missing, late, duplicate, amount_mismatch, fee_mismatch, unknown, "
               "settled_after_refund";
      }
    } else if (flag == "--deposit-short" || flag == "--deposit-missing") {
      const auto count = parse_whole(value, kProcessorPayers.size());
      if (!count)
        return flag + " must be a whole number from 0 to " + std::to_string(kProcessorPayers.size());
      (flag == "--deposit-short" ? options.deposit_faults.short_count
                                 : options.deposit_faults.missing_count) = *count;
    } else if (flag == "--seed") {
      const auto seed = parse_whole(value, std::numeric_limits<std::uint64_t>::max());
      if (!seed) return std::string("--seed must be a whole number");
      options.seed = *seed;
    } else {
      return "unknown option " + flag;
    }
  }
  if (auto problem = check_complete(options, dated)) return *problem;
  if (options.state_dir.empty())
    options.state_dir = (std::filesystem::path(options.out_dir) / ".bank").string();
  return options;
}

}  // namespace kessai::sim::bank
