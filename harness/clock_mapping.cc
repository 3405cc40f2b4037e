#include "harness/clock_mapping.h"

namespace kbench::harness {

ClockMapping::ClockMapping() {
  int64_t best_width = INT64_MAX;
  int64_t best = 0;
  for (int i = 0; i < 5; ++i) {
    const int64_t before = MonoNanos();
    const int64_t wall = WallNanos();
    const int64_t after = MonoNanos();
    if (after - before < best_width) {
      best_width = after - before;
      best = wall - (before + (after - before) / 2);
    }
  }
  wall_minus_mono_ns_ = best;
}

}  // namespace kbench::harness
