#pragma once
// Time and randomness are injected, so tests replay exactly.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>

namespace kessai::engine {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
  // A pause inside a request (asking a processor again after a lost answer). kessaid's clock pauses a
  // request fiber without holding its thread (runtime/fibers.hpp).
  virtual void sleep_for(std::chrono::milliseconds delay) const { std::this_thread::sleep_for(delay); }
};

class SystemClock : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
};

inline constexpr std::size_t kIdRandomChars = 24;

// "pi_" + 24 base-62 characters (~143 bits), URL-safe. Unseeded, the characters come from the kernel's
// CSPRNG (getrandom), so ids are unguessable; seeded, they come from a PRNG so tests replay exactly.
class IdGenerator {
 public:
  explicit IdGenerator(std::uint64_t seed = 0);
  std::string next(std::string_view prefix);

 private:
  std::mutex mutex_;
  bool seeded_;
  std::mt19937_64 engine_;
};

// ISO 8601 UTC with seconds: "2026-11-21T13:05:09Z".
std::string format_utc(std::chrono::system_clock::time_point time);

}  // namespace kessai::engine
