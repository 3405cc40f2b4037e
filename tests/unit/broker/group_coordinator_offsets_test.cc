// Committed offsets: generation checks, standalone commits, OffsetFetch shapes, persistence across
// a coordinator restart and a torn log tail, retention, asynchronous log completion and errors,
// loading.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <thread>

#include "core/broker/consumer_offsets_format.h"
#include "tests/unit/broker/group_coordinator_test_util.h"

namespace kbench::broker::testing {
namespace {

using E = ErrorCode;
using FetchTopics = std::vector<protocol::OffsetFetchRequest::Topic>;

TEST_F(GroupCoordinatorTest, MemberCommitsWithItsGenerationAndStaleGenerationsAreRejected) {
  std::vector<FormedMember> m = FormGroup("g", 2);
  EXPECT_EQ(CommitError("g", 1, m[0].id, "orders", 0, 100), E::kNone);
  EXPECT_EQ(FetchOffset("g", "orders", 0), 100);
  // A rebalance moves the group to generation 2.
  JoinSlot j0 = Join("g", m[0].id);
  // During PreparingRebalance the current generation may still commit (Kafka allows it).
  EXPECT_EQ(CommitError("g", 1, m[1].id, "orders", 1, 7), E::kNone);
  JoinSlot j1 = Join("g", m[1].id);
  ASSERT_TRUE(j0.ready() && j1.ready());
  // Joined generation 2 but not synced: no assignment yet.
  EXPECT_EQ(CommitError("g", 2, m[1].id, "orders", 1, 8), E::kRebalanceInProgress);
  ASSERT_EQ(Sync("g", 2, m[0].id, {})->error_code, E::kNone);
  EXPECT_EQ(CommitError("g", 1, m[0].id, "orders", 0, 150), E::kIllegalGeneration);
  EXPECT_EQ(CommitError("g", 2, "stranger", "orders", 0, 150), E::kUnknownMemberId);
  EXPECT_EQ(CommitError("g", -1, "", "orders", 0, 150), E::kUnknownMemberId);  // not standalone
  EXPECT_EQ(FetchOffset("g", "orders", 0), 100);
  EXPECT_EQ(FetchOffset("g", "orders", 1), 7);
  EXPECT_EQ(CommitError("g", 2, m[0].id, "orders", 0, 200), E::kNone);
  EXPECT_EQ(FetchOffset("g", "orders", 0), 200);
}

TEST_F(GroupCoordinatorTest, CommitKeepsTheMembersSessionAlive) {
  std::vector<FormedMember> m = FormGroup("g", 1);
  for (int i = 0; i < 5; ++i) {
    timer_->Advance(6000);
    EXPECT_EQ(CommitError("g", 1, m[0].id, "t", 0, i), E::kNone);
  }
  EXPECT_EQ(Describe("g").members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, StandaloneConsumerCommitsWithGenerationMinusOne) {
  CommitSlot c = Commit("standalone", -1, "", "t", 3, 42, "checkpoint", 2);
  ASSERT_TRUE(c.ready());
  EXPECT_EQ(c->topics[0].name, "t");
  EXPECT_EQ(c->topics[0].partitions[0].partition_index, PartitionId(3));
  EXPECT_EQ(c->topics[0].partitions[0].error_code, E::kNone);
  protocol::OffsetFetchResponse r = Fetch("standalone", FetchTopics{{"t", {PartitionId(3)}}});
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].partitions[0].committed_offset, Offset(42));
  EXPECT_EQ(r.topics[0].partitions[0].metadata, "checkpoint");
  // A group member's generation on a group the coordinator does not know: stale, rejected.
  EXPECT_EQ(CommitError("unknown-group", 3, "m", "t", 0, 1), E::kIllegalGeneration);
  EXPECT_FALSE(coordinator_->DescribeGroup("unknown-group").has_value());
  // The empty group id is accepted for commits (old clients), as Kafka does.
  EXPECT_EQ(CommitError("", -1, "", "t", 0, 5), E::kNone);
}

TEST_F(GroupCoordinatorTest, OffsetFetchAnswersMinusOneForUnknownGroupsAndPartitions) {
  protocol::OffsetFetchResponse unknown = Fetch(
      "nobody", FetchTopics{{"t", {PartitionId(0), PartitionId(1)}}, {"u", {PartitionId(9)}}});
  EXPECT_EQ(unknown.error_code, E::kNone);
  ASSERT_EQ(unknown.topics.size(), 2u);
  ASSERT_EQ(unknown.topics[0].partitions.size(), 2u);
  for (const auto& t : unknown.topics) {
    for (const auto& p : t.partitions) {
      EXPECT_EQ(p.committed_offset, Offset(-1));
      EXPECT_EQ(p.committed_leader_epoch, LeaderEpoch(-1));
      EXPECT_EQ(p.metadata, "");
      EXPECT_EQ(p.error_code, E::kNone);
    }
  }
  EXPECT_EQ(unknown.topics[1].partitions[0].partition_index, PartitionId(9));
  EXPECT_TRUE(Fetch("nobody", std::nullopt).topics.empty());

  ASSERT_EQ(CommitError("g", -1, "", "t", 0, 10), E::kNone);
  EXPECT_EQ(FetchOffset("g", "t", 1), -1);  // known group, partition never committed
  EXPECT_EQ(FetchOffset("g", "other", 0), -1);
}

TEST_F(GroupCoordinatorTest, OffsetFetchWithNullTopicsReturnsEveryCommittedOffset) {
  ASSERT_EQ(Commit("g", -1, "", "b", 1, 11, std::nullopt, 7)->topics[0].partitions[0].error_code,
            E::kNone);
  ASSERT_EQ(CommitError("g", -1, "", "a", 0, 5), E::kNone);
  ASSERT_EQ(CommitError("g", -1, "", "b", 0, 10), E::kNone);
  protocol::OffsetFetchResponse all = Fetch("g", std::nullopt, 2);
  EXPECT_EQ(all.error_code, E::kNone);
  ASSERT_EQ(all.topics.size(), 2u);
  EXPECT_EQ(all.topics[0].name, "a");
  ASSERT_EQ(all.topics[1].partitions.size(), 2u);
  EXPECT_EQ(all.topics[1].partitions[0].committed_offset, Offset(10));
  EXPECT_EQ(all.topics[1].partitions[1].committed_offset, Offset(11));
  EXPECT_EQ(all.topics[1].partitions[1].committed_leader_epoch, LeaderEpoch(3));  // v6+ epoch
}

TEST_F(GroupCoordinatorTest, CommitValidatesMetadataSizeAndPartitionExistence) {
  hooks_.partition_exists = [](const TopicPartition& tp) { return tp.topic != "missing"; };
  Restart();
  CommitSlot big = Commit("g", -1, "", "t", 0, 1, std::string(4097, 'x'));
  ASSERT_TRUE(big.ready());
  EXPECT_EQ(big->topics[0].partitions[0].error_code, E::kOffsetMetadataTooLarge);
  CommitSlot fits = Commit("g", -1, "", "t", 0, 2, std::string(4096, 'x'));
  EXPECT_EQ(fits->topics[0].partitions[0].error_code, E::kNone);
  EXPECT_EQ(CommitError("g", -1, "", "missing", 0, 1), E::kUnknownTopicOrPartition);
  EXPECT_EQ(FetchOffset("g", "t", 0), 2);
  EXPECT_EQ(FetchOffset("g", "missing", 0), -1);
}

TEST_F(GroupCoordinatorTest, CommittedOffsetsAndGroupsSurviveACoordinatorRestart) {
  std::vector<FormedMember> m = FormGroup("g", 2);
  ASSERT_EQ(Commit("g", 1, m[0].id, "orders", 0, 10, "m0")->topics[0].partitions[0].error_code,
            E::kNone);
  ASSERT_EQ(CommitError("g", 1, m[1].id, "orders", 1, 20), E::kNone);
  ASSERT_EQ(CommitError("g", 1, m[1].id, "orders", 1, 21), E::kNone);  // newest wins
  ASSERT_EQ(CommitError("g", 1, m[0].id, "payments", 0, 5), E::kNone);
  ASSERT_EQ(CommitError("solo", -1, "", "orders", 0, 77), E::kNone);

  Restart();  // a new coordinator object over the same offset log files

  protocol::OffsetFetchResponse r = Fetch("g", FetchTopics{{"orders", {PartitionId(0)}}});
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].partitions[0].committed_offset, Offset(10));
  EXPECT_EQ(r.topics[0].partitions[0].metadata, "m0");
  EXPECT_EQ(r.topics[0].partitions[0].committed_leader_epoch, LeaderEpoch(3));
  EXPECT_EQ(FetchOffset("g", "orders", 1), 21);
  EXPECT_EQ(FetchOffset("g", "payments", 0), 5);
  EXPECT_EQ(FetchOffset("solo", "orders", 0), 77);
  // The group's generation and membership came back too: members carry on without a rebalance.
  GroupSummary s = Describe("g");
  EXPECT_EQ(s.state, GroupState::kStable);
  EXPECT_EQ(s.generation, 1);
  EXPECT_EQ(s.protocol, "range");
  EXPECT_EQ(s.leader, m[0].id);
  EXPECT_EQ(s.members.size(), 2u);
  EXPECT_EQ(Heartbeat("g", 1, m[0].id), E::kNone);
  SyncSlot again = Sync("g", 1, m[1].id);
  ASSERT_TRUE(again.ready());
  EXPECT_EQ(again->assignment, Bytes(m[1].id));  // the assignment the leader stored
  // Restored members still need to heartbeat: the silent one expires and the group rebalances.
  timer_->Advance(9000);
  EXPECT_EQ(Heartbeat("g", 1, m[0].id), E::kNone);
  timer_->Advance(1000);
  EXPECT_EQ(Describe("g").members, std::vector<std::string>{m[0].id});
  JoinSlot rejoin = Join("g", m[0].id);
  ASSERT_TRUE(rejoin.ready());
  EXPECT_EQ(rejoin->generation_id, 2);  // generations keep counting up across the restart
}

TEST_F(GroupCoordinatorTest, OffsetsSurviveATornTailInTheOffsetLog) {
  ASSERT_EQ(CommitError("g", -1, "", "t", 0, 10), E::kNone);
  ASSERT_EQ(CommitError("g", -1, "", "t", 1, 11), E::kNone);
  ASSERT_EQ(CommitError("g", -1, "", "t", 0, 20), E::kNone);  // this append will be torn
  const std::string path = LogPath(coordinator_->PartitionFor("g").value());
  coordinator_->Shutdown();
  coordinator_.reset();
  logs_.clear();
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 3);
  Start();
  EXPECT_GT(logs_[coordinator_->PartitionFor("g").value()]->load_report().bytes_truncated, 0);
  EXPECT_EQ(FetchOffset("g", "t", 0), 10);  // the torn commit is gone, the earlier one stays
  EXPECT_EQ(FetchOffset("g", "t", 1), 11);
  ASSERT_EQ(CommitError("g", -1, "", "t", 0, 30), E::kNone);
  Restart();
  EXPECT_EQ(FetchOffset("g", "t", 0), 30);
  EXPECT_EQ(FetchOffset("g", "t", 1), 11);
}

TEST_F(GroupCoordinatorTest, OffsetsOfAStandaloneGroupExpireAfterRetention) {
  config_.offsets_retention_ms = 60000;
  config_.offsets_retention_check_interval_ms = 10000;
  Restart();
  ASSERT_EQ(CommitError("simple", -1, "", "t", 0, 1), E::kNone);
  timer_->Advance(30000);
  ASSERT_EQ(CommitError("simple", -1, "", "t", 1, 2), E::kNone);  // committed 30 s later
  timer_->Advance(30000);  // the periodic check at +60 s removes partition 0 only
  EXPECT_EQ(FetchOffset("simple", "t", 0), -1);
  EXPECT_EQ(FetchOffset("simple", "t", 1), 2);
  timer_->Advance(30000);
  EXPECT_EQ(FetchOffset("simple", "t", 1), -1);
  // The empty group without offsets is gone, and so it stays after a restart (tombstones).
  EXPECT_FALSE(coordinator_->DescribeGroup("simple").has_value());
  Restart();
  EXPECT_FALSE(coordinator_->DescribeGroup("simple").has_value());
  EXPECT_EQ(FetchOffset("simple", "t", 0), -1);
}

TEST_F(GroupCoordinatorTest, OffsetsOfAGroupWithMembersDoNotExpireUntilItIsEmpty) {
  config_.offsets_retention_ms = 60000;
  Restart();
  std::vector<FormedMember> m = FormGroup("g", 1);
  ASSERT_EQ(CommitError("g", 1, m[0].id, "t", 0, 9), E::kNone);
  for (int i = 0; i < 20; ++i) {
    timer_->Advance(5000);
    ASSERT_EQ(Heartbeat("g", 1, m[0].id), E::kNone);
  }
  EXPECT_EQ(coordinator_->ExpireOffsets(), 0);
  EXPECT_EQ(FetchOffset("g", "t", 0), 9);
  ASSERT_EQ(Leave("g", m[0].id), E::kNone);  // Empty from now on
  timer_->Advance(59999);
  EXPECT_EQ(coordinator_->ExpireOffsets(), 0);
  timer_->Advance(1);
  EXPECT_EQ(coordinator_->ExpireOffsets(), 1);
  EXPECT_EQ(FetchOffset("g", "t", 0), -1);
}

TEST_F(GroupCoordinatorTest, ExplicitRetentionFromOffsetCommitV2IsHonoured) {
  CommitSlot c = Commit("g", -1, "", "t", 0, 5, std::nullopt, 2, /*retention_ms=*/5000);
  ASSERT_EQ(c->topics[0].partitions[0].error_code, E::kNone);
  timer_->Advance(4999);
  EXPECT_EQ(coordinator_->ExpireOffsets(), 0);
  Restart();  // the expire timestamp is persisted (offset value v1)
  timer_->Advance(1);
  EXPECT_EQ(coordinator_->ExpireOffsets(), 1);
  EXPECT_EQ(FetchOffset("g", "t", 0), -1);
}

TEST_F(GroupCoordinatorTest, CommitTimestampFromOffsetCommitV1IsStored) {
  CommitSlot c = Commit("g", -1, "", "t", 0, 5, std::nullopt, 1);
  ASSERT_EQ(c->topics[0].partitions[0].error_code, E::kNone);
  // Read the record back from the log: the value carries the wall-clock commit time.
  std::vector<consumer_offsets::OffsetCommitValue> values;
  ASSERT_TRUE(logs_[coordinator_->PartitionFor("g").value()]
                  ->Replay([&values](const OffsetLogRecord& r) {
                    values.push_back(*consumer_offsets::DecodeOffsetCommitValue(*r.value));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0].commit_timestamp_ms, timer_->WallMs());
  EXPECT_EQ(values[0].offset, Offset(5));
}

// An OffsetLog whose completions and failures the test controls.
class ControlledOffsetLog : public OffsetLog {
 public:
  Result<Offset> Append(std::span<const OffsetLogRecord> records) override {
    std::lock_guard lock(mu_);
    if (!append_error.ok()) return append_error;
    records_.insert(records_.end(), records.begin(), records.end());
    return Offset(static_cast<int64_t>(records_.size()) - 1);
  }
  void WhenCommitted(Offset, std::function<void(Status)> done) override {
    std::unique_lock lock(mu_);
    if (hold) {
      parked_.push_back(std::move(done));
      return;
    }
    Status s = commit_status;
    lock.unlock();
    done(s);
  }
  Status Replay(const std::function<Status(const OffsetLogRecord&)>& fn) override {
    if (replay_started) replay_started->set_value();
    if (replay_gate) replay_gate->wait();
    std::vector<OffsetLogRecord> copy;
    {
      std::lock_guard lock(mu_);
      copy = records_;
    }
    for (const OffsetLogRecord& r : copy) KB_RETURN_IF_ERROR(fn(r));
    return Status::Ok();
  }
  // Completes parked appends, newest first when `reverse`.
  void Release(Status s, bool reverse = false) {
    std::vector<std::function<void(Status)>> parked;
    {
      std::lock_guard lock(mu_);
      parked.swap(parked_);
    }
    if (reverse) std::reverse(parked.begin(), parked.end());
    for (auto& done : parked) done(s);
  }
  size_t parked() {
    std::lock_guard lock(mu_);
    return parked_.size();
  }
  void AddRaw(OffsetLogRecord r) {
    std::lock_guard lock(mu_);
    records_.push_back(std::move(r));
  }

  bool hold = false;
  Status append_error;
  Status commit_status;
  std::promise<void>* replay_started = nullptr;
  std::shared_future<void>* replay_gate = nullptr;

 private:
  std::mutex mu_;
  std::vector<OffsetLogRecord> records_;
  std::vector<std::function<void(Status)>> parked_;
};

class GroupCoordinatorControlledLogTest : public GroupCoordinatorTest {
 protected:
  // Replaces the log of the partition of `group` with a controlled one.
  std::shared_ptr<ControlledOffsetLog> Control(const std::string& group) {
    auto log = std::make_shared<ControlledOffsetLog>();
    Status s = coordinator_->OnElected(coordinator_->PartitionFor(group), log);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return log;
  }
};

TEST_F(GroupCoordinatorControlledLogTest, CommitIsAnsweredAndVisibleOnlyOnceTheLogCommits) {
  auto log = Control("g");
  log->hold = true;
  CommitSlot c = Commit("g", -1, "", "t", 0, 10);
  EXPECT_FALSE(c.ready());
  EXPECT_EQ(FetchOffset("g", "t", 0), -1);  // not committed yet
  log->Release(Status::Ok());
  ASSERT_TRUE(c.ready());
  EXPECT_EQ(c->topics[0].partitions[0].error_code, E::kNone);
  EXPECT_EQ(FetchOffset("g", "t", 0), 10);
}

TEST_F(GroupCoordinatorControlledLogTest, CommitsCompletingOutOfOrderKeepTheNewest) {
  auto log = Control("g");
  log->hold = true;
  CommitSlot first = Commit("g", -1, "", "t", 0, 10);
  CommitSlot second = Commit("g", -1, "", "t", 0, 20);
  EXPECT_EQ(log->parked(), 2u);
  log->Release(Status::Ok(), /*reverse=*/true);
  ASSERT_TRUE(first.ready() && second.ready());
  EXPECT_EQ(FetchOffset("g", "t", 0), 20);  // what a replay of the log would give
}

TEST_F(GroupCoordinatorControlledLogTest, LogErrorsMapToTheErrorsKafkaClientsExpect) {
  auto log = Control("g");
  log->append_error = Status::Kafka(E::kNotLeaderOrFollower, "no longer leader");
  EXPECT_EQ(CommitError("g", -1, "", "t", 0, 1), E::kNotCoordinator);
  log->append_error = Status::Kafka(E::kMessageTooLarge, "too big");
  EXPECT_EQ(CommitError("g", -1, "", "t", 0, 1), E::kInvalidCommitOffsetSize);
  log->append_error = Status::Ok();
  log->commit_status = Status::Kafka(E::kNotEnoughReplicas, "ISR too small");
  EXPECT_EQ(CommitError("g", -1, "", "t", 0, 1), E::kCoordinatorNotAvailable);
  log->commit_status = Status::Kafka(E::kRequestTimedOut, "slow followers");
  EXPECT_EQ(CommitError("g", -1, "", "t", 0, 1), E::kRequestTimedOut);
  EXPECT_EQ(FetchOffset("g", "t", 0), -1);  // none of them took effect
}

TEST_F(GroupCoordinatorControlledLogTest, SyncGroupWaitsForTheGroupRecordToCommit) {
  auto log = Control("g");
  log->hold = true;
  std::string a = RequestMemberId("g");
  std::string b = RequestMemberId("g");
  JoinSlot ja = Join("g", a);
  JoinSlot jb = Join("g", b);
  ASSERT_TRUE(ja.ready() && jb.ready());
  SyncSlot sb = Sync("g", 1, b);
  SyncSlot sa = Sync("g", 1, a, {{a, Bytes("A")}, {b, Bytes("B")}});
  EXPECT_FALSE(sa.ready());
  EXPECT_FALSE(sb.ready());
  EXPECT_EQ(Describe("g").state, GroupState::kCompletingRebalance);
  log->Release(Status::Ok());
  ASSERT_TRUE(sa.ready() && sb.ready());
  EXPECT_EQ(sb->assignment, Bytes("B"));
  EXPECT_EQ(Describe("g").state, GroupState::kStable);
}

TEST_F(GroupCoordinatorControlledLogTest, FailedGroupRecordMakesTheMembersRejoin) {
  auto log = Control("g");
  log->hold = true;
  std::string a = RequestMemberId("g");
  JoinSlot ja = Join("g", a);
  ASSERT_TRUE(ja.ready());
  SyncSlot sa = Sync("g", 1, a, {{a, Bytes("A")}});
  log->Release(Status::Kafka(E::kRequestTimedOut, "replication timed out"));
  ASSERT_TRUE(sa.ready());
  EXPECT_EQ(sa->error_code, E::kRebalanceInProgress);
  EXPECT_EQ(Describe("g").state, GroupState::kPreparingRebalance);
}

TEST_F(GroupCoordinatorControlledLogTest, RequestsDuringLoadingGetLoadInProgress) {
  const PartitionId p = coordinator_->PartitionFor("g");
  auto log = std::make_shared<ControlledOffsetLog>();
  std::promise<void> started;
  std::promise<void> gate_promise;
  std::shared_future<void> gate = gate_promise.get_future().share();
  log->replay_started = &started;
  log->replay_gate = &gate;
  coordinator_->OnResigned(p);
  Status loaded;
  std::thread election([&] { loaded = coordinator_->OnElected(p, log); });
  ASSERT_EQ(started.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  JoinSlot j = Join("g", "");
  ASSERT_TRUE(j.ready());
  EXPECT_EQ(j->error_code, E::kCoordinatorLoadInProgress);
  EXPECT_EQ(Heartbeat("g", 1, "m"), E::kNone);  // Kafka answers heartbeats blindly meanwhile
  EXPECT_EQ(Sync("g", 1, "m")->error_code, E::kRebalanceInProgress);
  EXPECT_EQ(Fetch("g", std::nullopt, 5).error_code, E::kCoordinatorLoadInProgress);
  EXPECT_FALSE(coordinator_->IsCoordinatorFor(p));
  gate_promise.set_value();
  election.join();
  ASSERT_TRUE(loaded.ok()) << loaded.ToString();
  EXPECT_TRUE(coordinator_->IsCoordinatorFor(p));
  EXPECT_EQ(Join("g", "")->error_code, E::kMemberIdRequired);
}

TEST_F(GroupCoordinatorControlledLogTest, MalformedRecordFailsTheElectionNamingThePartition) {
  const PartitionId p = coordinator_->PartitionFor("g");
  auto log = std::make_shared<ControlledOffsetLog>();
  log->AddRaw(OffsetLogRecord{{0, 9, 1, 2}, std::vector<uint8_t>{1}, 0});
  Status s = coordinator_->OnElected(p, log);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("__consumer_offsets-" + std::to_string(p.value())), std::string::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("unknown key version 9"), std::string::npos);
  EXPECT_FALSE(coordinator_->IsCoordinatorFor(p));
  EXPECT_EQ(Heartbeat("g", 1, "m"), E::kNotCoordinator);
}

}  // namespace
}  // namespace kbench::broker::testing
