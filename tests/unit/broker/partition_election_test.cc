// The controller's election rules (partition_election.h) and Kafka's replica placement
// (replica_placement.h), as pure functions.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/broker/partition_election.h"
#include "core/broker/replica_placement.h"

namespace kbench::broker {
namespace {

std::vector<BrokerId> Ids(std::vector<int32_t> v) {
  std::vector<BrokerId> out;
  for (int32_t i : v) out.push_back(BrokerId(i));
  return out;
}

PartitionState State(std::vector<int32_t> replicas, std::vector<int32_t> isr, int32_t leader) {
  PartitionState s;
  s.replicas = Ids(replicas);
  s.isr = Ids(isr);
  s.leader = BrokerId(leader);
  s.leader_epoch = LeaderEpoch(5);
  s.partition_epoch = 9;
  return s;
}

// Brokers in `alive` lead and stay in ISRs; those in `gone` leave ISRs.
BrokerLiveness Live(std::set<int32_t> alive, std::set<int32_t> gone) {
  return {[alive](BrokerId b) { return alive.count(b.value()) != 0; },
          [gone](BrokerId b) { return gone.count(b.value()) != 0; }};
}

TEST(PartitionElectionTest, LiveLeaderStaysAndGoneFollowersLeaveTheIsr) {
  ElectionOutcome e = ElectLeader(State({1, 2, 3}, {1, 2, 3}, 1), Live({1, 2}, {3}), false);
  EXPECT_TRUE(e.changed);
  EXPECT_FALSE(e.leader_changed);
  EXPECT_EQ(e.state.leader, BrokerId(1));
  EXPECT_EQ(e.state.isr, Ids({1, 2}));
  EXPECT_EQ(e.state.leader_epoch, LeaderEpoch(5));  // same leader: same epoch
  EXPECT_EQ(e.state.partition_epoch, 10);
}

TEST(PartitionElectionTest, FailedLeaderIsReplacedByTheFirstLiveIsrMemberInReplicaOrder) {
  ElectionOutcome e = ElectLeader(State({1, 2, 3}, {3, 1, 2}, 1), Live({2, 3}, {1}), false);
  EXPECT_TRUE(e.leader_changed);
  EXPECT_FALSE(e.unclean);
  EXPECT_EQ(e.state.leader, BrokerId(2));  // replica order, not ISR order
  EXPECT_EQ(e.state.isr, Ids({3, 2}));
  EXPECT_EQ(e.state.leader_epoch, LeaderEpoch(6));
}

TEST(PartitionElectionTest, OutOfSyncReplicaNeverLeadsWithoutUncleanElection) {
  // ISR {1}; 1 is gone and only 2 (out of sync) is alive: the partition waits for 1.
  ElectionOutcome e = ElectLeader(State({1, 2}, {1}, 1), Live({2}, {1}), false);
  EXPECT_TRUE(e.leader_changed);
  EXPECT_EQ(e.state.leader, kNoBroker);
  EXPECT_EQ(e.state.isr, Ids({1}));  // its last in-sync replica is kept
  EXPECT_EQ(e.state.leader_epoch, LeaderEpoch(6));
}

TEST(PartitionElectionTest, UncleanElectionPicksALiveOutOfSyncReplica) {
  ElectionOutcome e = ElectLeader(State({1, 2, 3}, {1}, 1), Live({3}, {1, 2}), true);
  EXPECT_TRUE(e.unclean);
  EXPECT_EQ(e.state.leader, BrokerId(3));
  EXPECT_EQ(e.state.isr, Ids({3}));
}

TEST(PartitionElectionTest, AllInSyncReplicasGoneKeepsTheIsrForTheirReturn) {
  ElectionOutcome e = ElectLeader(State({1, 2, 3}, {2, 3}, 2), Live({1}, {2, 3}), false);
  EXPECT_EQ(e.state.leader, kNoBroker);
  EXPECT_EQ(e.state.isr, Ids({2, 3}));
  // The first of them to come back is elected.
  ElectionOutcome back = ElectLeader(e.state, Live({1, 3}, {2}), false);
  EXPECT_EQ(back.state.leader, BrokerId(3));
  EXPECT_FALSE(back.unclean);
}

TEST(PartitionElectionTest, NoChangeWhenEverythingIsAlive) {
  ElectionOutcome e = ElectLeader(State({1, 2, 3}, {1, 2, 3}, 1), Live({1, 2, 3}, {}), false);
  EXPECT_FALSE(e.changed);
  EXPECT_EQ(e.state.partition_epoch, 9);
}

TEST(PartitionElectionTest, RemoveFromIsrKeepsTheLeaderAndTheLastMember) {
  EXPECT_EQ(RemoveFromIsr(State({1, 2}, {1, 2}, 1), BrokerId(2)).state.isr, Ids({1}));
  EXPECT_FALSE(RemoveFromIsr(State({1, 2}, {1, 2}, 1), BrokerId(1)).changed);
  EXPECT_FALSE(RemoveFromIsr(State({1, 2}, {2}, 1), BrokerId(2)).changed);
}

TEST(PartitionElectionTest, PreferredLeaderReturnsOnlyWhenInSync) {
  EXPECT_FALSE(ElectPreferred(State({1, 2}, {2}, 2), Live({1, 2}, {})).has_value());
  std::optional<PartitionState> back = ElectPreferred(State({1, 2}, {1, 2}, 2), Live({1, 2}, {}));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->leader, BrokerId(1));
  EXPECT_EQ(back->leader_epoch, LeaderEpoch(6));
}

TEST(ReplicaPlacementTest, RoundRobinSpreadsLeadersAndNeverRepeatsABroker) {
  std::vector<PlacementBroker> brokers{{BrokerId(1), {}}, {BrokerId(2), {}}, {BrokerId(3), {}}};
  auto a = AssignReplicas(brokers, {.partitions = 30, .replication_factor = 3, .topic = "t"});
  ASSERT_EQ(a.size(), 30u);
  std::map<BrokerId, int> leaders;
  for (const auto& replicas : a) {
    ASSERT_EQ(replicas.size(), 3u);
    EXPECT_EQ(std::set<BrokerId>(replicas.begin(), replicas.end()).size(), 3u);
    ++leaders[replicas.front()];
  }
  for (const auto& [id, n] : leaders) EXPECT_EQ(n, 10) << id.value();
  // Deterministic for a topic name.
  EXPECT_EQ(a, AssignReplicas(brokers, {.partitions = 30, .replication_factor = 3, .topic = "t"}));
}

TEST(ReplicaPlacementTest, RackAwarePlacementPutsReplicasInDistinctRacks) {
  std::vector<PlacementBroker> brokers{{BrokerId(1), "a"}, {BrokerId(2), "a"},
                                       {BrokerId(3), "b"}, {BrokerId(4), "b"},
                                       {BrokerId(5), "c"}, {BrokerId(6), "c"}};
  std::map<BrokerId, std::string> rack;
  for (const auto& b : brokers) rack[b.id] = *b.rack;
  auto a = AssignReplicas(brokers, {.partitions = 12, .replication_factor = 3, .topic = "r"});
  std::map<BrokerId, int> leaders;
  for (const auto& replicas : a) {
    std::set<std::string> racks;
    for (BrokerId b : replicas) racks.insert(rack[b]);
    EXPECT_EQ(racks.size(), 3u);
    ++leaders[replicas.front()];
  }
  for (const auto& [id, n] : leaders) EXPECT_EQ(n, 2) << id.value();
  // Two racks, three replicas: every rack holds one, the third lands on another broker.
  std::vector<PlacementBroker> two{{BrokerId(1), "a"}, {BrokerId(2), "a"}, {BrokerId(3), "b"},
                                   {BrokerId(4), "b"}};
  for (const auto& replicas :
       AssignReplicas(two, {.partitions = 8, .replication_factor = 3, .topic = "x"})) {
    std::set<std::string> racks;
    for (BrokerId b : replicas) racks.insert(b.value() <= 2 ? "a" : "b");
    EXPECT_EQ(racks.size(), 2u);
    EXPECT_EQ(std::set<BrokerId>(replicas.begin(), replicas.end()).size(), 3u);
  }
}

}  // namespace
}  // namespace kbench::broker
