#include "core/broker/timer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "core/base/clock.h"
#include "tests/unit/broker/test_handlers.h"

namespace kbench::broker {
namespace {

using testing::WaitUntil;

TEST(TimerTest, TasksRunAfterTheirDeadlinesInDeadlineOrder) {
  Timer timer("t");
  std::mutex mu;
  std::vector<std::pair<int64_t, int64_t>> runs;  // (deadline, ran at)
  std::mt19937 rng(1);
  const int64_t base = MonoNanos();
  // Hold the timer thread until all 200 are scheduled, so they are all pending together however
  // slow scheduling is (sanitizers): then they must run in deadline order.
  std::atomic<bool> scheduled{false};
  timer.ScheduleAt(base - 1, [&] { WaitUntil([&] { return scheduled.load(); }); });
  for (int i = 0; i < 200; ++i) {
    int64_t deadline = base + static_cast<int64_t>(rng() % 30'000'000);
    timer.ScheduleAt(deadline, [&, deadline] {
      std::lock_guard<std::mutex> lock(mu);
      runs.emplace_back(deadline, MonoNanos());
    });
  }
  scheduled = true;
  ASSERT_TRUE(WaitUntil([&] {
    std::lock_guard<std::mutex> lock(mu);
    return runs.size() == 200;
  }));
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_GE(runs[i].second, runs[i].first) << "ran before its deadline";
    if (i > 0) {
      EXPECT_GE(runs[i].first, runs[i - 1].first) << "ran out of deadline order";
    }
  }
  EXPECT_EQ(timer.pending(), 0u);
}

TEST(TimerTest, CancelledTasksNeverRunAndReleaseWhatTheyHold) {
  Timer timer("t");
  std::atomic<int> ran{0};
  auto held = std::make_shared<int>(5);
  std::weak_ptr<int> watched = held;
  TimerId far = timer.ScheduleAfter(60'000'000'000, [held, &ran] { ran++; });
  held.reset();
  TimerId near = timer.ScheduleAfter(1'000'000, [&ran] { ran += 100; });
  EXPECT_EQ(timer.pending(), 2u);
  EXPECT_TRUE(timer.Cancel(far));
  EXPECT_TRUE(watched.expired());
  EXPECT_FALSE(timer.Cancel(far));  // already gone
  ASSERT_TRUE(WaitUntil([&] { return ran.load() == 100; }));
  EXPECT_FALSE(timer.Cancel(near));  // already ran
  EXPECT_EQ(timer.pending(), 0u);
}

TEST(TimerTest, AnEarlierTaskScheduledLaterWakesTheThread) {
  Timer timer("t");
  std::atomic<bool> early_ran{false};
  timer.ScheduleAfter(3'600'000'000'000, [] {});  // the thread sleeps toward this one
  timer.ScheduleAfter(1'000'000, [&] { early_ran = true; });
  EXPECT_TRUE(WaitUntil([&] { return early_ran.load(); }));
}

TEST(TimerTest, StopDropsPendingTasksAndRefusesNewOnes) {
  std::atomic<int> ran{0};
  auto held = std::make_shared<int>(1);
  std::weak_ptr<int> watched = held;
  {
    Timer timer("t");
    timer.ScheduleAfter(60'000'000'000, [held, &ran] { ran++; });
    held.reset();
    timer.Stop();
    EXPECT_TRUE(watched.expired());
    EXPECT_EQ(timer.ScheduleAfter(0, [&ran] { ran++; }), kNoTimer);
  }
  EXPECT_EQ(ran.load(), 0);
}

TEST(TimerTest, ConcurrentScheduleAndCancelAccountForEveryTask) {
  Timer timer("t");
  std::atomic<int> ran{0};
  std::atomic<int> cancelled{0};
  std::vector<std::thread> threads;
  const int kPerThread = 5000;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < kPerThread; ++i) {
        TimerId id = timer.ScheduleAfter(static_cast<int64_t>(rng() % 2'000'000), [&] { ran++; });
        if (rng() % 2 == 0 && timer.Cancel(id)) cancelled++;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(WaitUntil([&] { return ran.load() + cancelled.load() == 4 * kPerThread; }));
  EXPECT_GT(cancelled.load(), 0);
  EXPECT_EQ(timer.pending(), 0u);
}

TEST(TimerTest, ATaskMayScheduleAndCancelOthers) {
  Timer timer("t");
  std::atomic<bool> second_ran{false};
  TimerId victim = timer.ScheduleAfter(50'000'000, [] { FAIL() << "cancelled task ran"; });
  timer.ScheduleAfter(0, [&] {
    EXPECT_TRUE(timer.Cancel(victim));
    timer.ScheduleAfter(0, [&] { second_ran = true; });
  });
  EXPECT_TRUE(WaitUntil([&] { return second_ran.load(); }));
}

}  // namespace
}  // namespace kbench::broker
