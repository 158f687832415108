#pragma once
// The provider's own reading of a merchant-presented code (EMV MPM / JPQR), as the payer's wallet app
// reads it when scanning the code kessai shows: an independent decoder (the simulator never links kessai's
// encoder), so a payload kessai gets wrong is refused here as a real wallet would refuse it. Pure.
//
// TLV: a 2-digit id, a 2-digit length (in characters), the value; templates (26..51, 62, 64) hold TLVs of
// their own. Tag order is not fixed, except that the CRC (63, 4 upper-case hex digits) comes last: a
// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of everything before it, "6304" included.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kessai/result.hpp"

namespace kessai::sim::qr_provider {

// A scanned payload longer than this is refused (an EMV code holds at most 512 characters).
constexpr std::size_t kPayloadBytesMax = 512;
// The merchant account template's sub-tag 00 that makes a code a JPQR one.
constexpr std::string_view kJpqrGloballyUniqueId = "jp.or.paymentsjapan";

std::uint16_t crc16_ccitt_false(std::string_view bytes);
// Four upper-case hex digits.
std::string crc_hex(std::uint16_t crc);

struct TlvElement {
  std::string id;     // two digits
  std::string value;  // `length` characters (UTF-8), as bytes
};

// The elements of one level, in order; an error names the position (in bytes) and what is wrong.
Result<std::vector<TlvElement>, std::string> parse_tlv(std::string_view text);

// What a dynamic JPQR code asks the payer to pay.
struct OrderCode {
  std::int64_t amount_yen = 0;  // tag 54
  std::string order_id;         // tag 62, sub-tag 05 (reference label)
};

// Checks, in this order: the TLV structure, the CRC, 00 = "01", 01 = "12" (dynamic), a merchant account
// template (26..51) with sub-tag 00 = kJpqrGloballyUniqueId, 53 = "392", 54 a whole number of yen, 62
// with sub-tag 05. The error says what is wrong, for a 400 invalid_payload.
Result<OrderCode, std::string> read_order_code(std::string_view payload);

}  // namespace kessai::sim::qr_provider
