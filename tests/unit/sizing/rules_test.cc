// One test (or a few) per sizing rule: each pins the arithmetic docs/sizing.md derives.
#include "sizing/rules.h"

#include <gtest/gtest.h>

#include <cmath>

#include "sizing/defaults.h"

namespace kbench::sizing {
namespace {

constexpr double kGiB = 1073741824.0;

TEST(RulesTest, BindingIsTheLargestBound) {
  std::vector<Bound> b = {{"a", 3, ""}, {"b", 10, ""}, {"c", 10, ""}, {"d", 1, ""}};
  EXPECT_EQ(Binding(b).constraint, "b");
}

TEST(RulesTest, PartitionsForProducerRateIsLoadOverPerPartitionRate) {
  Bound b = PartitionsForThroughput("produce rate", 300e6, 1, 0, 10e6, Rate::Kind::kBytes,
                                    "per partition");
  EXPECT_EQ(b.value, 30);
  EXPECT_NE(b.arithmetic.find("300 MB/s"), std::string::npos);
  EXPECT_EQ(PartitionsForThroughput("x", 301e6, 1, 0, 10e6, Rate::Kind::kBytes, "p").value, 31);
  EXPECT_EQ(PartitionsForThroughput("x", 1, 1, 0, 10e6, Rate::Kind::kBytes, "p").value, 1);
}

TEST(RulesTest, PartitionsForConsumerRateSeed001) {
  // Seed 001: 1,000 records/s produced, 100 records/s per consumer -> at least 10 partitions.
  Bound b = PartitionsForThroughput("consumer rate", 1000, 1, 0, 100, Rate::Kind::kMessages,
                                    "per consumer");
  EXPECT_EQ(b.value, 10);
}

TEST(RulesTest, GrowthMultipliesTheLoad) {
  EXPECT_EQ(PartitionsForThroughput("x", 100e6, 3, 0, 10e6, Rate::Kind::kBytes, "p").value, 30);
}

TEST(RulesTest, HotKeyNeedsMorePartitionsForTheRest) {
  // 100 MB/s, 5% on one key (5 MB/s) with 10 MB/s partitions: the rest (95 MB/s) must fit in the 5
  // MB/s left on the hot partition's peers: (1 - 0.05) x 100 / (10 - 5) = 19.
  Bound b = PartitionsForThroughput("x", 100e6, 1, 0.05, 10e6, Rate::Kind::kBytes, "per partition");
  EXPECT_EQ(b.value, 19);
}

TEST(RulesTest, HotKeyLargerThanAPartitionIsImpossible) {
  EXPECT_FALSE(HotKeyOverflow(100e6, 1, 0.05, 10e6, Rate::Kind::kBytes, "per partition"));
  auto why = HotKeyOverflow(100e6, 1, 0.2, 10e6, Rate::Kind::kBytes, "per partition");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("even alone"), std::string::npos);
}

TEST(RulesTest, PartitionsForConsumersEqualsTheGroupSize) {
  EXPECT_EQ(PartitionsForConsumers(6).value, 6);
}

TEST(RulesTest, RoundUpToMultipleOfBrokers) {
  EXPECT_EQ(RoundUpToMultiple(10, 3), 12);
  EXPECT_EQ(RoundUpToMultiple(12, 3), 12);
  EXPECT_EQ(RoundUpToMultiple(2, 3), 3);
  EXPECT_EQ(RoundUpToMultiple(5, 1), 5);
}

ResolvedRequirements Base() {
  ResolvedRequirements r;
  r.ingress_bytes = {100e6, "t"};
  r.peak_bytes = 200e6;
  r.rf = {3, "t"};
  r.retention_s = {86400, "t"};
  r.cleanup = {Cleanup::kDelete, "t"};
  r.dirty_ratio = {0.5, "t"};
  return r;
}

TEST(RulesTest, StoredBytesIsAverageIngressTimesRetentionTimesRf) {
  Bound b = StoredBytes(Base());
  EXPECT_DOUBLE_EQ(b.value, 100e6 * 86400 * 3);
}

TEST(RulesTest, StoredBytesUsesThePeakForShortRetention) {
  ResolvedRequirements r = Base();
  r.retention_s = {3600, "t"};
  EXPECT_DOUBLE_EQ(StoredBytes(r).value, 200e6 * 3600 * 3);
  // 18 h at a 2x peak would exceed a whole day's volume, which caps it.
  r.retention_s = {18 * 3600, "t"};
  EXPECT_DOUBLE_EQ(StoredBytes(r).value, 100e6 * 86400 * 3);
}

TEST(RulesTest, RetentionBytesCapsStoredBytes) {
  ResolvedRequirements r = Base();
  r.retention_bytes = Given<double>{1e12, "t"};
  Bound b = StoredBytes(r);
  EXPECT_DOUBLE_EQ(b.value, 3e12);
  EXPECT_EQ(b.constraint, "retention.bytes");
}

TEST(RulesTest, CompactedTopicsHoldLiveBytesOverOneMinusDirtyRatio) {
  ResolvedRequirements r = Base();
  r.cleanup = {Cleanup::kCompact, "t"};
  r.live_bytes = Given<double>{100e9, "t"};
  EXPECT_DOUBLE_EQ(StoredBytes(r).value, 100e9 / 0.5 * 3);
}

TEST(RulesTest, SegmentBytesIsATenthOfAReplicaCappedAtOneGiB) {
  EXPECT_DOUBLE_EQ(SegmentBytes(1e15, 10, 3), 1073741824.0);
  EXPECT_DOUBLE_EQ(SegmentBytes(1, 10, 3), 16.0 * 1048576);
  double seg =
      SegmentBytes(3e9 * 30, 10, 3);  // 3 GB per replica -> <= 300 MB, a power of two: 256 MiB
  EXPECT_DOUBLE_EQ(seg, 256.0 * 1048576);
  EXPECT_DOUBLE_EQ(SegmentOverheadBytes(10, 3, seg), 30 * seg);
}

TEST(RulesTest, BrokersAtLeastRfAndRacks) {
  EXPECT_EQ(BrokersForReplicationFactor(3).value, 3);
  EXPECT_EQ(BrokersForRacks(4).value, 4);
}

TEST(RulesTest, DiskWritePerBrokerIsIngressTimesRfOverBrokers) {
  // 200 MB/s x RF 3 = 600 MB/s of writes; brokers write 1 GB/s at 50% -> 500 MB/s each -> 2
  // brokers.
  EXPECT_EQ(BrokersForDiskBandwidth(200e6, 3, 1e9, 0.5).value, 2);
  EXPECT_EQ(BrokersForDiskBandwidth(200e6, 3, 1e9, 1.0).value, 1);
}

TEST(RulesTest, MeasuredBrokerCapacityLeavesRoomForFailures) {
  EXPECT_EQ(BrokersForMeasuredWrite(200e6, 3, 300e6, 1).value, 3);
}

TEST(RulesTest, NetworkOutIncludesFanoutAndReplication) {
  EXPECT_DOUBLE_EQ(NetworkInBytes(100e6, 3), 300e6);
  EXPECT_DOUBLE_EQ(NetworkOutBytes(100e6, 3, 2), 400e6);
  // 400 MB/s out = 3.2 Gbps; 10 Gbps at 50% = 5 Gbps per broker -> 1, + 1 broker down = 2.
  EXPECT_EQ(BrokersForNetwork(100e6, 3, 2, 10e9, 0.5, 1).value, 2);
  // 1 GB/s in x RF 3 = 24 Gbps / 5 Gbps = 4.8 -> 5, + 1 = 6.
  EXPECT_EQ(BrokersForNetwork(1e9, 3, 1, 10e9, 0.5, 1).value, 6);
}

TEST(RulesTest, StorageAndReplicaCaps) {
  EXPECT_EQ(BrokersForStorage(100e12, 40e12, 0.7).value, 4);
  EXPECT_EQ(BrokersForReplicaCap(2000, 3, 4000).value, 2);
  EXPECT_EQ(BrokersForReplicaCap(2001, 3, 2000).value, 4);
}

TEST(RulesTest, MemoryBoundUsesWhatHeapAndOsLeave) {
  double cache = 100 * kGiB;
  // 64 GiB - 6 GiB heap - 2 GiB OS = 56 GiB per broker -> 2 brokers.
  EXPECT_EQ(BrokersForMemory(cache, 64 * kGiB, 6 * kGiB).value, 2);
  EXPECT_TRUE(std::isinf(BrokersForMemory(cache, 8 * kGiB, 6 * kGiB).value));
  EXPECT_DOUBLE_EQ(PageCacheBytesTotal(100e6, 3, 300), 100e6 * 3 * 300);
}

TEST(RulesTest, CpuCountsCrcOnEveryReplicaAndLeaderDecompression) {
  // 1 GB/s x RF 3 / 1 GB/s per core = 3 cores of CRC; lz4 at ratio 2: 2 GB/s / 2 GB/s = 1 core; x2
  // = 8.
  EXPECT_DOUBLE_EQ(CpuCoresTotal(1e9, 3, 1e9, Codec::kLz4, 2, 2e9, 2), 8);
  EXPECT_DOUBLE_EQ(CpuCoresTotal(1e9, 3, 1e9, Codec::kNone, 2, 2e9, 2), 6);
  EXPECT_EQ(BrokersForCpu(64, 16, 0.5).value, 8);
}

TEST(RulesTest, StandardSizes) {
  EXPECT_DOUBLE_EQ(StandardMemoryBytes(33 * kGiB), 48 * kGiB);
  EXPECT_DOUBLE_EQ(StandardMemoryBytes(10 * kGiB), 32 * kGiB);
  EXPECT_EQ(StandardCores(9), 12);
  EXPECT_EQ(StandardCores(2), 8);
}

TEST(RulesTest, DisksForSpaceAndBandwidth) {
  EXPECT_EQ(DisksForSpace(10e12, 4e12, 0.7).value, 4);
  EXPECT_EQ(DisksForSpace(1, 4e12, 0.7).value, 1);
  EXPECT_EQ(DisksForBandwidth(600e6, 100e6, 0.5).value, 12);
}

TEST(RulesTest, ControllersThreeOrFive) {
  EXPECT_EQ(ControllersForFailures(1).value, 3);
  EXPECT_EQ(ControllersForFailures(2).value, 5);
  EXPECT_EQ(ControllersForScale(3).value, 3);
  EXPECT_EQ(ControllersForScale(30).value, 5);
}

TEST(RulesTest, RacksToSurviveARackLoss) {
  EXPECT_EQ(RacksToSurviveRackLoss(3, 2), 3);  // two racks would put 2 of 3 replicas together
  EXPECT_EQ(RacksToSurviveRackLoss(3, 1), 2);
  EXPECT_EQ(RacksToSurviveRackLoss(5, 3), 3);
  EXPECT_FALSE(RacksToSurviveRackLoss(3, 3));
}

TEST(RulesTest, CrashUnavailabilitySeed001) {
  // 1,000 leaders x 5 ms = 5 s, after the broker is declared dead.
  EXPECT_DOUBLE_EQ(CrashUnavailabilitySeconds(1000, 5, 0), 5);
  EXPECT_DOUBLE_EQ(CrashUnavailabilitySeconds(1000, 5, 9000), 14);
  EXPECT_DOUBLE_EQ(ControlledShutdownSeconds(1000, 5), 5);
}

TEST(RulesTest, ReplicationLatencyTwentyMsPerThousandPartitions) {
  EXPECT_DOUBLE_EQ(ReplicationLatencyMs(1000, 1, 0), 20);
  EXPECT_DOUBLE_EQ(ReplicationLatencyMs(1000, 4, 0.5), 5.5);
}

TEST(RulesTest, OpenFilesThreePerSegment) {
  EXPECT_DOUBLE_EQ(SegmentsPerReplica(10 * kGiB, kGiB, 86400), 11);
  EXPECT_DOUBLE_EQ(SegmentsPerReplica(1, kGiB, 14 * 86400), 3);  // time-based rolls every 7 days
  EXPECT_DOUBLE_EQ(OpenFilesPerBroker(100, 11), 3300);
  EXPECT_DOUBLE_EQ(MmapsPerBroker(100, 11), 2200);
}

TEST(RulesTest, ClientSettings) {
  EXPECT_DOUBLE_EQ(LingerMs(std::nullopt), 5);
  EXPECT_DOUBLE_EQ(LingerMs(LatencySlo{"p99", 50}), 5);
  EXPECT_DOUBLE_EQ(LingerMs(LatencySlo{"p99", 5000}), 100);
  EXPECT_DOUBLE_EQ(BatchSizeBytes(1e3, 5), 16384);
  EXPECT_DOUBLE_EQ(BatchSizeBytes(10e6, 5), 131072);  // 2 x 50 KB -> 128 KiB
  EXPECT_DOUBLE_EQ(BatchSizeBytes(1e9, 100), 1048576);
  EXPECT_DOUBLE_EQ(ProducerBufferBytes(10, 16384), defaults::kProducerBufferMemory);
  EXPECT_DOUBLE_EQ(ProducerBufferBytes(3000, 16384), 134217728);
  EXPECT_DOUBLE_EQ(ConsumerFetchBytes(12, 4), 3 * 1048576.0);
}

}  // namespace
}  // namespace kbench::sizing
