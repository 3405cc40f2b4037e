// Fault 3 (issue 4; DOMAIN.md: seed 001, rolling restart): RF 3 with min.insync.replicas 3. While
// one broker is stopped, acks=all producers get NOT_ENOUGH_REPLICAS (19, or 20 for a batch appended
// just before the ISR shrank) and nothing they were refused is acknowledged; once the broker is
// back in the ISR the same producer succeeds. Reading back finds every acknowledged message once,
// and no message refused with 19 (rejected before the append).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <set>

#include "tests/faults/fault_cluster.h"

namespace kbench::broker::testing {
namespace {

bool NotEnoughReplicas(int e) {
  return e == RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS ||
         e == RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND;
}

TEST(MinInsyncThree, AcksAllFailsWithNotEnoughReplicasUntilTheStoppedBrokerReturns) {
  auto fc = FaultCluster::Start(3);
  ASSERT_TRUE(fc.ok()) << fc.status().ToString();
  FaultCluster& f = **fc;
  EmbeddedCluster& c = f.cluster();
  Status created = CreateReplicatedTopic(f.bootstrap(), "payments", 1, 3,
                                         {{"min.insync.replicas", "3"}}, {{1, 2, 3}});
  ASSERT_TRUE(created.ok()) << created.ToString();
  // retries=0 so each probe reports the broker's own answer instead of retrying it away.
  auto made = ProbeProducer::Create(ProducerConfig(
      f.bootstrap(), "all",
      {{"enable.idempotence", "false"}, {"retries", "0"}, {"request.timeout.ms", "1500"}}));
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  ProbeProducer& probe = **made;

  auto first = probe.Send("payments", 0, "before", 10000);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(*first, RD_KAFKA_RESP_ERR_NO_ERROR);

  ASSERT_TRUE(c.StopCleanly(BrokerId(3)).ok());
  // Controlled shutdown took broker 3 out of the ISR; the leader refuses acks=all from then on.
  auto refused = ProbeUntil(probe, "payments", 0, "down", NotEnoughReplicas, 20000);
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  int refusals = 1;
  for (int i = 0; i < 10; ++i) {
    auto r = probe.Send("payments", 0, "down-more-" + std::to_string(i), 10000);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS)
        << rd_kafka_err2str(rd_kafka_resp_err_t(*r));
    refusals += NotEnoughReplicas(*r) ? 1 : 0;
  }
  auto described = DescribeTopic(f.bootstrap(), "payments");
  ASSERT_TRUE(described.ok());
  EXPECT_EQ((*described)[0].isr.size(), 2u);

  ASSERT_TRUE(c.Restart(BrokerId(3)).ok());
  Status back = AwaitPartitions(
      f.bootstrap(), "payments", [](const PartitionView& s) { return s.isr.size() == 3; }, 20000);
  ASSERT_TRUE(back.ok()) << back.ToString();
  auto accepted = ProbeUntil(
      probe, "payments", 0, "back", [](int e) { return e == RD_KAFKA_RESP_ERR_NO_ERROR; }, 20000);
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  for (int i = 0; i < 10; ++i) {
    auto r = probe.Send("payments", 0, "after-" + std::to_string(i), 10000);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(rd_kafka_resp_err_t(*r));
  }

  auto read = ReadAll(f.bootstrap(), "payments", 1, 30000);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  const AuditCounts a = Audit(probe.sent(), *read);
  EXPECT_GE(refusals, 11);
  EXPECT_EQ(a.acked_lost, 0);
  EXPECT_EQ(a.duplicated, 0);
  // Refused before the append (19): never in the log. Only a probe refused otherwise (20 after
  // the append, or one that timed out while the ISR was shrinking) may be in it.
  int64_t maybe_appended = 0;
  std::set<std::string> present;
  for (const Record& r : *read) present.insert(r.value);
  for (const SentMessage& s : probe.sent()) {
    if (s.error == RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS) {
      EXPECT_EQ(present.count(s.value), 0u) << s.value;
    }
    if (s.error != RD_KAFKA_RESP_ERR_NO_ERROR && s.error != RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS) {
      ++maybe_appended;
    }
  }
  EXPECT_LE(a.unacked_present, maybe_appended);
  EXPECT_EQ(a.read, a.acked + a.unacked_present);
}

}  // namespace
}  // namespace kbench::broker::testing
