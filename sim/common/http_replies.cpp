#include "http_replies.hpp"

#include <chrono>
#include <ctime>
#include <utility>

#include <boost/json.hpp>

namespace kessai::sim {

namespace json = boost::json;

namespace {

constexpr std::string_view kReferencePair = "reference=";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

runtime::HttpResponse reply(unsigned status, const json::value& body) {
  runtime::HttpResponse response;
  response.status = status;
  response.body = json::serialize(body);
  return response;
}

runtime::HttpResponse bad_request(std::string message) {
  return reply(400, json::object{{"error", "invalid_request"}, {"message", std::move(message)}});
}

runtime::HttpResponse not_found(std::string_view message) {
  return reply(404, json::object{{"error", "not_found"}, {"message", message}});
}

json::object list_json(json::array data) {
  return json::object{{"object", "list"}, {"data", std::move(data)}};
}

ReferenceQuery parse_reference_query(std::string_view query) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (!pair.starts_with(kReferencePair)) continue;
    std::optional<std::string> reference = percent_decode(pair.substr(kReferencePair.size()));
    return reference ? ReferenceQuery{std::move(reference), false} : ReferenceQuery{std::nullopt, true};
  }
  return {};
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string decoded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      decoded += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    decoded += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return decoded;
}

std::string utc_now() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

}  // namespace kessai::sim
