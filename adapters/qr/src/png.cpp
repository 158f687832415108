// A minimal PNG writer: 8-bit grayscale, no filtering, zlib stream of stored (uncompressed) deflate
// blocks. PNG (RFC 2083 / ISO 15948), zlib (RFC 1950) and deflate stored blocks (RFC 1951 §3.2.4).

#include <algorithm>
#include <array>
#include <cassert>
#include <string_view>

#include "kessai/qr/qr_image.hpp"

namespace kessai::qr {
namespace {

constexpr std::size_t stored_block_bytes_max = 65'535;  // LEN is 16 bits

constexpr std::array<std::uint32_t, 256> make_crc32_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t index = 0; index < 256; ++index) {
    std::uint32_t crc = index;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    table[index] = crc;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> crc32_table = make_crc32_table();

void append_u32_big_endian(std::vector<unsigned char>& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<unsigned char>(value >> shift));
}

void append_u16_little_endian(std::vector<unsigned char>& out, std::uint32_t value) {
  out.push_back(static_cast<unsigned char>(value & 0xFF));
  out.push_back(static_cast<unsigned char>((value >> 8) & 0xFF));
}

// length, type, data, CRC-32 of type and data.
void append_chunk(std::vector<unsigned char>& png, std::string_view type,
                  std::span<const unsigned char> data) {
  assert(type.size() == 4);
  append_u32_big_endian(png, static_cast<std::uint32_t>(data.size()));
  const std::size_t type_offset = png.size();
  png.insert(png.end(), type.begin(), type.end());
  png.insert(png.end(), data.begin(), data.end());
  append_u32_big_endian(png, crc32_iso_hdlc(std::span(png).subspan(type_offset)));
}

// A zlib stream holding `raw` in stored deflate blocks.
std::vector<unsigned char> zlib_stored(std::span<const unsigned char> raw) {
  std::vector<unsigned char> stream = {0x78, 0x01};  // deflate, 32K window, no dictionary; 0x7801 % 31 == 0
  std::size_t offset = 0;
  do {
    const std::size_t block_bytes = std::min(stored_block_bytes_max, raw.size() - offset);
    const bool final_block = offset + block_bytes == raw.size();
    stream.push_back(final_block ? 1 : 0);  // BFINAL, BTYPE 00 (stored)
    append_u16_little_endian(stream, static_cast<std::uint32_t>(block_bytes));
    append_u16_little_endian(stream, static_cast<std::uint32_t>(~block_bytes & 0xFFFF));
    const auto block = raw.subspan(offset, block_bytes);
    stream.insert(stream.end(), block.begin(), block.end());
    offset += block_bytes;
  } while (offset < raw.size());
  append_u32_big_endian(stream, adler32(raw));
  return stream;
}

}  // namespace

std::uint32_t crc32_iso_hdlc(std::span<const unsigned char> data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const unsigned char byte : data) crc = crc32_table[(crc ^ byte) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

std::uint32_t adler32(std::span<const unsigned char> data) {
  constexpr std::uint32_t modulus = 65'521;
  std::uint32_t low = 1;
  std::uint32_t high = 0;
  for (const unsigned char byte : data) {
    low = (low + byte) % modulus;
    high = (high + low) % modulus;
  }
  return (high << 16) | low;
}

std::vector<unsigned char> encode_png_gray8(std::uint32_t width, std::uint32_t height,
                                            std::span<const unsigned char> pixels) {
  assert(width >= 1 && height >= 1);
  assert(pixels.size() == std::size_t{width} * height);
  // Each scanline is a filter-type byte (0: none) and then its pixels.
  std::vector<unsigned char> scanlines;
  scanlines.reserve(std::size_t{height} * (width + 1));
  for (std::size_t row = 0; row < height; ++row) {
    scanlines.push_back(0);
    const auto line = pixels.subspan(row * width, width);
    scanlines.insert(scanlines.end(), line.begin(), line.end());
  }
  std::vector<unsigned char> header;
  append_u32_big_endian(header, width);
  append_u32_big_endian(header, height);
  // bit depth 8, colour type 0 (grayscale), compression 0, filter 0, interlace 0
  header.insert(header.end(), {8, 0, 0, 0, 0});

  std::vector<unsigned char> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  append_chunk(png, "IHDR", header);
  append_chunk(png, "IDAT", zlib_stored(scanlines));
  append_chunk(png, "IEND", {});
  return png;
}

}  // namespace kessai::qr
