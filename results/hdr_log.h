// The HdrHistogram V2 log format (.hlog), as HdrHistogram's HistogramLogWriter writes and
// HistogramLogReader / HistogramLogAnalyzer read it:
//
//   #[Histogram log format version 1.3]
//   #[StartTime: 1700000000.000 (seconds since epoch), 2023-11-14T22:13:20Z]
//   #[BaseTime: 1700000000.000 (seconds since epoch)]
//   "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
//   Tag=publish_latency,0.000,1.000,3.145,HISTFAAAA...
//
// One line per interval: optional Tag=<tag> (no commas, spaces or line breaks), the interval's
// start in seconds relative to BaseTime, its length in seconds, its largest value divided by
// max_value_unit_ratio (1e6: nanoseconds shown as milliseconds, HdrHistogram's convention) and the
// compressed V2 histogram in base64 (results/hdr_encoding.h).
//
// HdrLogWriter owns its FILE and is used by one thread (the harness's collector). HdrLogReader
// parses a whole file; it accepts logs written by HdrHistogram's tools (absolute or relative
// timestamps) and refuses a malformed line with its line number.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "results/hdr_histogram.h"

namespace kbench::results {

class HdrLogWriter {
 public:
  // Creates (truncates) `path` and writes the header: format version, StartTime, BaseTime (both in
  // ms since the epoch), optional comment lines, legend.
  static Result<HdrLogWriter> Create(const std::string& path, int64_t start_time_ms,
                                     int64_t base_time_ms,
                                     const std::vector<std::string>& comments = {});
  HdrLogWriter(HdrLogWriter&& other) noexcept;
  HdrLogWriter& operator=(HdrLogWriter&& other) noexcept;
  HdrLogWriter(const HdrLogWriter&) = delete;
  HdrLogWriter& operator=(const HdrLogWriter&) = delete;
  ~HdrLogWriter();

  // Appends one interval. start_ms is absolute (ms since the epoch); it is written relative to
  // BaseTime.
  Status WriteInterval(const HdrHistogram& h, int64_t start_ms, int64_t length_ms,
                       std::string_view tag = {}, double max_value_unit_ratio = 1e6);
  // Flushes and closes; reports a write error that happened on the way.
  Status Close();
  const std::string& path() const { return path_; }

 private:
  HdrLogWriter(std::FILE* file, std::string path) : file_(file), path_(std::move(path)) {}
  std::FILE* file_ = nullptr;
  std::string path_;
  int64_t base_time_ms_ = 0;
};

struct HdrLogInterval {
  std::string tag;     // empty when the line had none
  double start_s = 0;  // absolute start, seconds since the epoch (BaseTime + the line's timestamp)
  double length_s = 0;
  double max = 0;  // the line's Interval_Max column, as written
  HdrHistogram histogram;
};

struct HdrLog {
  double start_time_s = 0;  // from #[StartTime: ...], 0 when absent
  double base_time_s = 0;   // from #[BaseTime: ...], 0 when absent
  std::vector<HdrLogInterval> intervals;
};

Result<HdrLog> ParseHdrLog(std::string_view text, std::string_view name = "hlog");
Result<HdrLog> ReadHdrLogFile(const std::string& path);

}  // namespace kbench::results
