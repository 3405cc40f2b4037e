#include "tests/unit/broker/group_coordinator_test_util.h"

#include "core/base/log.h"

namespace kbench::broker::testing {

std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

GroupCoordinatorTest::GroupCoordinatorTest() {
  config_.offsets_topic_num_partitions = kPartitions;
  config_.group_initial_rebalance_delay_ms = 0;
  hooks_.leader_of = [](PartitionId) {
    return std::optional<CoordinatorEndpoint>(CoordinatorEndpoint{BrokerId(1), "127.0.0.1", 9092});
  };
}

void GroupCoordinatorTest::SetUp() {
  log::SetLevel(log::Level::kWarn);
  Start();
}

void GroupCoordinatorTest::TearDown() {
  if (coordinator_) coordinator_->Shutdown();
  coordinator_.reset();
  logs_.clear();
}

std::string GroupCoordinatorTest::LogPath(int32_t partition) const {
  return dir_.File("offsets-" + std::to_string(partition) + ".log");
}

void GroupCoordinatorTest::Start(std::vector<int32_t> partitions) {
  Result<std::shared_ptr<GroupCoordinator>> c = GroupCoordinator::Create(config_, timer_, hooks_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  coordinator_ = *c;
  if (partitions.empty()) {
    for (int32_t p = 0; p < config_.offsets_topic_num_partitions; ++p) partitions.push_back(p);
  }
  for (int32_t p : partitions) {
    Result<std::unique_ptr<FileOffsetLog>> log = FileOffsetLog::Open(LogPath(p));
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    logs_[p] = std::move(*log);
    Status s = coordinator_->OnElected(PartitionId(p), logs_[p]);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
}

void GroupCoordinatorTest::Restart() {
  coordinator_->Shutdown();
  coordinator_.reset();
  logs_.clear();
  Start();
}

JoinSlot GroupCoordinatorTest::Join(const std::string& group, const std::string& member_id,
                                    JoinOptions o) {
  protocol::JoinGroupRequest req;
  req.group_id = group;
  req.member_id = member_id;
  req.session_timeout_ms = o.session_timeout_ms;
  req.rebalance_timeout_ms = o.version >= 1 ? o.rebalance_timeout_ms : -1;
  req.protocol_type = o.protocol_type;
  req.protocols = o.protocols;
  GroupRequestContext ctx{o.version, o.client_id, "/127.0.0.1"};
  JoinSlot slot;
  coordinator_->JoinGroup(ctx, std::move(req), slot.Callback());
  return slot;
}

std::string GroupCoordinatorTest::RequestMemberId(const std::string& group, JoinOptions o) {
  JoinSlot first = Join(group, "", o);
  EXPECT_TRUE(first.ready());
  if (!first.ready()) return "";
  EXPECT_EQ(first->error_code, ErrorCode::kMemberIdRequired);
  return first->member_id;
}

SyncSlot GroupCoordinatorTest::Sync(const std::string& group, int32_t generation,
                                    const std::string& member_id,
                                    std::vector<protocol::SyncGroupRequest::Assignment> asg) {
  protocol::SyncGroupRequest req;
  req.group_id = group;
  req.generation_id = generation;
  req.member_id = member_id;
  req.assignments = std::move(asg);
  SyncSlot slot;
  coordinator_->SyncGroup(GroupRequestContext{3, "client", "/127.0.0.1"}, std::move(req),
                          slot.Callback());
  return slot;
}

ErrorCode GroupCoordinatorTest::Heartbeat(const std::string& group, int32_t generation,
                                          const std::string& member_id) {
  protocol::HeartbeatRequest req;
  req.group_id = group;
  req.generation_id = generation;
  req.member_id = member_id;
  return coordinator_->Heartbeat(GroupRequestContext{3, "client", "/127.0.0.1"}, req).error_code;
}

ErrorCode GroupCoordinatorTest::Leave(const std::string& group, const std::string& member_id) {
  protocol::LeaveGroupRequest req;
  req.group_id = group;
  req.member_id = member_id;
  return coordinator_->LeaveGroup(GroupRequestContext{1, "client", "/127.0.0.1"}, req).error_code;
}

CommitSlot GroupCoordinatorTest::Commit(const std::string& group, int32_t generation,
                                        const std::string& member_id, const std::string& topic,
                                        int32_t partition, int64_t offset,
                                        std::optional<std::string> metadata, int16_t version,
                                        int64_t retention_ms) {
  protocol::OffsetCommitRequest req;
  req.group_id = group;
  req.generation_id = generation;
  req.member_id = member_id;
  req.retention_time_ms = retention_ms;
  protocol::OffsetCommitRequest::Partition p;
  p.partition_index = PartitionId(partition);
  p.committed_offset = Offset(offset);
  p.committed_leader_epoch = LeaderEpoch(version >= 6 ? 3 : -1);
  p.committed_metadata = std::move(metadata);
  req.topics.push_back({topic, {p}});
  CommitSlot slot;
  coordinator_->OffsetCommit(GroupRequestContext{version, "client", "/127.0.0.1"}, std::move(req),
                             slot.Callback());
  return slot;
}

ErrorCode GroupCoordinatorTest::CommitError(const std::string& group, int32_t generation,
                                            const std::string& member, const std::string& topic,
                                            int32_t partition, int64_t offset) {
  CommitSlot slot = Commit(group, generation, member, topic, partition, offset);
  EXPECT_TRUE(slot.ready());
  if (!slot.ready()) return ErrorCode::kUnknownServerError;
  EXPECT_EQ(slot->topics.size(), 1u);
  EXPECT_EQ(slot->topics[0].partitions.size(), 1u);
  return slot->topics[0].partitions[0].error_code;
}

protocol::OffsetFetchResponse GroupCoordinatorTest::Fetch(
    const std::string& group,
    std::optional<std::vector<protocol::OffsetFetchRequest::Topic>> topics, int16_t version) {
  protocol::OffsetFetchRequest req;
  req.group_id = group;
  req.topics = std::move(topics);
  return coordinator_->OffsetFetch(GroupRequestContext{version, "client", "/127.0.0.1"}, req);
}

int64_t GroupCoordinatorTest::FetchOffset(const std::string& group, const std::string& topic,
                                          int32_t partition) {
  protocol::OffsetFetchResponse r = Fetch(
      group, std::vector<protocol::OffsetFetchRequest::Topic>{{topic, {PartitionId(partition)}}});
  EXPECT_EQ(r.error_code, ErrorCode::kNone);
  if (r.topics.size() != 1 || r.topics[0].partitions.size() != 1) {
    ADD_FAILURE() << "OffsetFetch answered " << r.topics.size() << " topics";
    return -2;
  }
  EXPECT_EQ(r.topics[0].partitions[0].error_code, ErrorCode::kNone);
  return r.topics[0].partitions[0].committed_offset.value();
}

GroupSummary GroupCoordinatorTest::Describe(const std::string& group) {
  std::optional<GroupSummary> s = coordinator_->DescribeGroup(group);
  EXPECT_TRUE(s.has_value()) << "no group " << group;
  return s.value_or(GroupSummary{});
}

std::vector<FormedMember> GroupCoordinatorTest::FormGroup(const std::string& group, int n,
                                                          JoinOptions o) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back(RequestMemberId(group, o));
  std::vector<JoinSlot> joins;
  for (const std::string& id : ids) joins.push_back(Join(group, id, o));
  // With an initial delay the join completes when the (extended) delay has passed.
  for (int i = 0; i < 100 && !joins.back().ready(); ++i) {
    timer_->Advance(std::max(config_.group_initial_rebalance_delay_ms, 1));
  }
  std::vector<FormedMember> members;
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(joins[i].ready());
    if (!joins[i].ready()) return {};
    EXPECT_EQ(joins[i]->error_code, ErrorCode::kNone);
    members.push_back({joins[i]->member_id, joins[i]->generation_id});
  }
  const std::string leader = joins[0]->leader;
  std::vector<protocol::SyncGroupRequest::Assignment> assignments;
  for (const FormedMember& m : members) assignments.push_back({m.id, Bytes(m.id)});
  std::vector<SyncSlot> syncs;
  for (const FormedMember& m : members) {
    if (m.id != leader) syncs.push_back(Sync(group, m.generation, m.id));
  }
  syncs.push_back(Sync(group, members[0].generation, leader, assignments));
  for (const SyncSlot& s : syncs) {
    EXPECT_TRUE(s.ready());
    if (s.ready()) {
      EXPECT_EQ(s->error_code, ErrorCode::kNone);
    }
  }
  EXPECT_EQ(Describe(group).state, GroupState::kStable);
  return members;
}

}  // namespace kbench::broker::testing
