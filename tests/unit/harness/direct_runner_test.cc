// The runner with the direct driver: the same phases, intervals, metrics and max-rate search as
// with the kafka driver (runner_test.cc), against the storage engine in-process.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "harness/runner.h"

namespace kbench::harness {
namespace {

constexpr char kProfile[] = R"(name: direct-runner
topics: 2
partitionsPerTopic: 3
replicationFactor: 1
messageSize: 120
producersPerTopic: 1
subscriptionsPerTopic: 1
consumerPerSubscription: 2
producerRate: 4000
warmupDurationSeconds: 1.5
testDurationSeconds: 2
drainTimeoutSeconds: 20
producerConfig: {linger.ms: 1}
latencySlo: {percentile: p99, ms: 60000, metric: publish}
)";

class DirectRunnerTest : public ::testing::Test {
 protected:
  DirectRunnerTest() {
    char tmpl[] = "/tmp/kbench-direct-runner-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~DirectRunnerTest() override { std::filesystem::remove_all(dir_); }

  Workload Load(std::vector<std::string> sets = {}) {
    WorkloadLoadOptions o;
    o.overrides = std::move(sets);
    auto w = LoadWorkloadText(kProfile, "runner.yaml", o);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? w->front() : Workload{};
  }

  RunnerOptions Options() {
    RunnerOptions o;
    o.driver = DriverKind::kDirect;
    o.data_dir = dir_ + "/data";
    o.output_json = dir_ + "/out.json";
    o.progress = nullptr;
    o.interval_ms = 500;
    return o;
  }

  std::string dir_;
};

// The measurement covers the measure phase only: its first interval starts where the warm-up ends
// (1.5 s, not on a whole interval), its last ends with the schedule.
TEST_F(DirectRunnerTest, MeasurementCoversTheMeasurePhaseOnly) {
  auto r = RunWorkload(Load(), Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const results::Summary& s = r->summary;
  EXPECT_EQ(s.audit.acked, 4000 * 35 / 10);  // 3.5 s of schedule (the rate is the total)
  EXPECT_EQ(s.audit.consumed, s.audit.acked);
  EXPECT_EQ(s.audit.lost, 0);
  EXPECT_NEAR(r->timeseries.measure_start_s, 1.5, 0.25);
  EXPECT_NEAR(r->run.measure_s, 2.0, 0.25);
  EXPECT_NEAR(static_cast<double>(s.produced.messages), 4000 * 2, 4000 * 2 * 0.15);
  EXPECT_EQ(r->target.kind, "direct");
  EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/data"));  // the run's logs were removed
}

TEST_F(DirectRunnerTest, MaxRateSearchRunsOnTheDirectDriver) {
  RunnerOptions o = Options();
  o.interval_ms = 250;
  auto r = RunWorkload(
      Load({"producerRate=0", "maxRateSearch={minRate: 1000, maxRate: 8000, stepSeconds: 1.5}",
            "warmupDurationSeconds=0.5", "testDurationSeconds=1"}),
      o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->max_rate.has_value());
  ASSERT_EQ(r->max_rate->steps.size(), 4u);  // 1000, 2000, 4000, 8000: a 60 s SLO holds
  for (const results::MaxRateStep& step : r->max_rate->steps) EXPECT_TRUE(step.held);
  EXPECT_EQ(r->max_rate->found_msgs_per_sec, 8000);
  EXPECT_EQ(r->summary.audit.lost, 0);
  EXPECT_EQ(r->summary.audit.acked, r->summary.audit.consumed);
}

// Slow consumers that the drain timeout cuts off leave a backlog: counted as unconsumed, not lost,
// so the profile's no-loss promise (acks=all, min.insync.replicas 2) still holds.
TEST_F(DirectRunnerTest, BacklogLeftWhenTheDrainTimesOutIsUnconsumedNotLost) {
  auto r = RunWorkload(
      Load({"consumerProcessingDelayMs=2", "drainTimeoutSeconds=0.5", "warmupDurationSeconds=0.5",
            "testDurationSeconds=1", "producerConfig.acks=all", "replicationFactor=3",
            "topicConfig.min.insync.replicas=2"}),
      Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const results::AuditSummary& a = r->summary.audit;
  EXPECT_FALSE(a.loss_allowed);
  EXPECT_EQ(a.acked, 4000 * 15 / 10);
  EXPECT_EQ(a.lost, 0);
  EXPECT_GT(a.unconsumed, 0);
  EXPECT_EQ(a.consumed - a.duplicated + a.unconsumed, a.acked);
}

// consumerBacklogSizeGB + backlogPageCache evict: the backlog is written with the consumers paused
// (nothing consumed meanwhile), its segments dropped from the page cache, then read back while the
// producers go on; nothing is lost and the catch-up is timed.
TEST_F(DirectRunnerTest, BacklogIsBuiltWithConsumersPausedEvictedAndCaughtUp) {
  const double gb = 4.0 / 1024;  // 4 MiB: 1,000 messages of 4 KiB
  auto r = RunWorkload(Load({"messageSize=4194", fmt::format("consumerBacklogSizeGB={}", gb),
                             "backlogPageCache=evict", "producerRate=2000",
                             "warmupDurationSeconds=0.5", "testDurationSeconds=1.5"}),
                       Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->backlog.has_value());
  const results::BacklogResult& b = *r->backlog;
  EXPECT_EQ(b.target_bytes, 4 << 20);
  EXPECT_GE(b.built_messages, 1001);  // ceil(4 MiB / 4,194 B), each producer's schedule rounded up
  EXPECT_LE(b.built_messages, 1001 + 2);
  EXPECT_GE(b.built_bytes, b.target_bytes);
  EXPECT_EQ(b.page_cache, "evicted");
  EXPECT_GT(b.evicted_files, 0);
  EXPECT_GE(b.evicted_bytes, b.built_bytes);
  EXPECT_LT(b.resident_bytes_after, b.evicted_bytes / 4);
  // Nothing was read before the consumers were resumed: the consumed series is zero until then.
  const results::TimeSeries& ts = r->timeseries;
  for (size_t i = 0; i < ts.t_s.size() && ts.t_s[i] <= b.resumed_at_s - 0.01; ++i)
    EXPECT_EQ(ts.consumed_msgs_per_sec[i], 0) << "interval ending at " << ts.t_s[i];
  ASSERT_TRUE(b.catch_up_s.has_value());
  EXPECT_GT(*b.catch_up_mb_per_sec, 0);
  const results::AuditSummary& a = r->summary.audit;
  EXPECT_EQ(a.acked, b.built_messages + 2000 * 2);
  EXPECT_EQ(a.lost, 0);
  EXPECT_EQ(a.unconsumed, 0);
  EXPECT_EQ(a.consumed, a.acked);
}

TEST_F(DirectRunnerTest, ABadProfilePropertyStopsTheRunBeforeAnythingIsWritten) {
  auto r = RunWorkload(Load({"consumerConfig.fetch.wait.max.ms=soon"}), Options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("consumerConfig.fetch.wait.max.ms"), std::string_view::npos)
      << r.status().message();
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/out.json"));
}

}  // namespace
}  // namespace kbench::harness
