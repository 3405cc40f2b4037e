#include "harness/durability_audit.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace kbench::harness {
namespace {

TEST(DurabilityAudit, CleanRunHasNothingToReport) {
  DurabilityAudit a;
  for (uint64_t s = 0; s < 1000; ++s) a.Acked(0, 3, s);
  for (uint64_t s = 0; s < 1000; ++s) a.Consumed(0, 3, s);
  const AuditReport r = a.Reconcile();
  EXPECT_EQ(r.total.acked, 1000);
  EXPECT_EQ(r.total.consumed, 1000);
  EXPECT_EQ(r.total.lost, 0);
  EXPECT_EQ(r.total.duplicated, 0);
  EXPECT_EQ(r.total.out_of_order, 0);
  EXPECT_EQ(r.total.unacked_delivered, 0);
  EXPECT_TRUE(r.lost_ranges.empty());
}

TEST(DurabilityAudit, DetectsInjectedLossAsRanges) {
  DurabilityAudit a;
  for (uint64_t s = 0; s < 100'000; ++s) a.Acked(1, 0, s);
  for (uint64_t s = 0; s < 100'000; ++s) {
    const bool dropped =
        (s >= 500 && s < 700) || s == 99'999 || (s >= 65'530 && s < 65'540);  // across a page
    if (!dropped) a.Consumed(1, 0, s);
  }
  const AuditReport r = a.Reconcile();
  EXPECT_EQ(r.total.lost, 200 + 1 + 10);
  ASSERT_EQ(r.lost_ranges.size(), 3u);
  EXPECT_EQ(r.lost_ranges[0].first, 500u);
  EXPECT_EQ(r.lost_ranges[0].last, 699u);
  EXPECT_EQ(r.lost_ranges[1].first, 65'530u);
  EXPECT_EQ(r.lost_ranges[1].last, 65'539u);
  EXPECT_EQ(r.lost_ranges[2].first, 99'999u);
  EXPECT_EQ(r.by_partition.at(0).lost, 211);
}

TEST(DurabilityAudit, DetectsDuplicatesAndReorderSeparately) {
  DurabilityAudit a;
  for (uint64_t s = 0; s < 10; ++s) a.Acked(0, 0, s);
  for (uint64_t s : {0, 1, 2, 3, 4, 2, 3, 5, 7, 6, 8, 9}) a.Consumed(0, 0, s);
  const AuditReport r = a.Reconcile();
  EXPECT_EQ(r.total.consumed, 12);
  EXPECT_EQ(r.total.duplicated, 2);    // 2 and 3 again (a redelivery, not a reorder)
  EXPECT_EQ(r.total.out_of_order, 1);  // 6 first seen after 7
  EXPECT_EQ(r.total.lost, 0);
}

TEST(DurabilityAudit, UnackedDeliveriesAreNotLossAndFailuresAreCounted) {
  DurabilityAudit a;
  a.Acked(0, 0, 0);
  a.Failed(0, 0, 1);  // producer saw an error, but the broker had written it (retry semantics)
  a.Consumed(0, 0, 0);
  a.Consumed(0, 0, 1);
  a.Consumed(0, 0, 2);  // never acknowledged nor failed (in flight when the run ended)
  const AuditReport r = a.Reconcile();
  EXPECT_EQ(r.total.failed, 1);
  EXPECT_EQ(r.total.unacked_delivered, 2);
  EXPECT_EQ(r.total.lost, 0);
}

TEST(DurabilityAudit, StreamsAreKeptApart) {
  DurabilityAudit a;
  a.Acked(0, 0, 5);
  a.Consumed(0, 1, 5);  // same sequence, other partition: does not cover it
  a.Consumed(1, 0, 5);  // other producer
  const AuditReport r = a.Reconcile();
  EXPECT_EQ(r.total.lost, 1);
  EXPECT_EQ(r.total.unacked_delivered, 2);
  EXPECT_EQ(r.by_partition.size(), 2u);
}

TEST(DurabilityAudit, ConcurrentProducersAndConsumersAreCountedExactly) {
  DurabilityAudit a;
  constexpr int kStreams = 8;
  constexpr uint64_t kPerStream = 100'000;
  std::vector<std::thread> threads;
  for (int p = 0; p < kStreams; ++p) {
    threads.emplace_back([&, p] {
      for (uint64_t s = 0; s < kPerStream; ++s) a.Acked(p, p % 4, s);
    });
    threads.emplace_back([&, p] {
      for (uint64_t s = 0; s < kPerStream; ++s) {
        if (s % 1000 != 7) a.Consumed(p, p % 4, s);
      }
    });
  }
  for (auto& t : threads) t.join();
  const AuditReport r = a.Reconcile();
  EXPECT_EQ(r.total.acked, kStreams * static_cast<int64_t>(kPerStream));
  EXPECT_EQ(r.total.lost, kStreams * 100);
  EXPECT_EQ(r.total.duplicated, 0);
}

TEST(DurabilityAudit, HundredMillionMessagesFitInTensOfMegabytes) {
  DurabilityAudit a(4);
  constexpr uint64_t kMessages = 100'000'000;
  for (uint64_t s = 0; s < kMessages; ++s) a.Acked(s % 10, 0, s / 10);
  for (uint64_t s = 0; s < kMessages; ++s) a.Consumed(s % 10, 0, s / 10);
  EXPECT_LT(a.MemoryBytes(), size_t{40} << 20);
  const AuditReport r = a.Reconcile();
  EXPECT_EQ(r.total.acked, static_cast<int64_t>(kMessages));
  EXPECT_EQ(r.total.lost, 0);
}

TEST(SequenceBitmap, SetReportsRepeatsAndCountsAcrossPages) {
  SequenceBitmap b;
  EXPECT_FALSE(b.Set(0));
  EXPECT_TRUE(b.Set(0));
  EXPECT_FALSE(b.Set(1'000'000));
  EXPECT_TRUE(b.Test(1'000'000));
  EXPECT_FALSE(b.Test(999'999));
  EXPECT_EQ(b.Count(), 2);
}

}  // namespace
}  // namespace kbench::harness
