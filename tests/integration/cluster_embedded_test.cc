// The embedded cluster (core/broker/embedded_cluster.h) with real librdkafka clients: three
// brokers replicate a topic with replication factor 3, every broker answers Metadata the same way,
// a crashed leader's partitions move to another in-sync replica and clients follow, and a
// restarted broker catches up and rejoins the ISR.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include "core/broker/embedded_cluster.h"
#include "tests/integration/cluster_clients.h"
#include "tests/unit/storage/storage_test_util.h"

namespace kbench::broker::testing {
namespace {

// Loopback-tuned timings (docs/architecture.md, "Replication and the bundled cluster").
std::map<std::string, std::string> FastCluster() {
  return {{"broker.heartbeat.interval.ms", "50"},   {"broker.session.timeout.ms", "400"},
          {"replica.lag.time.max.ms", "2000"},      {"replica.fetch.wait.max.ms", "100"},
          {"replica.fetch.backoff.ms", "50"},       {"offsets.topic.num.partitions", "3"},
          {"group.initial.rebalance.delay.ms", "0"}};
}

class EmbeddedClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmbeddedClusterOptions o;
    o.brokers = 3;
    o.data_dir = tmp_.path();
    o.properties = FastCluster();
    auto c = EmbeddedCluster::Start(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cluster_ = std::move(*c);
  }
  void TearDown() override {
    if (cluster_) cluster_->Shutdown();
  }
  Config Producer(const std::string& acks) {
    return {{"bootstrap.servers", cluster_->bootstrap()},
            {"acks", acks},
            {"linger.ms", "2"},
            {"enable.idempotence", acks == "all" ? "true" : "false"},
            {"message.timeout.ms", "30000"}};
  }

  storage::testing::TempDir tmp_;
  std::unique_ptr<EmbeddedCluster> cluster_;
};

TEST_F(EmbeddedClusterTest, ReplicatesAcksAllWritesToEveryReplica) {
  ASSERT_TRUE(
      CreateReplicatedTopic(cluster_->bootstrap(), "orders", 3, 3, {{"min.insync.replicas", "2"}})
          .ok());
  StreamProducer producer(Producer("all"), "orders", 3, "m");
  producer.SendBudget(3000);
  ASSERT_TRUE(producer.Start().ok());
  ASSERT_TRUE(producer.WaitForAcked(3000, 60000)) << producer.acked();
  ASSERT_TRUE(producer.Stop().ok());
  ASSERT_TRUE(cluster_->AwaitFullyReplicated(30000).ok());
  auto read = ReadAll(cluster_->bootstrap(), "orders", 3);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  AuditCounts a = Audit(producer.messages(), *read);
  EXPECT_EQ(a.acked, 3000);
  EXPECT_EQ(a.acked_lost, 0);
  EXPECT_EQ(a.duplicated, 0);
  // Every replica holds the same log end as its leader.
  for (BrokerId id : cluster_->broker_ids()) {
    for (int p = 0; p < 3; ++p) {
      auto part = cluster_->broker(id)->replicas().GetPartition({"orders", PartitionId(p)});
      ASSERT_NE(part, nullptr);
      EXPECT_EQ(part->log_end_offset().value(), 1000);
    }
  }
}

TEST_F(EmbeddedClusterTest, ClientsFollowANewLeaderAfterACrash) {
  Status created = CreateReplicatedTopic(cluster_->bootstrap(), "events", 1, 3,
                                         {{"min.insync.replicas", "2"}}, {{1, 2, 3}});
  ASSERT_TRUE(created.ok()) << created.ToString();
  StreamProducer producer(Producer("all"), "events", 1, "e", 200);
  ASSERT_TRUE(producer.Start().ok());
  ASSERT_TRUE(producer.WaitForAcked(500, 30000));
  ASSERT_TRUE(cluster_->Crash(BrokerId(1)).ok());
  const int64_t before = producer.acked();
  ASSERT_TRUE(producer.WaitForAcked(before + 500, 30000)) << producer.acked();
  ASSERT_TRUE(producer.Stop().ok());
  auto leaders = PartitionLeaders(cluster_->bootstrap(), "events");
  ASSERT_TRUE(leaders.ok());
  EXPECT_NE((*leaders)[0], 1);
  ASSERT_TRUE(cluster_->Restart(BrokerId(1)).ok());
  ASSERT_TRUE(cluster_->AwaitFullyReplicated(30000).ok());
  auto read = ReadAll(cluster_->bootstrap(), "events", 1);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  AuditCounts a = Audit(producer.messages(), *read);
  EXPECT_EQ(a.acked_lost, 0);
  EXPECT_EQ(a.duplicated, 0);
  ClusterStats s = cluster_->Stats();
  EXPECT_GE(s.leader_elections, 1);
  EXPECT_GE(s.isr_shrinks, 1);
  EXPECT_GE(s.isr_expands, 1);
}

TEST_F(EmbeddedClusterTest, BrokersKeepTheirSessionsWhileApplyingALargeMetadataChange) {
  // 400 partitions x RF 3: every broker creates 400 logs (each fsynced) for one metadata change,
  // which takes far longer than the 400 ms session timeout; heartbeats must go on meanwhile.
  Status created = CreateReplicatedTopic(cluster_->bootstrap(), "wide", 400, 3);
  ASSERT_TRUE(created.ok()) << created.ToString();
  ASSERT_TRUE(cluster_->AwaitFullyReplicated(120000).ok());
  ClusterStats s = cluster_->Stats();
  EXPECT_EQ(s.brokers_fenced, 0);
  EXPECT_EQ(s.leader_elections, 0);
  // Stopping the whole cluster (slow brokers: 400 checkpoints each) fences and elects nobody.
  cluster_->Shutdown();
  s = cluster_->Stats();
  EXPECT_EQ(s.brokers_fenced, 0);
  EXPECT_EQ(s.leader_elections, 0);
}

TEST_F(EmbeddedClusterTest, LeadersDoNotProposeAShuttingDownBrokerForTheIsr) {
  // Broker 1 leads 30 partitions; its controlled shutdown moves them one at a time, and broker 1
  // keeps following the moved ones until it stops. It is ineligible for the ISR meanwhile
  // (KIP-841): the new leaders must not propose it, so the controller refuses nothing.
  std::vector<std::vector<int32_t>> assignment(30, std::vector<int32_t>{1, 2, 3});
  Status created = CreateReplicatedTopic(cluster_->bootstrap(), "moved", 30, 3, {}, assignment);
  ASSERT_TRUE(created.ok()) << created.ToString();
  ASSERT_TRUE(cluster_->AwaitFullyReplicated(60000).ok());
  ASSERT_TRUE(cluster_->StopCleanly(BrokerId(1)).ok());
  const ControllerStats s = cluster_->controller().Stats();
  EXPECT_EQ(s.controlled_shutdowns, 1);
  EXPECT_GE(s.leader_elections, 30);
  EXPECT_EQ(s.isr_changes_refused, 0);
}

}  // namespace
}  // namespace kbench::broker::testing
