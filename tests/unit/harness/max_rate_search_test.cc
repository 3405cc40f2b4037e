#include "harness/max_rate_search.h"

#include <gtest/gtest.h>

namespace kbench::harness {
namespace {

MaxRateSearch Config(double min_rate, double max_rate, double precision) {
  MaxRateSearch c;
  c.min_rate = min_rate;
  c.max_rate = max_rate;
  c.precision = precision;
  return c;
}

LatencySlo Slo(double ms) {
  LatencySlo s;
  s.ms = ms;
  return s;
}

// A system whose p99 stays at 2 ms up to `capacity` msg/s and explodes beyond it.
MaxRateStepResult Measure(double rate, double capacity) {
  MaxRateStepResult s;
  s.target_rate = rate;
  s.achieved_rate = std::min(rate, capacity * 1.02);
  s.percentile_ms = rate <= capacity ? 2.0 : 500.0;
  s.backlog_growth = rate <= capacity ? 0 : static_cast<int64_t>(rate - capacity) * 20;
  return s;
}

double Search(MaxRateSearcher& s, double capacity) {
  while (auto rate = s.NextRate()) s.Report(Measure(*rate, capacity));
  return s.found();
}

TEST(MaxRateSearcher, ConvergesBelowTheCapacityWithinPrecision) {
  for (double capacity : {12'345.0, 250'000.0, 1'999'999.0}) {
    MaxRateSearcher s(Config(1000, 5'000'000, 0.02), Slo(50));
    const double found = Search(s, capacity);
    EXPECT_LE(found, capacity) << capacity;             // never a rate that did not hold
    EXPECT_GE(found, capacity / 1.02 - 1) << capacity;  // within the precision
    EXPECT_LT(s.steps().size(), 24u);
  }
}

TEST(MaxRateSearcher, BracketsByDoublingThenBisects) {
  MaxRateSearcher s(Config(1000, 1'000'000, 0.05), Slo(50));
  Search(s, 10'000);
  const auto& steps = s.steps();
  ASSERT_GE(steps.size(), 5u);
  EXPECT_EQ(steps[0].target_rate, 1000);
  EXPECT_EQ(steps[1].target_rate, 2000);
  EXPECT_EQ(steps[2].target_rate, 4000);
  EXPECT_EQ(steps[3].target_rate, 8000);
  EXPECT_EQ(steps[4].target_rate, 16000);
  EXPECT_FALSE(steps[4].held);
  EXPECT_EQ(steps[5].target_rate, 12000);  // bisection between 8000 and 16000
}

TEST(MaxRateSearcher, AStepNeedsLatencyRateAndBoundedBacklog) {
  MaxRateSearcher s(Config(1000, 10'000, 0.05), Slo(50));
  MaxRateStepResult ok{
      .target_rate = 1000, .achieved_rate = 990, .percentile_ms = 10, .backlog_growth = 0};
  EXPECT_TRUE(s.Holds(ok));
  MaxRateStepResult slow = ok;
  slow.percentile_ms = 51;
  EXPECT_FALSE(s.Holds(slow));
  MaxRateStepResult short_rate = ok;
  short_rate.achieved_rate = 900;  // the producers could not send that fast
  EXPECT_FALSE(s.Holds(short_rate));
  MaxRateStepResult backlog = ok;
  backlog.backlog_growth = 5000;  // consumers fell behind by more than a second's worth
  EXPECT_FALSE(s.Holds(backlog));
  MaxRateStepResult no_samples = ok;
  no_samples.percentile_ms.reset();
  EXPECT_FALSE(s.Holds(no_samples));
}

TEST(MaxRateSearcher, StopsAtTheCeilingOrWhenEvenTheFloorFails) {
  MaxRateSearcher ceiling(Config(1000, 4000, 0.05), Slo(50));
  EXPECT_EQ(Search(ceiling, 1e9), 4000);
  EXPECT_EQ(ceiling.steps().size(), 3u);  // 1000, 2000, 4000
  MaxRateSearcher floor(Config(1000, 4000, 0.05), Slo(50));
  EXPECT_EQ(Search(floor, 500), 0);
  EXPECT_EQ(floor.steps().size(), 1u);
}

}  // namespace
}  // namespace kbench::harness
