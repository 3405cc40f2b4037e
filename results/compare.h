// Regression verdicts between two sets of runs of one workload (`kbench compare BASE... -- NEW...`,
// scripts/nightly). Reads SummaryDocuments only (results/summary_document.h).
//
// Per metric of results/metric_catalog.h: the median and MAD of each side, the shift of the
// medians, and a direction-aware verdict:
//   regressed / improved   the shift passes every gate of results/compare_thresholds.h (relative
//                          threshold, absolute floor, and the base runs' spread: beyond
//                          spread_factor x their MAD and outside their range) in the worse /
//                          better direction;
//   same                   it does not (the reason names the gate that held it);
//   n/a                    a side has no value (no samples, no SLO);
//   info                   shown, not judged (kind info, or ignored).
// Loss overrides the gates: any new run with audit.lost > 0 makes audit.lost regressed, whatever
// the base lost, the thresholds or loss_allowed say.
//
// Refused (InvalidArgument; `kbench compare` exits 2): an empty side, or runs of different
// workloads (results/workload_match.h) unless `allow_different_workloads`.
//
// Pure functions; any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "results/compare_thresholds.h"
#include "results/metric_catalog.h"
#include "results/sample_stats.h"
#include "results/summary_document.h"

namespace kbench::results {

enum class Verdict { kSame, kImproved, kRegressed, kNotAvailable, kInfo };
std::string_view VerdictName(Verdict v);  // same improved regressed n/a info

struct CompareOptions {
  CompareThresholds thresholds;
  bool allow_different_workloads = false;
};

struct MetricComparison {
  const MetricDef* metric = nullptr;
  std::optional<SampleStats> base, next;  // nullopt: no run of that side had a value
  double shift = 0;                       // next median - base median
  std::optional<double> relative;         // shift / |base median|; nullopt when the base is 0
  Threshold threshold;
  double noise = 0;  // spread_factor x the base runs' MAD
  Verdict verdict = Verdict::kNotAvailable;
  std::string reason;
};

struct Comparison {
  std::string workload;  // label of the base ("quickstart", "acks-comparison/acks-1")
  std::vector<std::string> base_sources, new_sources;
  std::vector<std::string> notes;  // tuning differences, refused-but-allowed mismatches
  double spread_factor = 0;
  std::vector<MetricComparison> metrics;

  int Count(Verdict v) const;
  bool regressed() const { return Count(Verdict::kRegressed) > 0; }
};

Result<Comparison> Compare(const std::vector<SummaryDocument>& base,
                           const std::vector<SummaryDocument>& next, const CompareOptions& options);

// One metric's verdict from its two sides (exposed for tests and the report).
MetricComparison CompareMetric(const MetricDef& metric, const std::vector<SummaryDocument>& base,
                               const std::vector<SummaryDocument>& next,
                               const CompareThresholds& thresholds);

}  // namespace kbench::results
