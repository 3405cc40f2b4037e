// What every probe phase shares: the options, the time budget of this mode (full or quick), the
// overall deadline, cancellation and progress reporting. Internal to the probe (sizing/probe_*.cc).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "core/base/clock.h"
#include "sizing/probe.h"

namespace kbench::sizing {

// Seconds and bytes each phase may spend. Full mode stays under 60 s, quick under 10 s.
struct ProbeBudget {
  double total_s;
  double crc_s;
  double codec_s;  // per codec and direction
  double direct_s;
  double direct_max_bytes;
  double fsync_s;  // per write size
  int fsync_max_ops;
  double read_file_bytes;  // file written, then read cached and cold
  double network_s;
  int rtt_pings;
  double buffered_s;          // the whole buffered-write phase
  double buffered_sustain_s;  // how long to keep writing once past the dirty limit
  double buffered_max_bytes;  // 0: as much as the dirty limit needs (bounded by free space)

  static ProbeBudget Full() {
    return ProbeBudget{55,   0.5, 0.3, 3, 1024.0 * (1 << 20), 1.5, 40, 512.0 * (1 << 20), 2,
                       1000, 30,  5,   0};
  }
  static ProbeBudget Quick() {
    return ProbeBudget{9,   0.15, 0.08, 0.5, 64.0 * (1 << 20), 0.3, 12, 64.0 * (1 << 20),
                       0.5, 200,  2,    0.5, 512.0 * (1 << 20)};
  }
};

class ProbeContext {
 public:
  ProbeContext(const ProbeOptions& options, ProbeBudget budget)
      : options_(options), budget_(budget), start_ns_(MonoNanos()) {}

  const ProbeOptions& options() const { return options_; }
  const ProbeBudget& budget() const { return budget_; }
  bool cancelled() const { return options_.cancel != nullptr && options_.cancel->load(); }
  double Elapsed() const { return double(MonoNanos() - start_ns_) / 1e9; }
  // Seconds a phase may use: its own budget, never past the overall deadline.
  double Allow(double phase_s) const {
    return std::max(0.0, std::min(phase_s, budget_.total_s - Elapsed()));
  }

  template <typename... Args>
  void Progress(fmt::format_string<Args...> f, Args&&... args) const {
    if (options_.progress) {
      options_.progress(fmt::format("probe [{:5.1f}s] {}", Elapsed(),
                                    fmt::format(f, std::forward<Args>(args)...)));
    }
  }

 private:
  const ProbeOptions& options_;
  ProbeBudget budget_;
  int64_t start_ns_;
};

// Latency summary of a sample of milliseconds (sorts it).
LatencySummaryMs SummarizeMs(std::vector<double>* samples_ms);

}  // namespace kbench::sizing
