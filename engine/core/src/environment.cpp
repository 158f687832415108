#include "kessai/engine/environment.hpp"

#include <date/date.h>

namespace kessai::engine {

namespace {
constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
}

IdGenerator::IdGenerator(std::uint64_t seed) : engine_(seed != 0 ? seed : std::random_device{}()) {
  if (seed == 0) {
    // random_device gives 32 bits a call; mix in more so ids do not collide across restarts.
    std::random_device device;
    std::seed_seq sequence{device(), device(), device(), device(), device(), device(), device(), device()};
    engine_.seed(sequence);
  }
}

std::string IdGenerator::next(std::string_view prefix) {
  std::string id(prefix);
  id.push_back('_');
  std::lock_guard lock(mutex_);
  std::uniform_int_distribution<std::size_t> pick(0, kBase62.size() - 1);
  for (std::size_t i = 0; i < kIdRandomChars; ++i) id.push_back(kBase62[pick(engine_)]);
  return id;
}

std::string format_utc(std::chrono::system_clock::time_point time) {
  return date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(time));
}

}  // namespace kessai::engine
