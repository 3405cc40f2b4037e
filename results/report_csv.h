// `kbench report --format csv`: the same content as the HTML report as CSV (RFC 4180: comma
// separated, CRLF-free "\n" line ends, fields with a comma, quote or newline quoted, quotes
// doubled), one header row naming each column with its unit:
//
//   SummaryCsv     one row per run: file, workload, variant, run id, start, status, revision,
//                  target, then every summary number (throughput, the three latency objects'
//                  percentiles, mean and count, errors, audit, SLO, topology)
//   TimeSeriesCsv  one row per run and interval: file, t_s, the per-interval series
//   TrendCsv       one row per history entry, profile and metric: the median of the entry's runs
// Empty cells for values a run does not have (null percentiles, missing series).
//
// Pure functions; any thread.
#pragma once

#include <string>
#include <vector>

#include "results/history.h"
#include "results/report_charts.h"

namespace kbench::results {

std::string SummaryCsv(const std::vector<ReportRun>& runs);
std::string TimeSeriesCsv(const std::vector<ReportRun>& runs);
std::string TrendCsv(const History& h);

std::string CsvField(std::string_view text);

}  // namespace kbench::results
