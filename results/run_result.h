// RunResult: one kbench run's results, and its JSON form (docs/results.md, schema_version 1).
// Written by the harness at the end of `kbench run`; read by `kbench compare`, `kbench report`,
// scripts/nightly and `kbench size --from`. Knows nothing of Kafka beyond the names of the fields.
//
// Contract: ToJson() always emits every required field; RunResultFromJson() refuses a document
// whose schema_version is missing or newer than kSchemaVersion, or that lacks a required field or
// has one of the wrong type, naming the field ("results.json: summary.produced.messages: missing
// (required)"). Optional sections missing from older or partial documents come back empty.
//
// Plain values; any thread.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "results/environment.h"
#include "results/hdr_histogram.h"

namespace kbench::results {

inline constexpr int kSchemaVersion = 1;

struct Throughput {
  int64_t messages = 0;
  int64_t bytes = 0;
  double msgs_per_sec = 0;
  double mb_per_sec = 0;  // MB = 10^6 bytes
};

// Milliseconds. Percentiles are empty (JSON null) when count is 0.
struct LatencySummary {
  std::optional<double> p50, p75, p95, p99, p999, p9999, max;
  double mean = 0;
  int64_t count = 0;
  std::optional<double> At(std::string_view percentile) const;  // "p99", "p999", "max", ...
};

// From a histogram of nanoseconds: HdrHistogram's percentiles, capped at the exact max so p9999
// never reads above max.
LatencySummary SummarizeLatencyNs(const HdrHistogram& h);

struct AuditSummary {
  int64_t acked = 0, consumed = 0, lost = 0, duplicated = 0, out_of_order = 0,
          unacked_delivered = 0;
  int64_t unconsumed = 0;  // acknowledged, still in the log, not read when the run ended
  bool loss_allowed = false;
};

struct ErrorSummary {
  int64_t produce = 0, consume = 0;
  std::map<std::string, int64_t> by_code;
};

struct SloResult {
  std::string percentile;
  double target_ms = 0;
  bool met = false;
};

struct Summary {
  Throughput produced, consumed;
  LatencySummary publish_latency_ms, publish_delay_ms, e2e_latency_ms;
  ErrorSummary errors;
  AuditSummary audit;
  std::optional<SloResult> slo;
  int64_t topics = 0, partitions = 0, brokers = 0, replication_factor = 0, producers = 0,
          consumers = 0;
};

struct TimeSeries {
  int64_t interval_ms = 1000;
  double measure_start_s = 0;
  std::vector<double> t_s;
  std::vector<double> produced_msgs_per_sec, produced_mb_per_sec, consumed_msgs_per_sec,
      consumed_mb_per_sec;
  std::vector<std::optional<double>> publish_p99_ms,
      e2e_p99_ms;  // null for an interval without samples
  std::vector<int64_t> lag_messages;
  std::map<std::string, std::vector<int64_t>> lag_by_partition;
};

struct EncodedHistogram {
  std::string unit = "ns";
  int64_t lowest = 1;
  int64_t highest = 3'600'000'000'000;
  int32_t significant_digits = 3;
  std::string encoding = "hdr-v2-deflate-base64";
  std::string data;
  static EncodedHistogram From(const HdrHistogram& h);
  Result<HdrHistogram> Decode() const;
};

struct MaxRateStep {
  double target_msgs_per_sec = 0, achieved_msgs_per_sec = 0;
  std::optional<double> p99_ms;
  int64_t backlog_growth_msgs = 0;
  bool held = false;
};

struct MaxRateResult {
  std::string slo_percentile;
  double slo_ms = 0;
  double found_msgs_per_sec = 0, found_mb_per_sec = 0;
  std::vector<MaxRateStep> steps;
};

struct LagGroupResult {
  std::string status;                             // OK | WARNING | ERROR
  std::map<std::string, std::string> partitions;  // OK | WARNING | STALLED | STOPPED | REWIND
};

struct FaultRecord {
  double t_s = 0;
  std::string action;
  int64_t broker = 0;
  bool ok = false;
  std::string detail;
};

struct UnavailabilityWindow {
  std::string partition;
  double from_s = 0, to_s = 0;
};

// consumerBacklogSizeGB: the backlog built with the consumers paused, and how they caught up.
struct BacklogResult {
  int64_t target_bytes = 0;                     // consumerBacklogSizeGB x 2^30
  int64_t built_messages = 0, built_bytes = 0;  // acknowledged while the consumers were paused
  double build_s = 0;
  std::string page_cache = "kept";  // kept | evicted | "not evicted: <why>"
  int64_t evicted_files = 0, evicted_bytes = 0, resident_bytes_before = 0, resident_bytes_after = 0;
  double resumed_at_s = 0;  // run time at which the consumers were resumed
  // From resuming until the consumers had delivered as many messages as the backlog held (per
  // subscription); unset when they never did within the run.
  std::optional<double> catch_up_s;
  std::optional<double> catch_up_mb_per_sec;  // backlog bytes x subscriptions / catch_up_s
};

struct RunInfo {
  std::string id, started_at, ended_at;  // ISO 8601 UTC
  double duration_s = 0, measure_s = 0, warmup_s = 0;
  std::string status = "completed";  // or "aborted: <why>"
};

struct TargetInfo {
  std::string kind;  // embedded | external | direct
  std::string bootstrap;
  int64_t brokers = 0;
  std::string data_dir;
};

struct RunResult {
  int schema_version = kSchemaVersion;
  std::string kbench_version, kbench_revision;
  RunInfo run;
  nlohmann::json workload = nlohmann::json::object();  // the resolved profile; must have "name"
  TargetInfo target;
  Environment environment;
  Summary summary;
  TimeSeries timeseries;
  std::map<std::string, EncodedHistogram>
      histograms;  // publish_latency, publish_delay, e2e_latency
  std::optional<MaxRateResult> max_rate;
  std::optional<BacklogResult> backlog;
  std::map<std::string, LagGroupResult> lag_status;
  std::vector<FaultRecord> faults;
  std::vector<UnavailabilityWindow> unavailability;
  nlohmann::json cluster =
      nlohmann::json::object();  // counters from the embedded cluster, as reported
};

nlohmann::json RunResultToJson(const RunResult& r);
// `source` names the document in errors (a path, "stdin").
Result<RunResult> RunResultFromJson(const nlohmann::json& j, std::string_view source);
Status WriteRunResultFile(const RunResult& r, const std::string& path);
Result<RunResult> ReadRunResultFile(const std::string& path);

// For readers that need only part of a document (kbench compare, the nightly trend): the same
// schema_version rule as RunResultFromJson ("schema_version 2 is not readable by ..."), and the
// `summary` object alone with the same required fields and messages ("r.json:
// summary.audit.lost: missing (required)").
Status CheckSchemaVersion(const nlohmann::json& j, std::string_view source);
Result<Summary> SummaryFromJson(const nlohmann::json& summary, std::string_view source);
// The file parsed as JSON; a syntax error names the file and byte.
Result<nlohmann::json> ReadJsonFile(const std::string& path);

}  // namespace kbench::results
