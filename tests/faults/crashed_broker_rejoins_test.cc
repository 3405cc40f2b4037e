// Fault 6 (issue 4): a crashed broker restarts and takes its place again. The crash leaves it with
// (a) a torn write at the end of its active segment (bytes a kill -9 can leave half-written) and
// (b) messages it acknowledged as leader (acks=1) that nobody else has. On restart:
//   log recovery   cuts exactly the torn bytes (recovery_bytes_truncated);
//   truncation     it follows the new leader and truncates its divergent suffix to the end of the
//                  last common leader epoch (follower_truncations, bytes_truncated);
//   catch-up       it copies what the new leader wrote meanwhile, to the same log end offset;
//   ISR            it is back in the ISR (Metadata, isr_expands).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "tests/faults/fault_cluster.h"

namespace kbench::broker::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kBefore = 300;     // replicated everywhere
constexpr int kDivergent = 200;  // only on broker 1 when it crashes
constexpr int kAfter = 250;      // written by the new leader while broker 1 is down
constexpr int kTornBytes = 37;

// Appends `n` bytes that cannot start a valid batch (length field 0xABABABAB < 0) to the newest
// segment of `partition_dir`; returns that segment's path.
std::string TearActiveSegment(const std::string& partition_dir, int n) {
  std::vector<std::string> logs;
  for (const auto& e : fs::directory_iterator(partition_dir)) {
    if (e.path().extension() == ".log") logs.push_back(e.path().string());
  }
  if (logs.empty()) return "";
  std::sort(logs.begin(), logs.end());
  std::ofstream out(logs.back(), std::ios::binary | std::ios::app);
  out << std::string(static_cast<size_t>(n), '\xAB');
  return out.good() ? logs.back() : "";
}

TEST(CrashedBrokerRejoins, RecoversTruncatesCatchesUpAndReturnsToTheIsr) {
  auto fc = FaultCluster::Start(
      3, {{"replica.lag.time.max.ms", "20000"}, {"auto.leader.rebalance.enable", "false"}});
  ASSERT_TRUE(fc.ok()) << fc.status().ToString();
  FaultCluster& f = **fc;
  EmbeddedCluster& c = f.cluster();
  ASSERT_TRUE(CreateReplicatedTopic(f.bootstrap(), "ledger", 1, 3, {}, {{1, 2, 3}}).ok());

  StreamProducer producer(ProducerConfig(f.bootstrap(), "1"), "ledger", 1, "l", 100);
  producer.SendBudget(kBefore);
  ASSERT_TRUE(producer.Start().ok());
  ASSERT_TRUE(producer.WaitForAcked(kBefore, 30000));
  ASSERT_TRUE(c.AwaitFullyReplicated(30000).ok());
  ASSERT_TRUE(c.HoldFollowerFetchers(BrokerId(2), true).ok());
  ASSERT_TRUE(c.HoldFollowerFetchers(BrokerId(3), true).ok());
  producer.SendBudget(kDivergent);
  ASSERT_TRUE(producer.WaitForAcked(kBefore + kDivergent, 30000));
  ASSERT_TRUE(producer.WaitForReports(30000));

  ASSERT_TRUE(c.Crash(BrokerId(1)).ok());
  const std::string torn = TearActiveSegment(f.broker_dir(BrokerId(1)) + "/ledger-0", kTornBytes);
  ASSERT_FALSE(torn.empty()) << "no segment of ledger-0 under " << f.broker_dir(BrokerId(1));
  ASSERT_TRUE(c.HoldFollowerFetchers(BrokerId(2), false).ok());
  ASSERT_TRUE(c.HoldFollowerFetchers(BrokerId(3), false).ok());
  Status moved = AwaitPartitions(
      f.bootstrap(), "ledger",
      [](const PartitionView& s) { return s.leader == 2 || s.leader == 3; }, 20000);
  ASSERT_TRUE(moved.ok()) << moved.ToString();
  producer.SendBudget(kAfter);
  ASSERT_TRUE(producer.WaitForAcked(kBefore + kDivergent + kAfter, 30000));
  ASSERT_TRUE(producer.Stop().ok());

  const ClusterStats before = c.Stats();
  EXPECT_EQ(before.recovery_bytes_truncated, 0);
  Status restarted = c.Restart(BrokerId(1));
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  Status rejoined = AwaitPartitions(
      f.bootstrap(), "ledger", [](const PartitionView& s) { return s.isr.size() == 3; }, 20000);
  ASSERT_TRUE(rejoined.ok()) << rejoined.ToString();
  ASSERT_TRUE(c.AwaitFullyReplicated(30000).ok());

  const ClusterStats after = c.Stats();
  EXPECT_EQ(after.recovery_bytes_truncated, kTornBytes);
  EXPECT_GE(after.follower_truncations, before.follower_truncations + 1);
  EXPECT_GT(after.bytes_truncated, before.bytes_truncated);
  EXPECT_GE(after.isr_expands, before.isr_expands + 1);
  auto described = DescribeTopic(f.bootstrap(), "ledger");
  ASSERT_TRUE(described.ok());
  const PartitionView& ledger = (*described)[0];
  EXPECT_NE(ledger.leader, 1);
  EXPECT_NE(std::find(ledger.isr.begin(), ledger.isr.end(), 1), ledger.isr.end());
  // Caught up: the same log end offset (and high watermark) as the leader.
  auto leader =
      c.broker(BrokerId(ledger.leader))->replicas().GetPartition({"ledger", PartitionId(0)});
  auto rejoined_replica =
      c.broker(BrokerId(1))->replicas().GetPartition({"ledger", PartitionId(0)});
  ASSERT_NE(leader, nullptr);
  ASSERT_NE(rejoined_replica, nullptr);
  EXPECT_EQ(leader->log_end_offset().value(), kBefore + kAfter);
  EXPECT_EQ(rejoined_replica->log_end_offset().value(), kBefore + kAfter);

  auto read = ReadAll(f.bootstrap(), "ledger", 1, 30000);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  const AuditCounts a = Audit(producer.messages(), *read);
  EXPECT_EQ(a.acked, kBefore + kDivergent + kAfter);
  EXPECT_EQ(a.acked_lost, kDivergent);
  EXPECT_EQ(a.duplicated, 0);
}

}  // namespace
}  // namespace kbench::broker::testing
