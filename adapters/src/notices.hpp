#pragma once
// What the processors that send notices (the Pay-easy centre, the QR provider's merchant-presented
// orders) share: the signature header X-Notify-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<raw body>"> with the processor's notice secret, and the envelope
// {"id", "type", "created_at", "data": {...}}.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "kessai/adapters/processor.hpp"
#include "kessai/result.hpp"

namespace kessai::adapters::notices {

// A signature older or further ahead than this is refused: a captured notice cannot be replayed later.
constexpr std::chrono::seconds kSignatureToleranceSeconds{300};
constexpr std::string_view kSignatureHeader = "x-notify-signature";

struct Envelope {
  std::string id;
  std::string type;
  boost::json::object data;
};

// Checks the signature over the raw body, then reads the envelope.
Result<Envelope, NoticeRejection> open(std::string_view body,
                                       const std::vector<std::pair<std::string, std::string>>& headers,
                                       std::string_view secret, std::chrono::system_clock::time_point now);

// The header value a processor would send (for tests and the simulators' documentation).
std::string signature_header(std::string_view secret, std::string_view body, std::int64_t unix_seconds);

// An RFC 3339 UTC time stamp ("2026-11-22T01:02:03Z", fractions allowed), or nullopt.
std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view text);
std::string format_utc(std::chrono::system_clock::time_point time);

}  // namespace kessai::adapters::notices
