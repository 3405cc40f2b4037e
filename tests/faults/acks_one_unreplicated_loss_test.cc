// Fault 2 (issue 4; DOMAIN.md: seed 000, message B): RF 3, acks=1. The followers' fetchers are
// held, the leader acknowledges messages only it has, then it crashes. A follower (still in the
// ISR: the crash comes well within replica.lag.time.max.ms) becomes leader without them; when the
// old leader returns it truncates to the new leader's log. Exactly the messages acknowledged after
// the hold are lost, and nothing else.
#include <gtest/gtest.h>

#include <set>

#include "tests/faults/fault_cluster.h"

namespace kbench::broker::testing {
namespace {

constexpr int kBefore = 400;  // acknowledged and replicated before the hold
constexpr int kHeld = 250;    // acknowledged by the leader alone
constexpr int kAfter = 300;   // produced to the new leader

TEST(AcksOneUnreplicatedLoss, MessagesAckedOnlyByTheCrashedLeaderAreLostAndCounted) {
  // A lag time far above the few hundred ms between the hold and the crash keeps the held
  // followers in the ISR, so one of them is elected (cleanly) when the leader dies.
  auto fc = FaultCluster::Start(3, {{"replica.lag.time.max.ms", "20000"}});
  ASSERT_TRUE(fc.ok()) << fc.status().ToString();
  FaultCluster& f = **fc;
  EmbeddedCluster& c = f.cluster();
  Status created = CreateReplicatedTopic(f.bootstrap(), "signups", 1, 3, {}, {{1, 2, 3}});
  ASSERT_TRUE(created.ok()) << created.ToString();

  StreamProducer producer(ProducerConfig(f.bootstrap(), "1"), "signups", 1, "s", 100);
  producer.SendBudget(kBefore);
  ASSERT_TRUE(producer.Start().ok());
  ASSERT_TRUE(producer.WaitForAcked(kBefore, 30000)) << producer.acked();
  Status replicated = c.AwaitFullyReplicated(30000);
  ASSERT_TRUE(replicated.ok()) << replicated.ToString();

  // Hold returns once the followers' fetches in flight have been applied: from here on they copy
  // nothing.
  ASSERT_TRUE(c.HoldFollowerFetchers(BrokerId(2), true).ok());
  ASSERT_TRUE(c.HoldFollowerFetchers(BrokerId(3), true).ok());
  producer.SendBudget(kHeld);
  ASSERT_TRUE(producer.WaitForAcked(kBefore + kHeld, 30000)) << producer.acked();
  ASSERT_TRUE(producer.WaitForReports(30000));
  ASSERT_TRUE(c.Crash(BrokerId(1)).ok());
  ASSERT_TRUE(c.HoldFollowerFetchers(BrokerId(2), false).ok());
  ASSERT_TRUE(c.HoldFollowerFetchers(BrokerId(3), false).ok());

  Status moved = AwaitPartitions(
      f.bootstrap(), "signups",
      [](const PartitionView& s) { return s.leader == 2 || s.leader == 3; }, 20000);
  ASSERT_TRUE(moved.ok()) << moved.ToString();
  producer.SendBudget(kAfter);
  ASSERT_TRUE(producer.WaitForAcked(kBefore + kHeld + kAfter, 30000)) << producer.acked();
  ASSERT_TRUE(producer.Stop().ok());

  // The old leader returns, truncates to the new leader's epoch boundary and catches up.
  ASSERT_TRUE(c.Restart(BrokerId(1)).ok());
  replicated = c.AwaitFullyReplicated(30000);
  ASSERT_TRUE(replicated.ok()) << replicated.ToString();
  const ClusterStats stats = c.Stats();
  EXPECT_GE(stats.follower_truncations, 1);
  EXPECT_GT(stats.bytes_truncated, 0);
  ASSERT_EQ(ElectionsOf(stats, "signups").size(), 1u);
  EXPECT_FALSE(ElectionsOf(stats, "signups")[0].unclean);

  auto read = ReadAll(f.bootstrap(), "signups", 1, 30000);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  const std::vector<SentMessage> sent = producer.messages();
  const AuditCounts a = Audit(sent, *read);
  EXPECT_EQ(a.acked, kBefore + kHeld + kAfter);
  EXPECT_EQ(a.acked_lost, kHeld);
  EXPECT_EQ(a.duplicated, 0);
  EXPECT_EQ(a.read, kBefore + kAfter);
  // The lost ones are exactly the messages acknowledged during the hold.
  std::set<std::string> held;
  for (int i = kBefore; i < kBefore + kHeld; ++i) held.insert(sent[i].value);
  EXPECT_EQ(std::set<std::string>(a.lost_values.begin(), a.lost_values.end()), held);
  // Every replica, the returned one included, now holds the new leader's log.
  for (BrokerId id : c.broker_ids()) {
    auto part = c.broker(id)->replicas().GetPartition({"signups", PartitionId(0)});
    ASSERT_NE(part, nullptr) << "broker " << id.value();
    EXPECT_EQ(part->log_end_offset().value(), kBefore + kAfter) << "broker " << id.value();
  }
}

}  // namespace
}  // namespace kbench::broker::testing
