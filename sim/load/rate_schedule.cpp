#include "rate_schedule.hpp"

#include <cassert>

namespace kessai::sim::load {

namespace {

constexpr std::uint64_t kNanosecondsPerSecond = 1'000'000'000;

}  // namespace

RateSchedule::RateSchedule(std::uint64_t rate_per_s, std::uint64_t stride, std::uint64_t first)
    : rate_per_s_(rate_per_s), stride_(stride), first_(first) {
  assert(rate_per_s >= 1 && rate_per_s <= kRatePerSecondMax);
  assert(stride >= 1 && first < stride);
}

std::int64_t RateSchedule::due_ns(std::uint64_t k) const {
  // i = q × rate + r, so floor(i × 10^9 / rate) = q × 10^9 + floor(r × 10^9 / rate), without overflow.
  const std::uint64_t request = request_of(k);
  const std::uint64_t whole_seconds = request / rate_per_s_;
  const std::uint64_t rest = request % rate_per_s_;
  return static_cast<std::int64_t>(whole_seconds * kNanosecondsPerSecond +
                                   rest * kNanosecondsPerSecond / rate_per_s_);
}

std::uint64_t RateSchedule::due_by(std::int64_t elapsed_ns) const {
  if (elapsed_ns < 0) return 0;
  // Request i is due by e when floor(i × 10^9 / rate) ≤ e, that is when i < (e + 1) × rate / 10^9: the
  // run has ceil((e + 1) × rate / 10^9) requests due, split below as for due_ns.
  const std::uint64_t after = static_cast<std::uint64_t>(elapsed_ns) + 1;
  const std::uint64_t whole_seconds = after / kNanosecondsPerSecond;
  const std::uint64_t rest = after % kNanosecondsPerSecond;
  const std::uint64_t due_in_run =
      whole_seconds * rate_per_s_ + (rest * rate_per_s_ + kNanosecondsPerSecond - 1) / kNanosecondsPerSecond;
  if (due_in_run <= first_) return 0;
  return (due_in_run - first_ - 1) / stride_ + 1;
}

}  // namespace kessai::sim::load
