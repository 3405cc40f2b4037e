// Every profile shipped under workloads/ loads and validates, and answers the question it is named
// after.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "harness/workload_spec.h"

namespace kbench::harness {
namespace {

namespace fs = std::filesystem;

std::string WorkloadsDir() {
  const char* src = std::getenv("KBENCH_SOURCE_DIR");
  return std::string(src ? src : ".") + "/workloads";
}

std::vector<Workload> LoadProfile(const std::string& name) {
  auto r = LoadWorkloadFile(WorkloadsDir() + "/" + name + ".yaml");
  EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
  return r.ok() ? *r : std::vector<Workload>{};
}

TEST(WorkloadProfiles, EveryShippedProfileValidates) {
  std::set<std::string> found;
  for (const auto& entry : fs::directory_iterator(WorkloadsDir())) {
    if (entry.path().extension() != ".yaml") continue;
    auto r = LoadWorkloadFile(entry.path().string());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    // Also valid against an external cluster (--bootstrap), except catch-up-read's page-cache
    // eviction.
    WorkloadLoadOptions external;
    external.embedded = false;
    if (entry.path().stem() != "catch-up-read") {
      EXPECT_TRUE(LoadWorkloadFile(entry.path().string(), external).ok()) << entry.path();
    }
    EXPECT_EQ(r->front().name, entry.path().stem().string()) << "a profile is named after its file";
    found.insert(entry.path().stem().string());
  }
  for (const char* name :
       {"quickstart", "max-throughput", "e2e-latency", "acks-comparison", "partition-scaling",
        "consumer-fanout", "keyed-skew", "slow-consumer-lag", "leader-failover", "signup-events",
        "catch-up-read"}) {
    EXPECT_TRUE(found.count(name)) << "missing workloads/" << name << ".yaml";
  }
}

TEST(WorkloadProfiles, QuickstartRunsUnderAMinuteOnThreeEmbeddedBrokers) {
  const Workload w = LoadProfile("quickstart").at(0);
  EXPECT_LT(w.TotalDurationS() + w.drain_timeout_s, 60);
  EXPECT_EQ(w.cluster.brokers, 3);
  EXPECT_FALSE(LossAllowed(w));
}

TEST(WorkloadProfiles, AcksComparisonHasZeroOneAll) {
  std::vector<std::string> acks;
  for (const Workload& w : LoadProfile("acks-comparison")) acks.push_back(w.EffectiveAcks());
  EXPECT_EQ(acks, (std::vector<std::string>{"0", "1", "all"}));
}

TEST(WorkloadProfiles, PartitionScalingSpansOneToAThousand) {
  std::vector<int32_t> partitions;
  for (const Workload& w : LoadProfile("partition-scaling"))
    partitions.push_back(w.partitions_per_topic);
  EXPECT_EQ(partitions, (std::vector<int32_t>{1, 10, 100, 1000}));
}

TEST(WorkloadProfiles, ConsumerFanoutIsKakaos) {
  EXPECT_DOUBLE_EQ(LoadProfile("consumer-fanout").at(0).FanOut(), 1.35);
}

TEST(WorkloadProfiles, KeyedSkewComparesUniformAndZipf) {
  auto v = LoadProfile("keyed-skew");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].key_distributor, KeyDistributor::kRandom);
  EXPECT_EQ(v[1].key_distributor, KeyDistributor::kZipf);
}

TEST(WorkloadProfiles, SlowConsumersFallBehindOnlyWhenTooFew) {
  for (const Workload& w : LoadProfile("slow-consumer-lag")) {
    const double capacity = w.TotalConsumers() * 1000.0 / w.consumer_processing_delay_ms;
    if (w.variant == "consumers-4") {
      EXPECT_LT(capacity, static_cast<double>(w.producer_rate));
    } else {
      EXPECT_GT(capacity, static_cast<double>(w.producer_rate));
    }
  }
}

TEST(WorkloadProfiles, LeaderFailoverCrashesAndRestartsAndComparesAcks) {
  auto v = LoadProfile("leader-failover");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_TRUE(LossAllowed(v[0]));
  EXPECT_FALSE(LossAllowed(v[1]));
  ASSERT_EQ(v[1].faults.size(), 2u);
  EXPECT_EQ(v[1].faults[0].action, FaultAction::kCrash);
  EXPECT_EQ(v[1].faults[1].action, FaultAction::kRestart);
}

TEST(WorkloadProfiles, SignupEventsIsSeed002sTopicDoneRight) {
  const Workload w = LoadProfile("signup-events").at(0);
  EXPECT_EQ(w.replication_factor, 3);
  EXPECT_EQ(w.partitions_per_topic, 2);
  EXPECT_EQ(w.EffectiveAcks(), "all");
  EXPECT_EQ(w.EffectiveMinInsyncReplicas(), 2);
  EXPECT_LE(w.producer_rate, 100);
  EXPECT_FALSE(LossAllowed(w));
}

TEST(WorkloadProfiles, CatchUpReadEvictsItsBacklog) {
  const Workload w = LoadProfile("catch-up-read").at(0);
  EXPECT_GT(w.consumer_backlog_size_gb, 0);
  EXPECT_EQ(w.backlog_page_cache, BacklogPageCache::kEvict);
}

TEST(WorkloadProfiles, MaxThroughputSearchesUnderAnSlo) {
  const Workload w = LoadProfile("max-throughput").at(0);
  EXPECT_EQ(w.producer_rate, 0);
  EXPECT_GT(w.latency_slo.ms, 0);
}

TEST(WorkloadProfiles, DirectCeilingIsHundredByteMessagesAtTwoMillionPerSecond) {
  const Workload w = LoadProfile("direct-ceiling").at(0);
  EXPECT_EQ(w.message_size.size, 100);
  EXPECT_EQ(w.producer_rate, 2'000'000);
  EXPECT_EQ(w.TotalProducers(), 1);
  EXPECT_EQ(w.TotalConsumers(), 1);
  EXPECT_TRUE(w.faults.empty());  // the direct driver refuses faults
}

}  // namespace
}  // namespace kbench::harness
