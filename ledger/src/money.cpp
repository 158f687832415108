#include "kessai/money.hpp"

#include <cstdint>
#include <string>

#include "kessai/identifier.hpp"

namespace kessai {

std::string format_yen(Yen amount) {
  const std::int64_t value = amount.value();
  // Work on the magnitude as unsigned so INT64_MIN formats correctly.
  std::uint64_t magnitude =
      value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  std::string digits = std::to_string(magnitude);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3 + 1);
  if (value < 0) out.push_back('-');
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

bool is_valid_identifier(std::string_view text) {
  if (text.empty() || text.size() > kIdentifierBytesMax) return false;
  for (char c : text) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace kessai
