// Open-loop send schedules: when each message is *intended* to be sent, independent of how fast the
// target answers. The harness measures publish latency from these intended times, so a stalled
// broker shows up as latency, not as a quietly lower rate (coordinated omission).
//
// SendSchedule turns a rate shape into a non-decreasing sequence of intended send times (monotonic
// ns):
//   constant  evenly spaced at `rate` per second (computed from the message index: no drift)
//   poisson   exponential inter-arrival gaps with mean 1/rate (seeded, reproducible)
//   steps     piecewise-constant rates: step i holds rate_i from at_s_i until the next step; rate 0
//   pauses
//
// Pacer releases one message at a time: it waits (sleeping, then spinning the last few
// microseconds) until the intended time, or returns at once when it is already late. A producer
// thread that falls behind therefore sends as fast as it can, while every message keeps its
// original intended time.
//
// Threads: one SendSchedule and one Pacer per producer thread; neither is shared.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "core/base/clock.h"

namespace kbench::harness {

enum class RateShape { kConstant, kPoisson, kSteps };

struct RateStep {
  double at_s = 0;  // seconds since the schedule's start
  double rate = 0;  // messages per second from at_s on (0 = pause)
};

struct SendScheduleOptions {
  RateShape shape = RateShape::kConstant;
  double rate = 0;              // messages per second (constant, poisson); <= 0: never sends
  std::vector<RateStep> steps;  // steps: sorted by at_s; before the first step nothing is sent
  uint64_t seed = 1;            // poisson
};

class SendSchedule {
 public:
  SendSchedule(const SendScheduleOptions& options, int64_t start_ns);

  static constexpr int64_t kNever = INT64_MAX;
  // The next intended send time (monotonic ns); kNever when the schedule sends nothing more.
  int64_t Next();
  int64_t start_ns() const { return start_ns_; }

 private:
  int64_t NextConstant();
  int64_t NextPoisson();
  int64_t NextStep();

  SendScheduleOptions options_;
  int64_t start_ns_;
  int64_t index_ = 0;        // messages scheduled so far (constant) or within the current step
  double poisson_t_ns_ = 0;  // poisson: time since start, fractional ns kept to avoid drift
  size_t step_ = 0;
  std::mt19937_64 rng_;
  std::exponential_distribution<double> exp_;
};

// Where the pacer reads and waits on time; tests substitute a fake.
class PacerClock {
 public:
  virtual ~PacerClock() = default;
  virtual int64_t Now() = 0;  // monotonic ns
  virtual void SleepUntil(int64_t mono_ns) = 0;
};

class SystemPacerClock final : public PacerClock {
 public:
  int64_t Now() override { return MonoNanos(); }
  void SleepUntil(int64_t mono_ns) override;  // sleeps, then spins the last ~50 us
  static SystemPacerClock* Get();
};

struct PacedSend {
  int64_t intended_ns = 0;  // when the schedule wanted it sent
  int64_t released_ns =
      0;  // when the pacer let it go (>= intended_ns); publish delay = released - intended
};

class Pacer {
 public:
  // `clock` is not owned and must outlive the pacer.
  Pacer(SendSchedule schedule, PacerClock* clock) : schedule_(std::move(schedule)), clock_(clock) {}

  // Waits until the next message is due and describes it. False (without waiting) once the next
  // intended time is at or past `end_ns` or the schedule has ended: the send loop is over.
  bool Next(int64_t end_ns, PacedSend* out);

  // Next() in two steps, for a send loop that has other work to do while it waits: the next
  // intended time (taking it from the schedule, without waiting; false as above), then the wait
  // for it, which returns the release time (>= intended).
  bool NextIntended(int64_t end_ns, int64_t* intended);
  int64_t WaitUntil(int64_t intended);
  PacerClock* clock() const { return clock_; }

 private:
  SendSchedule schedule_;
  PacerClock* clock_;  // not owned
};

}  // namespace kbench::harness
