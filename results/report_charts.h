// The charts of `kbench report` (results/report_html.h), built from results as LineChart specs
// (results/svg_chart.h), one color per run (several runs side by side in every chart):
//
//   spectrum-<key>   latency percentile spectrum of each histogram (publish_latency, e2e_latency,
//                    publish_delay), decoded from the results JSON (results/percentile_spectrum.h)
//   throughput       produced (solid) and consumed (dashed) msgs/s over time
//   latency-time     publish p99 (solid) and end-to-end p99 (dashed) per interval
//   lag              consumer lag (messages) over time
//   max-rate         p99 against the achieved rate of each max-rate search step, when present
//   trend-<profile>-<group>  nightly trends: median per history entry of each metric in a group
// Time charts carry the fault timeline: a marker per fault (class "fault"), a band per
// unavailability window (class "unavailability") and the start of measurement
// (class "measure-start"), in the run's color.
//
// Pure functions; any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "results/history.h"
#include "results/run_result.h"
#include "results/svg_chart.h"

namespace kbench::results {

struct ReportRun {
  std::string source;  // the file it came from
  RunResult result;
  std::string Label() const;  // the file's name, for legends
};

// A color per run index (Okabe-Ito palette, distinguishable with color blindness), cycling.
std::string RunColor(size_t index);

inline constexpr const char* kSpectrumKeys[] = {"publish_latency", "e2e_latency", "publish_delay"};

// One chart per histogram key that any run has; fails naming the file and key when a histogram
// does not decode.
Result<std::vector<LineChart>> SpectrumCharts(const std::vector<ReportRun>& runs);
// nullopt when no run has the data (no time series, no lag, no max-rate search).
std::optional<LineChart> ThroughputChart(const std::vector<ReportRun>& runs);
std::optional<LineChart> LatencyTimeChart(const std::vector<ReportRun>& runs);
std::optional<LineChart> LagChart(const std::vector<ReportRun>& runs);
std::optional<LineChart> MaxRateChart(const std::vector<ReportRun>& runs);

// Per profile of the history: throughput, publish latency, end-to-end latency, loss and errors;
// x = entry index (labelled with the entry name), y = the median of the entry's runs.
struct TrendGroup {
  std::string key, title, unit;
  std::vector<std::string> metric_ids;  // results/metric_catalog.h ids
};
const std::vector<TrendGroup>& TrendGroups();
std::vector<LineChart> TrendCharts(const History& h, const std::string& profile);

}  // namespace kbench::results
