#pragma once
// Fault injection shared by the simulators: each request that changes something can, by chance and
// reproducibly from a seed, fail before it is processed (HTTP 503), be processed but answered too late
// (the caller times out), or be processed with the answer lost (the connection drops).

#include <cstdint>
#include <mutex>
#include <random>

namespace kessai::sim {

// Stable numbers; never renumber.
enum class Fault : std::uint8_t {
  none = 0,
  unavailable = 1,    // 503 before processing: nothing happened
  slow_answer = 2,    // processed, answered after the caller's timeout
  lost_response = 3,  // processed, connection closed without an answer
};

struct FaultRates {
  double unavailable = 0.0;
  double slow_answer = 0.0;
  double lost_response = 0.0;
  int slow_answer_ms = 15'000;
};

class FaultPlan {
 public:
  FaultPlan(FaultRates rates, std::uint64_t seed) : rates_(rates), random_(seed ^ 0x6661756c74ull) {}
  const FaultRates& rates() const { return rates_; }
  Fault next() {
    std::lock_guard lock(mutex_);
    std::uniform_real_distribution<double> roll(0.0, 1.0);
    const double value = roll(random_);
    if (value < rates_.unavailable) return Fault::unavailable;
    if (value < rates_.unavailable + rates_.slow_answer) return Fault::slow_answer;
    if (value < rates_.unavailable + rates_.slow_answer + rates_.lost_response) return Fault::lost_response;
    return Fault::none;
  }

 private:
  FaultRates rates_;
  std::mutex mutex_;
  std::mt19937_64 random_;
};

}  // namespace kessai::sim
