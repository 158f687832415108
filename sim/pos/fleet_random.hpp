#pragma once
// Randomness of the terminal fleet simulator, reproducible from --seed on every platform: the engine is
// std::mt19937_64 (its sequence is fixed by the standard), and the draws below are our own arithmetic
// rather than std::uniform_*_distribution, whose results differ between standard libraries.

#include <cassert>
#include <cstdint>
#include <random>
#include <string_view>

namespace kessai::sim::pos {

// FNV-1a, 64 bits: names (terminal ids, fee codes) into seeds, the same on every platform.
constexpr std::uint64_t fnv1a_64(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

// SplitMix64's finaliser: mixes a few numbers into one well-spread 64-bit value.
constexpr std::uint64_t mix_64(std::uint64_t value) {
  value += 0x9e3779b97f4a7c15ull;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
  return value ^ (value >> 31);
}

class DrawRandom {
 public:
  explicit DrawRandom(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t next() { return engine_(); }

  // 0 .. bound-1; bound > 0. The modulo bias (below 2^-40 for our bounds) does not matter here.
  std::uint64_t below(std::uint64_t bound) {
    assert(bound > 0);
    return engine_() % bound;
  }

  // True with probability `share` (0..1); draws a number even when share is 0 or 1, so a rate changed
  // from 0 to 0.1 does not shift every draw after it.
  bool chance(double share) {
    const double roll = static_cast<double>(engine_() >> 11) * 0x1.0p-53;  // [0, 1)
    return roll < share;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace kessai::sim::pos
