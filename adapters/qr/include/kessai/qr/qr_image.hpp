#pragma once
// A payload as a QR symbol (error correction level M, 8-bit mode) with a 4-module quiet zone, as PNG or
// SVG. Uses libqrencode, but only in the .cpp: this header is plain C++.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kessai/result.hpp"

namespace kessai::qr {

inline constexpr int quiet_zone_modules = 4;
inline constexpr int module_pixels_max = 16;               // a version-40 symbol is then 2,960 pixels wide
inline constexpr std::size_t qr_payload_bytes_max = 2331;  // version 40, level M, 8-bit mode

// The symbol without its quiet zone: `width` × `width` modules, row by row, true for dark.
struct QrModules {
  int width = 0;
  std::vector<bool> dark;
};

// Refuses an empty payload, one with a NUL byte, and one too long for a QR symbol.
Result<QrModules, std::string> encode_qr_modules(std::string_view payload);

// An 8-bit grayscale PNG, (width + 8) × module_pixels square. module_pixels: 1 to 16.
Result<std::vector<unsigned char>, std::string> render_qr_png(std::string_view payload, int module_pixels);

// An SVG document of the same size in pixels (one path of dark modules on a white square).
Result<std::string, std::string> render_qr_svg(std::string_view payload, int module_pixels);

// The PNG writer, exposed for tests. CRC-32 (ISO-HDLC, as PNG chunks use) and Adler-32 (as zlib uses).
std::uint32_t crc32_iso_hdlc(std::span<const unsigned char> data);
std::uint32_t adler32(std::span<const unsigned char> data);
// One byte per pixel, row by row (0 black, 255 white); the zlib stream uses stored (uncompressed)
// blocks, which keeps the writer short; a QR image compresses well, but its size is not a concern here.
std::vector<unsigned char> encode_png_gray8(std::uint32_t width, std::uint32_t height,
                                            std::span<const unsigned char> pixels);

}  // namespace kessai::qr
