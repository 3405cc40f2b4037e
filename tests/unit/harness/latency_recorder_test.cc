#include "harness/latency_recorder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace kbench::harness {
namespace {

TEST(LatencyRecorder, IntervalsPartitionWhatWasRecorded) {
  LatencyRecorder r;
  results::HdrHistogram first, second;
  for (int i = 1; i <= 100; ++i) r.Record(i);
  r.TakeInterval(&first);
  for (int i = 1; i <= 50; ++i) r.Record(1000);
  r.TakeInterval(&second);
  EXPECT_EQ(first.TotalCount(), 100);
  EXPECT_EQ(first.Max(), 100);
  EXPECT_EQ(second.TotalCount(), 50);
  EXPECT_EQ(second.Min(), 1000);
}

// Writers record without stopping while the collector swaps intervals; nothing is lost or counted
// twice.
TEST(LatencyRecorder, BatchRecordsIntoTheCurrentInterval) {
  LatencyRecorder r;
  {
    LatencyRecorder::Batch batch(&r);
    for (int64_t v = 1; v <= 1000; ++v) batch.Record(v * 1000);
  }
  r.Record(5);
  results::HdrHistogram h;
  r.TakeInterval(&h);
  EXPECT_EQ(h.TotalCount(), 1001);
  EXPECT_EQ(h.Min(), 5);
  EXPECT_NEAR(static_cast<double>(h.Max()), 1'000'000, 1000);
  results::HdrHistogram next;
  r.TakeInterval(&next);
  EXPECT_EQ(next.TotalCount(), 0);
}

// A collector swapping intervals while a writer records in batches: every value lands in exactly
// one interval.
TEST(LatencyRecorder, BatchesAndConcurrentCollectionLoseNothing) {
  LatencyRecorderSet set;
  LatencyRecorder* r = set.NewRecorder();
  std::atomic<bool> done{false};
  int64_t collected = 0;
  std::thread collector([&] {
    results::HdrHistogram interval;
    while (!done.load()) {
      set.CollectInterval(&interval);
      collected += interval.TotalCount();
    }
    set.CollectInterval(&interval);
    collected += interval.TotalCount();
  });
  for (int b = 0; b < 20'000; ++b) {
    LatencyRecorder::Batch batch(r);
    for (int i = 0; i < 50; ++i) batch.Record(1000 + i);
  }
  done = true;
  collector.join();
  EXPECT_EQ(collected, 1'000'000);
}

TEST(LatencyRecorderSet, ConcurrentWritersAndCollectorLoseNothing) {
  LatencyRecorderSet set;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200'000;
  std::atomic<bool> done{false};
  results::HdrHistogram total, interval;
  std::thread collector([&] {
    while (!done.load()) {
      set.CollectInterval(&interval);
      ASSERT_TRUE(total.Add(interval).ok());
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      LatencyRecorder* r = set.NewRecorder();
      for (int i = 0; i < kPerThread; ++i) r->Record(1 + (i % 1000) + t * 1000);
    });
  }
  for (std::thread& w : writers) w.join();
  done = true;
  collector.join();
  set.CollectInterval(&interval);
  ASSERT_TRUE(total.Add(interval).ok());
  EXPECT_EQ(total.TotalCount(), int64_t{kThreads} * kPerThread);
  EXPECT_EQ(total.Max(), kThreads * 1000);
  for (int64_t v : {1, 500, 1000, 1001, 2000}) {  // exact below 2048
    EXPECT_EQ(total.CountAtIndex(total.IndexOf(v)), kPerThread / 1000) << v;
  }
}

}  // namespace
}  // namespace kbench::harness
