#include "results/hdr_histogram.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace kbench::results {
namespace {

Status CheckOptions(const HdrHistogramOptions& o) {
  if (o.lowest < 1) {
    return Status::InvalidArgument(
        fmt::format("histogram lowest value must be >= 1, got {}", o.lowest));
  }
  if (o.highest < 2 * o.lowest) {
    return Status::InvalidArgument(
        fmt::format("histogram highest value {} must be >= 2 x lowest {}", o.highest, o.lowest));
  }
  if (o.significant_digits < 1 || o.significant_digits > 5) {
    return Status::InvalidArgument(
        fmt::format("histogram significant digits must be 1..5, got {}", o.significant_digits));
  }
  return Status::Ok();
}

// How many power-of-two buckets cover [0, highest] given the first bucket's reach.
int BucketsNeeded(int64_t sub_bucket_count, int unit_magnitude, int64_t highest) {
  int64_t smallest_untrackable = sub_bucket_count << unit_magnitude;
  int buckets = 1;
  while (smallest_untrackable <= highest) {
    if (smallest_untrackable > INT64_MAX / 2) return buckets + 1;
    smallest_untrackable <<= 1;
    ++buckets;
  }
  return buckets;
}

}  // namespace

HdrHistogram::HdrHistogram() : HdrHistogram(HdrHistogramOptions{}) {}

Result<HdrHistogram> HdrHistogram::Create(const HdrHistogramOptions& options) {
  KB_RETURN_IF_ERROR(CheckOptions(options));
  return HdrHistogram(options);
}

HdrHistogram::HdrHistogram(const HdrHistogramOptions& o)
    : lowest_(o.lowest), highest_(o.highest), digits_(o.significant_digits) {
  int64_t single_unit_resolution_limit = 2;
  for (int i = 0; i < digits_; ++i) single_unit_resolution_limit *= 10;
  const int sub_bucket_count_magnitude =
      static_cast<int>(std::ceil(std::log2(static_cast<double>(single_unit_resolution_limit))));
  sub_bucket_half_count_magnitude_ = std::max(sub_bucket_count_magnitude, 1) - 1;
  unit_magnitude_ = 63 - __builtin_clzll(static_cast<uint64_t>(lowest_));
  sub_bucket_count_ = int64_t{1} << (sub_bucket_half_count_magnitude_ + 1);
  sub_bucket_half_count_ = sub_bucket_count_ / 2;
  sub_bucket_mask_ = static_cast<uint64_t>(sub_bucket_count_ - 1) << unit_magnitude_;
  const int buckets = BucketsNeeded(sub_bucket_count_, unit_magnitude_, highest_);
  counts_.assign(static_cast<size_t>((buckets + 1) * sub_bucket_half_count_), 0);
}

int HdrHistogram::BucketIndex(int64_t value) const {
  const int pow2ceiling = 64 - __builtin_clzll(static_cast<uint64_t>(value) | sub_bucket_mask_);
  return pow2ceiling - unit_magnitude_ - (sub_bucket_half_count_magnitude_ + 1);
}

int64_t HdrHistogram::ValueFromIndex(int32_t index) const {
  int bucket = (index >> sub_bucket_half_count_magnitude_) - 1;
  int64_t sub_bucket = (index & (sub_bucket_half_count_ - 1)) + sub_bucket_half_count_;
  if (bucket < 0) {
    sub_bucket -= sub_bucket_half_count_;
    bucket = 0;
  }
  return sub_bucket << (bucket + unit_magnitude_);
}

int64_t HdrHistogram::SizeOfEquivalentRange(int64_t value) const {
  const int bucket = BucketIndex(value);
  const int64_t sub_bucket = value >> (bucket + unit_magnitude_);
  const int adjusted = sub_bucket >= sub_bucket_count_ ? bucket + 1 : bucket;
  return int64_t{1} << (unit_magnitude_ + adjusted);
}

int64_t HdrHistogram::LowestEquivalent(int64_t value) const {
  const int bucket = BucketIndex(value);
  const int64_t sub_bucket = value >> (bucket + unit_magnitude_);
  return sub_bucket << (bucket + unit_magnitude_);
}

int64_t HdrHistogram::HighestEquivalent(int64_t value) const {
  return LowestEquivalent(value) + SizeOfEquivalentRange(value) - 1;
}

int64_t HdrHistogram::MedianEquivalent(int64_t value) const {
  return LowestEquivalent(value) + (SizeOfEquivalentRange(value) >> 1);
}

void HdrHistogram::AddCountAtIndex(int32_t i, int64_t count) {
  if (count == 0) return;
  counts_[i] += count;
  total_count_ += count;
  const int64_t value = ValueFromIndex(i);
  max_ = std::max(max_, HighestEquivalent(value));
  min_ = std::min(min_, value);
}

Status HdrHistogram::Add(const HdrHistogram& other) {
  const bool same_layout = other.lowest_ == lowest_ && other.digits_ == digits_ &&
                           other.counts_.size() <= counts_.size();
  if (same_layout) {
    for (size_t i = 0; i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_count_ += other.total_count_;
  } else {
    if (other.Max() > highest_) {
      return Status::OutOfRange(
          fmt::format("cannot add a histogram with values up to {} into one whose "
                      "highest trackable value is {}",
                      other.Max(), highest_));
    }
    for (int32_t i = 0; i < other.counts_length(); ++i) {
      if (other.counts_[i] != 0)
        RecordN(other.MedianEquivalent(other.ValueFromIndex(i)), other.counts_[i]);
    }
  }
  if (!other.empty()) {
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
  }
  clamped_ += other.clamped_;
  return Status::Ok();
}

void HdrHistogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_count_ = 0;
  max_ = 0;
  min_ = INT64_MAX;
  clamped_ = 0;
}

double HdrHistogram::Mean() const {
  if (total_count_ == 0) return 0.0;
  double sum = 0;
  for (int32_t i = 0; i < counts_length(); ++i) {
    if (counts_[i] != 0) {
      sum += static_cast<double>(MedianEquivalent(ValueFromIndex(i))) *
             static_cast<double>(counts_[i]);
    }
  }
  return sum / static_cast<double>(total_count_);
}

double HdrHistogram::StdDev() const {
  if (total_count_ == 0) return 0.0;
  const double mean = Mean();
  double sum_sq = 0;
  for (int32_t i = 0; i < counts_length(); ++i) {
    if (counts_[i] != 0) {
      const double d = static_cast<double>(MedianEquivalent(ValueFromIndex(i))) - mean;
      sum_sq += d * d * static_cast<double>(counts_[i]);
    }
  }
  return std::sqrt(sum_sq / static_cast<double>(total_count_));
}

int64_t HdrHistogram::ValueAtPercentile(double percentile) const {
  if (total_count_ == 0) return 0;
  // One ulp below the request so that, e.g., p50 of 2 values lands on the first, as HdrHistogram
  // does.
  const double requested = std::min(std::max(std::nextafter(percentile, -INFINITY), 0.0), 100.0);
  const double fp_count = requested * static_cast<double>(total_count_) / 100.0;
  const int64_t count_at = std::max<int64_t>(static_cast<int64_t>(std::ceil(fp_count)), 1);
  int64_t running = 0;
  for (int32_t i = 0; i < counts_length(); ++i) {
    running += counts_[i];
    if (running >= count_at) {
      const int64_t value = ValueFromIndex(i);
      return percentile == 0.0 ? LowestEquivalent(value) : HighestEquivalent(value);
    }
  }
  return 0;
}

}  // namespace kbench::results
