// Measured capacity from `kbench run` results files (docs/results.md, schema_version 1): what one
// partition and one broker held at a latency SLO.
//
// Files are read and checked by the results library (results/run_result.h: schema_version, required
// fields, types); this file keeps what sizing uses (summary throughput, partitions, brokers,
// replication_factor, the SLO verdict, max_rate steps, election times).
//
// Pure functions; thread-compatible values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "sizing/units.h"

namespace kbench::sizing {

struct MaxRateStep {
  double target_msgs_per_sec = 0;
  double achieved_msgs_per_sec = 0;
  double p99_ms = 0;
  bool held = false;
};

// The subset of one results file that sizing uses.
struct MeasuredRun {
  std::string path;
  std::string workload;
  int64_t partitions = 0;
  int64_t brokers = 0;
  int64_t replication_factor = 0;
  double produced_msgs_per_sec = 0;
  double produced_bytes_per_sec = 0;
  double avg_msg_bytes = 0;  // produced bytes / messages
  // summary.publish_latency_ms, by label ("p50", "p99", "p999", ...).
  std::vector<std::pair<std::string, double>> publish_latency_ms;
  struct Slo {
    std::string percentile;
    double target_ms = 0;
    bool met = false;
  };
  std::optional<Slo> slo;
  struct MaxRate {
    std::string slo_percentile;
    double slo_ms = 0;
    double found_msgs_per_sec = 0;
    double found_bytes_per_sec = 0;
    std::vector<MaxRateStep> steps;
  };
  std::optional<MaxRate> max_rate;
  std::optional<double> election_ms_p50;
};

Result<MeasuredRun> ParseResultsJson(const std::string& text, const std::string& path);
Result<MeasuredRun> ReadResultsFile(const std::string& path);

// What one run says about capacity at the requirement's SLO.
struct RunCapacity {
  std::string path;
  bool usable = false;  // held the SLO at some rate
  double held_msgs_per_sec = 0;
  double held_bytes_per_sec = 0;
  double partition_bytes_per_sec = 0;  // held / partitions
  double partition_msgs_per_sec = 0;
  double broker_write_bytes_per_sec = 0;  // held x RF / brokers: replicated bytes one broker wrote
  std::string how;                        // "max_rate step 400k msg/s held p99 3.1 ms <= 50 ms"
  // When the SLO was never met: the best latency seen and at what rate, over how many partitions.
  std::optional<double> best_latency_ms;
  double best_latency_at_msgs_per_sec = 0;
  int64_t partitions = 0;
};

// `slo` absent: the run's own SLO verdict (or, without one, its throughput) is taken as held.
RunCapacity CapacityAtSlo(const MeasuredRun& run, const std::optional<LatencySlo>& slo);

}  // namespace kbench::sizing
