#pragma once
// `kessai-sim load` options: parsed and checked once, at start-up, into LoadOptions. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kessai::sim::load {

// Limits on a run. Each connection is a socket and a request buffer; each thread an event loop.
constexpr std::uint64_t kConnectionsMax = 10'000;
constexpr std::uint64_t kConnectionsDefault = 64;
constexpr std::uint64_t kThreadsMax = 64;
constexpr std::int64_t kDurationMsMax = 86'400'000;  // a day
constexpr std::int64_t kDurationMsDefault = 10'000;
constexpr std::int64_t kWarmupMsMax = 3'600'000;
constexpr std::int64_t kTimeoutMsMax = 600'000;
constexpr std::int64_t kTimeoutMsDefault = 10'000;
constexpr std::size_t kRunIdBytesMax = 200;  // the Idempotency-Key, run id and sequence, stays below 255

// What each request's body is. Stable numbers; never renumber.
enum class BodyPreset : std::uint8_t {
  card = 1,          // a card payment with automatic capture, tok_visa: succeeds
  card_decline = 2,  // the same with tok_decline: 402 card_declined, a failed intent
};

struct LoadOptions {
  std::string url = "";  // http://HOST:PORT as given
  std::string host = "";
  std::uint16_t port = 0;
  std::string api_key = "";
  std::uint64_t connections = kConnectionsDefault;
  std::uint64_t rate_per_s = 0;  // 0: closed loop
  std::int64_t duration_ms = kDurationMsDefault;
  std::int64_t warmup_ms = 0;
  std::uint64_t threads = 1;
  BodyPreset body = BodyPreset::card;
  std::uint64_t seed = 1;
  std::string run_id = "";  // empty: the caller makes one unique to the run
  std::string json_path = "";
  std::string record_path = "";  // every acknowledged payment, a line each; empty: none kept
  std::int64_t timeout_ms = kTimeoutMsDefault;
  bool quiet = false;

  bool open_loop() const { return rate_per_s > 0; }
};

// The options, or the first problem (a usage error, exit 2). env_api_key: KESSAI_API_KEY's value, if set;
// --api-key wins over it.
std::variant<LoadOptions, std::string> parse_load_options(const std::vector<std::string>& args,
                                                          std::optional<std::string> env_api_key);

// "http://HOST:PORT" (a trailing '/' allowed; the port defaults to 80) into host and port.
std::optional<std::pair<std::string, std::uint16_t>> parse_http_url(std::string_view url);

// "2", "0.5", "10.25": seconds as whole milliseconds, from 0 to max_ms; nullopt when not one.
std::optional<std::int64_t> parse_seconds_ms(std::string_view text, std::int64_t max_ms);

std::string_view body_preset_name(BodyPreset preset);

extern const std::string_view kLoadUsage;

}  // namespace kessai::sim::load
