// Fault 4 (issue 4; DOMAIN.md: seed 002, the RF 1 sign-up topic): the only replica of a partition
// crashes. The partition is offline (Metadata: no leader) and produce attempts fail until that
// broker returns; then producing works again, and nothing acknowledged before the crash is lost
// (its files survive a crash: the kill drops memory, not the page cache).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include "tests/faults/fault_cluster.h"

namespace kbench::broker::testing {
namespace {

constexpr int kBefore = 500;

TEST(SingleReplicaCrash, PartitionIsUnavailableUntilItsOnlyBrokerReturns) {
  auto fc = FaultCluster::Start(3);
  ASSERT_TRUE(fc.ok()) << fc.status().ToString();
  FaultCluster& f = **fc;
  EmbeddedCluster& c = f.cluster();
  Status created = CreateReplicatedTopic(f.bootstrap(), "signups", 1, 1, {}, {{2}});
  ASSERT_TRUE(created.ok()) << created.ToString();

  StreamProducer stream(ProducerConfig(f.bootstrap(), "1"), "signups", 1, "s", 100);
  stream.SendBudget(kBefore);
  ASSERT_TRUE(stream.Start().ok());
  ASSERT_TRUE(stream.WaitForAcked(kBefore, 30000)) << stream.acked();
  ASSERT_TRUE(stream.Stop().ok());

  ASSERT_TRUE(c.Crash(BrokerId(2)).ok());
  Status offline = AwaitPartitions(
      f.bootstrap(), "signups", [](const PartitionView& s) { return s.leader == -1; }, 10000);
  ASSERT_TRUE(offline.ok()) << offline.ToString();
  // Every attempt while the broker is down fails: each message times out in the client (or is
  // refused), none is acknowledged.
  auto made =
      ProbeProducer::Create(ProducerConfig(f.bootstrap(), "1", {{"message.timeout.ms", "800"}}));
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  ProbeProducer& probe = **made;
  for (int i = 0; i < 3; ++i) {
    auto r = probe.Send("signups", 0, "down-" + std::to_string(i), 5000);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_NE(*r, RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  EXPECT_EQ(c.Stats().offline_partitions, 1);

  ASSERT_TRUE(c.Restart(BrokerId(2)).ok());
  auto accepted = ProbeUntil(
      probe, "signups", 0, "back", [](int e) { return e == RD_KAFKA_RESP_ERR_NO_ERROR; }, 20000);
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  for (int i = 0; i < 10; ++i) {
    auto r = probe.Send("signups", 0, "after-" + std::to_string(i), 5000);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(rd_kafka_resp_err_t(*r));
  }
  EXPECT_EQ(c.Stats().offline_partitions, 0);

  auto read = ReadAll(f.bootstrap(), "signups", 1, 30000);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  std::vector<SentMessage> all = stream.messages();
  for (const SentMessage& s : probe.sent()) all.push_back(s);
  const AuditCounts a = Audit(all, *read);
  EXPECT_EQ(a.acked, kBefore + 10 + 1);
  EXPECT_EQ(a.acked_lost, 0);
  EXPECT_EQ(a.duplicated, 0);
  // The partition's unavailability window runs from the crash to the restart.
  const std::vector<UnavailabilityWindow> windows = WindowsOf(c.Stats(), "signups");
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_GE(windows[0].to_ns, windows[0].from_ns);
}

}  // namespace
}  // namespace kbench::broker::testing
