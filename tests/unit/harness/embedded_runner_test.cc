// Whole runs against the bundled replicated cluster (harness/embedded_driver.h), in-process with
// real librdkafka clients on loopback: the durability audit counts acknowledged messages an acks=1
// failover loses and none with acks=all; a broker stalled (SIGSTOP-like Pause) for a second during
// a constant-rate run shows up as >= 1 s at the top of the latency distribution, not as a lower
// rate; faults, elections and cluster counters reach the results.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "harness/embedded_driver.h"
#include "harness/runner.h"

namespace kbench::harness {
namespace {

namespace fs = std::filesystem;

// Loopback timings (as the cluster's own tests use): failures noticed in 400 ms.
constexpr char kFastCluster[] = R"(cluster:
  brokers: BROKERS
  brokerConfig:
    broker.heartbeat.interval.ms: 50
    broker.session.timeout.ms: 400
    replica.lag.time.max.ms: 2000
    replica.fetch.wait.max.ms: 100
    replica.fetch.backoff.ms: 50
    offsets.topic.num.partitions: 1
    group.initial.rebalance.delay.ms: 0
)";

class EmbeddedRunnerTest : public ::testing::Test {
 protected:
  EmbeddedRunnerTest() {
    char tmpl[] = "/tmp/kbench-embedded-run-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~EmbeddedRunnerTest() override { fs::remove_all(dir_); }

  static Workload Load(std::string yaml, int brokers, std::vector<std::string> sets = {}) {
    std::string cluster = kFastCluster;
    cluster.replace(cluster.find("BROKERS"), 7, std::to_string(brokers));
    WorkloadLoadOptions o;
    o.overrides = std::move(sets);
    auto w = LoadWorkloadText(yaml + cluster, "test.yaml", o);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? w->front() : Workload{};
  }

  RunnerOptions Options() const {
    RunnerOptions o;
    o.output_json = dir_ + "/out.json";
    o.data_dir = dir_;
    o.progress = nullptr;
    return o;
  }

  std::string dir_;
};

constexpr char kFailover[] = R"(name: failover
topics: 1
partitionsPerTopic: 1
replicationFactor: 2
messageSize: 200
producersPerTopic: 1
subscriptionsPerTopic: 1
consumerPerSubscription: 1
producerRate: 1000
testDurationSeconds: 5
warmupDurationSeconds: 1
drainTimeoutSeconds: 20
producerConfig: {linger.ms: 1, retries: 2147483647, delivery.timeout.ms: 30000}
)";

// acks=1: the leader acknowledges what its follower has not copied (the follower's fetchers are
// held), then crashes; the follower, still in the ISR, is elected cleanly without those messages.
// The audit reports them lost, and the promise check knows acks=1 allowed it.
TEST_F(EmbeddedRunnerTest, AcksOneLeaderCrashLosesAcknowledgedMessagesAndTheAuditCountsThem) {
  const Workload w = Load(kFailover, 2,
                          {"producerConfig.acks=1", "topicConfig.min.insync.replicas=1",
                           "topicConfig.unclean.leader.election.enable=false",
                           // the lost messages never arrive: the drain would wait it all out
                           "drainTimeoutSeconds=5"});
  RunnerOptions o = Options();
  o.topic_prefix = "loss";
  auto driver = EmbeddedDriver::Create(w, {.data_dir = dir_, .run_id = "loss"});
  ASSERT_TRUE(driver.ok()) << driver.status().ToString();
  broker::EmbeddedCluster* cluster = &(*driver)->cluster();
  std::thread breaker([cluster] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    const auto topic = cluster->controller().Topic("loss-0");
    ASSERT_TRUE(topic.has_value());
    const BrokerId leader = topic->partitions[0].leader;
    const BrokerId follower = leader == BrokerId(1) ? BrokerId(2) : BrokerId(1);
    ASSERT_TRUE(cluster->HoldFollowerFetchers(follower, true).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(700));  // ~700 acked, never copied
    ASSERT_TRUE(cluster->Crash(leader).ok());
    ASSERT_TRUE(cluster->HoldFollowerFetchers(follower, false).ok());
  });
  auto r = RunWorkloadWith(w, o, std::move(*driver));
  breaker.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const results::AuditSummary& a = r->summary.audit;
  EXPECT_GT(a.lost, 100) << "acked " << a.acked << " consumed " << a.consumed;
  EXPECT_TRUE(a.loss_allowed);
  EXPECT_GE(r->cluster.value("leader_elections", int64_t{0}), 1);
  EXPECT_EQ(r->target.kind, "embedded");
}

// acks=all without idempotence: the follower's fetchers are held for 1.5 s, so the leader cannot
// acknowledge; the producer's requests time out (request.timeout.ms 400) and it sends the same
// batches again, which the leader appends again. Once the follower copies, every copy is committed
// and the consumers read them all: the audit counts the extra deliveries as duplicates, and nothing
// as lost.
TEST_F(EmbeddedRunnerTest, RetriedAcksAllBatchesAreCountedAsDuplicates) {
  const Workload w =
      Load(kFailover, 2,
           {"producerConfig.acks=all", "producerConfig.enable.idempotence=false",
            "producerConfig.request.timeout.ms=400", "topicConfig.min.insync.replicas=2"});
  RunnerOptions o = Options();
  o.topic_prefix = "dup";
  auto driver = EmbeddedDriver::Create(w, {.data_dir = dir_, .run_id = "dup"});
  ASSERT_TRUE(driver.ok()) << driver.status().ToString();
  broker::EmbeddedCluster* cluster = &(*driver)->cluster();
  std::thread holder([cluster] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    const auto topic = cluster->controller().Topic("dup-0");
    ASSERT_TRUE(topic.has_value());
    const BrokerId follower =
        topic->partitions[0].leader == BrokerId(1) ? BrokerId(2) : BrokerId(1);
    ASSERT_TRUE(cluster->HoldFollowerFetchers(follower, true).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ASSERT_TRUE(cluster->HoldFollowerFetchers(follower, false).ok());
  });
  auto r = RunWorkloadWith(w, o, std::move(*driver));
  holder.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const results::AuditSummary& a = r->summary.audit;
  EXPECT_GT(a.duplicated, 0) << "acked " << a.acked << " consumed " << a.consumed;
  EXPECT_EQ(a.lost, 0);
  EXPECT_FALSE(a.loss_allowed);
}

// acks=all with min.insync.replicas 2 on three brokers: the profile's schedule crashes broker 1
// (the leader of some partitions) and restarts it; nothing acknowledged is lost, the faults and
// the elections they caused are in the results.
TEST_F(EmbeddedRunnerTest, AcksAllSurvivesTheProfilesCrashAndRestartWithNothingLost) {
  const Workload w = Load(std::string(kFailover) +
                              "faults:\n  - {atSeconds: 2, action: crash, broker: 1}\n"
                              "  - {atSeconds: 4, action: restart, broker: 1}\n",
                          3,
                          {"partitionsPerTopic=3", "replicationFactor=3", "producerConfig.acks=all",
                           "topicConfig.min.insync.replicas=2"});
  auto r = RunWorkload(w, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const results::AuditSummary& a = r->summary.audit;
  EXPECT_GT(a.acked, 3000);
  EXPECT_EQ(a.lost, 0);
  EXPECT_EQ(a.unconsumed, 0);
  EXPECT_FALSE(a.loss_allowed);
  ASSERT_EQ(r->faults.size(), 2u);
  EXPECT_EQ(r->faults[0].action, "crash");
  EXPECT_TRUE(r->faults[0].ok) << r->faults[0].detail;
  EXPECT_GE(r->faults[0].t_s, 2.0);  // on the run's clock, never early
  EXPECT_EQ(r->faults[1].action, "restart");
  EXPECT_TRUE(r->faults[1].ok) << r->faults[1].detail;
  EXPECT_GE(r->cluster.value("leader_elections", int64_t{0}), 1);
  EXPECT_GE(r->cluster.value("isr_shrinks", int64_t{0}), 1);
  EXPECT_GT(r->cluster.value("bytes_written", int64_t{0}), 0);
  EXPECT_FALSE(r->unavailability.empty());
}

// One broker, paused for a second (1.05 s by the schedule) mid-run at a constant 500 msg/s: sends
// scheduled during the stall are measured from their intended time, so the top of the publish
// latency is >= 1 s, while the producer still sends (and has acknowledged) the whole schedule.
TEST_F(EmbeddedRunnerTest, AStalledBrokerShowsAsASecondOfLatencyNotALowerRate) {
  const Workload w =
      Load(std::string(kFailover) +
               "faults:\n  - {atSeconds: 2, action: pause, broker: 1}\n"
               "  - {atSeconds: 3.05, action: resume, broker: 1}\n",
           1,
           {"replicationFactor=1", "producerRate=500", "producerConfig.acks=1",
            "testDurationSeconds=4", "cluster.brokerConfig.offsets.topic.replication.factor=1"});
  auto r = RunWorkload(w, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->faults.size(), 2u);
  EXPECT_TRUE(r->faults[0].ok) << r->faults[0].detail;
  const results::Summary& s = r->summary;
  ASSERT_TRUE(s.publish_latency_ms.max.has_value());
  EXPECT_GE(*s.publish_latency_ms.max, 1000.0);
  ASSERT_TRUE(s.publish_latency_ms.p999.has_value());
  EXPECT_GE(*s.publish_latency_ms.p999, 900.0);
  ASSERT_TRUE(s.e2e_latency_ms.max.has_value());
  EXPECT_GE(*s.e2e_latency_ms.max, 1000.0);
  // The open-loop schedule held: the measured rate is the profile's 500 msg/s, not the 375 msg/s
  // a closed loop that lost the stalled second would show.
  EXPECT_NEAR(s.produced.msgs_per_sec, 500, 60);
  EXPECT_EQ(s.audit.lost, 0);
}

}  // namespace
}  // namespace kbench::harness
