#pragma once
// EMV merchant-presented QR (MPM) payloads: a flat list of elements, each a 2-digit id, a 2-digit length
// and a value. Pure: no I/O. JPQR-specific rules live in jpqr.hpp.
//
// What "length" means: EMV counts characters, not bytes. Every value is ASCII except the language
// template (64), whose values are UTF-8 (a Japanese merchant name); kessai counts Unicode code points
// there, and, to keep one rule, everywhere (for ASCII a code point is a byte). A template's length counts
// the characters of its encoded sub-elements. A value holds 1 to 99 characters.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kessai/result.hpp"

namespace kessai::qr {

inline constexpr std::size_t tlv_value_characters_max = 99;     // two length digits
inline constexpr std::size_t mpm_payload_characters_max = 512;  // EMV MPM: a payload is at most 512

struct TlvElement {
  std::string id;     // two digits, "00" to "99"
  std::string value;  // UTF-8; a template's value is its encoded sub-elements
  // A template's sub-elements (ids 26-51, 62, 64 and 80-99 at the top level), decoded by parse_mpm;
  // empty for a primitive. Sub-elements are not decoded further.
  std::vector<TlvElement> children;
};

// Unicode code points in UTF-8 text; nullopt when it is not valid UTF-8 (overlong forms and
// surrogates are invalid).
std::optional<std::size_t> count_characters(std::string_view utf8);

// Whether a top-level id holds a template: merchant account information (26-51), additional data
// (62), language template (64), unreserved templates (80-99).
bool is_template_id(std::string_view id);

// id + length + value. The caller validates first: a bad id or a value that is not 1-99 characters of
// UTF-8 is a programmer error (asserted).
std::string encode_tlv(std::string_view id, std::string_view value);

// Appends the CRC element: "6304" and the CRC-16/CCITT-FALSE of everything before it and "6304"
// itself, as 4 upper-case hex digits.
std::string append_crc(std::string payload);

// One level of elements, in order (children left empty). Rejects data that is not UTF-8, a tail too
// short for an id and a length, a non-digit id or length, a length of 00 and a value running past the
// end.
Result<std::vector<TlvElement>, std::string> decode_tlv(std::string_view data);

// A whole payload, checked as EMV requires: at most 512 characters; 00 first with value "01"; 63 last,
// 4 hex digits matching the CRC; no id twice (at the top level or inside a template); 00, 52, 53, 58,
// 59, 60 and 63 present; every template decodes. Other tags may come in any order.
Result<std::vector<TlvElement>, std::string> parse_mpm(std::string_view payload);

// The element with this id, or nullptr.
const TlvElement* find_element(std::span<const TlvElement> elements, std::string_view id);

}  // namespace kessai::qr
