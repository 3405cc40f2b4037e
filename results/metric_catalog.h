// The metrics `kbench compare` judges and the nightly trend plots, each read from a run's `summary`
// (docs/results.md), with the direction that counts as better and the kind that sets its default
// noise thresholds (results/compare_thresholds.h, docs/compare.md).
//
// Ids are the summary's JSON paths ("produced.msgs_per_sec", "e2e_latency_ms.p99", "audit.lost"),
// so a threshold file or flag names a metric exactly as the results document does.
//
// Immutable tables and pure functions; any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "results/run_result.h"

namespace kbench::results {

// What a metric measures, which decides how much run-to-run change is noise.
enum class MetricKind {
  kThroughput,  // msgs/s, MB/s over the measurement phase
  kLatencyP50,  // publish / end-to-end median
  kLatencyP99,
  kLatencyP999,
  kLatencyMax,  // one sample: the noisiest
  kDelay,       // publish delay (producer behind its schedule)
  kErrors,      // produce / consume error counts
  kAudit,       // duplicated, out of order
  kLoss,        // audit.lost: any lost message is a regression, whatever the thresholds
  kSlo,         // SLO met (1) or missed (0)
  kInfo,        // shown, never judged (acked, consumed counts)
};

enum class Direction { kHigherIsBetter, kLowerIsBetter, kNone };

struct MetricDef {
  std::string_view id;     // summary JSON path
  std::string_view label;  // for people: "publish p99"
  std::string_view unit;   // "msgs/s", "MB/s", "ms", "messages", "met"
  MetricKind kind;
  Direction direction;
  std::optional<double> (*get)(const Summary&);  // nullopt: no value in this run (no samples)
};

// In display order: throughput, publish latency, end-to-end latency, publish delay, errors, audit,
// SLO.
std::span<const MetricDef> CompareMetrics();
const MetricDef* FindMetric(std::string_view id);

std::string_view MetricKindName(MetricKind kind);  // "throughput", "latency_p99", ...
std::optional<MetricKind> ParseMetricKind(std::string_view name);
std::span<const MetricKind> AllMetricKinds();

}  // namespace kbench::results
