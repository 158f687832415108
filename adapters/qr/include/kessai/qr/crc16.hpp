#pragma once
// CRC-16/CCITT-FALSE, the checksum of an EMV merchant-presented QR payload (tag 63): polynomial 0x1021,
// initial value 0xFFFF, no reflection, no final xor. Check value: "123456789" → 0x29B1.

#include <cstdint>
#include <string_view>

namespace kessai::qr {

constexpr std::uint16_t crc16_ccitt_false(std::string_view data) {
  std::uint16_t crc = 0xFFFF;
  for (const char character : data) {
    crc = static_cast<std::uint16_t>(crc ^ (static_cast<unsigned char>(character) << 8));
    for (int bit = 0; bit < 8; ++bit) {
      const bool top_bit_set = (crc & 0x8000) != 0;
      crc = static_cast<std::uint16_t>(crc << 1);
      if (top_bit_set) crc = static_cast<std::uint16_t>(crc ^ 0x1021);
    }
  }
  return crc;
}

}  // namespace kessai::qr
