#include "harness/run_metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "results/hdr_log.h"

namespace kbench::harness {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/kbench-metrics-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(RunMetrics, WarmupIsDiscardedAndIntervalsBecomeSeriesHistogramsAndHlogs) {
  TempDir dir;
  RunMetricsOptions o;
  o.start_wall_ms = 1'700'000'000'000;
  o.hlog_base = dir.path() + "/run";
  auto m = RunMetrics::Create(o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  LatencyRecorder* pub = (*m)->recorders(Metric::kPublishLatency).NewRecorder();
  LatencyRecorder* e2e = (*m)->recorders(Metric::kE2eLatency).NewRecorder();

  for (int i = 0; i < 100; ++i) pub->Record(50'000'000);  // warm-up: 50 ms, must not count
  ASSERT_TRUE((*m)->CloseInterval(1.0, false, {1000, 100'000, 900, 90'000}, {{"t-0", 100}}).ok());
  for (int i = 0; i < 100; ++i) pub->Record(2'000'000);
  for (int i = 0; i < 100; ++i) e2e->Record(3'000'000);
  ASSERT_TRUE(
      (*m)->CloseInterval(2.0, true, {3000, 300'000, 2900, 290'000}, {{"t-0", 100}, {"t-1", 5}})
          .ok());
  for (int i = 0; i < 100; ++i) pub->Record(4'000'000);
  ASSERT_TRUE((*m)->CloseInterval(3.0, true, {5000, 500'000, 5000, 500'000}, {{"t-0", 0}}).ok());
  ASSERT_TRUE((*m)->Finish().ok());

  const results::TimeSeries& ts = (*m)->timeseries();
  EXPECT_EQ(ts.t_s, (std::vector<double>{1, 2, 3}));
  EXPECT_DOUBLE_EQ(ts.measure_start_s, 1.0);
  EXPECT_EQ(ts.produced_msgs_per_sec, (std::vector<double>{1000, 2000, 2000}));
  EXPECT_EQ(ts.consumed_msgs_per_sec, (std::vector<double>{900, 2000, 2100}));
  EXPECT_NEAR(*ts.publish_p99_ms[0], 50.0, 0.1);
  EXPECT_FALSE(ts.e2e_p99_ms[0].has_value());  // no samples in that interval
  EXPECT_EQ(ts.lag_messages, (std::vector<int64_t>{100, 105, 5}));
  EXPECT_EQ(ts.lag_by_partition.at("t-1"), (std::vector<int64_t>{0, 5, 5}));  // carried: no report

  results::RunResult r;
  (*m)->FillResult(&r);
  EXPECT_EQ(r.summary.publish_latency_ms.count, 200);  // measurement phase only
  EXPECT_NEAR(*r.summary.publish_latency_ms.max, 4.0, 0.01);
  EXPECT_NEAR(*r.summary.e2e_latency_ms.p50, 3.0, 0.01);
  EXPECT_EQ(r.summary.publish_delay_ms.count, 0);
  EXPECT_EQ(r.summary.produced.messages, 4000);
  EXPECT_DOUBLE_EQ(r.summary.produced.msgs_per_sec, 2000);
  EXPECT_DOUBLE_EQ(r.summary.produced.mb_per_sec, 0.2);
  EXPECT_DOUBLE_EQ(r.run.measure_s, 2.0);
  auto h = r.histograms.at("publish_latency").Decode();
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->TotalCount(), 200);

  auto log = results::ReadHdrLogFile(dir.path() + "/run.publish_latency.hlog");
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_EQ(log->intervals.size(), 3u);  // warm-up included in the log
  EXPECT_EQ(log->intervals[0].tag, "publish_latency");
  EXPECT_EQ(log->intervals[0].histogram.TotalCount(), 100);
  EXPECT_NEAR(log->intervals[2].start_s, 1'700'000'002.0, 1e-3);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/run.e2e_latency.hlog"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/run.publish_delay.hlog"));
}

TEST(RunMetrics, WithoutHlogBaseWritesNoFiles) {
  auto m = RunMetrics::Create({});
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE((*m)->CloseInterval(1.0, true, {}, {}).ok());
  ASSERT_TRUE((*m)->Finish().ok());
  results::RunResult r;
  (*m)->FillResult(&r);
  EXPECT_FALSE(r.summary.e2e_latency_ms.p99.has_value());
  EXPECT_EQ(r.histograms.size(), 3u);
}

}  // namespace
}  // namespace kbench::harness
