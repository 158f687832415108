#include "kessai/runtime/shift_jis.hpp"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace kessai::runtime {

namespace {

// An iconv descriptor, closed when it goes.
class Converter {
 public:
  Converter(const char* to, const char* from) : descriptor_(iconv_open(to, from)) {}
  ~Converter() {
    if (ok()) iconv_close(descriptor_);
  }
  Converter(const Converter&) = delete;
  Converter& operator=(const Converter&) = delete;
  bool ok() const { return descriptor_ != reinterpret_cast<iconv_t>(-1); }
  iconv_t get() const { return descriptor_; }

 private:
  iconv_t descriptor_;
};

// The character starting at `offset` of UTF-8 text, for an error message (its bytes in hex when they
// are not UTF-8).
std::string character_at(std::string_view text, std::size_t offset) {
  const auto lead = static_cast<unsigned char>(text[offset]);
  const std::size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
  if (length > 1 && offset + length <= text.size())
    return "'" + std::string(text.substr(offset, length)) + "'";
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", lead);
  return std::string("byte ") + hex;
}

// Text from one encoding to another; `what` names the target in errors ("Shift_JIS").
Result<std::string, std::string> convert(std::string_view text, const char* to, const char* from,
                                         std::string_view what) {
  const Converter converter(to, from);
  if (!converter.ok()) {
    return fail("iconv cannot convert " + std::string(from) + " to " + to + ": " + std::strerror(errno));
  }
  std::string out;
  // UTF-8 takes at most three bytes for one Shift_JIS byte (a half-width kana), Shift_JIS never more
  // than UTF-8: room enough either way, and the loop grows it anyway should it ever not be.
  out.resize(text.size() * 3 + 16);
  std::string input(text);  // iconv wants a mutable char*
  char* in_next = input.data();
  std::size_t in_left = input.size();
  char* out_next = out.data();
  std::size_t out_left = out.size();
  while (in_left > 0) {
    if (iconv(converter.get(), &in_next, &in_left, &out_next, &out_left) != static_cast<std::size_t>(-1)) {
      continue;
    }
    const std::size_t offset = static_cast<std::size_t>(in_next - input.data());
    if (errno == E2BIG) {
      const std::size_t used = static_cast<std::size_t>(out_next - out.data());
      out.resize(out.size() * 2);
      out_next = out.data() + used;
      out_left = out.size() - used;
      continue;
    }
    if (errno == EINVAL) return fail("text ends inside a character at byte " + std::to_string(offset));
    return fail(character_at(text, offset) + " at byte " + std::to_string(offset) + " has no " +
                std::string(what) + " form");
  }
  out.resize(out.size() - out_left);
  return out;
}

}  // namespace

bool is_ascii(std::string_view text) {
  return std::ranges::all_of(text, [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

Result<std::string, std::string> utf8_to_shift_jis(std::string_view utf8) {
  if (is_ascii(utf8)) return std::string(utf8);
  return convert(utf8, "CP932", "UTF-8", "Shift_JIS");
}

Result<std::string, std::string> shift_jis_to_utf8(std::string_view shift_jis) {
  if (is_ascii(shift_jis)) return std::string(shift_jis);
  return convert(shift_jis, "UTF-8", "CP932", "UTF-8");
}

bool is_halfwidth_katakana_text(std::string_view utf8) {
  for (std::size_t i = 0; i < utf8.size();) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    if (lead >= 0x20 && lead <= 0x7E) {
      ++i;
      continue;
    }
    // U+FF61–U+FF9F is EF BD A1–BF and EF BE 80–9F in UTF-8.
    if (lead != 0xEF || i + 3 > utf8.size()) return false;
    const auto second = static_cast<unsigned char>(utf8[i + 1]);
    const auto third = static_cast<unsigned char>(utf8[i + 2]);
    const bool kana = (second == 0xBD && third >= 0xA1 && third <= 0xBF) ||
                      (second == 0xBE && third >= 0x80 && third <= 0x9F);
    if (!kana) return false;
    i += 3;
  }
  return true;
}

}  // namespace kessai::runtime
