// The Controller's decisions driven through its request API, without sockets: registration and
// activation through heartbeats, topic creation with placement, fencing a silent broker and
// electing from the ISR (timed in the election record), unclean election per topic, AlterIsr epoch
// checks, controlled shutdown moving leaders one at a time, producer-id blocks, and persistence
// across a controller restart (a new controller epoch).
#include "core/broker/controller.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "core/base/clock.h"
#include "core/broker/metadata_changes.h"
#include "tests/unit/storage/storage_test_util.h"

namespace kbench::broker {
namespace {

using namespace protocol;

// A fake broker: heartbeats on demand and keeps the metadata version it "applied".
struct FakeBroker {
  BrokerId id;
  int64_t epoch = -1;
  int64_t applied = -1;
  int32_t controller_epoch = -1;
  int64_t incarnation = 1;
};

class ControllerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartController(); }
  void TearDown() override {
    if (controller_) controller_->Stop();
  }
  void StartController() {
    ControllerConfig c;
    c.members = {BrokerId(1), BrokerId(2), BrokerId(3)};
    c.dir = tmp_.path();
    c.broker.replication.broker_heartbeat_interval_ms = 20;
    c.broker.replication.broker_session_timeout_ms = 200;
    c.broker.replication.auto_leader_rebalance_enable = false;
    c.broker.groups.offsets_topic_num_partitions = 1;
    auto created = Controller::Create(c);
    ASSERT_TRUE(created.ok());
    controller_ = std::move(*created);
    ASSERT_TRUE(controller_->Start().ok());
  }
  BrokerHeartbeatResponse Beat(FakeBroker& b, int32_t max_wait_ms = 0) {
    BrokerHeartbeatRequest req{
        b.id,         b.incarnation,      b.epoch,   "127.0.0.1", 9000 + b.id.value(),
        std::nullopt, b.controller_epoch, b.applied, max_wait_ms};
    std::promise<BrokerHeartbeatResponse> p;
    controller_->HandleHeartbeat(req, [&p](BrokerHeartbeatResponse r) { p.set_value(r); });
    BrokerHeartbeatResponse r = p.get_future().get();
    if (r.error_code == ErrorCode::kNone) {
      b.epoch = r.broker_epoch;
      b.controller_epoch = r.controller_epoch;
      if (r.metadata) b.applied = r.metadata->version;
    } else if (r.error_code == ErrorCode::kStaleBrokerEpoch) {
      b.epoch = -1;
    }
    return r;
  }
  void ActivateAll() {
    for (FakeBroker& b : brokers_) Beat(b);
    for (FakeBroker& b : brokers_) Beat(b);
    for (FakeBroker& b : brokers_) Beat(b);
  }
  CreateTopicsResponse Create(const std::string& name, std::vector<std::vector<int32_t>> assignment,
                              std::map<std::string, std::string> configs = {}) {
    CreateTopicsRequest req;
    CreateTopicsRequest::Topic t;
    t.name = name;
    for (size_t p = 0; p < assignment.size(); ++p) {
      CreateTopicsRequest::Assignment a;
      a.partition_index = PartitionId(static_cast<int32_t>(p));
      for (int32_t id : assignment[p]) a.broker_ids.push_back(BrokerId(id));
      t.assignments.push_back(a);
    }
    for (auto& [k, v] : configs) t.configs.push_back({k, v});
    req.topics.push_back(t);
    req.timeout_ms = 0;
    std::promise<CreateTopicsResponse> p;
    controller_->HandleCreateTopics(req, [&p](CreateTopicsResponse r) { p.set_value(r); });
    return p.get_future().get();
  }
  // Heartbeats every broker in `live` until `done` holds (bounded).
  template <typename Pred>
  bool BeatUntil(std::vector<FakeBroker*> live, Pred done, int timeout_ms = 5000) {
    const int64_t deadline = MonoMillis() + timeout_ms;
    while (MonoMillis() < deadline) {
      for (FakeBroker* b : live) Beat(*b);
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  // The partition's state as the controller committed it. (Not through a heartbeat: that would
  // count as a heartbeat of the probing broker and keep a "silent" broker alive.)
  PartitionState StateOf(const std::string& topic, int32_t partition) {
    std::optional<TopicRecord> t = controller_->Topic(topic);
    if (!t || partition >= static_cast<int32_t>(t->partitions.size())) return {};
    return t->partitions[partition];
  }

  storage::testing::TempDir tmp_;
  std::unique_ptr<Controller> controller_;
  std::vector<FakeBroker> brokers_{{BrokerId(1)}, {BrokerId(2)}, {BrokerId(3)}};
};

TEST_F(ControllerTest, RegistersBrokersAndCreatesTopicsWithTheirLeaders) {
  BrokerHeartbeatResponse first = Beat(brokers_[0]);
  ASSERT_EQ(first.error_code, ErrorCode::kNone);
  ASSERT_TRUE(first.metadata.has_value());
  EXPECT_TRUE(first.metadata->full);
  ActivateAll();
  CreateTopicsResponse r = Create("t", {{1, 2, 3}, {2, 3, 1}});
  ASSERT_EQ(r.topics[0].error_code, ErrorCode::kNone);
  PartitionState p1 = StateOf("t", 1);
  EXPECT_EQ(p1.leader, BrokerId(2));
  EXPECT_EQ(p1.isr.size(), 3u);
  // A member that is not in the cluster is refused.
  FakeBroker stranger{BrokerId(9)};
  EXPECT_EQ(Beat(stranger).error_code, ErrorCode::kInvalidRequest);
  EXPECT_EQ(Create("t", {{1}}).topics[0].error_code, ErrorCode::kTopicAlreadyExists);
}

TEST_F(ControllerTest, FencesASilentBrokerAndElectsFromTheIsr) {
  ActivateAll();
  ASSERT_EQ(Create("t", {{1, 2, 3}}).topics[0].error_code, ErrorCode::kNone);
  // Broker 1 goes silent; 2 and 3 keep heartbeating.
  ASSERT_TRUE(BeatUntil({&brokers_[1], &brokers_[2]},
                        [&] { return StateOf("t", 0).leader == BrokerId(2); }));
  PartitionState s = StateOf("t", 0);
  EXPECT_EQ(s.isr, (std::vector<BrokerId>{BrokerId(2), BrokerId(3)}));
  EXPECT_EQ(s.leader_epoch, LeaderEpoch(1));
  ASSERT_TRUE(BeatUntil({&brokers_[1], &brokers_[2]},
                        [&] { return !controller_->Stats().elections.empty(); }));
  ControllerStats stats = controller_->Stats();
  EXPECT_GE(stats.brokers_fenced, 1);
  EXPECT_GE(stats.isr_shrinks, 1);
  const ElectionRecord& e = stats.elections.back();
  EXPECT_EQ(e.leader, BrokerId(2));
  EXPECT_EQ(e.reason, "failure");
  EXPECT_GE(e.applied_ns, e.decided_ns);
  // Its stale heartbeat is refused; it registers again and is not the leader any more.
  EXPECT_EQ(Beat(brokers_[0]).error_code, ErrorCode::kStaleBrokerEpoch);
  EXPECT_EQ(Beat(brokers_[0]).error_code, ErrorCode::kNone);
}

TEST_F(ControllerTest, UncleanElectionFollowsTheTopicConfig) {
  ActivateAll();
  ASSERT_EQ(Create("clean", {{1, 2}}).topics[0].error_code, ErrorCode::kNone);
  ASSERT_EQ(Create("unclean", {{1, 2}}, {{"unclean.leader.election.enable", "true"}})
                .topics[0]
                .error_code,
            ErrorCode::kNone);
  // 2 leaves the ISR of both (AlterIsr by leader 1), then 1 dies.
  for (const char* topic : {"clean", "unclean"}) {
    PartitionState s = StateOf(topic, 0);
    AlterIsrRequest req{
        BrokerId(1),
        brokers_[0].epoch,
        {{topic, {{PartitionId(0), s.leader_epoch, s.partition_epoch, {BrokerId(1)}}}}}};
    std::promise<AlterIsrResponse> p;
    controller_->HandleAlterIsr(req, [&p](AlterIsrResponse r) { p.set_value(r); });
    AlterIsrResponse r = p.get_future().get();
    ASSERT_EQ(r.topics[0].partitions[0].error_code, ErrorCode::kNone);
    EXPECT_EQ(r.topics[0].partitions[0].state.isr, std::vector<BrokerId>{BrokerId(1)});
  }
  ASSERT_TRUE(BeatUntil({&brokers_[1], &brokers_[2]},
                        [&] { return StateOf("unclean", 0).leader == BrokerId(2); }));
  EXPECT_EQ(StateOf("clean", 0).leader, kNoBroker);  // waits for broker 1
  EXPECT_EQ(StateOf("clean", 0).isr, std::vector<BrokerId>{BrokerId(1)});
  EXPECT_EQ(controller_->Stats().unclean_leader_elections, 1);
}

TEST_F(ControllerTest, AlterIsrChecksLeaderAndPartitionEpochs) {
  ActivateAll();
  ASSERT_EQ(Create("t", {{1, 2, 3}}).topics[0].error_code, ErrorCode::kNone);
  PartitionState s = StateOf("t", 0);
  auto alter = [&](BrokerId from, int64_t epoch, LeaderEpoch le, int32_t pe,
                   std::vector<BrokerId> isr) {
    AlterIsrRequest req{from, epoch, {{"t", {{PartitionId(0), le, pe, isr}}}}};
    std::promise<AlterIsrResponse> p;
    controller_->HandleAlterIsr(req, [&p](AlterIsrResponse r) { p.set_value(r); });
    return p.get_future().get();
  };
  EXPECT_EQ(alter(BrokerId(2), brokers_[1].epoch, s.leader_epoch, s.partition_epoch,
                  {BrokerId(1), BrokerId(2)})
                .topics[0]
                .partitions[0]
                .error_code,
            ErrorCode::kNotLeaderOrFollower);
  EXPECT_EQ(alter(BrokerId(1), brokers_[0].epoch, s.leader_epoch, s.partition_epoch + 1,
                  {BrokerId(1), BrokerId(2)})
                .topics[0]
                .partitions[0]
                .error_code,
            ErrorCode::kInvalidUpdateVersion);
  EXPECT_EQ(alter(BrokerId(1), brokers_[0].epoch, s.leader_epoch, s.partition_epoch, {BrokerId(2)})
                .topics[0]
                .partitions[0]
                .error_code,
            ErrorCode::kInvalidRequest);  // the leader must stay in its ISR
  EXPECT_EQ(alter(BrokerId(1), 12345, s.leader_epoch, s.partition_epoch, {BrokerId(1)}).error_code,
            ErrorCode::kStaleBrokerEpoch);
  AlterIsrResponse ok = alter(BrokerId(1), brokers_[0].epoch, s.leader_epoch, s.partition_epoch,
                              {BrokerId(1), BrokerId(3)});
  EXPECT_EQ(ok.topics[0].partitions[0].error_code, ErrorCode::kNone);
  EXPECT_EQ(ok.topics[0].partitions[0].state.partition_epoch, s.partition_epoch + 1);
}

TEST_F(ControllerTest, ControlledShutdownMovesLeadersOneAtATime) {
  ActivateAll();
  // Every partition of a topic has the same replication factor (Kafka refuses others with
  // INVALID_REPLICA_ASSIGNMENT), so the partition with no other replica is its own topic.
  ASSERT_EQ(Create("t", {{1, 2}, {1, 3}, {2, 1}}).topics[0].error_code, ErrorCode::kNone);
  ASSERT_EQ(Create("solo", {{1}}).topics[0].error_code, ErrorCode::kNone);
  for (FakeBroker& b : brokers_) Beat(b);
  std::promise<ControlledShutdownResponse> p;
  controller_->HandleControlledShutdown({BrokerId(1), brokers_[0].epoch},
                                        [&p](ControlledShutdownResponse r) { p.set_value(r); });
  std::future<ControlledShutdownResponse> f = p.get_future();
  // The new leaders must apply each move before the next one starts.
  while (f.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready) {
    Beat(brokers_[1]);
    Beat(brokers_[2]);
  }
  ControlledShutdownResponse r = f.get();
  EXPECT_EQ(r.error_code, ErrorCode::kNone);
  ASSERT_EQ(r.remaining.size(), 1u);  // solo-0 has no other replica
  EXPECT_EQ(r.remaining[0].topic, "solo");
  EXPECT_EQ(r.remaining[0].partition, PartitionId(0));
  EXPECT_EQ(StateOf("t", 0).leader, BrokerId(2));
  EXPECT_EQ(StateOf("t", 1).leader, BrokerId(3));
  EXPECT_EQ(StateOf("t", 2).isr, std::vector<BrokerId>{BrokerId(2)});  // out of the follower's ISR
  EXPECT_EQ(StateOf("solo", 0).leader, kNoBroker);  // fenced after the shutdown: offline
  ControllerStats stats = controller_->Stats();
  EXPECT_EQ(stats.controlled_shutdowns, 1);
  int moves = 0;
  for (const ElectionRecord& e : stats.elections) moves += e.reason == "controlled shutdown";
  EXPECT_EQ(moves, 2);
}

TEST_F(ControllerTest, ABrokerFencedDuringAControlledShutdownDoesNotPreemptIt) {
  ActivateAll();
  ASSERT_EQ(Create("t", {{1, 2, 3}, {1, 3, 2}, {1, 2, 3}, {1, 3, 2}}).topics[0].error_code,
            ErrorCode::kNone);
  for (FakeBroker& b : brokers_) Beat(b);
  std::promise<ControlledShutdownResponse> p;
  controller_->HandleControlledShutdown({BrokerId(1), brokers_[0].epoch},
                                        [&p](ControlledShutdownResponse r) { p.set_value(r); });
  std::future<ControlledShutdownResponse> f = p.get_future();
  // Broker 3 goes silent while broker 1's leaders are being moved: it is fenced mid-shutdown.
  while (f.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready) {
    Beat(brokers_[0]);
    Beat(brokers_[1]);
  }
  EXPECT_EQ(f.get().error_code, ErrorCode::kNone);
  ControllerStats stats = controller_->Stats();
  EXPECT_GE(stats.brokers_fenced, 1);
  int moved = 0;
  for (const ElectionRecord& e : stats.elections) {
    if (e.previous_leader != BrokerId(1)) continue;
    ++moved;
    EXPECT_EQ(e.reason, "controlled shutdown") << e.tp.ToString();
  }
  // t-0, t-2, t-3 (t-1's move to broker 3 is never applied: 3 is fenced first, so only its
  // re-election 3 -> 2 completes, as a "failure").
  EXPECT_EQ(moved, 3);
  for (int partition = 0; partition < 4; ++partition) {
    EXPECT_EQ(StateOf("t", partition).leader, BrokerId(2)) << partition;
  }
}

TEST_F(ControllerTest, ProducerIdBlocksNeverOverlapAcrossRestarts) {
  ActivateAll();
  auto allocate = [&](FakeBroker& b) {
    std::promise<AllocateProducerIdsResponse> p;
    controller_->HandleAllocateProducerIds({b.id, b.epoch},
                                           [&p](AllocateProducerIdsResponse r) { p.set_value(r); });
    return p.get_future().get();
  };
  AllocateProducerIdsResponse a = allocate(brokers_[0]);
  AllocateProducerIdsResponse b = allocate(brokers_[1]);
  ASSERT_EQ(a.error_code, ErrorCode::kNone);
  EXPECT_GE(b.first_id.value(), a.first_id.value() + a.count);
  ASSERT_EQ(Create("kept", {{1, 2}}).topics[0].error_code, ErrorCode::kNone);
  const int32_t epoch = controller_->controller_epoch();
  controller_->Stop();
  StartController();
  EXPECT_EQ(controller_->controller_epoch(), epoch + 1);
  for (FakeBroker& fb : brokers_) fb = FakeBroker{fb.id};
  ActivateAll();
  AllocateProducerIdsResponse c = allocate(brokers_[2]);
  EXPECT_GE(c.first_id.value(), b.first_id.value() + b.count);
  EXPECT_EQ(StateOf("kept", 0).replicas.size(), 2u);
}

}  // namespace
}  // namespace kbench::broker
