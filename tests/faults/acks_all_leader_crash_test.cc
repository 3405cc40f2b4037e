// Fault 1 (issue 4; DOMAIN.md "Durability and replication"): RF 3, acks=all, min.insync.replicas 2.
// The leader of every partition crashes while an idempotent producer streams; another in-sync
// replica takes over, the producer goes on, and reading everything back finds every acknowledged
// message exactly once.
#include <gtest/gtest.h>

#include "tests/faults/fault_cluster.h"

namespace kbench::broker::testing {
namespace {

TEST(AcksAllLeaderCrash, NewLeaderTakesOverAndNoAcknowledgedMessageIsLost) {
  auto fc = FaultCluster::Start(3);
  ASSERT_TRUE(fc.ok()) << fc.status().ToString();
  FaultCluster& f = **fc;
  // Broker 1 leads all three partitions.
  Status created =
      CreateReplicatedTopic(f.bootstrap(), "orders", 3, 3, {{"min.insync.replicas", "2"}},
                            {{1, 2, 3}, {1, 3, 2}, {1, 2, 3}});
  ASSERT_TRUE(created.ok()) << created.ToString();

  StreamProducer producer(ProducerConfig(f.bootstrap(), "all"), "orders", 3, "o", 300);
  ASSERT_TRUE(producer.Start().ok());
  ASSERT_TRUE(producer.WaitForAcked(1500, 30000)) << producer.acked();
  ASSERT_TRUE(f.cluster().Crash(BrokerId(1)).ok());
  const int64_t at_crash = producer.acked();
  // The stream goes on through the new leaders.
  ASSERT_TRUE(producer.WaitForAcked(at_crash + 1500, 30000))
      << "acked " << producer.acked() << " (" << at_crash << " at the crash)";
  Status stopped = producer.Stop();
  ASSERT_TRUE(stopped.ok()) << stopped.ToString();

  auto described = DescribeTopic(f.bootstrap(), "orders");
  ASSERT_TRUE(described.ok()) << described.status().ToString();
  for (const auto& [p, s] : *described) {
    EXPECT_TRUE(s.leader == 2 || s.leader == 3) << "orders-" << p << " leader " << s.leader;
  }
  const ClusterStats stats = f.cluster().Stats();
  const std::vector<ElectionRecord> elections = ElectionsOf(stats, "orders");
  ASSERT_EQ(elections.size(), 3u);
  for (const ElectionRecord& e : elections) {
    EXPECT_EQ(e.previous_leader, BrokerId(1));
    EXPECT_FALSE(e.unclean);
  }

  auto read = ReadAll(f.bootstrap(), "orders", 3, 30000);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  const AuditCounts a = Audit(producer.messages(), *read);
  EXPECT_GE(a.acked, at_crash + 1500);
  EXPECT_EQ(a.acked_lost, 0) << (a.lost_values.empty() ? "" : a.lost_values.front());
  EXPECT_EQ(a.duplicated, 0);
  // Every failed delivery is reported as such: nothing is left unreported.
  EXPECT_EQ(producer.reported(), static_cast<int64_t>(producer.messages().size()));
}

}  // namespace
}  // namespace kbench::broker::testing
