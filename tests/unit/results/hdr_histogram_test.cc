#include "results/hdr_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace kbench::results {
namespace {

// The exact percentile HdrHistogram promises to approximate: the smallest sample with at least p%
// of the samples at or below it.
int64_t ExactPercentile(std::vector<int64_t> sorted, double p) {
  const size_t rank = std::max<size_t>(
      1, static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size()) / 100.0 - 1e-9)));
  return sorted[rank - 1];
}

void ExpectWithinPrecision(const HdrHistogram& h, const std::vector<int64_t>& samples) {
  std::vector<int64_t> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  for (double p : {1.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
    const int64_t exact = ExactPercentile(sorted, p);
    const int64_t hdr = h.ValueAtPercentile(p);
    // Same equivalence bucket as the exact answer: within 10^-3 relative error.
    EXPECT_TRUE(h.ValuesAreEquivalent(hdr, exact))
        << "p" << p << " hdr=" << hdr << " exact=" << exact;
    EXPECT_LE(std::abs(static_cast<double>(hdr - exact)), 0.001 * static_cast<double>(exact) + 1)
        << "p" << p;
  }
}

TEST(HdrHistogram, PercentilesMatchExactOnUniformDistribution) {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int64_t> dist(1'000, 50'000'000);
  HdrHistogram h;
  std::vector<int64_t> samples;
  for (int i = 0; i < 200'000; ++i) {
    samples.push_back(dist(rng));
    h.Record(samples.back());
  }
  EXPECT_EQ(h.TotalCount(), 200'000);
  ExpectWithinPrecision(h, samples);
}

TEST(HdrHistogram, PercentilesMatchExactOnLogNormalTail) {
  std::mt19937_64 rng(2);
  std::lognormal_distribution<double> dist(std::log(2e6), 1.2);  // ~2 ms median, long tail
  HdrHistogram h;
  std::vector<int64_t> samples;
  for (int i = 0; i < 200'000; ++i) {
    samples.push_back(static_cast<int64_t>(dist(rng)) + 1);
    h.Record(samples.back());
  }
  ExpectWithinPrecision(h, samples);
  EXPECT_EQ(h.Max(), *std::max_element(samples.begin(), samples.end()));
  EXPECT_EQ(h.Min(), *std::min_element(samples.begin(), samples.end()));
}

TEST(HdrHistogram, MeanAndStdDevOfKnownValues) {
  HdrHistogram h;
  for (int i = 0; i < 1000; ++i) h.Record(1000);  // exact below 2048
  for (int i = 0; i < 1000; ++i) h.Record(2000);
  EXPECT_DOUBLE_EQ(h.Mean(), 1500.0);
  EXPECT_DOUBLE_EQ(h.StdDev(), 500.0);
}

TEST(HdrHistogram, SmallValuesAreExact) {
  HdrHistogram h;
  for (int64_t v = 0; v < 2048; ++v) h.Record(v);
  EXPECT_EQ(h.ValueAtPercentile(50.0), 1023);
  EXPECT_EQ(h.ValueAtPercentile(100.0), 2047);
  EXPECT_EQ(h.ValueAtPercentile(0.0), 0);
}

TEST(HdrHistogram, RangeCoversNanosecondsToAnHour) {
  HdrHistogram h;
  const int64_t hour = 3'600'000'000'000;
  h.Record(1);
  h.Record(hour);
  EXPECT_EQ(h.clamped(), 0);
  EXPECT_TRUE(h.ValuesAreEquivalent(h.ValueAtPercentile(100.0), hour));
  EXPECT_EQ(h.ValueAtPercentile(50.0), 1);
  EXPECT_LT(h.counts_length(), 40'000);
}

TEST(HdrHistogram, OutOfRangeValuesAreClampedAndCounted) {
  HdrHistogram h;
  h.Record(-5);
  h.Record(h.highest() * 2);
  EXPECT_EQ(h.TotalCount(), 2);
  EXPECT_EQ(h.clamped(), 2);
  EXPECT_EQ(h.Min(), 0);
  EXPECT_EQ(h.Max(), h.highest());
}

TEST(HdrHistogram, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(3);
  std::exponential_distribution<double> dist(1e-6);
  HdrHistogram all, parts[4];
  for (int i = 0; i < 100'000; ++i) {
    const int64_t v = static_cast<int64_t>(dist(rng));
    all.Record(v);
    parts[i % 4].Record(v);
  }
  HdrHistogram merged;
  for (const HdrHistogram& p : parts) ASSERT_TRUE(merged.Add(p).ok());
  EXPECT_EQ(merged.TotalCount(), all.TotalCount());
  EXPECT_EQ(merged.Max(), all.Max());
  EXPECT_EQ(merged.Min(), all.Min());
  for (int32_t i = 0; i < all.counts_length(); ++i)
    ASSERT_EQ(merged.CountAtIndex(i), all.CountAtIndex(i));
}

TEST(HdrHistogram, MergeAcrossDifferentLayoutsKeepsCountsAndPrecision) {
  auto coarse =
      HdrHistogram::Create({.lowest = 1, .highest = 10'000'000'000, .significant_digits = 2});
  ASSERT_TRUE(coarse.ok());
  for (int64_t v = 1; v <= 100'000; v += 7) coarse->Record(v * 100);
  HdrHistogram fine;
  ASSERT_TRUE(fine.Add(*coarse).ok());
  EXPECT_EQ(fine.TotalCount(), coarse->TotalCount());
  EXPECT_NEAR(static_cast<double>(fine.ValueAtPercentile(99)),
              static_cast<double>(coarse->ValueAtPercentile(99)),
              0.01 * coarse->ValueAtPercentile(99));
}

TEST(HdrHistogram, MergeRefusesValuesBeyondTheTarget) {
  auto small = HdrHistogram::Create({.lowest = 1, .highest = 1'000'000, .significant_digits = 3});
  ASSERT_TRUE(small.ok());
  HdrHistogram big;
  big.Record(10'000'000);
  EXPECT_FALSE(small->Add(big).ok());
}

TEST(HdrHistogram, ResetEmptiesButKeepsLayout) {
  HdrHistogram h;
  h.Record(42);
  h.Reset();
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.Max(), 0);
  EXPECT_EQ(h.ValueAtPercentile(99), 0);
  h.Record(7);
  EXPECT_EQ(h.ValueAtPercentile(99), 7);
}

TEST(HdrHistogram, CreateRefusesImpossibleRanges) {
  EXPECT_FALSE(HdrHistogram::Create({.lowest = 0, .highest = 100, .significant_digits = 3}).ok());
  EXPECT_FALSE(HdrHistogram::Create({.lowest = 10, .highest = 15, .significant_digits = 3}).ok());
  EXPECT_FALSE(HdrHistogram::Create({.lowest = 1, .highest = 100, .significant_digits = 6}).ok());
}

TEST(HdrHistogram, EquivalentRangesFollowTheLayout) {
  HdrHistogram h;
  EXPECT_EQ(h.SizeOfEquivalentRange(1000), 1);
  EXPECT_EQ(h.SizeOfEquivalentRange(2047), 1);  // first bucket: 2048 unit-wide sub-buckets
  EXPECT_EQ(h.SizeOfEquivalentRange(2048), 2);  // then each power of two doubles the width
  EXPECT_EQ(h.SizeOfEquivalentRange(4096), 4);
  EXPECT_EQ(h.LowestEquivalent(4097), 4096);
  EXPECT_EQ(h.HighestEquivalent(4096), 4099);
  EXPECT_EQ(h.MedianEquivalent(4096), 4098);
}

}  // namespace
}  // namespace kbench::results
