#include "mpm_payload.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

namespace kessai::sim::qr_provider {

namespace {

constexpr std::string_view kCrcTag = "6304";
constexpr std::size_t kCrcDigits = 4;
constexpr int kMerchantAccountFirst = 26;
constexpr int kMerchantAccountLast = 51;
// 54 as a whole number of yen: at most 13 characters (the EMV field's limit), so it fits an int64.
constexpr std::size_t kAmountDigitsMax = 13;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::ranges::all_of(text, is_digit);
}

// The bytes of the UTF-8 character starting with `lead`; 0 when it cannot start one.
std::size_t utf8_bytes(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 0;
}

// Where `characters` UTF-8 characters starting at `from` end; nullopt when the text ends first or is not
// UTF-8.
std::optional<std::size_t> skip_characters(std::string_view text, std::size_t from, std::size_t characters) {
  std::size_t at = from;
  for (std::size_t i = 0; i < characters; ++i) {
    if (at >= text.size()) return std::nullopt;
    const std::size_t bytes = utf8_bytes(static_cast<unsigned char>(text[at]));
    if (bytes == 0 || at + bytes > text.size()) return std::nullopt;
    for (std::size_t k = 1; k < bytes; ++k) {
      if ((static_cast<unsigned char>(text[at + k]) & 0xC0) != 0x80) return std::nullopt;
    }
    at += bytes;
  }
  return at;
}

const TlvElement* find(const std::vector<TlvElement>& elements, std::string_view id) {
  const auto found =
      std::ranges::find_if(elements, [id](const TlvElement& element) { return element.id == id; });
  return found == elements.end() ? nullptr : &*found;
}

// A merchant account template (26..51) whose sub-tag 00 is JPQR's, or false.
bool has_jpqr_account(const std::vector<TlvElement>& elements) {
  for (const TlvElement& element : elements) {
    const int id = std::stoi(element.id);
    if (id < kMerchantAccountFirst || id > kMerchantAccountLast) continue;
    const auto inner = parse_tlv(element.value);
    if (!inner) continue;
    const TlvElement* unique_id = find(inner.value(), "00");
    if (unique_id != nullptr && unique_id->value == kJpqrGloballyUniqueId) return true;
  }
  return false;
}

// The CRC element is last, four upper-case hex digits, and matches the data before it.
std::optional<std::string> crc_problem(std::string_view payload) {
  if (payload.size() < kCrcTag.size() + kCrcDigits ||
      payload.substr(payload.size() - kCrcTag.size() - kCrcDigits, kCrcTag.size()) != kCrcTag) {
    return "no CRC: the payload must end with tag 63 of length 04 (6304XXXX)";
  }
  const std::string_view given = payload.substr(payload.size() - kCrcDigits);
  const bool upper_hex =
      std::ranges::all_of(given, [](char c) { return is_digit(c) || (c >= 'A' && c <= 'F'); });
  if (!upper_hex) return "the CRC (tag 63) must be 4 upper-case hex digits, not " + std::string(given);
  const std::string computed = crc_hex(crc16_ccitt_false(payload.substr(0, payload.size() - kCrcDigits)));
  if (given != computed) {
    return "CRC mismatch: tag 63 says " + std::string(given) + ", the payload's data gives " + computed;
  }
  return std::nullopt;
}

}  // namespace

std::uint16_t crc16_ccitt_false(std::string_view bytes) {
  std::uint16_t crc = 0xFFFF;
  for (const char c : bytes) {
    crc = static_cast<std::uint16_t>(crc ^ (static_cast<unsigned char>(c) << 8));
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) != 0 ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                                : static_cast<std::uint16_t>(crc << 1);
    }
  }
  return crc;
}

std::string crc_hex(std::uint16_t crc) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "%04X", static_cast<unsigned>(crc));
  return hex;
}

Result<std::vector<TlvElement>, std::string> parse_tlv(std::string_view text) {
  std::vector<TlvElement> elements;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::string position = " at byte " + std::to_string(at);
    if (text.size() - at < 4) return fail("a truncated element" + position);
    const std::string_view id = text.substr(at, 2);
    const std::string_view length = text.substr(at + 2, 2);
    if (!all_digits(id)) return fail("an id that is not 2 digits" + position);
    if (!all_digits(length)) return fail("tag " + std::string(id) + "'s length is not 2 digits" + position);
    const std::size_t characters = static_cast<std::size_t>(std::stoi(std::string(length)));
    const std::optional<std::size_t> end = skip_characters(text, at + 4, characters);
    if (!end) {
      return fail("tag " + std::string(id) + "'s value is shorter than its length " + std::string(length) +
                  position);
    }
    if (find(elements, id) != nullptr) return fail("tag " + std::string(id) + " appears twice" + position);
    elements.push_back(TlvElement{std::string(id), std::string(text.substr(at + 4, *end - at - 4))});
    at = *end;
  }
  return elements;
}

Result<OrderCode, std::string> read_order_code(std::string_view payload) {
  auto parsed = parse_tlv(payload);
  if (!parsed) return fail("malformed TLV: " + parsed.error());
  if (parsed.value().empty() || parsed.value().back().id != "63") {
    return fail("no CRC: the payload must end with tag 63 of length 04 (6304XXXX)");
  }
  if (auto problem = crc_problem(payload)) return fail(std::move(*problem));
  const std::vector<TlvElement>& elements = parsed.value();
  const TlvElement* format = find(elements, "00");
  const TlvElement* method = find(elements, "01");
  const TlvElement* currency = find(elements, "53");
  const TlvElement* amount = find(elements, "54");
  const TlvElement* additional = find(elements, "62");
  if (format == nullptr || format->value != "01") return fail("tag 00 (payload format indicator) must be 01");
  if (method == nullptr || method->value != "12") {
    return fail("tag 01 (point of initiation) must be 12, a dynamic code: a static code (11) names no order");
  }
  if (!has_jpqr_account(elements)) {
    return fail("no JPQR merchant account: a template in tags 26..51 with sub-tag 00 " +
                std::string(kJpqrGloballyUniqueId));
  }
  if (currency == nullptr || currency->value != "392") return fail("tag 53 (currency) must be 392 (JPY)");
  if (amount == nullptr || !all_digits(amount->value) || amount->value.size() > kAmountDigitsMax) {
    return fail("tag 54 (amount) must be a whole number of yen");
  }
  if (additional == nullptr) return fail("no tag 62 (additional data): the order id is its sub-tag 05");
  const auto inner = parse_tlv(additional->value);
  if (!inner) return fail("tag 62 (additional data) is malformed: " + inner.error());
  const TlvElement* label = find(inner.value(), "05");
  if (label == nullptr || label->value.empty()) {
    return fail("tag 62 has no sub-tag 05 (reference label): the order id");
  }
  return OrderCode{std::stoll(amount->value), label->value};
}

}  // namespace kessai::sim::qr_provider
