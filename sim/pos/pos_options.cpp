#include "pos_options.hpp"

#include <charconv>
#include <cstdlib>

namespace kessai::sim::pos {

const std::string_view kPosUsage =
    "usage: kessai-sim pos --kessai-url http://HOST:PORT --credentials FILE --facilities N --terminals M\n"
    "                      [--payments K] [--state-dir DIR] [--seed S] [--mix card=40,emoney=40,qr=20]\n"
    "                      [--fee-codes F001,F003] [--drop-rate R] [--offline-payments P]\n"
    "                      [--lost-reply-rate R] [--duplicate-upload-rate R] [--partial-upload-rate R]\n"
    "                      [--refund-rate R] [--decline-rate R] [--report FILE]\n"
    "a fleet of POS terminals, one thread each, speaking the POS protocol (docs/pos-protocol.md) to "
    "kessaid:\n"
    "  --credentials FILE   'facility_id terminal_id secret' per line (kessai terminal register --format "
    "tsv);\n"
    "                       the first N facilities in file order, the first M terminals of each\n"
    "  --payments K         sales per terminal (default 20)\n"
    "  --state-dir DIR      each terminal's memory: sequence and transaction numbers, day totals\n"
    "                       (default var/pos-sim)\n"
    "  --seed S             every draw, for exact replays (default 1)\n"
    "  --mix W              shares of the means among those the facility takes (default "
    "card=40,emoney=40,qr=20)\n"
    "  --fee-codes LIST     the fees sold (default: those HelloReply lists)\n"
    "  --drop-rate R        per online sale, the line goes down: the next P sales (--offline-payments,\n"
    "                       default 5) are taken offline within the floor limits, then uploaded\n"
    "  --lost-reply-rate R  per online payment, the reply is lost and the payment resent\n"
    "  --duplicate-upload-rate R  per uploaded part, uploaded again\n"
    "  --partial-upload-rate R    per offline batch, cut in parts sent in shuffled order\n"
    "  --refund-rate R      per approved payment, voided or partly refunded at once\n"
    "  --decline-rate R     per card sale, a declining test token (brand visa)\n"
    "  --report FILE        the JSON summary there too (it always goes to stdout)\n"
    "rates are shares 0..1 (default 0). Exit 0 when every day close matched and every resent transaction\n"
    "was acknowledged as a duplicate; 1 otherwise; 2 for usage errors.\n";

namespace {

std::optional<std::uint64_t> parse_whole(std::string_view text, std::uint64_t min, std::uint64_t max) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < min || value > max)
    return std::nullopt;
  return value;
}

std::optional<double> parse_share(const std::string& text) {
  char* end = nullptr;
  const double share = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(share >= 0.0 && share <= 1.0))
    return std::nullopt;
  return share;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

double* rate_option(FleetOptions& options, std::string_view flag) {
  if (flag == "--drop-rate") return &options.rates.drop;
  if (flag == "--lost-reply-rate") return &options.rates.lost_reply;
  if (flag == "--duplicate-upload-rate") return &options.rates.duplicate_upload;
  if (flag == "--partial-upload-rate") return &options.rates.partial_upload;
  if (flag == "--refund-rate") return &options.rates.refund;
  if (flag == "--decline-rate") return &options.rates.decline;
  return nullptr;
}

std::optional<std::vector<std::string>> parse_fee_codes(std::string_view text) {
  std::vector<std::string> codes;
  for (const std::string_view code : split(text, ',')) {
    if (code.empty() || code.size() > kFeeCodeBytesMax) return std::nullopt;
    codes.emplace_back(code);
  }
  return codes;
}

// One "--flag value"; the problem, or nullopt.
std::optional<std::string> apply_option(FleetOptions& options, const std::string& flag,
                                        const std::string& value) {
  const auto whole = [&](std::uint64_t& field, std::uint64_t min,
                         std::uint64_t max) -> std::optional<std::string> {
    const std::optional<std::uint64_t> number = parse_whole(value, min, max);
    if (!number)
      return flag + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    field = *number;
    return std::nullopt;
  };
  if (flag == "--kessai-url") {
    if (!value.starts_with("http://") || value.size() <= 7) return "--kessai-url must be http://HOST:PORT";
    options.kessai_url = value;
  } else if (flag == "--credentials") {
    options.credentials_path = value;
  } else if (flag == "--facilities") {
    return whole(options.facilities, 1, kFacilitiesMax);
  } else if (flag == "--terminals") {
    return whole(options.terminals, 1, kTerminalsPerFacilityMax);
  } else if (flag == "--payments") {
    return whole(options.payments, 0, kPaymentsPerTerminalMax);
  } else if (flag == "--offline-payments") {
    return whole(options.offline_payments, 1, kOfflinePaymentsMax);
  } else if (flag == "--seed") {
    return whole(options.seed, 0, UINT64_MAX);
  } else if (flag == "--state-dir" || flag == "--report") {
    if (value.empty()) return flag + " must not be empty";
    (flag == "--state-dir" ? options.state_dir : options.report_path) = value;
  } else if (flag == "--mix") {
    const std::optional<MixWeights> mix = parse_mix(value);
    if (!mix) return "--mix must be MEANS=WEIGHT pairs of card, emoney, qr, e.g. card=40,emoney=40,qr=20";
    options.mix = *mix;
  } else if (flag == "--fee-codes") {
    const auto codes = parse_fee_codes(value);
    if (!codes) return "--fee-codes must be fee codes separated by commas, e.g. F001,F003";
    options.fee_codes = *codes;
  } else if (double* rate = rate_option(options, flag)) {
    const std::optional<double> share = parse_share(value);
    if (!share) return flag + " must be a number from 0 to 1";
    *rate = *share;
  } else {
    return "unknown option " + flag;
  }
  return std::nullopt;
}

}  // namespace

std::optional<MixWeights> parse_mix(std::string_view text) {
  MixWeights mix{0, 0, 0};
  bool seen[4] = {};
  for (const std::string_view pair : split(text, ',')) {
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const std::optional<Means> means = means_named(pair.substr(0, equals));
    const std::optional<std::uint64_t> weight = parse_whole(pair.substr(equals + 1), 0, 1'000'000);
    if (!means || !weight || seen[static_cast<int>(*means)]) return std::nullopt;
    seen[static_cast<int>(*means)] = true;
    const auto value = static_cast<std::uint32_t>(*weight);
    (*means == Means::card ? mix.card : *means == Means::emoney ? mix.emoney : mix.qr) = value;
  }
  if (mix.card + mix.emoney + mix.qr == 0) return std::nullopt;
  return mix;
}

std::variant<FleetOptions, std::string> parse_fleet_options(const std::vector<std::string>& args) {
  FleetOptions options;
  for (std::size_t i = 0; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return args[i] + " needs a value";
    if (auto problem = apply_option(options, args[i], args[i + 1])) return *problem;
  }
  if (options.kessai_url.empty()) return "--kessai-url is required";
  if (options.credentials_path.empty()) return "--credentials is required";
  if (options.facilities == 0) return "--facilities is required";
  if (options.terminals == 0) return "--terminals is required";
  if (options.facilities * options.terminals > kFleetTerminalsMax)
    return "--facilities × --terminals must be at most " + std::to_string(kFleetTerminalsMax) + " terminals";
  return options;
}

TerminalPlan terminal_plan(const FleetOptions& options) {
  return TerminalPlan{options.seed,      options.payments, options.mix,
                      options.fee_codes, options.rates,    options.offline_payments};
}

}  // namespace kessai::sim::pos
