#include "harness/send_scheduler.h"

#include <time.h>

#include <cmath>

namespace kbench::harness {
namespace {
constexpr double kNanosPerSecond = 1e9;
}  // namespace

SendSchedule::SendSchedule(const SendScheduleOptions& options, int64_t start_ns)
    : options_(options), start_ns_(start_ns), rng_(options.seed), exp_(1.0) {}

int64_t SendSchedule::Next() {
  switch (options_.shape) {
    case RateShape::kConstant:
      return NextConstant();
    case RateShape::kPoisson:
      return NextPoisson();
    case RateShape::kSteps:
      return NextStep();
  }
  return kNever;
}

int64_t SendSchedule::NextConstant() {
  if (options_.rate <= 0) return kNever;
  const double offset = static_cast<double>(index_++) * kNanosPerSecond / options_.rate;
  return start_ns_ + static_cast<int64_t>(offset);
}

int64_t SendSchedule::NextPoisson() {
  if (options_.rate <= 0) return kNever;
  const int64_t t = start_ns_ + static_cast<int64_t>(poisson_t_ns_);
  poisson_t_ns_ += exp_(rng_) * kNanosPerSecond / options_.rate;
  return t;
}

// Within step i the k-th message is due at at_s_i + k / rate_i; a step that would schedule past the
// next step's start hands over to it.
int64_t SendSchedule::NextStep() {
  const std::vector<RateStep>& steps = options_.steps;
  while (step_ < steps.size()) {
    const RateStep& s = steps[step_];
    const double t_s = s.at_s + (s.rate > 0 ? static_cast<double>(index_) / s.rate : INFINITY);
    const bool last = step_ + 1 == steps.size();
    if (s.rate > 0 && (last || t_s < steps[step_ + 1].at_s)) {
      ++index_;
      return start_ns_ + static_cast<int64_t>(t_s * kNanosPerSecond);
    }
    ++step_;
    index_ = 0;
  }
  return kNever;
}

void SystemPacerClock::SleepUntil(int64_t mono_ns) {
  constexpr int64_t kSpinNs = 50'000;  // timer slack makes shorter sleeps overshoot; spin instead
  const int64_t sleep_until = mono_ns - kSpinNs;
  if (MonoNanos() < sleep_until) {
    timespec ts{static_cast<time_t>(sleep_until / 1'000'000'000),
                static_cast<long>(sleep_until % 1'000'000'000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
    }
  }
  while (MonoNanos() < mono_ns) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
}

SystemPacerClock* SystemPacerClock::Get() {
  static SystemPacerClock clock;
  return &clock;
}

bool Pacer::NextIntended(int64_t end_ns, int64_t* intended) {
  const int64_t next = schedule_.Next();
  if (next == SendSchedule::kNever || next >= end_ns) return false;
  *intended = next;
  return true;
}

int64_t Pacer::WaitUntil(int64_t intended) {
  int64_t now = clock_->Now();
  if (now < intended) {
    clock_->SleepUntil(intended);
    now = clock_->Now();
  }
  return now < intended ? intended : now;
}

bool Pacer::Next(int64_t end_ns, PacedSend* out) {
  int64_t intended;
  if (!NextIntended(end_ns, &intended)) return false;
  out->intended_ns = intended;
  out->released_ns = WaitUntil(intended);
  return true;
}

}  // namespace kbench::harness
