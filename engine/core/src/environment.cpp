#include "kessai/engine/environment.hpp"

#include <sys/random.h>

#include <array>
#include <cassert>

#include <date/date.h>

namespace kessai::engine {

namespace {
constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
}

IdGenerator::IdGenerator(std::uint64_t seed) : seeded_(seed != 0), engine_(seed) {}

std::string IdGenerator::next(std::string_view prefix) {
  std::string id(prefix);
  id.push_back('_');
  if (!seeded_) {
    // Rejection sampling keeps the characters uniform: 248 is the largest multiple of 62 below 256.
    while (id.size() < prefix.size() + 1 + kIdRandomChars) {
      std::array<unsigned char, 32> bytes;
      const ssize_t got = getrandom(bytes.data(), bytes.size(), 0);
      assert(got == static_cast<ssize_t>(bytes.size()) && "getrandom never fails for 32 bytes");
      for (ssize_t i = 0; i < got && id.size() < prefix.size() + 1 + kIdRandomChars; ++i) {
        if (bytes[i] < 248) id.push_back(kBase62[bytes[i] % kBase62.size()]);
      }
    }
    return id;
  }
  std::lock_guard lock(mutex_);
  std::uniform_int_distribution<std::size_t> pick(0, kBase62.size() - 1);
  for (std::size_t i = 0; i < kIdRandomChars; ++i) id.push_back(kBase62[pick(engine_)]);
  return id;
}

std::string format_utc(std::chrono::system_clock::time_point time) {
  return date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(time));
}

}  // namespace kessai::engine
