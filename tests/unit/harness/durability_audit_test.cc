#include "harness/durability_audit.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>
#include <vector>

namespace kbench::harness {
namespace {

// The direct driver reports batches as ranges; a range must count exactly what the per-message
// calls in ascending order would: random ranges (overlapping, repeated, out of order, across words
// and pages) fed to two audits, one per message and one per range, give identical reports.
TEST(DurabilityAudit, RangesCountExactlyLikeTheMessagesInThem) {
  std::mt19937_64 rng(5);
  DurabilityAudit per_message, per_range;
  for (int i = 0; i < 3000; ++i) {
    const uint32_t partition = static_cast<uint32_t>(rng() % 3);
    const uint64_t first = rng() % 200'000;
    const uint64_t count = 1 + rng() % (i % 10 == 0 ? 70'000 : 300);
    switch (rng() % 4) {
      case 0:
        per_range.AckedRange(1, partition, first, count);
        for (uint64_t s = first; s < first + count; ++s) per_message.Acked(1, partition, s);
        break;
      case 1:
        per_range.FailedRange(1, partition, first, count);
        for (uint64_t s = first; s < first + count; ++s) per_message.Failed(1, partition, s);
        break;
      default:
        per_range.ConsumedRange(1, partition, first, count);
        for (uint64_t s = first; s < first + count; ++s) per_message.Consumed(1, partition, s);
        break;
    }
  }
  const AuditReport a = per_message.Reconcile(50), b = per_range.Reconcile(50);
  EXPECT_EQ(a.total.acked, b.total.acked);
  EXPECT_EQ(a.total.failed, b.total.failed);
  EXPECT_EQ(a.total.consumed, b.total.consumed);
  EXPECT_EQ(a.total.lost, b.total.lost);
  EXPECT_EQ(a.total.duplicated, b.total.duplicated);
  EXPECT_EQ(a.total.out_of_order, b.total.out_of_order);
  EXPECT_EQ(a.total.unacked_delivered, b.total.unacked_delivered);
  EXPECT_GT(a.total.duplicated, 0);
  EXPECT_GT(a.total.out_of_order, 0);
  ASSERT_EQ(a.lost_ranges.size(), b.lost_ranges.size());
  for (size_t i = 0; i < a.lost_ranges.size(); ++i) {
    EXPECT_EQ(a.lost_ranges[i].first, b.lost_ranges[i].first);
    EXPECT_EQ(a.lost_ranges[i].last, b.lost_ranges[i].last);
  }
}

TEST(DurabilityAudit, ConsumedRangeBelowTheHighestIsOutOfOrderOnlyForNewSequences) {
  DurabilityAudit a;
  a.AckedRange(0, 0, 0, 100);
  a.ConsumedRange(0, 0, 50, 50);  // 50..99
  a.ConsumedRange(0, 0, 0, 60);   // 0..49 new and below 99: out of order; 50..59 duplicates
  const AuditReport r = a.Reconcile();
  EXPECT_EQ(r.total.consumed, 110);
  EXPECT_EQ(r.total.out_of_order, 50);
  EXPECT_EQ(r.total.duplicated, 10);
  EXPECT_EQ(r.total.lost, 0);
}

TEST(SequenceBitmap, SetAndCountRangesAcrossWordsAndPages) {
  SequenceBitmap b;
  EXPECT_EQ(b.SetRange(60, 10), 0);      // straddles a word
  EXPECT_EQ(b.SetRange(65, 10), 5);      // 65..69 were set
  EXPECT_EQ(b.SetRange(65'530, 20), 0);  // straddles a page
  EXPECT_EQ(b.CountRange(0, 200'000), 15 + 20);
  EXPECT_EQ(b.CountRange(65'536, 100), 14);
  EXPECT_EQ(b.CountRange(1'000'000, 64), 0);  // beyond any page
  EXPECT_EQ(b.SetRange(0, 0), 0);
  EXPECT_EQ(b.Count(), 35);
}

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
