// Maps the monotonic clock (what schedules and latencies are measured on) to wall-clock nanoseconds
// (what a payload carries, so a consumer in another process or on another host can compute
// end-to-end latency). Captured once per process; reading it is a plain add. Same host: producer
// and consumer share the offset, so end-to-end latency is a difference of monotonic readings.
// Cross-host runs depend on the hosts' clock agreement, recorded in results as
// environment.clock_offset_ms.
//
// Immutable after construction; any thread.
#pragma once

#include <cstdint>

#include "core/base/clock.h"

namespace kbench::harness {

class ClockMapping {
 public:
  // Brackets a wall-clock read between two monotonic reads and keeps the tightest of a few tries.
  ClockMapping();
  explicit ClockMapping(int64_t wall_minus_mono_ns) : wall_minus_mono_ns_(wall_minus_mono_ns) {}

  int64_t ToWall(int64_t mono_ns) const { return mono_ns + wall_minus_mono_ns_; }
  int64_t ToMono(int64_t wall_ns) const { return wall_ns - wall_minus_mono_ns_; }
  int64_t NowWall() const { return ToWall(MonoNanos()); }
  int64_t wall_minus_mono_ns() const { return wall_minus_mono_ns_; }

 private:
  int64_t wall_minus_mono_ns_;
};

}  // namespace kbench::harness
