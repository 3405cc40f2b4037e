// Scenarios from the source notes (../shared/seeds, digested in ../shared/DOMAIN.md).
#include <gtest/gtest.h>

#include "sizing/plan.h"
#include "tests/unit/sizing/plan_test_util.h"

namespace kbench::sizing {
namespace {

using testing::BindingName;
using testing::FindConfig;
using testing::FindRisk;
using testing::MakeRequirements;
using testing::PlanOf;

// Seed 001: "producer sends 1,000 records/s, a consumer processes 100 records/s: with 10 consumers
// the minimum partition count is 10".
TEST(PlanScenarioTest, Seed001ThousandRecordsAtHundredPerConsumerNeedTenPartitions) {
  Plan p = PlanOf(MakeRequirements(
      {{"ingress_msgs", "1000/s"}, {"msg_size", "1KB"}, {"consumer_rate", "100/s"}}));
  EXPECT_GE(p.partitions.value, 10);
  EXPECT_EQ(BindingName(p.partitions), "consumer rate");
  EXPECT_NE(p.partitions.constraint.find("100 msg/s per consumer"), std::string::npos);
  EXPECT_FALSE(p.Impossible());
}

// Seed 002: a sign-up topic (about 500 events a week) read by 2 service instances on 3 brokers; the
// fix was RF 3, min.insync.replicas 2, acks=all, and partitions >= consumers, topics created
// explicitly.
TEST(PlanScenarioTest, Seed002SignupTopicOnThreeBrokers) {
  Plan p = PlanOf(
      MakeRequirements({{"ingress_msgs", "500/w"}, {"msg_size", "230B"}, {"consumers", "2"}}));
  EXPECT_EQ(p.brokers.value, 3);
  EXPECT_EQ(BindingName(p.brokers), "replication factor");
  EXPECT_GE(p.partitions.value, 2);
  EXPECT_EQ(p.partitions.value, 3);  // the seed's own conclusion: partition = 3 on 3 brokers
  EXPECT_EQ(FindConfig(p, "topic", "replication.factor")->value, "3");
  EXPECT_EQ(FindConfig(p, "topic", "min.insync.replicas")->value, "2");
  EXPECT_EQ(FindConfig(p, "producer", "acks")->value, "all");
  EXPECT_EQ(FindConfig(p, "broker", "auto.create.topics.enable")->value, "false");
  EXPECT_EQ(FindConfig(p, "topic", "unclean.leader.election.enable")->value, "false");
  EXPECT_EQ(p.controllers.value, 3);
  EXPECT_FALSE(p.Impossible());
}

// Seed 002's failure: RF 1 loses data when the broker dies.
TEST(PlanScenarioTest, Seed002AutoCreatedRfOneIsFlagged) {
  Plan p = PlanOf(MakeRequirements(
      {{"ingress_msgs", "500/w"}, {"msg_size", "230B"}, {"rf", "1"}, {"failures", "0"}}));
  ASSERT_NE(FindRisk(p, "rf1"), nullptr);
  EXPECT_EQ(FindRisk(p, "rf1")->severity, Severity::kWarning);
}

// Seed 000: Kakao's shared Kafka, 26 billion messages/day, 3 million/s at the peak, 240 TB/day in
// and 370 TB/day out. The plan must come out with its binding constraints named.
TEST(PlanScenarioTest, Seed000KakaoScalePlanNamesItsBindingConstraints) {
  Plan p = PlanOf(
      MakeRequirements({{"ingress", "240TB/d"},
                        {"ingress_msgs", "26000M/d"},
                        {"peak_factor", "9.97"},  // 3 M/s peak over 26 G/day = 301k/s average
                        {"fanout", "1.54"}}));    // 370 / 240
  ASSERT_FALSE(p.Impossible());
  // Throughput: 3 M msg/s of ~9.2 KB at 10 MB/s per partition.
  EXPECT_GE(p.partitions.value, 2700);
  EXPECT_EQ(BindingName(p.partitions), "produce rate");
  // Brokers: bytes bind (storage of 7 days x RF 3, or the network), not the replication factor.
  std::string broker_binding = BindingName(p.brokers);
  EXPECT_TRUE(broker_binding == "storage" || broker_binding == "network" ||
              broker_binding == "disk bandwidth")
      << broker_binding;
  EXPECT_GT(p.brokers.value, 100);
  // Every number names its constraint.
  for (const Decision* d : p.Decisions()) EXPECT_FALSE(d->constraint.empty()) << d->key;
  // A central pipeline: 5 controllers (seed 003).
  EXPECT_EQ(p.controllers.value, 5);
  // Retention: 240 TB/day x 7 days x RF 3 = 5.04 PB before overhead.
  EXPECT_NEAR(p.derived.stored_bytes, 240e12 * 7 * 3, 1e12);
  // Losing a broker keeps every NIC under 50% (seed 003).
  const Risk* nic = FindRisk(p, "nic_after_failure");
  ASSERT_NE(nic, nullptr);
  EXPECT_LE(nic->value, 0.5);
  EXPECT_LE(p.derived.replicas_per_broker, 4000);
  EXPECT_NE(FindRisk(p, "crash_unavailability"), nullptr);
}

TEST(PlanScenarioTest, KakaoOnTwentyFiveGigabitNicsNeedsFewerBrokers) {
  auto base = MakeRequirements({{"ingress", "240TB/d"},
                                {"ingress_msgs", "26000M/d"},
                                {"peak_factor", "9.97"},
                                {"fanout", "1.54"},
                                {"retention", "1d"},
                                {"disk_throughput", "2GB/s"}});
  Plan ten = PlanOf(base);
  EXPECT_EQ(BindingName(ten.brokers), "network");
  Requirements faster = base;
  ASSERT_TRUE(SetRequirement(&faster, "nic", "25Gbps", "--nic", "--nic").ok());
  Plan twenty_five = PlanOf(faster);
  EXPECT_LT(twenty_five.brokers.value, ten.brokers.value);
}

// Seed 001's availability example: 1,000 leaders x 5 ms per election = 5 s after a crash.
TEST(PlanScenarioTest, CrashUnavailabilityGrowsWithLeadersPerBroker) {
  Plan p = PlanOf(MakeRequirements({{"ingress", "1MB/s"}, {"consumers", "3000"}}));
  EXPECT_EQ(p.derived.leaders_per_broker, 1000);
  const Risk* crash = FindRisk(p, "crash_unavailability");
  ASSERT_NE(crash, nullptr);
  EXPECT_DOUBLE_EQ(crash->value, 9 + 5);  // KRaft session timeout 9 s + 1,000 x 5 ms
}

// Seed 001: min.insync.replicas 3 with RF 3 blocks producers during a rolling restart.
TEST(PlanScenarioTest, MinIsrEqualToRfCannotTolerateAFailure) {
  Plan p = PlanOf(MakeRequirements({{"ingress", "10MB/s"}, {"rf", "3"}, {"min_isr", "3"}}));
  EXPECT_TRUE(p.Impossible());
  const Risk* r = FindRisk(p, "failures");
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->detail.find("--min-isr 2"), std::string::npos);
}

// Seed 000: a whole rack can lose power; with RF 3 / min.insync 2 on two racks one rack holds two
// replicas.
TEST(PlanScenarioTest, TwoRacksCannotKeepMinIsrAfterARackLoss) {
  Plan p = PlanOf(MakeRequirements({{"ingress", "10MB/s"}, {"racks", "2"}}));
  const Risk* r = FindRisk(p, "rack_loss");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->severity, Severity::kWarning);
  EXPECT_NE(r->detail.find("3 racks needed"), std::string::npos);
  EXPECT_EQ(
      FindRisk(PlanOf(MakeRequirements({{"ingress", "10MB/s"}, {"racks", "3"}})), "rack_loss"),
      nullptr);
}

TEST(PlanScenarioTest, HotKeyLargerThanOnePartitionIsImpossible) {
  Plan p = PlanOf(
      MakeRequirements({{"ingress", "300MB/s"}, {"keyed", "true"}, {"hot_key_share", "0.1"}}));
  EXPECT_TRUE(p.Impossible());
  const Risk* r = FindRisk(p, "hot_key_partition");
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->detail.find("even alone"), std::string::npos);
}

TEST(PlanScenarioTest, KeyedTopicsAreSizedForGrowth) {
  Plan unkeyed = PlanOf(MakeRequirements({{"ingress", "300MB/s"}, {"growth", "3"}}));
  Plan keyed =
      PlanOf(MakeRequirements({{"ingress", "300MB/s"}, {"growth", "3"}, {"keyed", "true"}}));
  EXPECT_GE(unkeyed.partitions.value, 30);
  EXPECT_GE(keyed.partitions.value, 90);
  EXPECT_NE(FindRisk(keyed, "keyed_partitions"), nullptr);
}

TEST(PlanScenarioTest, FixedMemoryBelowTheHeapIsImpossible) {
  Plan p = PlanOf(MakeRequirements({{"ingress", "10MB/s"}, {"memory", "4GiB"}}));
  EXPECT_TRUE(p.Impossible());
  EXPECT_NE(FindRisk(p, "memory"), nullptr);
}

TEST(PlanScenarioTest, TooManyPartitionsForACluster) {
  Plan p = PlanOf(MakeRequirements(
      {{"ingress", "1MB/s"}, {"consumers", "5000"}, {"max_partitions_per_cluster", "1000"}}));
  EXPECT_TRUE(p.Impossible());
  EXPECT_NE(FindRisk(p, "partitions_per_cluster"), nullptr);
}

TEST(PlanScenarioTest, PartitionCapPerBrokerAddsBrokers) {
  Plan p = PlanOf(MakeRequirements(
      {{"ingress", "1MB/s"}, {"consumers", "6000"}, {"max_partitions_per_broker", "2000"}}));
  EXPECT_EQ(BindingName(p.brokers), "partitions per broker");
  EXPECT_LE(p.derived.replicas_per_broker, 2000);
  EXPECT_EQ(p.brokers.value,
            10);  // 9 would need 6,003 partitions (a multiple of 9): 2,001 replicas each
}

TEST(PlanScenarioTest, PageCacheCoversTheLagWindow) {
  Plan p = PlanOf(MakeRequirements({{"ingress", "500MB/s"}, {"lag_window", "10m"}}));
  double per_broker_cache = 500e6 * 3 * 600 / p.brokers.value;
  EXPECT_GE(p.memory_bytes_per_broker.value, per_broker_cache + 6.0 * 1073741824.0);
}

TEST(PlanScenarioTest, CompactedTopicStoresTheLiveSetOverDirtyRatio) {
  Plan p = PlanOf(
      MakeRequirements({{"ingress", "1MB/s"}, {"cleanup", "compact"}, {"live_bytes", "100GB"}}));
  EXPECT_DOUBLE_EQ(p.derived.stored_bytes, 100e9 / 0.5 * 3);
  EXPECT_EQ(testing::FindConfig(p, "topic", "cleanup.policy")->value, "compact");
}

TEST(PlanScenarioTest, SloDrivesLingerAndReplicaFetchers) {
  Plan p = PlanOf(
      MakeRequirements({{"ingress", "1MB/s"}, {"consumers", "4000"}, {"latency_slo", "p99=20ms"}}));
  // 1,333 leaders per broker, each replicated to the 2 other brokers: ~27 ms with one fetcher > 10
  // ms budget.
  EXPECT_EQ(FindConfig(p, "producer", "linger.ms")->value, "2");
  EXPECT_GT(p.derived.replica_fetchers, 1);
}

// Seed 001: transactional producers write a commit marker (a control record with an offset) per
// partition.
TEST(PlanScenarioTest, TransactionsAddMarkersAndReadCommitted) {
  Plan p = PlanOf(MakeRequirements({{"ingress_msgs", "10k/s"},
                                    {"msg_size", "1KB"},
                                    {"consumers", "12"},
                                    {"txn_rate", "100/s"}}));
  const Risk* r = FindRisk(p, "transaction_markers");
  ASSERT_NE(r, nullptr);
  EXPECT_DOUBLE_EQ(r->value, 100 * 12);  // 100 messages per transaction span all 12 partitions
  EXPECT_EQ(r->severity, Severity::kWarning);  // 1,200 markers/s is 12% of 10k msg/s
  EXPECT_EQ(FindConfig(p, "consumer", "isolation.level")->value, "read_committed");
  EXPECT_NE(FindConfig(p, "producer", "transactional.id"), nullptr);
}

}  // namespace
}  // namespace kbench::sizing
