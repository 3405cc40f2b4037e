// `kbench report`: one self-contained HTML page (inline CSS and SVG; no script, no external
// fetches) for one or several runs side by side, optionally preceded by the nightly trend of a
// history directory:
//
//   trend (with a history)  per profile, the median of each metric per night (results/history.h)
//   runs                    one color per run: file, workload, run id, start, status, revision
//   summary                 throughput, latency percentiles, delay, errors, audit, SLO per run
//   latency spectrum        one chart per histogram (log axis of 1/(1-p): 90%, 99%, 99.9% ...)
//   over time               throughput, p99 and lag, with faults, unavailability windows and the
//                           start of measurement overlaid; the maximum-rate curve when searched
//   faults                  the fault timeline and unavailability windows as tables
//   environment             host, CPU, memory, kernel, OS, disk per run
// Chart ids and data attributes: results/report_charts.h and results/svg_chart.h.
//
// Pure functions; any thread.
#pragma once

#include <string>
#include <vector>

#include "core/base/result.h"
#include "results/history.h"
#include "results/report_charts.h"

namespace kbench::results {

struct ReportOptions {
  std::string title = "kbench report";
  std::string generated_at;          // shown in the header ("" = not shown)
  const History* history = nullptr;  // not owned; adds the trend section when set
};

// Fails only when a run's histogram does not decode (naming the file and histogram).
Result<std::string> RenderHtmlReport(const std::vector<ReportRun>& runs,
                                     const ReportOptions& options);

// Text for HTML element content and attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace kbench::results
