// The fault schedule on a one-broker embedded cluster: events run in order at their times on the
// run's clock, an event the cluster refuses is recorded as failed with the cluster's reason and the
// schedule goes on, and events not reached when the run stops are neither executed nor recorded.
#include "harness/fault_schedule.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/base/clock.h"

namespace kbench::harness {
namespace {

TEST(FaultSchedule, RunsEventsInOrderRecordsRefusalsAndStopsBeforeUnreachedOnes) {
  char tmpl[] = "/tmp/kbench-fault-schedule-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  broker::EmbeddedClusterOptions o;
  o.brokers = 1;
  o.data_dir = dir;
  o.properties = {{"offsets.topic.replication.factor", "1"}, {"offsets.topic.num.partitions", "1"}};
  auto cluster = broker::EmbeddedCluster::Start(o);
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();

  FaultSchedule schedule(cluster->get(), {{0.1, FaultAction::kResume, 1},  // not paused: refused
                                          {0.2, FaultAction::kPause, 1},
                                          {0.4, FaultAction::kResume, 1},
                                          {60, FaultAction::kCrash, 1}});  // never reached
  const int64_t start = MonoNanos();
  schedule.Start(start);
  // Until the three reachable events ran (bounded), then the run stops long before the fourth.
  for (int i = 0; i < 3000 && schedule.records().size() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  schedule.Stop();
  EXPECT_EQ((*cluster)->status(BrokerId(1)), broker::BrokerStatus::kRunning);

  const std::vector<results::FaultRecord> r = schedule.records();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].action, "resume");
  EXPECT_FALSE(r[0].ok);
  EXPECT_FALSE(r[0].detail.empty());
  EXPECT_EQ(r[1].action, "pause");
  EXPECT_TRUE(r[1].ok) << r[1].detail;
  EXPECT_EQ(r[1].detail, "SIGSTOP");
  EXPECT_EQ(r[2].action, "resume");
  EXPECT_TRUE(r[2].ok) << r[2].detail;
  EXPECT_EQ(r[2].broker, 1);
  // On the run's clock, in order, never early.
  EXPECT_GE(r[0].t_s, 0.1);
  EXPECT_GE(r[1].t_s, 0.2);
  EXPECT_GE(r[2].t_s, 0.4);
  (*cluster)->Shutdown();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kbench::harness
