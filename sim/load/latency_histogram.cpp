#include "latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>

namespace kessai::sim::load {

std::size_t LatencyHistogram::bucket_of(std::uint64_t value_us) {
  const std::uint64_t value = std::min(value_us, kTrackableUsMax);
  if (value < kLinearBuckets) return static_cast<std::size_t>(value);
  // value lies in [2^power, 2^(power+1)); its top 8 bits pick one of 128 buckets of that power.
  const unsigned power = static_cast<unsigned>(std::bit_width(value)) - 1;
  const unsigned shift = power - (kLinearBits - 1);
  const std::uint64_t top = value >> shift;  // 128..255
  return kLinearBuckets + (power - kLinearBits) * kBucketsPerPower + static_cast<std::size_t>(top) -
         kBucketsPerPower;
}

std::uint64_t LatencyHistogram::bucket_low_us(std::size_t bucket) {
  assert(bucket < kBucketCount);
  if (bucket < kLinearBuckets) return bucket;
  const std::size_t above = bucket - kLinearBuckets;
  const unsigned shift = static_cast<unsigned>(above / kBucketsPerPower) + 1;
  return (kBucketsPerPower + above % kBucketsPerPower) << shift;
}

std::uint64_t LatencyHistogram::bucket_high_us(std::size_t bucket) {
  assert(bucket < kBucketCount);
  if (bucket < kLinearBuckets) return bucket;
  const unsigned shift = static_cast<unsigned>((bucket - kLinearBuckets) / kBucketsPerPower) + 1;
  return bucket_low_us(bucket) + (std::uint64_t{1} << shift) - 1;
}

void LatencyHistogram::record(std::uint64_t value_us) {
  ++counts_[bucket_of(value_us)];
  ++count_;
  sum_us_ += value_us;
  min_us_ = std::min(min_us_, value_us);
  max_us_ = std::max(max_us_, value_us);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_us_ += other.sum_us_;
  min_us_ = std::min(min_us_, other.min_us_);
  max_us_ = std::max(max_us_, other.max_us_);
}

double LatencyHistogram::mean_us() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_us_) / static_cast<double>(count_);
}

std::uint64_t nearest_rank(double percentile, std::uint64_t count) {
  // The small allowance keeps 99.9 % of 1000 at rank 999 although 99.9 / 100 × 1000 is 999.0000000001.
  const double rank = std::ceil(percentile / 100.0 * static_cast<double>(count) - 1e-9);
  if (!(rank >= 1.0)) return 1;
  return std::min(count, static_cast<std::uint64_t>(rank));
}

std::uint64_t LatencyHistogram::percentile_us(double percentile) const {
  if (count_ == 0) return 0;
  const std::uint64_t rank = nearest_rank(percentile, count_);
  std::uint64_t seen = 0;
  for (std::size_t bucket = 0; bucket < kBucketCount; ++bucket) {
    seen += counts_[bucket];
    if (seen < rank) continue;
    const std::uint64_t middle = bucket_low_us(bucket) + (bucket_high_us(bucket) - bucket_low_us(bucket)) / 2;
    return std::clamp(middle, min_us_, max_us_);
  }
  return max_us_;  // unreachable: the counts add up to count_
}

}  // namespace kessai::sim::load
