// A run's measurements, interval by interval. The collector thread calls CloseInterval() once per
// interval (a second) with the workers' cumulative counters; RunMetrics then
//   - collects the interval histograms of publish latency, publish delay and end-to-end latency
//   from the
//     writers' lock-free recorders (latency_recorder.h),
//   - appends one line per metric to the HdrHistogram .hlog files (<base>.<metric>.hlog, when a
//   base is set),
//   - appends the interval to the time series (rates, p99s, lag),
//   - adds the interval to the run's histograms once the measurement phase has begun (warm-up
//   discarded).
// At the end, FillResult() writes the time series, histograms, latency summaries and measured
// throughput into a RunResult.
//
// Threads: the recorders are for the writer threads (each takes its own from NewRecorder()); every
// other call from the one collector thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "harness/latency_recorder.h"
#include "results/hdr_log.h"
#include "results/run_result.h"

namespace kbench::harness {

// Cumulative since the start of the run; the collector turns them into per-interval rates.
struct RunCounters {
  int64_t produced_messages = 0;  // acknowledged
  int64_t produced_bytes = 0;
  int64_t consumed_messages = 0;
  int64_t consumed_bytes = 0;
};

struct RunMetricsOptions {
  int64_t interval_ms = 1000;
  int64_t start_wall_ms = 0;  // the run's start, for .hlog StartTime/BaseTime
  std::string hlog_base;      // "" = no .hlog files; else <hlog_base>.<metric>.hlog
};

enum class Metric { kPublishLatency, kPublishDelay, kE2eLatency };
std::string_view MetricKey(Metric m);  // "publish_latency", "publish_delay", "e2e_latency"

class RunMetrics {
 public:
  static Result<std::unique_ptr<RunMetrics>> Create(const RunMetricsOptions& options);

  LatencyRecorderSet& recorders(Metric m) { return *recorders_[static_cast<int>(m)]; }

  // Closes the interval ending at t_s (seconds since the run's start). `measuring`: the interval
  // belongs to the measurement phase. `lag_by_partition`: consumer lag per partition name at the
  // interval's end.
  Status CloseInterval(double t_s, bool measuring, const RunCounters& counters,
                       const std::map<std::string, int64_t>& lag_by_partition);
  // Flushes and closes the .hlog files.
  Status Finish();

  // The last closed interval, for the progress line.
  const results::HdrHistogram& last_interval(Metric m) const {
    return interval_[static_cast<int>(m)];
  }
  const results::TimeSeries& timeseries() const { return series_; }
  const results::HdrHistogram& measured(Metric m) const { return measured_[static_cast<int>(m)]; }

  // Writes timeseries, histograms, the three latency summaries and produced/consumed throughput
  // over the measurement phase into *r.
  void FillResult(results::RunResult* r) const;

 private:
  explicit RunMetrics(const RunMetricsOptions& options);

  RunMetricsOptions options_;
  std::unique_ptr<LatencyRecorderSet> recorders_[3];
  results::HdrHistogram interval_[3];
  results::HdrHistogram measured_[3];
  std::optional<results::HdrLogWriter> hlogs_[3];
  results::TimeSeries series_;
  RunCounters previous_;
  RunCounters measured_counters_;
  double previous_t_s_ = 0;
  double measured_s_ = 0;
};

}  // namespace kbench::harness
