#pragma once
// Latencies in microseconds, kept in log-linear buckets the way HdrHistogram keeps them: below 256 µs one
// bucket per microsecond; above, each power of two is cut into 128 equal buckets, so a bucket is at most
// 1/128 of its lowest value wide and a percentile read from it (its midpoint) is within 0.4 % of the
// sample it stands for. Fixed memory (3,840 counters, 30 KB) whatever the number of samples; a value
// above kTrackableUsMax counts in the last bucket, while min, max and mean stay exact. Pure.

#include <array>
#include <cstddef>
#include <cstdint>

namespace kessai::sim::load {

class LatencyHistogram {
 public:
  static constexpr unsigned kLinearBits = 8;      // 0..255 µs one by one
  static constexpr unsigned kTrackableBits = 36;  // up to 2^36 µs, 19 hours
  static constexpr std::uint64_t kTrackableUsMax = (std::uint64_t{1} << kTrackableBits) - 1;
  static constexpr std::size_t kLinearBuckets = std::size_t{1} << kLinearBits;
  static constexpr std::size_t kBucketsPerPower = kLinearBuckets / 2;  // 128
  static constexpr std::size_t kBucketCount =
      kLinearBuckets + (kTrackableBits - kLinearBits) * kBucketsPerPower;

  void record(std::uint64_t value_us);
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min_us() const { return count_ == 0 ? 0 : min_us_; }
  std::uint64_t max_us() const { return max_us_; }
  double mean_us() const;
  // The nearest-rank percentile: the value at or below which `percentile` % of the samples lie
  // (0 < percentile ≤ 100), within a bucket's precision and never outside [min, max]; 0 when empty.
  std::uint64_t percentile_us(double percentile) const;

  // The bucket a value counts in, and the lowest and highest values that bucket holds.
  static std::size_t bucket_of(std::uint64_t value_us);
  static std::uint64_t bucket_low_us(std::size_t bucket);
  static std::uint64_t bucket_high_us(std::size_t bucket);

 private:
  std::array<std::uint64_t, kBucketCount> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_us_ = 0;  // 2^64 µs is 584,000 years of summed latency: no overflow in practice
  std::uint64_t min_us_ = UINT64_MAX;
  std::uint64_t max_us_ = 0;
};

// The nearest rank of `percentile` % among `count` samples: ceil(percentile / 100 × count), at least 1.
std::uint64_t nearest_rank(double percentile, std::uint64_t count);

}  // namespace kessai::sim::load
