#include "harness/lag_evaluator.h"

#include <gtest/gtest.h>

namespace kbench::harness {
namespace {

// Builds a window of commits one second apart: offsets and lags given oldest first.
std::deque<LagCommit> Window(std::vector<int64_t> offsets, std::vector<int64_t> lags,
                             int64_t start_ms = 0) {
  std::deque<LagCommit> w;
  for (size_t i = 0; i < offsets.size(); ++i)
    w.push_back({start_ms + static_cast<int64_t>(i) * 1000, offsets[i], lags[i]});
  return w;
}

constexpr int64_t kJustAfter = 9'500;  // 0.5 s after the last of 10 commits

TEST(LagEvaluator, Rule1AnyZeroLagInTheWindowIsOk) {
  auto w = Window({0, 10, 20, 30, 40, 50, 60, 70, 80, 90}, {5, 5, 0, 5, 6, 7, 8, 9, 10, 11});
  EXPECT_EQ(LagEvaluator::EvaluateWindow(w, 11, kJustAfter), PartitionLagStatus::kOk);
}

TEST(LagEvaluator, NoCurrentLagIsOk) {
  auto w = Window({5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, {3, 3, 3, 3, 3, 3, 3, 3, 3, 3});
  EXPECT_EQ(LagEvaluator::EvaluateWindow(w, 0, kJustAfter), PartitionLagStatus::kOk);
}

TEST(LagEvaluator, Rule2OffsetGoingBackwardsIsRewind) {
  auto w =
      Window({100, 110, 120, 50, 60, 70, 80, 90, 100, 110}, {5, 5, 5, 80, 75, 70, 65, 60, 55, 50});
  EXPECT_EQ(LagEvaluator::EvaluateWindow(w, 50, kJustAfter), PartitionLagStatus::kRewind);
}

TEST(LagEvaluator, Rule3NoCommitForLongerThanTheWindowSpansIsStopped) {
  auto w = Window({0, 10, 20, 30, 40, 50, 60, 70, 80, 90}, {50, 45, 40, 35, 30, 25, 20, 15, 10, 5});
  // The window spans 9 s; 10 s of silence after the last commit.
  EXPECT_EQ(LagEvaluator::EvaluateWindow(w, 5, 9'000 + 10'000), PartitionLagStatus::kStopped);
  EXPECT_EQ(LagEvaluator::EvaluateWindow(w, 5, 9'000 + 8'000), PartitionLagStatus::kOk);
}

TEST(LagEvaluator, Rule4CommittingTheSameOffsetWithLagIsStalled) {
  auto w =
      Window({42, 42, 42, 42, 42, 42, 42, 42, 42, 42}, {10, 20, 30, 40, 50, 60, 70, 80, 90, 100});
  EXPECT_EQ(LagEvaluator::EvaluateWindow(w, 100, kJustAfter), PartitionLagStatus::kStalled);
}

TEST(LagEvaluator, Rule5AdvancingButLagNeverDecreasingIsWarning) {
  auto w =
      Window({0, 10, 20, 30, 40, 50, 60, 70, 80, 90}, {10, 10, 12, 15, 15, 20, 21, 22, 30, 31});
  EXPECT_EQ(LagEvaluator::EvaluateWindow(w, 31, kJustAfter), PartitionLagStatus::kWarning);
  // One decrease anywhere in the window: keeping up.
  auto ok =
      Window({0, 10, 20, 30, 40, 50, 60, 70, 80, 90}, {10, 10, 12, 15, 14, 20, 21, 22, 30, 31});
  EXPECT_EQ(LagEvaluator::EvaluateWindow(ok, 31, kJustAfter), PartitionLagStatus::kOk);
}

TEST(LagEvaluator, GroupIsErrorWarningOrOkFromItsWorstPartition) {
  LagEvaluator e(5);
  for (int i = 0; i < 5; ++i) {
    const int64_t t = i * 1000;
    e.AddCommit("g", "t-0", t, 100 * i, 100 * i + 1 + i % 2);  // keeping up: lag 1, 2, 1, 2, 1
    e.AddCommit("g", "t-1", t, 10 * i, 20 * i + 10);           // slow: lag 10, 20, ...
  }
  GroupLagEvaluation ev = e.Evaluate("g", 4'500);
  EXPECT_EQ(ev.partitions.at("t-0"), PartitionLagStatus::kOk);
  EXPECT_EQ(ev.partitions.at("t-1"), PartitionLagStatus::kWarning);
  EXPECT_EQ(ev.status, GroupLagStatus::kWarning);
  EXPECT_EQ(ev.current_lag.at("t-1"), 50);
  // t-0's consumer stops committing while producers go on: no commits for longer than the window
  // spans.
  e.UpdateLogEnd("t-0", 1000);
  ev = e.Evaluate("g", 4'000 + 5'000);
  EXPECT_EQ(ev.partitions.at("t-0"), PartitionLagStatus::kStopped);
  EXPECT_EQ(ev.status, GroupLagStatus::kError);
  EXPECT_EQ(e.EvaluateAll(9'000).size(), 1u);
  EXPECT_EQ(GroupLagStatusName(ev.status), "ERROR");
  EXPECT_EQ(PartitionLagStatusName(PartitionLagStatus::kStalled), "STALLED");
}

TEST(LagEvaluator, WindowSlides) {
  LagEvaluator e(3);
  // A stall long ago scrolls out of the window once the consumer moves again.
  for (int i = 0; i < 5; ++i) e.AddCommit("g", "p", i * 1000, 10, 20 + i);
  EXPECT_EQ(e.Evaluate("g", 4'500).partitions.at("p"), PartitionLagStatus::kStalled);
  for (int i = 5; i < 8; ++i) e.AddCommit("g", "p", i * 1000, 10 + 10 * i, 24 + 5 * i);
  EXPECT_EQ(e.Evaluate("g", 7'500).partitions.at("p"), PartitionLagStatus::kOk);
}

}  // namespace
}  // namespace kbench::harness
