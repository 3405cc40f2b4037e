// The maximum-rate search for producerRate 0: the highest rate that holds the latency SLO with
// bounded consumer backlog, found over *sustained* steps (each rate held for stepSeconds), unlike a
// continuous ramp that overshoots and settles on a rate it never held.
//
//   1. bracket: start at minRate and double while steps hold (a step that fails sets the upper
//   bound);
//   2. bisect between the highest rate that held and the lowest that failed, until they are within
//      `precision` of each other (relative), or the step budget runs out.
// The answer is always a rate that was measured to hold (0 when even minRate did not).
//
// A step holds when the SLO percentile is <= the target, the achieved (acknowledged) rate reached
// at least 95 % of the target (a producer that cannot keep up has not held it), and the consumers'
// backlog grew by no more than the bound.
//
// Pure logic, no clocks or I/O: the runner executes the steps. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "harness/workload_spec.h"

namespace kbench::harness {

struct MaxRateStepResult {
  double target_rate = 0;
  double achieved_rate = 0;
  std::optional<double> percentile_ms;  // the SLO percentile over the step (empty: no samples)
  int64_t backlog_growth = 0;           // consumer lag at the step's end minus at its start
  bool held = false;                    // filled in by Report()
};

class MaxRateSearcher {
 public:
  MaxRateSearcher(const MaxRateSearch& config, const LatencySlo& slo, int max_steps = 24);

  // The next rate to hold, or nullopt when the search is over.
  std::optional<double> NextRate() const;
  // Judges the step that ran at the last NextRate() and moves the search on.
  void Report(MaxRateStepResult step);

  double found() const { return best_held_; }  // 0 until a step held
  const std::vector<MaxRateStepResult>& steps() const { return steps_; }
  bool Holds(const MaxRateStepResult& s) const;

 private:
  MaxRateSearch config_;
  LatencySlo slo_;
  int max_steps_;
  double best_held_ = 0;
  std::optional<double> lowest_failed_;
  bool bracketing_ = true;
  std::vector<MaxRateStepResult> steps_;
};

}  // namespace kbench::harness
