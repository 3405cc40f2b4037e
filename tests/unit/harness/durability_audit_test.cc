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
  EXPECT_EQ(a.total.unconsumed, b.total.unconsumed);
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
  for (uint64_t s = 0; s < 100'000; ++s) a.Acked(1, 0, s, static_cast<int64_t>(s));
  for (uint64_t s = 0; s < 100'000; ++s) {
    const bool dropped =
        (s >= 500 && s < 700) || s == 99'998 || (s >= 65'530 && s < 65'540);  // across a page
    if (!dropped) a.Consumed(1, 0, s, static_cast<int64_t>(s));
  }
  const AuditReport r = a.Reconcile();
  EXPECT_EQ(r.total.lost, 200 + 1 + 10);
  EXPECT_EQ(r.total.unconsumed, 0);
  ASSERT_EQ(r.lost_ranges.size(), 3u);
  EXPECT_EQ(r.lost_ranges[0].first, 500u);
  EXPECT_EQ(r.lost_ranges[0].last, 699u);
  EXPECT_EQ(r.lost_ranges[1].first, 65'530u);
  EXPECT_EQ(r.lost_ranges[1].last, 65'539u);
  EXPECT_EQ(r.lost_ranges[2].first, 99'998u);
  EXPECT_EQ(r.by_partition.at(0).lost, 211);
}

// The run ended while the consumers were behind: what they had not reached yet is backlog, not
// loss (the slow-consumer-lag profile's consumers-4 variant), however many there are.
TEST(DurabilityAudit, BacklogBeyondTheConsumersPositionIsUnconsumedNotLost) {
  DurabilityAudit a;
  a.AckedRange(0, 0, 0, 1000, 0);
  a.ConsumedRange(0, 0, 0, 600, 599);
  a.AckedRange(0, 1, 0, 50, 0);  // a partition nobody read at all
  const AuditReport r = a.Reconcile();
  EXPECT_EQ(r.total.lost, 0);
  EXPECT_EQ(r.total.unconsumed, 400 + 50);
  EXPECT_EQ(r.by_partition.at(1).unconsumed, 50);
  EXPECT_EQ(a.Outstanding(), 450);
  EXPECT_TRUE(r.lost_ranges.empty());
}

// Another producer's message read at a higher offset of the same partition proves the consumer
// passed this one.
TEST(DurabilityAudit, ConsumingALaterOffsetOfThePartitionMakesTheGapLost) {
  DurabilityAudit a;
  a.AckedRange(1, 0, 0, 10, 0);    // producer 1 at offsets 0..9
  a.AckedRange(2, 0, 0, 10, 10);   // producer 2 at offsets 10..19
  a.AckedRange(2, 0, 10, 10, 20);  // producer 2 at offsets 20..29
  a.ConsumedRange(2, 0, 0, 10, 19);
  const AuditReport r = a.Reconcile();
  EXPECT_EQ(r.total.lost, 10);        // producer 1's, passed over
  EXPECT_EQ(r.total.unconsumed, 10);  // producer 2's 10..19 at offsets 20..29, not reached yet
  ASSERT_EQ(r.lost_ranges.size(), 1u);
  EXPECT_EQ(r.lost_ranges[0].producer, 1u);
}

// A leader failover with acks=1: offsets 50..99 were truncated and reused by later messages; the
// consumer read the new ones there, so the acknowledged old ones are lost.
TEST(DurabilityAudit, OffsetsReusedAfterATruncationAreLost) {
  DurabilityAudit a;
  a.AckedRange(0, 0, 0, 100, 0);
  a.AckedRange(0, 0, 100, 50, 50);
  a.ConsumedRange(0, 0, 0, 50, 49);
  a.ConsumedRange(0, 0, 100, 50, 99);
  const AuditReport r = a.Reconcile();
  EXPECT_EQ(r.total.lost, 50);
  EXPECT_EQ(r.total.unconsumed, 0);
  ASSERT_EQ(r.lost_ranges.size(), 1u);
  EXPECT_EQ(r.lost_ranges[0].first, 50u);
  EXPECT_EQ(r.lost_ranges[0].last, 99u);
}

// What the log no longer holds is lost even where no consumer got that far: below the log start
// (retention, a reset) and at or beyond the high watermark (a log cut short by a crash).
TEST(DurabilityAudit, OffsetsOutsideTheLogAtTheEndAreLost) {
  DurabilityAudit a;
  a.AckedRange(0, 0, 0, 1000, 0);
  a.AckedRange(0, 1, 0, 1000, 0);
  a.ConsumedRange(0, 1, 0, 10, 9);
  const AuditReport r =
      a.Reconcile({{0, {.log_start = 100, .log_end = 900}}, {1, {.log_start = 0, .log_end = 500}}});
  EXPECT_EQ(r.by_partition.at(0).lost, 100 + 100);
  EXPECT_EQ(r.by_partition.at(0).unconsumed, 800);
  EXPECT_EQ(r.by_partition.at(1).lost, 500);
  EXPECT_EQ(r.by_partition.at(1).unconsumed, 490);
  // Without the logs' ranges the same messages are still waiting, as far as anyone can tell.
  EXPECT_EQ(a.Reconcile().total.lost, 0);
}

// acks=0 reports no offsets: the stream's own order decides (passed over when a higher sequence
// of the same stream was consumed).
TEST(DurabilityAudit, WithoutOffsetsTheStreamOrderDecides) {
  DurabilityAudit a;
  for (uint64_t s = 0; s < 30; ++s) a.Acked(0, 0, s);
  for (uint64_t s = 0; s < 20; ++s) {
    if (s != 10 && s != 11) a.Consumed(0, 0, s);
  }
  const AuditReport r = a.Reconcile();
  EXPECT_EQ(r.total.lost, 2);
  EXPECT_EQ(r.total.unconsumed, 10);
}

TEST(DurabilityAudit, PruningConsumedOffsetsKeepsTheVerdictAndFreesMemory) {
  DurabilityAudit a, unpruned;
  for (DurabilityAudit* x : {&a, &unpruned}) {
    for (uint64_t b = 0; b < 20'000; ++b) {  // batches of 5, another producer's in between
      x->AckedRange(0, 0, b * 5, 5, static_cast<int64_t>(b * 10));
      if (b < 15'000 && b != 7) x->ConsumedRange(0, 0, b * 5, 5, static_cast<int64_t>(b * 10 + 4));
    }
  }
  const size_t before = a.MemoryBytes();
  a.PruneConsumedOffsets();
  EXPECT_LT(a.MemoryBytes(), before);
  const AuditReport r = a.Reconcile(), u = unpruned.Reconcile();
  EXPECT_EQ(r.total.lost, 5);
  EXPECT_EQ(r.total.unconsumed, 5 * 5'000);
  EXPECT_EQ(r.total.lost, u.total.lost);
  EXPECT_EQ(r.total.unconsumed, u.total.unconsumed);
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
  EXPECT_EQ(r.total.lost + r.total.unconsumed, 1);
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

TEST(SequenceBitmap, UnsetRunsAreFoundAcrossWordsAndPagesAndJoinedAcrossCalls) {
  SequenceBitmap full;
  full.SetRange(0, 200'000);
  SequenceBitmap fresh;  // unset: 5..7, 63..65, 127, 65'535..65'536, and from 66'537 on
  fresh.SetRange(0, 5);
  fresh.SetRange(8, 55);          // 8..62
  fresh.SetRange(66, 61);         // 66..126
  fresh.SetRange(128, 65'407);    // 128..65'534
  fresh.SetRange(65'537, 1'000);  // 65'537..66'536
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  EXPECT_EQ(fresh.CountUnsetRange(0, 66'537, &ranges, 10), 3 + 3 + 1 + 2);
  ASSERT_EQ(ranges.size(), 4u);
  EXPECT_EQ(ranges[0], std::make_pair(uint64_t{5}, uint64_t{7}));
  EXPECT_EQ(ranges[1], std::make_pair(uint64_t{63}, uint64_t{65}));  // across a word
  EXPECT_EQ(ranges[2], std::make_pair(uint64_t{127}, uint64_t{127}));
  EXPECT_EQ(ranges[3], std::make_pair(uint64_t{65'535}, uint64_t{65'536}));  // across a page
  // A second call continuing the last run extends it; the cap holds new runs back.
  std::vector<std::pair<uint64_t, uint64_t>> capped;
  EXPECT_EQ(fresh.CountUnsetRange(60, 4, &capped, 1), 1);       // 63
  EXPECT_EQ(fresh.CountUnsetRange(64, 66'473, &capped, 1), 5);  // 64, 65, 127, 65'535, 65'536
  ASSERT_EQ(capped.size(), 1u);
  EXPECT_EQ(capped[0], std::make_pair(uint64_t{63}, uint64_t{65}));
  EXPECT_EQ(fresh.CountUnsetRange(300'000, 128), 128);  // beyond any page: all unset
  EXPECT_EQ(full.CountUnsetRange(0, 200'000), 0);
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
