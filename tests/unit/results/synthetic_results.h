// Test-only builders of results documents with known contents, for the compare and report tests.
// A run's latencies come from a real HDR histogram (lognormal-ish spread around a median), so its
// summary percentiles and encoded histogram agree as they do in `kbench run` output.
#pragma once

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "results/run_result.h"
#include "results/summary_document.h"

namespace kbench::results::testing {

struct RunSpec {
  std::string name = "quickstart";
  double rate = 5000;           // msgs/s produced and consumed
  double publish_p50_ms = 2.0;  // median of the publish latency histogram
  double tail_factor = 4.0;     // p99 is about this many times the median
  int64_t samples = 20000;
  int64_t lost = 0;
  int64_t produce_errors = 0;
  uint32_t seed = 1;
  int intervals = 12;        // time series length
  bool with_faults = false;  // two faults and an unavailability window
  bool gaps_in_p99 = false;  // a null in the p99 series
};

inline HdrHistogram LatencyHistogram(double p50_ms, double tail_factor, int64_t samples,
                                     uint32_t seed) {
  HdrHistogram h;
  std::mt19937 rng(seed);
  // log-normal: sigma chosen so that p99 / p50 = tail_factor (z(0.99) = 2.326)
  std::lognormal_distribution<double> d(std::log(p50_ms * 1e6), std::log(tail_factor) / 2.326);
  for (int64_t i = 0; i < samples; ++i) h.Record(static_cast<int64_t>(d(rng)));
  return h;
}

inline RunResult MakeRun(const RunSpec& s) {
  RunResult r;
  r.kbench_version = "0.1.0";
  r.kbench_revision = "synthetic";
  r.run = {.id = "run-" + std::to_string(s.seed),
           .started_at = "2026-11-21T00:00:00Z",
           .ended_at = "2026-11-21T00:00:14Z",
           .duration_s = 14,
           .measure_s = 10,
           .warmup_s = 2,
           .status = "completed"};
  r.workload = {{"name", s.name},
                {"variant", ""},
                {"topics", 1},
                {"partitionsPerTopic", 6},
                {"messageSize", 1024},
                {"producerRate", 5000},
                {"topicConfig", nlohmann::json::object()},
                {"producerConfig", {{"acks", "all"}}},
                {"sourceFile", "workloads/quickstart.yaml"}};
  r.target.kind = "direct";
  r.environment.host = "test-host";
  r.environment.cpu_model = "Test CPU";
  r.environment.cores = 2;
  const HdrHistogram pub = LatencyHistogram(s.publish_p50_ms, s.tail_factor, s.samples, s.seed);
  const HdrHistogram e2e =
      LatencyHistogram(s.publish_p50_ms * 1.5, s.tail_factor, s.samples, s.seed + 1000);
  const HdrHistogram delay = LatencyHistogram(0.01, 3, s.samples / 2, s.seed + 2000);
  Summary& m = r.summary;
  const int64_t msgs = static_cast<int64_t>(s.rate * 10);
  m.produced = {msgs, msgs * 1024, s.rate, s.rate * 1024 / 1e6};
  m.consumed = m.produced;
  m.publish_latency_ms = SummarizeLatencyNs(pub);
  m.e2e_latency_ms = SummarizeLatencyNs(e2e);
  m.publish_delay_ms = SummarizeLatencyNs(delay);
  m.errors.produce = s.produce_errors;
  m.audit = {.acked = msgs, .consumed = msgs - s.lost, .lost = s.lost};
  m.slo = SloResult{"p99", 100, true};
  m.topics = 1, m.partitions = 6, m.brokers = 3, m.replication_factor = 3, m.producers = 1,
  m.consumers = 2;
  r.histograms["publish_latency"] = EncodedHistogram::From(pub);
  r.histograms["e2e_latency"] = EncodedHistogram::From(e2e);
  r.histograms["publish_delay"] = EncodedHistogram::From(delay);
  TimeSeries& t = r.timeseries;
  t.measure_start_s = 2;
  for (int i = 1; i <= s.intervals; ++i) {
    t.t_s.push_back(i);
    const double wobble = 1.0 + 0.02 * std::sin(i);
    t.produced_msgs_per_sec.push_back(s.rate * wobble);
    t.produced_mb_per_sec.push_back(s.rate * wobble * 1024 / 1e6);
    t.consumed_msgs_per_sec.push_back(s.rate / wobble);
    t.consumed_mb_per_sec.push_back(s.rate / wobble * 1024 / 1e6);
    const bool gap = s.gaps_in_p99 && i == s.intervals / 2;
    t.publish_p99_ms.push_back(gap ? std::nullopt
                                   : std::optional<double>(s.publish_p50_ms * s.tail_factor));
    t.e2e_p99_ms.push_back(s.publish_p50_ms * s.tail_factor * 1.5);
    t.lag_messages.push_back(static_cast<int64_t>(50 + 10 * i));
  }
  if (s.with_faults) {
    r.faults.push_back({4.0, "crash", 2, true, "SIGKILL"});
    r.faults.push_back({8.0, "restart", 2, true, ""});
    r.unavailability.push_back({"t-0", 4.1, 4.9});
  }
  return r;
}

inline SummaryDocument MakeDoc(const RunSpec& s, const std::string& source) {
  auto d = SummaryDocumentFromJson(RunResultToJson(MakeRun(s)), source);
  return std::move(d).value();
}

// A fresh directory under /tmp, removed with the object.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/kbench-results-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace kbench::results::testing
