#include "notices.hpp"

#include <charconv>

#include <date/date.h>
#include <boost/json.hpp>

#include "kessai/runtime/crypto.hpp"

namespace kessai::adapters::notices {

namespace json = boost::json;

namespace {

NoticeRejection rejection(NoticeProblem problem, std::string message) {
  return NoticeRejection{problem, std::move(message)};
}

std::string text_of(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

}  // namespace

std::string signature_header(std::string_view secret, std::string_view body, std::int64_t unix_seconds) {
  const std::string t = std::to_string(unix_seconds);
  return "t=" + t + ",v1=" + runtime::hmac_sha256_hex(secret, t + "." + std::string(body));
}

Result<Envelope, NoticeRejection> open(std::string_view body,
                                       const std::vector<std::pair<std::string, std::string>>& headers,
                                       std::string_view secret, std::chrono::system_clock::time_point now) {
  std::string_view header;
  bool signed_at_all = false;
  for (const auto& [name, value] : headers) {
    if (name == kSignatureHeader) {
      header = value;
      signed_at_all = true;
    }
  }
  if (!signed_at_all) {
    return fail(rejection(NoticeProblem::unsigned_notice,
                          "the notice has no " + std::string(kSignatureHeader) + " header"));
  }
  std::string_view t;
  std::vector<std::string_view> candidates;  // several v1 values are allowed while a secret rotates
  for (std::size_t start = 0; start <= header.size();) {
    const std::size_t comma = std::min(header.find(',', start), header.size());
    const std::string_view item = header.substr(start, comma - start);
    if (item.starts_with("t=")) t = item.substr(2);
    if (item.starts_with("v1=")) candidates.push_back(item.substr(3));
    start = comma + 1;
  }
  std::int64_t seconds = 0;
  const auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), seconds);
  if (t.empty() || error != std::errc{} || end != t.data() + t.size() || candidates.empty()) {
    return fail(rejection(NoticeProblem::bad_signature, "the signature header is not t=<seconds>,v1=<hex>"));
  }
  const std::string expected = runtime::hmac_sha256_hex(secret, std::string(t) + "." + std::string(body));
  bool verified = false;
  for (const std::string_view candidate : candidates)
    verified |= runtime::constant_time_equals(candidate, expected);
  if (!verified) {
    return fail(rejection(NoticeProblem::bad_signature,
                          "the signature does not verify with this processor's notice secret"));
  }
  const auto signed_at = std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
  const auto skew = now > signed_at ? now - signed_at : signed_at - now;
  if (skew > kSignatureToleranceSeconds) {
    return fail(rejection(NoticeProblem::stale,
                          "the notice was signed " +
                              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(skew).count()) +
                              " s away from now; at most " +
                              std::to_string(kSignatureToleranceSeconds.count()) + " s are accepted"));
  }
  boost::system::error_code parse_error;
  json::value parsed = json::parse(body, parse_error);
  if (parse_error || !parsed.is_object()) {
    return fail(rejection(NoticeProblem::malformed, "the notice is not a JSON object"));
  }
  json::object& object = parsed.as_object();
  Envelope envelope{text_of(object, "id"), text_of(object, "type"), {}};
  json::value* data = object.if_contains("data");
  if (envelope.id.empty() || envelope.id.size() > 255 || envelope.type.empty() || data == nullptr ||
      !data->is_object()) {
    return fail(rejection(NoticeProblem::malformed, "the notice needs an id, a type and a data object"));
  }
  envelope.data = std::move(data->as_object());
  return envelope;
}

std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view text) {
  std::istringstream in{std::string(text)};
  date::sys_time<std::chrono::microseconds> time;
  in >> date::parse("%FT%TZ", time);
  if (in.fail()) return std::nullopt;
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(time);
}

std::string format_utc(std::chrono::system_clock::time_point time) {
  return date::format("%FT%TZ", std::chrono::time_point_cast<std::chrono::seconds>(time));
}

}  // namespace kessai::adapters::notices
