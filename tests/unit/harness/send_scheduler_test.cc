#include "harness/send_scheduler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace kbench::harness {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

SendScheduleOptions Constant(double rate) {
  SendScheduleOptions o;
  o.rate = rate;
  return o;
}

SendScheduleOptions Poisson(double rate, uint64_t seed) {
  SendScheduleOptions o;
  o.shape = RateShape::kPoisson;
  o.rate = rate;
  o.seed = seed;
  return o;
}

SendScheduleOptions Steps(std::vector<RateStep> steps) {
  SendScheduleOptions o;
  o.shape = RateShape::kSteps;
  o.steps = std::move(steps);
  return o;
}

int64_t CountBefore(SendSchedule s, int64_t end_ns) {
  int64_t n = 0;
  while (s.Next() < end_ns) ++n;
  return n;
}

TEST(SendSchedule, ConstantRateHitsTheTargetExactlyWithoutDrift) {
  SendScheduleOptions o = Constant(12'345);
  SendSchedule s(o, 1000);
  EXPECT_EQ(CountBefore(s, 1000 + 10 * kSecond), 123'450);
  // Evenly spaced: the 1,000,000th message is due exactly 1e6 / rate seconds after the start.
  SendSchedule t(o, 0);
  int64_t last = 0;
  for (int i = 0; i <= 1'000'000; ++i) {
    const int64_t next = t.Next();
    ASSERT_GE(next, last);
    last = next;
  }
  EXPECT_NEAR(static_cast<double>(last), 1e6 / 12'345.0 * 1e9, 1.0);
}

TEST(SendSchedule, PoissonInterArrivalsHaveExponentialMeanAndVariance) {
  const double rate = 50'000;
  SendSchedule s(Poisson(rate, 42), 0);
  const int n = 400'000;
  std::vector<double> gaps;
  int64_t prev = s.Next();
  for (int i = 0; i < n; ++i) {
    const int64_t t = s.Next();
    gaps.push_back(static_cast<double>(t - prev));
    prev = t;
  }
  double mean = 0;
  for (double g : gaps) mean += g;
  mean /= n;
  double var = 0;
  for (double g : gaps) var += (g - mean) * (g - mean);
  var /= n - 1;
  const double expected_mean = 1e9 / rate;  // 20 us
  EXPECT_NEAR(mean, expected_mean, 0.01 * expected_mean);
  EXPECT_NEAR(var, expected_mean * expected_mean, 0.03 * expected_mean * expected_mean);
  // Achieved rate over the whole schedule.
  EXPECT_NEAR(n / (static_cast<double>(prev) / 1e9), rate, 0.01 * rate);
}

TEST(SendSchedule, PoissonIsReproducibleFromItsSeed) {
  SendSchedule a(Poisson(1000, 7), 0);
  SendSchedule b(Poisson(1000, 7), 0);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.Next(), b.Next());
}

TEST(SendSchedule, StepsHoldEachRateForItsSpan) {
  SendScheduleOptions o =
      Steps({{.at_s = 0, .rate = 1000}, {.at_s = 2, .rate = 0}, {.at_s = 3, .rate = 5000}});
  SendSchedule s(o, 0);
  std::vector<int64_t> per_second(6, 0);
  for (int64_t t = s.Next(); t < 6 * kSecond; t = s.Next()) per_second[t / kSecond]++;
  EXPECT_EQ(per_second, (std::vector<int64_t>{1000, 1000, 0, 5000, 5000, 5000}));
}

TEST(SendSchedule, ZeroRateNeverSends) {
  SendSchedule s(Constant(0), 0);
  EXPECT_EQ(s.Next(), SendSchedule::kNever);
  SendSchedule steps(Steps({{.at_s = 0, .rate = 0}}), 0);
  EXPECT_EQ(steps.Next(), SendSchedule::kNever);
}

// A clock that jumps instead of sleeping, and can stall (the producer thread was descheduled, or
// the send call blocked on a full queue).
class FakeClock final : public PacerClock {
 public:
  int64_t Now() override { return now_; }
  void SleepUntil(int64_t t) override {
    ++sleeps_;
    if (t > now_) now_ = t;
  }
  void Advance(int64_t ns) { now_ += ns; }
  int sleeps_ = 0;

 private:
  int64_t now_ = 0;
};

TEST(Pacer, ReleasesOnScheduleAndStopsAtTheEnd) {
  FakeClock clock;
  Pacer p(SendSchedule(Constant(1000), 0), &clock);
  PacedSend send;
  int n = 0;
  while (p.Next(kSecond, &send)) {
    EXPECT_EQ(send.released_ns, send.intended_ns);
    ++n;
  }
  EXPECT_EQ(n, 1000);
}

TEST(Pacer, FallingBehindSendsAtOnceButKeepsTheIntendedTime) {
  FakeClock clock;
  Pacer p(SendSchedule(Constant(1000), 0), &clock);
  PacedSend send;
  ASSERT_TRUE(p.Next(10 * kSecond, &send));
  clock.Advance(kSecond);  // the producer stalls for a second after the first send
  const int sleeps_before = clock.sleeps_;
  int64_t worst_delay = 0;
  for (int i = 0; i < 999; ++i) {
    ASSERT_TRUE(p.Next(10 * kSecond, &send));
    worst_delay = std::max(worst_delay, send.released_ns - send.intended_ns);
    clock.Advance(100);  // catching up: each send takes 100 ns
  }
  EXPECT_EQ(clock.sleeps_, sleeps_before);       // no waiting while behind
  EXPECT_EQ(send.intended_ns, 999 * 1'000'000);  // every message kept its place in the schedule
  EXPECT_GE(worst_delay, kSecond - 1'000'000);   // the stall shows up as delay, not as a lower rate
}

TEST(Pacer, RealClockNeverReleasesEarlyAndSendsTheScheduledCount) {
  const int64_t start = MonoNanos();
  Pacer p(SendSchedule(Constant(20'000), start), SystemPacerClock::Get());
  PacedSend send;
  int n = 0;
  while (p.Next(start + kSecond / 5, &send)) {
    ASSERT_GE(send.released_ns, send.intended_ns);
    ++n;
  }
  EXPECT_EQ(n, 4000);
}

}  // namespace
}  // namespace kbench::harness
