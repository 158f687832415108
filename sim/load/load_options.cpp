#include "load_options.hpp"

#include <charconv>

#include "rate_schedule.hpp"

namespace kessai::sim::load {

const std::string_view kLoadUsage =
    "usage: kessai-sim load --url http://HOST:PORT [--api-key KEY] [--connections N] [--rate R]\n"
    "                       [--duration S] [--warmup S] [--threads T] [--body-template card|card-decline]\n"
    "                       [--seed S] [--run-id ID] [--timeout-ms MS] [--json FILE] [--record FILE]\n"
    "                       [--quiet]\n"
    "load on kessaid's API: POST /v1/payment_intents, a card payment with automatic capture, over\n"
    "kept-alive HTTP/1.1 connections; prints payments/s and latency percentiles.\n"
    "  --url URL           kessaid (loopback only)\n"
    "  --api-key KEY       default: $KESSAI_API_KEY\n"
    "  --connections N     kept-alive connections (default 64)\n"
    "  --rate R            open loop: R requests per second, due at even intervals; latency counts from\n"
    "                      the due time, so a request waiting for a free connection is late, not hidden.\n"
    "                      Without --rate: closed loop, each connection sends its next request as soon\n"
    "                      as the answer to the last one arrives (the maximum throughput)\n"
    "  --duration S        the measured seconds (default 10; decimals allowed)\n"
    "  --warmup S          seconds of load before them, sent but not counted (default 0)\n"
    "  --threads T         I/O threads, each with its share of the connections (default 1)\n"
    "  --body-template P   card: {\"amount\": 100..20000 drawn from --seed, \"currency\": \"JPY\", "
    "\"means\":\n"
    "                      \"card\", \"fee_code\": \"F001\", \"facility_id\": \"FAC001\", \"confirm\": "
    "true,\n"
    "                      \"payment_method\": {\"card_token\": \"tok_visa\"}} (default); card-decline: the "
    "same\n"
    "                      with tok_decline. Each request has its own Idempotency-Key, RUN_ID-SEQUENCE\n"
    "  --seed S            the amounts' draws (default 1)\n"
    "  --run-id ID         the Idempotency-Keys' prefix, letters, digits, '-' and '_' (default: made\n"
    "                      from the time and the process id, new at each run)\n"
    "  --timeout-ms MS     an answer not received that long after the request was sent is a timeout\n"
    "                      (default 10000); with --rate, a request still waiting for a connection that\n"
    "                      long after it was due is given up (timeout_in_queue)\n"
    "  --json FILE         the results as JSON there\n"
    "  --record FILE       every payment kessaid acknowledged (201, status \"succeeded\"), warm-up\n"
    "                      included, a line \"INTENT_ID<TAB>AMOUNT\" each, as the answers arrive; the\n"
    "                      file is made anew, and complete when the run ends or is interrupted\n"
    "                      (SIGINT, SIGTERM)\n"
    "  --quiet             no progress line each second (the summary at the end stays)\n"
    "exit 0 when the run completed (failed requests are in the counts), 1 when kessaid could not be\n"
    "reached at all or --json or --record could not be written, 2 for usage errors, 128 + the signal's\n"
    "number when interrupted.\n";

namespace {

std::optional<std::uint64_t> parse_whole(std::string_view text, std::uint64_t min, std::uint64_t max) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < min || value > max)
    return std::nullopt;
  return value;
}

bool plain_id(std::string_view text) {
  if (text.empty() || text.size() > kRunIdBytesMax) return false;
  for (const char c : text) {
    const bool plain =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!plain) return false;
  }
  return true;
}

// Visible ASCII only: the key goes into a header as it is.
bool header_safe(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

// One "--flag value"; the problem, or nullopt.
std::optional<std::string> apply_option(LoadOptions& options, const std::string& flag,
                                        const std::string& value) {
  const auto whole = [&](std::uint64_t& field, std::uint64_t min,
                         std::uint64_t max) -> std::optional<std::string> {
    const std::optional<std::uint64_t> number = parse_whole(value, min, max);
    if (!number)
      return flag + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    field = *number;
    return std::nullopt;
  };
  const auto seconds = [&](std::int64_t& field_ms, bool zero_allowed,
                           std::int64_t max_ms) -> std::optional<std::string> {
    const std::optional<std::int64_t> ms = parse_seconds_ms(value, max_ms);
    if (!ms || (*ms == 0 && !zero_allowed))
      return flag + " must be seconds (up to 3 decimals) " + (zero_allowed ? "from 0" : "above 0") + " to " +
             std::to_string(max_ms / 1000);
    field_ms = *ms;
    return std::nullopt;
  };
  if (flag == "--url") {
    const auto address = parse_http_url(value);
    if (!address) return "--url must be http://HOST:PORT";
    options.url = value;
    options.host = address->first;
    options.port = address->second;
  } else if (flag == "--api-key") {
    if (!header_safe(value)) return "--api-key must be visible ASCII characters";
    options.api_key = value;
  } else if (flag == "--connections") {
    return whole(options.connections, 1, kConnectionsMax);
  } else if (flag == "--rate") {
    return whole(options.rate_per_s, 1, kRatePerSecondMax);
  } else if (flag == "--threads") {
    return whole(options.threads, 1, kThreadsMax);
  } else if (flag == "--seed") {
    return whole(options.seed, 0, UINT64_MAX);
  } else if (flag == "--duration") {
    return seconds(options.duration_ms, false, kDurationMsMax);
  } else if (flag == "--warmup") {
    return seconds(options.warmup_ms, true, kWarmupMsMax);
  } else if (flag == "--timeout-ms") {
    std::uint64_t timeout_ms = 0;
    if (auto problem = whole(timeout_ms, 1, kTimeoutMsMax)) return problem;
    options.timeout_ms = static_cast<std::int64_t>(timeout_ms);
  } else if (flag == "--body-template") {
    if (value == "card") {
      options.body = BodyPreset::card;
    } else if (value == "card-decline") {
      options.body = BodyPreset::card_decline;
    } else {
      return "--body-template must be card or card-decline";
    }
  } else if (flag == "--run-id") {
    if (!plain_id(value))
      return "--run-id must be 1 to " + std::to_string(kRunIdBytesMax) + " letters, digits, '-' or '_'";
    options.run_id = value;
  } else if (flag == "--json") {
    if (value.empty()) return "--json must not be empty";
    options.json_path = value;
  } else if (flag == "--record") {
    if (value.empty()) return "--record must not be empty";
    options.record_path = value;
  } else {
    return "unknown option " + flag;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::pair<std::string, std::uint16_t>> parse_http_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  if (url.ends_with('/')) url.remove_suffix(1);
  if (url.empty() || url.find_first_of("/?#@ ") != std::string_view::npos) return std::nullopt;
  const std::size_t colon = url.rfind(':');
  if (colon == std::string_view::npos) return std::pair{std::string(url), std::uint16_t{80}};
  const std::optional<std::uint64_t> port = parse_whole(url.substr(colon + 1), 1, 65535);
  if (!port || colon == 0) return std::nullopt;
  return std::pair{std::string(url.substr(0, colon)), static_cast<std::uint16_t>(*port)};
}

std::optional<std::int64_t> parse_seconds_ms(std::string_view text, std::int64_t max_ms) {
  const std::size_t dot = text.find('.');
  const std::string_view whole_part = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole_part.empty() || (dot != std::string_view::npos && (fraction.empty() || fraction.size() > 3)))
    return std::nullopt;
  const std::optional<std::uint64_t> seconds =
      parse_whole(whole_part, 0, static_cast<std::uint64_t>(max_ms / 1000));
  std::optional<std::uint64_t> thousandths = 0;
  if (!fraction.empty()) {
    thousandths = parse_whole(fraction, 0, 999);
    for (std::size_t digits = fraction.size(); thousandths && digits < 3; ++digits) *thousandths *= 10;
  }
  if (!seconds || !thousandths) return std::nullopt;
  const auto ms = static_cast<std::int64_t>(*seconds * 1000 + *thousandths);
  if (ms > max_ms) return std::nullopt;
  return ms;
}

std::string_view body_preset_name(BodyPreset preset) {
  return preset == BodyPreset::card_decline ? "card-decline" : "card";
}

std::variant<LoadOptions, std::string> parse_load_options(const std::vector<std::string>& args,
                                                          std::optional<std::string> env_api_key) {
  LoadOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--quiet") {
      options.quiet = true;
      continue;
    }
    if (i + 1 >= args.size()) return args[i] + " needs a value";
    if (auto problem = apply_option(options, args[i], args[i + 1])) return *problem;
    ++i;
  }
  if (options.url.empty()) return "--url is required";
  if (options.api_key.empty() && env_api_key && !env_api_key->empty()) {
    if (!header_safe(*env_api_key)) return "KESSAI_API_KEY must be visible ASCII characters";
    options.api_key = *env_api_key;
  }
  if (options.api_key.empty()) return "--api-key (or KESSAI_API_KEY) is required";
  if (options.threads > options.connections) return "--threads must be at most --connections";
  if (!options.record_path.empty() && options.record_path == options.json_path)
    return "--record and --json must be different files";
  return options;
}

}  // namespace kessai::sim::load
