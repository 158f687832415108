#include "kessai/qr/emv_tlv.hpp"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <utility>

#include "kessai/qr/crc16.hpp"

namespace kessai::qr {
namespace {

bool is_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

// Bytes of the UTF-8 sequence that starts `text`, or 0 when it is not a valid, shortest-form,
// non-surrogate sequence. `text` is not empty.
std::size_t utf8_sequence_bytes(std::string_view text) {
  const auto lead = static_cast<unsigned char>(text[0]);
  if (lead < 0x80) return 1;
  std::size_t bytes = 0;
  std::uint32_t code_point = 0;
  std::uint32_t smallest = 0;
  if ((lead & 0xE0) == 0xC0) {
    bytes = 2;
    code_point = lead & 0x1Fu;
    smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    bytes = 3;
    code_point = lead & 0x0Fu;
    smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    bytes = 4;
    code_point = lead & 0x07u;
    smallest = 0x10000;
  } else {
    return 0;
  }
  if (text.size() < bytes) return 0;
  for (std::size_t index = 1; index < bytes; ++index) {
    const auto continuation = static_cast<unsigned char>(text[index]);
    if ((continuation & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (continuation & 0x3Fu);
  }
  const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  if (code_point < smallest || code_point > 0x10FFFF || surrogate) return 0;
  return bytes;
}

// Bytes taken by the first `characters` characters of valid UTF-8 text; nullopt when it ends first.
std::optional<std::size_t> bytes_of_characters(std::string_view text, std::size_t characters) {
  std::size_t offset = 0;
  for (std::size_t counted = 0; counted < characters; ++counted) {
    if (offset >= text.size()) return std::nullopt;
    offset += utf8_sequence_bytes(text.substr(offset));
  }
  return offset;
}

// The CRC-16/CCITT-FALSE of `covered` as 4 upper-case hex digits.
std::string crc_hex(std::string_view covered) {
  static constexpr std::string_view hex_digits = "0123456789ABCDEF";
  const std::uint16_t crc = crc16_ccitt_false(covered);
  std::string hex;
  for (int shift = 12; shift >= 0; shift -= 4) hex += hex_digits[(crc >> shift) & 0xF];
  return hex;
}

std::string at_byte(std::size_t offset) {
  return "at byte " + std::to_string(offset) + ": ";
}

// No id twice in one list; `where` names the list in the error ("payload", "template 62").
Result<void, std::string> check_unique_ids(std::span<const TlvElement> elements, std::string_view where) {
  std::set<std::string_view> seen;
  for (const auto& element : elements) {
    if (!seen.insert(element.id).second) {
      return fail(std::string(where) + ": id " + element.id + " appears twice");
    }
  }
  return {};
}

// 63 is last, holds 4 hex digits, and matches the CRC of everything before its value.
Result<void, std::string> check_crc(std::string_view payload, std::span<const TlvElement> elements) {
  if (elements.back().id != "63") {
    if (find_element(elements, "63") != nullptr)
      return fail(std::string("63 (CRC): must be the last element"));
    return fail(std::string("63 (CRC): missing"));
  }
  const std::string& written = elements.back().value;
  if (written.size() != 4 || !std::all_of(written.begin(), written.end(), is_hex_digit)) {
    return fail("63 (CRC): must be 4 hexadecimal digits, found \"" + written + "\"");
  }
  // The last element is "6304" and 4 ASCII digits, so the CRC covers all but the last 4 bytes.
  const std::string computed = crc_hex(payload.substr(0, payload.size() - 4));
  // EMV writes upper case; a reader accepts lower case too, as the value is the same.
  const bool same = std::equal(computed.begin(), computed.end(), written.begin(), [](char ours, char theirs) {
    return ours == (theirs >= 'a' && theirs <= 'f' ? static_cast<char>(theirs - 'a' + 'A') : theirs);
  });
  if (!same) return fail("63 (CRC): payload says " + written + ", computed " + computed);
  return {};
}

// Decodes each template's value into its children; a template that does not decode rejects the payload.
Result<void, std::string> decode_templates(std::vector<TlvElement>& elements) {
  for (auto& element : elements) {
    if (!is_template_id(element.id)) continue;
    auto children = decode_tlv(element.value);
    if (!children) return fail("template " + element.id + ": " + children.error());
    if (auto unique = check_unique_ids(children.value(), "template " + element.id); !unique) {
      return fail(unique.error());
    }
    element.children = std::move(children).value();
  }
  return {};
}

}  // namespace

std::optional<std::size_t> count_characters(std::string_view utf8) {
  std::size_t characters = 0;
  for (std::size_t offset = 0; offset < utf8.size(); ++characters) {
    const std::size_t bytes = utf8_sequence_bytes(utf8.substr(offset));
    if (bytes == 0) return std::nullopt;
    offset += bytes;
  }
  return characters;
}

bool is_template_id(std::string_view id) {
  if (id.size() != 2 || !is_digits(id)) return false;
  const int number = (id[0] - '0') * 10 + (id[1] - '0');
  return (number >= 26 && number <= 51) || number == 62 || number == 64 || number >= 80;
}

std::string encode_tlv(std::string_view id, std::string_view value) {
  const std::optional<std::size_t> characters = count_characters(value);
  assert(id.size() == 2 && is_digits(id));
  assert(characters.has_value() && *characters >= 1 && *characters <= tlv_value_characters_max);
  const std::size_t length = characters.value_or(0);
  std::string element(id);
  element += static_cast<char>('0' + length / 10);
  element += static_cast<char>('0' + length % 10);
  element += value;
  return element;
}

std::string append_crc(std::string payload) {
  payload += "6304";
  payload += crc_hex(payload);
  return payload;
}

Result<std::vector<TlvElement>, std::string> decode_tlv(std::string_view data) {
  if (!count_characters(data)) return fail(std::string("not valid UTF-8"));
  std::vector<TlvElement> elements;
  std::size_t offset = 0;
  while (offset < data.size()) {
    const std::string_view rest = data.substr(offset);
    if (rest.size() < 4) {
      return fail(at_byte(offset) + "truncated element \"" + std::string(rest) +
                  "\" (an id and a length take 4)");
    }
    const std::string_view id = rest.substr(0, 2);
    const std::string_view length = rest.substr(2, 2);
    if (!is_digits(id)) return fail(at_byte(offset) + "id \"" + std::string(id) + "\" is not 2 digits");
    if (!is_digits(length)) {
      return fail(at_byte(offset) + "length \"" + std::string(length) + "\" of " + std::string(id) +
                  " is not 2 digits");
    }
    const std::size_t characters = static_cast<std::size_t>((length[0] - '0') * 10 + (length[1] - '0'));
    if (characters == 0) return fail(at_byte(offset) + "length of " + std::string(id) + " is 00");
    const std::optional<std::size_t> value_bytes = bytes_of_characters(rest.substr(4), characters);
    if (!value_bytes) {
      return fail(at_byte(offset) + "length " + std::string(length) + " of " + std::string(id) +
                  " runs past the end");
    }
    elements.push_back({std::string(id), std::string(rest.substr(4, *value_bytes)), {}});
    offset += 4 + *value_bytes;
  }
  return elements;
}

Result<std::vector<TlvElement>, std::string> parse_mpm(std::string_view payload) {
  const std::optional<std::size_t> characters = count_characters(payload);
  if (!characters) return fail(std::string("payload: not valid UTF-8"));
  if (*characters > mpm_payload_characters_max) {
    return fail("payload: " + std::to_string(*characters) + " characters, at most " +
                std::to_string(mpm_payload_characters_max));
  }
  auto decoded = decode_tlv(payload);
  if (!decoded) return fail("payload: " + decoded.error());
  std::vector<TlvElement> elements = std::move(decoded).value();
  if (elements.empty() || elements.front().id != "00") {
    return fail(std::string("00 (payload format indicator): must be the first element"));
  }
  if (auto crc = check_crc(payload, elements); !crc) return fail(crc.error());
  if (auto unique = check_unique_ids(elements, "payload"); !unique) return fail(unique.error());
  for (const std::string_view id : {"52", "53", "58", "59", "60"}) {
    if (find_element(elements, id) == nullptr) return fail(std::string(id) + ": missing");
  }
  if (elements.front().value != "01") {
    return fail("00 (payload format indicator): must be \"01\", found \"" + elements.front().value + "\"");
  }
  if (auto templates = decode_templates(elements); !templates) return fail(templates.error());
  return elements;
}

const TlvElement* find_element(std::span<const TlvElement> elements, std::string_view id) {
  const auto found = std::find_if(elements.begin(), elements.end(),
                                  [id](const TlvElement& element) { return element.id == id; });
  return found == elements.end() ? nullptr : &*found;
}

}  // namespace kessai::qr
