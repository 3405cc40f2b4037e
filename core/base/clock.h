// Time sources. Monotonic nanoseconds for measuring; wall-clock milliseconds for Kafka timestamps.
#pragma once

#include <chrono>
#include <cstdint>
#include <time.h>

namespace kbench {

// CLOCK_MONOTONIC in nanoseconds: for intervals, deadlines and latency.
inline int64_t MonoNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

inline int64_t MonoMillis() { return MonoNanos() / 1'000'000; }

// CLOCK_REALTIME in milliseconds since the epoch: Kafka's timestamp unit.
inline int64_t WallMillis() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

inline int64_t WallNanos() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace kbench
