#include "load_request.hpp"

#include <cassert>
#include <charconv>

namespace kessai::sim::load {

namespace {

// SplitMix64's finaliser: one well-spread 64-bit value from a few numbers, the same on every platform.
constexpr std::uint64_t mix_64(std::uint64_t value) {
  value += 0x9e3779b97f4a7c15ull;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
  return value ^ (value >> 31);
}

void append_number(std::string& out, std::uint64_t number) {
  char digits[24];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, number);
  assert(error == std::errc{});
  out.append(digits, end);
}

std::size_t skip_space(std::string_view text, std::size_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r'))
    ++at;
  return at;
}

// From an opening quote to just past its closing quote; npos when the string does not end.
std::size_t skip_string(std::string_view text, std::size_t at) {
  for (++at; at < text.size(); ++at) {
    if (text[at] == '\\') {
      ++at;
    } else if (text[at] == '"') {
      return at + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::int64_t amount_of(std::uint64_t seed, std::uint64_t sequence) {
  const std::uint64_t draw = mix_64(seed ^ mix_64(sequence));
  constexpr auto kSpan = static_cast<std::uint64_t>(kAmountYenMax - kAmountYenMin + 1);
  return kAmountYenMin + static_cast<std::int64_t>(draw % kSpan);
}

RequestTemplate::RequestTemplate(const LoadOptions& options) {
  head_ = "POST /v1/payment_intents HTTP/1.1\r\nHost: " + options.host + ":" + std::to_string(options.port) +
          "\r\nUser-Agent: kessai-sim-load\r\nAuthorization: Bearer " + options.api_key +
          "\r\nContent-Type: application/json\r\nIdempotency-Key: ";
  key_prefix_ = options.run_id + "-";
  body_prefix_ = R"({"amount": )";
  const std::string_view token = options.body == BodyPreset::card_decline ? "tok_decline" : "tok_visa";
  body_suffix_ = R"(, "currency": "JPY", "means": "card", "fee_code": "F001", "facility_id": "FAC001", )"
                 R"("confirm": true, "payment_method": {"card_token": ")" +
                 std::string(token) + R"("}})";
}

void RequestTemplate::render(std::uint64_t sequence, std::int64_t amount_yen, std::string& out) const {
  assert(amount_yen > 0);
  char amount[24];
  const auto [amount_end, error] = std::to_chars(amount, amount + sizeof amount, amount_yen);
  assert(error == std::errc{});
  const auto amount_bytes = static_cast<std::size_t>(amount_end - amount);
  const std::size_t body_bytes = body_prefix_.size() + amount_bytes + body_suffix_.size();
  out.clear();
  out.append(head_).append(key_prefix_);
  append_number(out, sequence);
  out.append("\r\nContent-Length: ");
  append_number(out, body_bytes);
  out.append("\r\n\r\n").append(body_prefix_).append(amount, amount_bytes).append(body_suffix_);
}

std::string_view top_level_string(std::string_view body, std::string_view name) {
  std::size_t at = skip_space(body, 0);
  if (at >= body.size() || body[at] != '{') return {};
  int depth = 0;  // of objects and arrays inside the top-level object
  for (++at; at < body.size();) {
    const char c = body[at];
    if (c == '"') {
      const std::size_t end = skip_string(body, at);
      if (end == std::string_view::npos) return {};
      const std::size_t colon = skip_space(body, end);
      const bool top_level_key = depth == 0 && colon < body.size() && body[colon] == ':';
      if (top_level_key && body.substr(at + 1, end - at - 2) == name) {
        const std::size_t value = skip_space(body, colon + 1);
        if (value >= body.size() || body[value] != '"') return {};
        const std::size_t value_end = skip_string(body, value);
        if (value_end == std::string_view::npos) return {};
        const std::string_view text = body.substr(value + 1, value_end - value - 2);
        return text.find('\\') == std::string_view::npos ? text : std::string_view{};
      }
      at = end;
    } else if (c == '{' || c == '[') {
      ++depth;
      ++at;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return {};  // the end of the object
      --depth;
      ++at;
    } else {
      ++at;
    }
  }
  return {};
}

std::string_view problem_code(std::string_view body) {
  return top_level_string(body, "code");
}

std::string_view acknowledged_intent_id(unsigned status, std::string_view body) {
  if (status != 201 || top_level_string(body, "status") != "succeeded") return {};
  return top_level_string(body, "id");
}

void append_record_line(std::string& out, std::string_view intent_id, std::int64_t amount_yen) {
  assert(!intent_id.empty() && amount_yen > 0);
  out.append(intent_id).append(1, '\t');
  append_number(out, static_cast<std::uint64_t>(amount_yen));
  out.append(1, '\n');
}

std::string failure_key(unsigned status, std::string_view content_type, std::string_view body) {
  std::string key = std::to_string(status);
  if (content_type.starts_with("application/problem+json")) {
    const std::string_view code = problem_code(body);
    if (!code.empty()) key.append(" ").append(code);
  }
  return key;
}

}  // namespace kessai::sim::load
