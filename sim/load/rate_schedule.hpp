#pragma once
// The open loop's timetable. Request i of a run (0, 1, 2, …) is due floor(i × 10^9 / rate) ns after the
// run's start, whatever became of the requests before it: a stall in kessaid delays the answers, never
// the timetable, so the latency measured from the due time shows the stall (no coordinated omission).
// With T I/O threads, thread t takes requests t, t+T, t+2T, …; its k-th request is i = t + k × T.
// Exact integer arithmetic, no drift over a long run. Pure.

#include <cstdint>

namespace kessai::sim::load {

constexpr std::uint64_t kRatePerSecondMax = 1'000'000;

class RateSchedule {
 public:
  // 1 ≤ rate_per_s ≤ kRatePerSecondMax; stride ≥ 1 (the threads), first < stride (this thread).
  explicit RateSchedule(std::uint64_t rate_per_s, std::uint64_t stride = 1, std::uint64_t first = 0);

  // The run's request number of this thread's k-th request.
  std::uint64_t request_of(std::uint64_t k) const { return first_ + k * stride_; }
  // When this thread's k-th request is due, in ns after the start.
  std::int64_t due_ns(std::uint64_t k) const;
  // How many of this thread's requests are due at or before elapsed_ns after the start (0 before it).
  std::uint64_t due_by(std::int64_t elapsed_ns) const;
  // How many of this thread's requests are due before end_ns: those of a run that lasts end_ns.
  std::uint64_t due_before(std::int64_t end_ns) const { return end_ns <= 0 ? 0 : due_by(end_ns - 1); }

 private:
  std::uint64_t rate_per_s_;
  std::uint64_t stride_;
  std::uint64_t first_;
};

}  // namespace kessai::sim::load
