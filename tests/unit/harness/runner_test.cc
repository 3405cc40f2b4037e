// A whole run (topics -> consumers -> open-loop producers -> warm-up -> measure -> drain -> audit
// -> results JSON + .hlog files) against librdkafka's mock cluster, which stands in for any Kafka
// cluster reached with --bootstrap.
#include "harness/runner.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <unistd.h>

#include <filesystem>

#include "results/hdr_log.h"

namespace kbench::harness {
namespace {

class RunnerTest : public ::testing::Test {
 protected:
  RunnerTest() {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
    owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    mock_ = rd_kafka_mock_cluster_new(owner_, 3);
    char tmpl[] = "/tmp/kbench-run-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~RunnerTest() override {
    rd_kafka_mock_cluster_destroy(mock_);
    rd_kafka_destroy(owner_);
    std::filesystem::remove_all(dir_);
  }

  Workload Load(const std::string& yaml, std::vector<std::string> sets = {}) {
    WorkloadLoadOptions o;
    o.embedded = false;
    o.overrides = std::move(sets);
    auto w = LoadWorkloadText(yaml, "test.yaml", o);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? w->front() : Workload{};
  }

  RunnerOptions Options(const std::string& prefix) {
    RunnerOptions o;
    o.bootstrap = rd_kafka_mock_cluster_bootstraps(mock_);
    o.output_json = dir_ + "/out.json";
    o.topic_prefix = prefix;
    o.create_topics = false;  // the mock cluster has no CreateTopics: topics are made below
    o.data_dir = dir_;
    o.progress = nullptr;
    return o;
  }

  rd_kafka_t* owner_;
  rd_kafka_mock_cluster_t* mock_;
  std::string dir_;
};

constexpr char kProfile[] = R"(name: mock-run
topics: 1
partitionsPerTopic: 3
replicationFactor: 3
messageSize: 256
producersPerTopic: 2
subscriptionsPerTopic: 1
consumerPerSubscription: 1
producerRate: 400
testDurationSeconds: 3
warmupDurationSeconds: 5
drainTimeoutSeconds: 20
producerConfig: {acks: all, linger.ms: 1}
topicConfig: {min.insync.replicas: 2}
latencySlo: {percentile: p99, ms: 60000, metric: e2e}
)";

TEST_F(RunnerTest, RunProducesAuditedResultsAndHlogs) {
  rd_kafka_mock_topic_create(mock_, "kbt-0", 3, 3);
  const Workload w = Load(kProfile);
  auto r = RunWorkload(w, Options("kbt"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const results::Summary& s = r->summary;
  // 8 s at 400 msg/s: every scheduled message acknowledged and consumed exactly once.
  EXPECT_EQ(s.audit.acked, 3200);
  EXPECT_EQ(s.audit.consumed, 3200);
  EXPECT_EQ(s.audit.lost, 0);
  EXPECT_EQ(s.audit.duplicated, 0);
  EXPECT_FALSE(s.audit.loss_allowed);  // acks=all, min.insync.replicas 2
  EXPECT_GT(s.produced.messages, 0);
  EXPECT_LT(s.produced.messages, 3200);  // the measurement phase only
  EXPECT_GT(s.e2e_latency_ms.count, 0);
  EXPECT_EQ(s.publish_delay_ms.count,
            s.publish_latency_ms.count > 0 ? s.publish_delay_ms.count : 0);
  ASSERT_TRUE(s.slo.has_value());
  EXPECT_TRUE(s.slo->met);
  EXPECT_EQ(s.brokers, 3);
  EXPECT_EQ(r->target.kind, "external");
  EXPECT_FALSE(r->timeseries.t_s.empty());
  EXPECT_GT(r->timeseries.measure_start_s, 4.0);
  EXPECT_EQ(r->lag_status.size(), 1u);

  auto back = results::ReadRunResultFile(dir_ + "/out.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->workload["name"], "mock-run");
  EXPECT_EQ(back->summary.audit.acked, 3200);
  auto hlog = results::ReadHdrLogFile(dir_ + "/out.publish_latency.hlog");
  ASSERT_TRUE(hlog.ok()) << hlog.status().ToString();
  int64_t total = 0;
  for (const auto& i : hlog->intervals) total += i.histogram.TotalCount();
  EXPECT_EQ(total, 3200);  // every acknowledgement, warm-up included, in some interval
}

TEST_F(RunnerTest, LossAllowedFollowsTheConfiguration) {
  rd_kafka_mock_topic_create(mock_, "kbl-0", 3, 3);
  const Workload w =
      Load(kProfile, {"producerConfig.acks=1", "testDurationSeconds=1", "warmupDurationSeconds=0"});
  auto r = RunWorkload(w, Options("kbl"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->summary.audit.loss_allowed);
  EXPECT_EQ(r->summary.audit.lost, 0);
  // No warm-up: the consumer joins after the producers finished; the drain phase lets it catch up.
  EXPECT_EQ(r->summary.audit.acked, 400);
  EXPECT_EQ(r->summary.audit.consumed, 400);
}

TEST_F(RunnerTest, MaxRateSearchRecordsItsStepsAndMeasuresAtTheRateFound) {
  rd_kafka_mock_topic_create(mock_, "kbm-0", 3, 3);
  const Workload w = Load(
      kProfile, {"producerRate=0", "latencySlo={percentile: p99, ms: 60000, metric: publish}",
                 "maxRateSearch={minRate: 100, maxRate: 800, stepSeconds: 1.5, precision: 0.2}",
                 "warmupDurationSeconds=3", "testDurationSeconds=1"});
  RunnerOptions o = Options("kbm");
  o.interval_ms = 250;  // short steps need short intervals to be judged on
  auto r = RunWorkload(w, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->max_rate.has_value());
  const results::MaxRateResult& m = *r->max_rate;
  ASSERT_EQ(m.steps.size(),
            4u);  // 100, 200, 400, 800: every step holds a 60 s SLO; 800 is the ceiling
  EXPECT_EQ(m.steps[0].target_msgs_per_sec, 100);
  EXPECT_EQ(m.steps[3].target_msgs_per_sec, 800);
  for (const results::MaxRateStep& s : m.steps) EXPECT_TRUE(s.held) << s.target_msgs_per_sec;
  EXPECT_EQ(m.found_msgs_per_sec, 800);
  EXPECT_EQ(r->summary.audit.lost, 0);
  EXPECT_EQ(r->summary.audit.acked, r->summary.audit.consumed);
  // 3 s warm-up at 100/s + 1.5 s at each of 100, 200, 400, 800 + 1 s measured at 800.
  EXPECT_EQ(r->summary.audit.acked, 300 + 150 + 300 + 600 + 1200 + 800);
}

TEST_F(RunnerTest, MaxRateSearchReportsZeroWhenEvenTheFloorMissesTheSlo) {
  rd_kafka_mock_topic_create(mock_, "kbz-0", 3, 3);
  const Workload w = Load(
      kProfile, {"producerRate=0", "latencySlo={percentile: p99, ms: 0.000001, metric: publish}",
                 "maxRateSearch={minRate: 100, maxRate: 800, stepSeconds: 1.5}",
                 "warmupDurationSeconds=0", "testDurationSeconds=1"});
  RunnerOptions o = Options("kbz");
  o.interval_ms = 250;
  auto r = RunWorkload(w, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->max_rate.has_value());
  EXPECT_EQ(r->max_rate->steps.size(), 1u);
  EXPECT_FALSE(r->max_rate->steps[0].held);
  EXPECT_EQ(r->max_rate->found_msgs_per_sec, 0);
  ASSERT_TRUE(r->summary.slo.has_value());
  EXPECT_FALSE(r->summary.slo->met);
}

// The kafka driver builds a backlog too: consumers join, are paused (librdkafka pause_partitions)
// while it is written, then read it while producers go on. The brokers' page cache is out of reach
// with --bootstrap: the results say it was not evicted.
TEST_F(RunnerTest, BacklogWithPausedConsumersOnAnExternalClusterIsNotEvicted) {
  rd_kafka_mock_topic_create(mock_, "kbb-0", 3, 3);
  const Workload w = Load(kProfile, {"consumerBacklogSizeGB=0.0001", "backlogPageCache=evict",
                                     "warmupDurationSeconds=1", "testDurationSeconds=1"});
  auto r = RunWorkload(w, Options("kbb"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->backlog.has_value());
  const results::BacklogResult& b = *r->backlog;
  EXPECT_GE(b.built_messages, 420);  // 0.0001 GiB of 256 B messages
  EXPECT_EQ(b.page_cache.rfind("not evicted: ", 0), 0u) << b.page_cache;
  EXPECT_NE(b.page_cache.find("--bootstrap"), std::string::npos) << b.page_cache;
  const results::TimeSeries& ts = r->timeseries;
  for (size_t i = 0; i < ts.t_s.size() && ts.t_s[i] <= b.resumed_at_s - 0.01; ++i)
    EXPECT_EQ(ts.consumed_msgs_per_sec[i], 0) << "interval ending at " << ts.t_s[i];
  EXPECT_TRUE(b.catch_up_s.has_value());
  EXPECT_EQ(r->summary.audit.acked, b.built_messages + 800);
  EXPECT_EQ(r->summary.audit.consumed, r->summary.audit.acked);
  EXPECT_EQ(r->summary.audit.lost, 0);
}

TEST_F(RunnerTest, AFaultScheduleAgainstAnExternalClusterIsRefusedAsBadInput) {
  RunnerOptions o = Options("kbx");
  const Status st =
      RunWorkload(
          Load(std::string(kProfile) + "faults: [{atSeconds: 1, action: crash, broker: 1}]\n"), o)
          .status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("fault schedule"), std::string_view::npos) << st.message();
  EXPECT_NE(st.message().find("--bootstrap"), std::string_view::npos) << st.message();
}

TEST_F(RunnerTest, TopicsThatDoNotMatchStopTheRunBeforeItStarts) {
  // Topics that are not there (or have the wrong partition count) stop the run before it starts.
  rd_kafka_mock_topic_create(mock_, "kbw-0", 5, 3);
  auto wrong = RunWorkload(Load(kProfile), Options("kbw"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("has 5 partitions, the profile needs 3"),
            std::string_view::npos)
      << wrong.status().message();
}

TEST(VariantOutputPath, InsertsTheVariantBeforeJson) {
  EXPECT_EQ(VariantOutputPath("r/out.json", "acks-1"), "r/out.acks-1.json");
  EXPECT_EQ(VariantOutputPath("r/out.json", ""), "r/out.json");
}

}  // namespace
}  // namespace kbench::harness
