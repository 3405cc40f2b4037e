// AvailabilityTracker: one unavailability window per moved leadership, from the fault's instant (or
// the resignation) to the new leader serving; zero length when the handover overlapped; a paused
// leader that comes back closes its own window.
#include "core/broker/availability_tracker.h"

#include <gtest/gtest.h>

namespace kbench::broker {
namespace {

const TopicPartition kTp{"t", PartitionId(0)};

TEST(AvailabilityTrackerTest, CrashOpensAWindowTheNewLeaderCloses) {
  AvailabilityTracker a;
  a.OnRole(BrokerId(1), kTp, true, LeaderEpoch(0), 10);
  a.BrokerDown(BrokerId(1), /*lost_leadership=*/true, 100);
  a.OnRole(BrokerId(2), kTp, true, LeaderEpoch(1), 350);
  std::vector<UnavailabilityWindow> w = a.Windows();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].from_ns, 100);
  EXPECT_EQ(w[0].to_ns, 350);
}

TEST(AvailabilityTrackerTest, ResignationBeforeTheNewLeaderIsAWindow) {
  AvailabilityTracker a;
  a.OnRole(BrokerId(1), kTp, true, LeaderEpoch(0), 10);
  a.OnRole(BrokerId(1), kTp, false, LeaderEpoch(0), 20);
  a.OnRole(BrokerId(2), kTp, true, LeaderEpoch(1), 25);
  std::vector<UnavailabilityWindow> w = a.Windows();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].to_ns - w[0].from_ns, 5);
}

TEST(AvailabilityTrackerTest, OverlappingHandoverIsAZeroLengthWindow) {
  AvailabilityTracker a;
  a.OnRole(BrokerId(1), kTp, true, LeaderEpoch(0), 10);
  a.OnRole(BrokerId(2), kTp, true, LeaderEpoch(1), 30);   // new leader first
  a.OnRole(BrokerId(1), kTp, false, LeaderEpoch(0), 40);  // old one resigns late: no new window
  std::vector<UnavailabilityWindow> w = a.Windows();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].from_ns, 30);
  EXPECT_EQ(w[0].to_ns, 30);
}

TEST(AvailabilityTrackerTest, FirstLeaderAndEpochBumpsOfTheSameLeaderAreNoWindows) {
  AvailabilityTracker a;
  a.OnRole(BrokerId(1), kTp, true, LeaderEpoch(0), 10);
  a.OnRole(BrokerId(1), kTp, true, LeaderEpoch(1), 20);
  EXPECT_TRUE(a.Windows().empty());
}

TEST(AvailabilityTrackerTest, PausedLeaderThatResumesClosesItsWindow) {
  AvailabilityTracker a;
  a.OnRole(BrokerId(1), kTp, true, LeaderEpoch(0), 10);
  a.BrokerDown(BrokerId(1), /*lost_leadership=*/false, 100);
  ASSERT_EQ(a.Windows().size(), 1u);
  EXPECT_EQ(a.Windows()[0].to_ns, -1);  // still open
  a.BrokerUp(BrokerId(1), 180);
  std::vector<UnavailabilityWindow> w = a.Windows();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].to_ns, 180);
}

}  // namespace
}  // namespace kbench::broker
