#pragma once
// Money in kessai is integer yen: JPY has no minor unit, so one yen is the smallest amount, and
// arithmetic is checked: an overflow is an error result, never undefined behaviour or a wrap.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>

namespace kessai {

class Yen {
 public:
  constexpr Yen() = default;
  constexpr explicit Yen(std::int64_t yen) : yen_(yen) {}

  constexpr std::int64_t value() const { return yen_; }
  constexpr bool is_positive() const { return yen_ > 0; }
  constexpr bool is_zero() const { return yen_ == 0; }

  friend constexpr auto operator<=>(Yen, Yen) = default;

  std::optional<Yen> checked_add(Yen other) const {
    std::int64_t sum = 0;
    if (__builtin_add_overflow(yen_, other.yen_, &sum)) return std::nullopt;
    return Yen(sum);
  }
  std::optional<Yen> checked_sub(Yen other) const {
    std::int64_t difference = 0;
    if (__builtin_sub_overflow(yen_, other.yen_, &difference)) return std::nullopt;
    return Yen(difference);
  }
  std::optional<Yen> checked_negate() const { return Yen(0).checked_sub(*this); }

 private:
  std::int64_t yen_ = 0;
};

// "3,000" or "-1,234,567": thousands separators, no currency sign (reports add their own).
std::string format_yen(Yen amount);

}  // namespace kessai
