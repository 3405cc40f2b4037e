// HdrHistogram: a High Dynamic Range histogram of non-negative integer values (latencies in
// nanoseconds), log-linear buckets with a fixed number of significant decimal digits, the layout
// HdrHistogram uses, so a histogram encoded here (results/hdr_encoding.h) decodes in HdrHistogram's
// own tools and back.
//
// Layout: values are grouped into buckets by power of two; each bucket holds
// `sub_bucket_half_count` linear sub-buckets (the first bucket holds twice as many), wide enough
// that any value is represented within 10^-digits relative error. Default range: 1 ns .. 1 hour at
// 3 significant digits (33,792 counters, 264 KiB).
//
// Ownership and threads: a HdrHistogram is a plain value with no internal locking. One thread
// records into it; merging (Add) and reading need the caller to keep writers away
// (harness/latency_recorder.h gives each writer thread its own and swaps them for a collector).
//
// Promises: Record() never allocates and never fails: values below 0 are recorded as 0 and values
// above highest() as highest(), both counted in clamped(). ValueAtPercentile(), Mean() follow
// HdrHistogram's definitions (highest equivalent value at the count that reaches the percentile;
// median-equivalent mean), so they agree with HdrHistogram's Java implementation on the same
// counts.
#pragma once

#include <cstdint>
#include <vector>

#include "core/base/result.h"

namespace kbench::results {

struct HdrHistogramOptions {
  int64_t lowest = 1;                   // lowest discernible value (>= 1)
  int64_t highest = 3'600'000'000'000;  // highest trackable value (>= 2 * lowest): 1 h in ns
  int32_t significant_digits = 3;       // 1..5
};

class HdrHistogram {
 public:
  // The default: 1 ns .. 1 h, 3 significant digits.
  HdrHistogram();
  // Fails with InvalidArgument on an impossible range or digit count.
  static Result<HdrHistogram> Create(const HdrHistogramOptions& options);

  // Records one value (or `count` of it). Inline and allocation-free: the harness's hot path.
  void Record(int64_t value) { RecordN(value, 1); }
  void RecordN(int64_t value, int64_t count) {
    if (value < 0 || value > highest_) [[unlikely]] {
      value = value < 0 ? 0 : highest_;
      clamped_ += count;
    }
    counts_[CountsIndex(value)] += count;
    total_count_ += count;
    if (value > max_) max_ = value;
    if (value < min_) min_ = value;
  }

  // Adds every count of `other`. Same layout: a plain element-wise sum. Different layout: each of
  // other's counts is re-recorded at its median-equivalent value. Fails only when other has values
  // above highest().
  Status Add(const HdrHistogram& other);
  // Back to empty (keeps the layout).
  void Reset();

  int64_t TotalCount() const { return total_count_; }
  bool empty() const { return total_count_ == 0; }
  // Exact largest / smallest recorded value (0 when empty). After decoding, the encoded form keeps
  // only bucket counts, so these become the highest / lowest equivalent value of the extreme
  // buckets.
  int64_t Max() const { return total_count_ == 0 ? 0 : max_; }
  int64_t Min() const { return total_count_ == 0 ? 0 : min_; }
  double Mean() const;
  double StdDev() const;
  // percentile in [0, 100]; 0 when empty.
  int64_t ValueAtPercentile(double percentile) const;
  int64_t clamped() const { return clamped_; }

  // Equivalence ranges: all values in [LowestEquivalent(v), HighestEquivalent(v)] share one
  // counter.
  int64_t LowestEquivalent(int64_t value) const;
  int64_t HighestEquivalent(int64_t value) const;
  int64_t MedianEquivalent(int64_t value) const;
  int64_t SizeOfEquivalentRange(int64_t value) const;
  bool ValuesAreEquivalent(int64_t a, int64_t b) const {
    return LowestEquivalent(a) == LowestEquivalent(b);
  }

  int64_t lowest() const { return lowest_; }
  int64_t highest() const { return highest_; }
  int32_t significant_digits() const { return digits_; }

  // Raw counters, for the encoder and decoder: index i holds values equivalent to
  // ValueFromIndex(i).
  int32_t counts_length() const { return static_cast<int32_t>(counts_.size()); }
  int64_t CountAtIndex(int32_t i) const { return counts_[i]; }
  int64_t ValueFromIndex(int32_t index) const;
  int32_t IndexOf(int64_t value) const { return CountsIndex(value); }
  // Sets counter i (decoder); keeps total, min and max consistent. i must be < counts_length().
  void AddCountAtIndex(int32_t i, int64_t count);

 private:
  explicit HdrHistogram(const HdrHistogramOptions& options);
  int32_t CountsIndex(int64_t value) const {
    const int pow2ceiling = 64 - __builtin_clzll(static_cast<uint64_t>(value) | sub_bucket_mask_);
    const int bucket = pow2ceiling - unit_magnitude_ - (sub_bucket_half_count_magnitude_ + 1);
    const int64_t sub_bucket = value >> (bucket + unit_magnitude_);
    return static_cast<int32_t>(((bucket + 1) << sub_bucket_half_count_magnitude_) +
                                (sub_bucket - sub_bucket_half_count_));
  }
  int BucketIndex(int64_t value) const;

  int64_t lowest_;
  int64_t highest_;
  int32_t digits_;
  int unit_magnitude_;
  int sub_bucket_half_count_magnitude_;
  int64_t sub_bucket_count_;
  int64_t sub_bucket_half_count_;
  uint64_t sub_bucket_mask_;
  std::vector<int64_t> counts_;
  int64_t total_count_ = 0;
  int64_t max_ = 0;
  int64_t min_ = INT64_MAX;
  int64_t clamped_ = 0;
};

}  // namespace kbench::results
