// Fault 5 (issue 4; DOMAIN.md: seed 000, rack power loss): all replicas of a partition go down and
// the stale one (it left the ISR first) returns first. Two topics side by side in one cluster:
//   "careful" with unclean.leader.election.enable=false stays offline (no leader, produce fails)
//             until an in-sync replica returns, then serves everything acknowledged;
//   "hasty"   with unclean.leader.election.enable=true is led by the stale replica at once; the
//             messages acknowledged while it was away are lost when the others return and
//             truncate to its log, and the test counts them exactly.
// The cluster default is unclean election on (so __consumer_offsets, which a restart waits for, is
// led again by the first broker back); the "careful" topic turns it off for itself.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <thread>

#include "core/base/clock.h"
#include "tests/faults/fault_cluster.h"

namespace kbench::broker::testing {
namespace {

constexpr int kA = 200;  // replicated to all three
constexpr int kB = 150;  // acknowledged by brokers 1 and 2 while 3 was down
constexpr int kC = 100;  // produced to "hasty" while only 3 is up

// Produces `n` messages "<prefix>-<i>" to topic-0 and waits until all are acknowledged.
std::vector<SentMessage> ProduceAcked(const std::string& bootstrap, const std::string& topic,
                                      const std::string& prefix, int n,
                                      const std::string& acks = "all") {
  StreamProducer p(ProducerConfig(bootstrap, acks), topic, 1, prefix, 100);
  p.SendBudget(n);
  EXPECT_TRUE(p.Start().ok());
  EXPECT_TRUE(p.WaitForAcked(n, 30000)) << topic << ": " << p.acked() << " of " << n;
  EXPECT_TRUE(p.Stop().ok());
  return p.messages();
}

void Append(std::vector<SentMessage>& to, const std::vector<SentMessage>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

TEST(UncleanElection, StaleReplicaLeadsOnlyWhereAllowedAndTheLossIsCounted) {
  auto fc = FaultCluster::Start(
      3, {{"unclean.leader.election.enable", "true"}, {"auto.leader.rebalance.enable", "false"}});
  ASSERT_TRUE(fc.ok()) << fc.status().ToString();
  FaultCluster& f = **fc;
  EmbeddedCluster& c = f.cluster();
  const std::string bs = f.bootstrap();
  ASSERT_TRUE(CreateReplicatedTopic(
                  bs, "careful", 1, 3,
                  {{"min.insync.replicas", "2"}, {"unclean.leader.election.enable", "false"}},
                  {{1, 2, 3}})
                  .ok());
  ASSERT_TRUE(CreateReplicatedTopic(
                  bs, "hasty", 1, 3,
                  {{"min.insync.replicas", "2"}, {"unclean.leader.election.enable", "true"}},
                  {{1, 2, 3}})
                  .ok());
  std::map<std::string, std::vector<SentMessage>> sent;
  for (const char* t : {"careful", "hasty"}) Append(sent[t], ProduceAcked(bs, t, "a", kA));
  ASSERT_TRUE(c.AwaitFullyReplicated(30000).ok());

  // Broker 3 goes first and leaves the ISR; B is acknowledged by 1 and 2 only.
  ASSERT_TRUE(c.Crash(BrokerId(3)).ok());
  for (const char* t : {"careful", "hasty"}) {
    Status shrunk = AwaitPartitions(
        bs, t,
        [](const PartitionView& s) {
          return s.isr == std::vector<int32_t>{1, 2};
        },
        10000);
    ASSERT_TRUE(shrunk.ok()) << t << ": " << shrunk.ToString();
    Append(sent[t], ProduceAcked(bs, t, "b", kB));
  }
  // Then the rest of the rack: brokers 1 and 2 crash too, and the controller fences both.
  const int64_t fenced_before = c.Stats().brokers_fenced;
  ASSERT_TRUE(c.Crash(BrokerId(1)).ok());
  ASSERT_TRUE(c.Crash(BrokerId(2)).ok());
  const int64_t deadline = MonoMillis() + 10000;
  while (c.Stats().brokers_fenced < fenced_before + 2 && MonoMillis() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GE(c.Stats().brokers_fenced, fenced_before + 2);

  // The stale broker returns first.
  Status restarted = c.Restart(BrokerId(3));
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  const std::string only3 = f.live_bootstrap();
  Status led = AwaitPartitions(
      only3, "hasty", [](const PartitionView& s) { return s.leader == 3; }, 10000);
  ASSERT_TRUE(led.ok()) << led.ToString();
  // acks=1: with the ISR down to the stale leader alone, acks=all would get NOT_ENOUGH_REPLICAS.
  Append(sent["hasty"], ProduceAcked(only3, "hasty", "c", kC, "1"));
  // "careful" waits: still no leader after many session timeouts, and a produce attempt fails.
  auto probe = ProbeProducer::Create(ProducerConfig(
      only3, "all", {{"message.timeout.ms", "1000"}, {"enable.idempotence", "false"}}));
  ASSERT_TRUE(probe.ok());
  auto refused = (*probe)->Send("careful", 0, "offline", 5000);
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_NE(*refused, RD_KAFKA_RESP_ERR_NO_ERROR);
  auto careful = DescribeTopic(only3, "careful");
  ASSERT_TRUE(careful.ok()) << careful.status().ToString();
  EXPECT_EQ((*careful)[0].leader, -1);
  ClusterStats stats = c.Stats();
  int unclean_hasty = 0;
  for (const ElectionRecord& e : ElectionsOf(stats, "hasty")) unclean_hasty += e.unclean ? 1 : 0;
  EXPECT_EQ(unclean_hasty, 1);
  for (const ElectionRecord& e : ElectionsOf(stats, "careful")) EXPECT_FALSE(e.unclean);

  // The others return: "careful" is led by an in-sync replica again; on "hasty" they follow 3.
  ASSERT_TRUE(c.Restart(BrokerId(1)).ok());
  ASSERT_TRUE(c.Restart(BrokerId(2)).ok());
  Status replicated = c.AwaitFullyReplicated(30000);
  ASSERT_TRUE(replicated.ok()) << replicated.ToString();
  auto careful_after = DescribeTopic(bs, "careful");
  ASSERT_TRUE(careful_after.ok());
  EXPECT_TRUE((*careful_after)[0].leader == 1 || (*careful_after)[0].leader == 2)
      << (*careful_after)[0].leader;

  auto careful_read = ReadAll(bs, "careful", 1, 30000);
  ASSERT_TRUE(careful_read.ok()) << careful_read.status().ToString();
  const AuditCounts ca = Audit(sent["careful"], *careful_read);
  EXPECT_EQ(ca.acked, kA + kB);
  EXPECT_EQ(ca.acked_lost, 0);
  EXPECT_EQ(ca.duplicated, 0);

  auto hasty_read = ReadAll(bs, "hasty", 1, 30000);
  ASSERT_TRUE(hasty_read.ok()) << hasty_read.status().ToString();
  const AuditCounts ha = Audit(sent["hasty"], *hasty_read);
  EXPECT_EQ(ha.acked, kA + kB + kC);
  EXPECT_EQ(ha.acked_lost, kB);
  EXPECT_EQ(ha.duplicated, 0);
  EXPECT_EQ(ha.read, kA + kC);
  for (const std::string& v : ha.lost_values) EXPECT_EQ(v.rfind("b-", 0), 0u) << v;
}

}  // namespace
}  // namespace kbench::broker::testing
