// Replication rules on a 3-broker embedded cluster, driven through the brokers' replica managers
// (exact error codes, no client retries in between) and the cluster's fault calls:
//  - acks=all answers REQUEST_TIMED_OUT (7) when the HW does not pass the batch in time (and
//    consumers meanwhile read only up to the HW),
//    NOT_ENOUGH_REPLICAS_AFTER_APPEND (20) when the ISR shrinks below min.insync.replicas while it
//    waits, and NOT_ENOUGH_REPLICAS (19) before appending once it is below;
//  - a follower of a new leader truncates its divergent suffix to the end of the last common leader
//    epoch (OffsetForLeaderEpoch), not to its high watermark (which a crash left at 0);
//  - the HW checkpoint file is written at a clean stop with every partition's HW;
//  - preferred-leader rebalancing gives the leadership back to a returning preferred replica;
//  - an isolated or paused leader is fenced and replaced, and after healing / resuming it rejoins
//    the ISR.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "core/base/clock.h"
#include "core/broker/embedded_cluster.h"
#include "tests/integration/cluster_clients.h"
#include "tests/unit/storage/storage_test_util.h"

namespace kbench::broker::testing {
namespace {

std::map<std::string, std::string> FastCluster() {
  return {{"broker.heartbeat.interval.ms", "50"},   {"broker.session.timeout.ms", "600"},
          {"replica.lag.time.max.ms", "1500"},      {"replica.fetch.wait.max.ms", "100"},
          {"replica.fetch.backoff.ms", "50"},       {"offsets.topic.num.partitions", "1"},
          {"auto.leader.rebalance.enable", "false"}};
}

class ClusterReplicationTest : public ::testing::Test {
 protected:
  void StartCluster(std::map<std::string, std::string> extra = {}) {
    EmbeddedClusterOptions o;
    o.brokers = 3;
    o.data_dir = tmp_.path();
    o.properties = FastCluster();
    for (auto& [k, v] : extra) o.properties[k] = v;
    auto c = EmbeddedCluster::Start(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cluster_ = std::move(*c);
  }
  void TearDown() override {
    if (cluster_) cluster_->Shutdown();
  }
  // Appends `n` records to `topic`-0 through broker `id`'s replica manager; the partition's error.
  ErrorCode Append(int32_t id, const std::string& topic, int n, int16_t acks, int32_t timeout_ms) {
    std::vector<uint8_t> batch = storage::testing::MakeBatch(n);
    ProduceEntry e{topic, PartitionId(0), batch, false};
    std::promise<ErrorCode> p;
    cluster_->broker(BrokerId(id))
        ->replicas()
        .AppendRecords(timeout_ms, acks, false, std::span<const ProduceEntry>(&e, 1),
                       [&p](std::vector<ProducePartitionResult> r) { p.set_value(r[0].error); });
    return p.get_future().get();
  }
  std::shared_ptr<Partition> PartitionOf(int32_t id, const std::string& topic) {
    Broker* b = cluster_->broker(BrokerId(id));
    return b == nullptr ? nullptr : b->replicas().GetPartition({topic, PartitionId(0)});
  }
  template <typename Pred>
  bool WaitFor(Pred done, int timeout_ms = 30000) {
    const int64_t deadline = MonoMillis() + timeout_ms;
    while (MonoMillis() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
  }
  int32_t LeaderOf(const std::string& topic) {
    std::optional<TopicRecord> t = cluster_->controller().Topic(topic);
    return t ? t->partitions[0].leader.value() : -1;
  }

  storage::testing::TempDir tmp_;
  std::unique_ptr<EmbeddedCluster> cluster_;
};

TEST_F(ClusterReplicationTest, AcksAllAnswersTimeoutThenNotEnoughReplicasAfterThenBefore) {
  StartCluster();
  ASSERT_TRUE(CreateReplicatedTopic(cluster_->bootstrap(), "acks", 1, 2,
                                    {{"min.insync.replicas", "2"}}, {{1, 2}})
                  .ok());
  ASSERT_TRUE(cluster_->AwaitFullyReplicated(30000).ok());
  EXPECT_EQ(Append(1, "acks", 5, -1, 30000), ErrorCode::kNone);
  ASSERT_TRUE(cluster_->HoldFollowerFetchers(BrokerId(2), true).ok());
  // The follower copies what its fetch in flight brings, then stops: the HW stays put.
  EXPECT_EQ(Append(1, "acks", 5, -1, 300), ErrorCode::kRequestTimedOut);
  // Consumers read up to the HW only; a follower's fetch reads to the log end.
  std::shared_ptr<Partition> leader = PartitionOf(1, "acks");
  const Offset hw = leader->high_watermark();
  ASSERT_LT(hw, leader->log_end_offset());
  auto read_at = [&](FetchBound bound, int32_t replica) {
    FetchParams params;
    params.replica_id = BrokerId(replica);
    params.bound = bound;
    int64_t bytes = 0;
    bool errors = false;
    return cluster_->broker(BrokerId(1))
        ->replicas()
        .ReadFromLocalLog(params, {FetchEntry{{"acks", PartitionId(0)}, hw, 1 << 20}}, &bytes,
                          &errors)
        .at(0);
  };
  FetchPartitionData consumer = read_at(FetchBound::kHighWatermark, -1);
  EXPECT_EQ(consumer.error, ErrorCode::kNone);
  EXPECT_EQ(consumer.high_watermark, hw);
  EXPECT_TRUE(consumer.records.empty());
  EXPECT_FALSE(read_at(FetchBound::kLogEnd, 3).records.empty());
  // Waiting longer than replica.lag.time.max.ms: the ISR shrinks to {1} under the batch.
  EXPECT_EQ(Append(1, "acks", 5, -1, 30000), ErrorCode::kNotEnoughReplicasAfterAppend);
  EXPECT_EQ(PartitionOf(1, "acks")->state().isr, std::vector<BrokerId>{BrokerId(1)});
  const Offset leo = PartitionOf(1, "acks")->log_end_offset();
  EXPECT_EQ(Append(1, "acks", 5, -1, 30000), ErrorCode::kNotEnoughReplicas);
  EXPECT_EQ(PartitionOf(1, "acks")->log_end_offset(), leo);  // refused before appending
  EXPECT_EQ(Append(1, "acks", 5, 1, 30000), ErrorCode::kNone);
  // Released, the follower catches up and rejoins; acks=all works again.
  ASSERT_TRUE(cluster_->HoldFollowerFetchers(BrokerId(2), false).ok());
  ASSERT_TRUE(cluster_->AwaitFullyReplicated(30000).ok());
  EXPECT_EQ(Append(1, "acks", 5, -1, 30000), ErrorCode::kNone);
  ClusterStats s = cluster_->Stats();
  EXPECT_GE(s.isr_shrinks, 1);
  EXPECT_GE(s.isr_expands, 1);
}

TEST_F(ClusterReplicationTest, FollowerOfANewLeaderTruncatesToTheLastCommonEpochNotItsHw) {
  // No HW checkpoint before the crash: broker 1 restarts with HW 0.
  StartCluster({{"replica.high.watermark.checkpoint.interval.ms", "3600000"}});
  ASSERT_TRUE(CreateReplicatedTopic(cluster_->bootstrap(), "div", 1, 2, {}, {{1, 2}}).ok());
  ASSERT_TRUE(cluster_->AwaitFullyReplicated(30000).ok());
  EXPECT_EQ(Append(1, "div", 10, -1, 30000), ErrorCode::kNone);
  ASSERT_TRUE(cluster_->HoldFollowerFetchers(BrokerId(2), true).ok());
  // A fetch in flight ends within replica.fetch.wait.max.ms (100 ms); then the fetcher is parked.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(Append(1, "div", 6, 1, 30000), ErrorCode::kNone);  // only broker 1 has 10..15
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(PartitionOf(2, "div")->log_end_offset(), Offset(10));
  ASSERT_EQ(PartitionOf(1, "div")->log_end_offset(), Offset(16));

  ASSERT_TRUE(cluster_->Crash(BrokerId(1)).ok());
  ASSERT_TRUE(WaitFor([&] { return LeaderOf("div") == 2; })) << LeaderOf("div");
  ASSERT_TRUE(cluster_->HoldFollowerFetchers(BrokerId(2), false).ok());
  ASSERT_TRUE(WaitFor([&] { return PartitionOf(2, "div")->is_leader(); }));
  EXPECT_EQ(Append(2, "div", 3, 1, 30000), ErrorCode::kNone);  // epoch 1: offsets 10..12

  ASSERT_TRUE(cluster_->Restart(BrokerId(1)).ok());
  ASSERT_TRUE(cluster_->AwaitFullyReplicated(30000).ok());
  std::shared_ptr<Partition> p1 = PartitionOf(1, "div");
  ASSERT_NE(p1, nullptr);
  EXPECT_EQ(p1->log_end_offset(), Offset(13));
  // One truncation, of exactly the divergent 6 offsets (16 -> 10); truncating to its HW (0)
  // would have cut 16.
  const FetcherCounters& c = cluster_->broker(BrokerId(1))->fetchers()->counters();
  EXPECT_EQ(c.truncations.load(), 1);
  EXPECT_EQ(c.bytes_truncated.load(), 6);
  // Both replicas now hold the same batches with the same epochs.
  EXPECT_EQ(p1->log()->EndOffsetForEpoch(LeaderEpoch(0)).end_offset, Offset(10));
  EXPECT_EQ(PartitionOf(2, "div")->log()->EndOffsetForEpoch(LeaderEpoch(0)).end_offset, Offset(10));
}

TEST_F(ClusterReplicationTest, CleanStopWritesTheHighWatermarkCheckpoint) {
  StartCluster();
  ASSERT_TRUE(CreateReplicatedTopic(cluster_->bootstrap(), "ckpt", 1, 3, {}, {{1, 2, 3}}).ok());
  ASSERT_TRUE(cluster_->AwaitFullyReplicated(30000).ok());
  EXPECT_EQ(Append(1, "ckpt", 12, -1, 30000), ErrorCode::kNone);
  ASSERT_TRUE(cluster_->AwaitFullyReplicated(30000).ok());
  ASSERT_TRUE(WaitFor([&] { return PartitionOf(3, "ckpt")->high_watermark() == Offset(12); }));
  ASSERT_TRUE(cluster_->StopCleanly(BrokerId(3)).ok());
  std::ifstream in(tmp_.path() + "/broker-3/replication-offset-checkpoint");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().rfind("0\n", 0), 0u) << text.str();  // version 0
  EXPECT_NE(text.str().find("\nckpt 0 12\n"), std::string::npos) << text.str();
  ASSERT_TRUE(cluster_->Restart(BrokerId(3)).ok());
  EXPECT_EQ(PartitionOf(3, "ckpt")->high_watermark(), Offset(12));
}

TEST_F(ClusterReplicationTest, PreferredLeaderGetsItsLeadershipBack) {
  StartCluster({{"auto.leader.rebalance.enable", "true"},
                {"leader.imbalance.check.interval.ms", "200"},
                {"leader.imbalance.per.broker.percentage", "0"}});
  ASSERT_TRUE(CreateReplicatedTopic(cluster_->bootstrap(), "pref", 1, 3, {}, {{1, 2, 3}}).ok());
  ASSERT_TRUE(cluster_->AwaitFullyReplicated(30000).ok());
  ASSERT_EQ(LeaderOf("pref"), 1);
  ASSERT_TRUE(cluster_->Crash(BrokerId(1)).ok());
  ASSERT_TRUE(WaitFor([&] { return LeaderOf("pref") == 2; }));
  ASSERT_TRUE(cluster_->Restart(BrokerId(1)).ok());
  ASSERT_TRUE(WaitFor([&] { return LeaderOf("pref") == 1; })) << LeaderOf("pref");
  // Recorded once the new leader has applied it.
  EXPECT_TRUE(WaitFor([&] {
    for (const ElectionRecord& e : cluster_->Stats().elections) {
      if (e.tp.topic == "pref" && e.reason == "preferred" && e.leader == BrokerId(1)) return true;
    }
    return false;
  }));
}

TEST_F(ClusterReplicationTest, IsolatedLeaderIsReplacedAndRejoinsAfterHealing) {
  StartCluster();
  ASSERT_TRUE(CreateReplicatedTopic(cluster_->bootstrap(), "iso", 1, 3,
                                    {{"min.insync.replicas", "2"}}, {{1, 2, 3}})
                  .ok());
  ASSERT_TRUE(cluster_->AwaitFullyReplicated(30000).ok());
  EXPECT_EQ(Append(1, "iso", 10, -1, 30000), ErrorCode::kNone);
  ASSERT_TRUE(cluster_->Isolate(BrokerId(1)).ok());
  EXPECT_EQ(cluster_->status(BrokerId(1)), BrokerStatus::kIsolated);
  ASSERT_TRUE(WaitFor([&] { return LeaderOf("iso") == 2; })) << LeaderOf("iso");
  ASSERT_TRUE(WaitFor([&] { return PartitionOf(2, "iso")->is_leader(); }));
  EXPECT_EQ(Append(2, "iso", 10, -1, 30000), ErrorCode::kNone);
  ASSERT_TRUE(cluster_->Heal(BrokerId(1)).ok());
  ASSERT_TRUE(cluster_->AwaitFullyReplicated(30000).ok());
  EXPECT_EQ(PartitionOf(1, "iso")->log_end_offset(), Offset(20));
  EXPECT_FALSE(PartitionOf(1, "iso")->is_leader());
  EXPECT_GE(cluster_->Stats().brokers_fenced, 1);
}

TEST_F(ClusterReplicationTest, PausedLeaderIsReplacedAndCatchesUpAfterResuming) {
  StartCluster();
  ASSERT_TRUE(CreateReplicatedTopic(cluster_->bootstrap(), "pause", 1, 3,
                                    {{"min.insync.replicas", "2"}}, {{1, 2, 3}})
                  .ok());
  ASSERT_TRUE(cluster_->AwaitFullyReplicated(30000).ok());
  EXPECT_EQ(Append(1, "pause", 10, -1, 30000), ErrorCode::kNone);
  ASSERT_TRUE(cluster_->Pause(BrokerId(1)).ok());
  EXPECT_EQ(cluster_->status(BrokerId(1)), BrokerStatus::kPaused);
  EXPECT_FALSE(cluster_->Pause(BrokerId(1)).ok());  // not running: refused, naming the state
  ASSERT_TRUE(WaitFor([&] { return LeaderOf("pause") == 2; })) << LeaderOf("pause");
  ASSERT_TRUE(WaitFor([&] { return PartitionOf(2, "pause")->is_leader(); }));
  EXPECT_EQ(Append(2, "pause", 10, -1, 30000), ErrorCode::kNone);
  ASSERT_TRUE(cluster_->Resume(BrokerId(1)).ok());
  ASSERT_TRUE(cluster_->AwaitFullyReplicated(30000).ok());
  EXPECT_EQ(PartitionOf(1, "pause")->log_end_offset(), Offset(20));
  EXPECT_FALSE(PartitionOf(1, "pause")->is_leader());
}

}  // namespace
}  // namespace kbench::broker::testing
