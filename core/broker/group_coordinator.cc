#include "core/broker/group_coordinator.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <utility>

#include "core/base/log.h"
#include "core/broker/consumer_offsets_format.h"
#include "core/broker/offsets_partitioner.h"

namespace kbench::broker {
namespace {

using protocol::FindCoordinatorRequest;
using protocol::FindCoordinatorResponse;
using protocol::HeartbeatRequest;
using protocol::HeartbeatResponse;
using protocol::JoinGroupRequest;
using protocol::JoinGroupResponse;
using protocol::LeaveGroupRequest;
using protocol::LeaveGroupResponse;
using protocol::OffsetCommitRequest;
using protocol::OffsetCommitResponse;
using protocol::OffsetFetchRequest;
using protocol::OffsetFetchResponse;
using protocol::SyncGroupRequest;
using protocol::SyncGroupResponse;
using S = GroupState;
using E = ErrorCode;

constexpr std::string_view kLog = "groups";

JoinGroupResponse JoinError(std::string member_id, ErrorCode error) {
  JoinGroupResponse r;
  r.error_code = error;
  r.member_id = std::move(member_id);
  r.generation_id = -1;
  return r;
}

SyncGroupResponse SyncError(ErrorCode error) {
  SyncGroupResponse r;
  r.error_code = error;
  return r;
}

// The Kafka error a failed Status stands for (UNKNOWN_SERVER_ERROR if it names none).
ErrorCode KafkaError(const Status& s) {
  if (s.ok()) return E::kNone;
  return s.kafka_error() == E::kNone ? E::kUnknownServerError : s.kafka_error();
}

// What a client sees when an offset commit's append fails (Kafka's GroupMetadataManager).
ErrorCode MapCommitError(ErrorCode e) {
  switch (e) {
    case E::kUnknownTopicOrPartition:
    case E::kNotEnoughReplicas:
    case E::kNotEnoughReplicasAfterAppend:
      return E::kCoordinatorNotAvailable;
    case E::kNotLeaderOrFollower:
    case E::kKafkaStorageError:
      return E::kNotCoordinator;
    case E::kMessageTooLarge:
    case E::kRecordListTooLarge:
    case E::kInvalidFetchSize:
      return E::kInvalidCommitOffsetSize;
    default:
      return e;
  }
}

// What SyncGroup members see when storing the group's assignment fails.
ErrorCode MapGroupStoreError(ErrorCode e) {
  switch (e) {
    case E::kUnknownTopicOrPartition:
    case E::kNotEnoughReplicas:
    case E::kNotEnoughReplicasAfterAppend:
      return E::kCoordinatorNotAvailable;
    case E::kNotLeaderOrFollower:
    case E::kKafkaStorageError:
      return E::kNotCoordinator;
    case E::kRequestTimedOut:
      return E::kRebalanceInProgress;
    case E::kMessageTooLarge:
    case E::kRecordListTooLarge:
    case E::kInvalidFetchSize:
      return E::kUnknownServerError;
    default:
      return e;
  }
}

// One partition of an OffsetCommit being stored, with its place in the response.
struct CommitEntry {
  size_t topic_index = 0;
  size_t partition_index = 0;
  TopicPartition tp;
  consumer_offsets::OffsetCommitValue value;
};

OffsetCommitResponse CommitResponseFor(const OffsetCommitRequest& req) {
  OffsetCommitResponse r;
  for (const OffsetCommitRequest::Topic& t : req.topics) {
    OffsetCommitResponse::Topic& rt = r.topics.emplace_back();
    rt.name = t.name;
    for (const OffsetCommitRequest::Partition& p : t.partitions) {
      rt.partitions.push_back({p.partition_index, E::kNone});
    }
  }
  return r;
}

void SetAllErrors(OffsetCommitResponse& r, ErrorCode e) {
  for (auto& t : r.topics) {
    for (auto& p : t.partitions) p.error_code = e;
  }
}

// Applies a finished append to the group's offsets and answers the commit.
void CompleteOffsetCommit(const std::shared_ptr<GroupMetadata>& g, uint64_t seq,
                          const std::vector<CommitEntry>& entries, OffsetCommitResponse resp,
                          const Status& status, const OffsetCommitCallback& done) {
  {
    std::lock_guard lock(g->mu());
    for (const CommitEntry& e : entries) {
      auto it = g->pending_commits.find(e.tp);
      if (it != g->pending_commits.end() && --it->second <= 0) g->pending_commits.erase(it);
    }
    if (status.ok() && !g->Is(S::kDead)) {
      for (const CommitEntry& e : entries) {
        CommittedOffset& slot = g->offsets[e.tp];
        if (slot.append_seq <= seq) slot = CommittedOffset{e.value, seq};
      }
    }
  }
  if (!status.ok()) {
    const ErrorCode error = MapCommitError(KafkaError(status));
    log::Warn(kLog, "offset commit for group {} failed: {}", g->group_id(), status.ToString());
    for (const CommitEntry& e : entries) {
      resp.topics[e.topic_index].partitions[e.partition_index].error_code = error;
    }
  }
  done(std::move(resp));
}

// The records of an OffsetCommit's acceptable partitions (one entry each); the others get their
// error in `resp` (metadata too large, unknown partition).
std::vector<OffsetLogRecord> BuildCommitRecords(const GroupCoordinatorConfig& config,
                                                const GroupCoordinatorHooks& hooks, int64_t now,
                                                const OffsetCommitRequest& req,
                                                OffsetCommitResponse& resp,
                                                std::vector<CommitEntry>& entries) {
  std::vector<OffsetLogRecord> records;
  for (size_t ti = 0; ti < req.topics.size(); ++ti) {
    const OffsetCommitRequest::Topic& t = req.topics[ti];
    for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
      const OffsetCommitRequest::Partition& p = t.partitions[pi];
      ErrorCode& error = resp.topics[ti].partitions[pi].error_code;
      TopicPartition tp{t.name, p.partition_index};
      if (p.committed_metadata &&
          p.committed_metadata->size() > static_cast<size_t>(config.offset_metadata_max_bytes)) {
        error = E::kOffsetMetadataTooLarge;
        continue;
      }
      if (hooks.partition_exists && !hooks.partition_exists(tp)) {
        error = E::kUnknownTopicOrPartition;
        continue;
      }
      consumer_offsets::OffsetCommitValue v;
      v.offset = p.committed_offset;
      v.leader_epoch = p.committed_leader_epoch;
      v.metadata = p.committed_metadata.value_or("");
      // v1 carries a client commit timestamp; v2-4 an optional retention (-1 = the default).
      v.commit_timestamp_ms = p.commit_timestamp >= 0 ? p.commit_timestamp : now;
      if (req.retention_time_ms >= 0) v.expire_timestamp_ms = now + req.retention_time_ms;
      Result<std::vector<uint8_t>> key = consumer_offsets::EncodeKey(
          consumer_offsets::OffsetCommitKey{req.group_id, t.name, p.partition_index});
      Result<std::vector<uint8_t>> value = consumer_offsets::EncodeOffsetCommitValue(v);
      if (!key.ok() || !value.ok()) {
        error = E::kInvalidRequest;
        continue;
      }
      records.push_back({std::move(*key), std::move(*value), now});
      entries.push_back({ti, pi, std::move(tp), std::move(v)});
    }
  }
  return records;
}

OffsetFetchResponse::Partition NoOffset(PartitionId p, ErrorCode error = E::kNone) {
  OffsetFetchResponse::Partition r;
  r.partition_index = p;
  r.committed_offset = kInvalidOffset;
  r.committed_leader_epoch = kNoLeaderEpoch;
  r.metadata = "";
  r.error_code = error;
  return r;
}

OffsetFetchResponse::Partition FromCommitted(PartitionId p, const CommittedOffset& c) {
  OffsetFetchResponse::Partition r;
  r.partition_index = p;
  r.committed_offset = c.value.offset;
  r.committed_leader_epoch = c.value.leader_epoch;
  r.metadata = c.value.metadata;
  return r;
}

}  // namespace

// Callbacks and log waits collected under a group lock and run after it is released.
class GroupCoordinator::Deferred {
 public:
  Deferred() = default;
  Deferred(const Deferred&) = delete;
  Deferred& operator=(const Deferred&) = delete;
  ~Deferred() { Run(); }
  void Add(std::function<void()> fn) { fns_.push_back(std::move(fn)); }
  void Run() {
    while (!fns_.empty()) {
      std::vector<std::function<void()>> fns = std::move(fns_);
      fns_.clear();
      for (auto& fn : fns) fn();
    }
  }

 private:
  std::vector<std::function<void()>> fns_;
};

// ---------------------------------------------------------------------------------------------
// Construction, placement, ownership.

GroupCoordinator::GroupCoordinator(GroupCoordinatorConfig config, std::shared_ptr<GroupTimer> timer,
                                   GroupCoordinatorHooks hooks)
    : config_(std::move(config)),
      timer_(std::move(timer)),
      hooks_(std::move(hooks)),
      rng_(std::random_device{}()) {}

Result<std::shared_ptr<GroupCoordinator>> GroupCoordinator::Create(
    GroupCoordinatorConfig config, std::shared_ptr<GroupTimer> timer, GroupCoordinatorHooks hooks) {
  KB_RETURN_IF_ERROR(config.Validate());
  if (timer == nullptr) return Status::InvalidArgument("group coordinator: no timer");
  if (!hooks.leader_of) return Status::InvalidArgument("group coordinator: no leader_of hook");
  std::shared_ptr<GroupCoordinator> c(
      new GroupCoordinator(std::move(config), std::move(timer), std::move(hooks)));
  c->ScheduleRetention();
  return c;
}

GroupCoordinator::~GroupCoordinator() { Shutdown(); }

PartitionId GroupCoordinator::PartitionFor(std::string_view group_id) const {
  return OffsetsPartitionFor(group_id, config_.offsets_topic_num_partitions);
}

Status GroupCoordinator::OnElected(PartitionId partition, std::shared_ptr<OffsetLog> log) {
  if (log == nullptr) return Status::InvalidArgument("OnElected: no offset log");
  if (partition.value() < 0 || partition.value() >= config_.offsets_topic_num_partitions) {
    return Status::InvalidArgument(fmt::format("OnElected: {} has no partition {}",
                                               consumer_offsets::kTopicName, partition.value()));
  }
  bool owned = false;
  {
    std::shared_lock lock(map_mu_);
    owned = partitions_.contains(partition.value());
  }
  if (owned) OnResigned(partition);
  uint64_t load_id = 0;
  {
    std::unique_lock lock(map_mu_);
    if (shut_down_) return Status::Aborted("group coordinator is shut down");
    load_id = ++next_load_id_;
    partitions_[partition.value()] = PartitionState{true, load_id, log};
  }
  const int64_t started = timer_->NowMs();
  Result<std::vector<std::shared_ptr<GroupMetadata>>> loaded = LoadPartition(partition, log);
  {
    std::unique_lock lock(map_mu_);
    auto it = partitions_.find(partition.value());
    if (it == partitions_.end() || it->second.load_id != load_id) {
      return Status::Aborted(fmt::format("{}-{} was resigned while loading",
                                         consumer_offsets::kTopicName, partition.value()));
    }
    if (!loaded.ok()) {
      partitions_.erase(it);
      return loaded.status();
    }
    for (const auto& g : *loaded) groups_[g->group_id()] = g;
    it->second.loading = false;
  }
  size_t offsets = 0;
  for (const auto& g : *loaded) {
    // Loaded members get a fresh session deadline, as Kafka does when it loads a group.
    std::lock_guard lock(g->mu());
    offsets += g->offsets.size();
    for (auto& [id, member] : g->members) ScheduleHeartbeat(*g, member, member.session_timeout_ms);
  }
  log::Info(kLog, "loaded {} groups and {} committed offsets from {}-{} in {} ms", loaded->size(),
            offsets, consumer_offsets::kTopicName, partition.value(), timer_->NowMs() - started);
  return Status::Ok();
}

void GroupCoordinator::OnResigned(PartitionId partition) {
  std::vector<std::shared_ptr<GroupMetadata>> unloaded;
  {
    std::unique_lock lock(map_mu_);
    partitions_.erase(partition.value());
    for (auto it = groups_.begin(); it != groups_.end();) {
      if (it->second->partition() == partition) {
        unloaded.push_back(std::move(it->second));
        it = groups_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& g : unloaded) {
    Deferred later;
    {
      std::lock_guard lock(g->mu());
      UnloadGroup(*g, later);
    }
    later.Run();
  }
  if (!unloaded.empty()) {
    log::Info(kLog, "unloaded {} groups of {}-{}", unloaded.size(), consumer_offsets::kTopicName,
              partition.value());
  }
}

bool GroupCoordinator::IsCoordinatorFor(PartitionId partition) const {
  std::shared_lock lock(map_mu_);
  auto it = partitions_.find(partition.value());
  return !shut_down_ && it != partitions_.end() && !it->second.loading;
}

void GroupCoordinator::Shutdown() {
  {
    std::lock_guard lock(retention_mu_);
    retention_stopped_ = true;
    if (retention_task_ != GroupTimer::kNoTask) timer_->Cancel(retention_task_);
    retention_task_ = GroupTimer::kNoTask;
  }
  std::vector<int32_t> owned;
  {
    std::unique_lock lock(map_mu_);
    if (shut_down_) return;
    shut_down_ = true;
    for (const auto& [p, state] : partitions_) owned.push_back(p);
  }
  for (int32_t p : owned) OnResigned(PartitionId(p));
}

GroupCoordinator::Lookup GroupCoordinator::FindGroup(std::string_view group_id, bool create) {
  const PartitionId partition = PartitionFor(group_id);
  std::string id(group_id);
  auto check = [&](auto& part) -> ErrorCode {
    if (shut_down_) return E::kCoordinatorNotAvailable;
    if (part == partitions_.end()) return E::kNotCoordinator;
    if (part->second.loading) return E::kCoordinatorLoadInProgress;
    return E::kNone;
  };
  {
    std::shared_lock lock(map_mu_);
    auto part = partitions_.find(partition.value());
    if (ErrorCode e = check(part); e != E::kNone) return {e, nullptr};
    auto it = groups_.find(id);
    if (it != groups_.end()) return {E::kNone, it->second};
    if (!create) return {E::kNone, nullptr};
  }
  std::unique_lock lock(map_mu_);
  auto part = partitions_.find(partition.value());
  if (ErrorCode e = check(part); e != E::kNone) return {e, nullptr};
  auto [it, inserted] = groups_.try_emplace(id);
  if (inserted) {
    it->second = std::make_shared<GroupMetadata>(id, partition, part->second.log, timer_->WallMs());
  }
  return {E::kNone, it->second};
}

void GroupCoordinator::DropIfDead(const std::string& group_id,
                                  const std::shared_ptr<GroupMetadata>& g) {
  std::unique_lock lock(map_mu_);
  auto it = groups_.find(group_id);
  if (it != groups_.end() && it->second == g) groups_.erase(it);
}

std::string GroupCoordinator::NewMemberId(std::string_view client_id) {
  uint64_t hi = 0;
  uint64_t lo = 0;
  {
    std::lock_guard lock(rng_mu_);
    hi = rng_();
    lo = rng_();
  }
  hi = (hi & ~uint64_t{0xF000}) | 0x4000;                  // version 4
  lo = (lo & ~(uint64_t{3} << 62)) | (uint64_t{2} << 62);  // variant 10
  return fmt::format("{}-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", client_id, hi >> 32,
                     (hi >> 16) & 0xFFFF, hi & 0xFFFF, lo >> 48, lo & 0xFFFFFFFFFFFFULL);
}

// ---------------------------------------------------------------------------------------------
// FindCoordinator.

FindCoordinatorResponse GroupCoordinator::FindCoordinator(const FindCoordinatorRequest& req) const {
  FindCoordinatorResponse r;
  if (req.key_type == 1) {
    r.error_code = E::kCoordinatorNotAvailable;
    r.error_message = "kbench has no transaction coordinator";
    return r;
  }
  if (req.key_type != 0) {
    r.error_code = E::kInvalidRequest;
    r.error_message = fmt::format("unknown coordinator key type {}", req.key_type);
    return r;
  }
  {
    std::shared_lock lock(map_mu_);
    if (shut_down_) {
      r.error_code = E::kCoordinatorNotAvailable;
      return r;
    }
  }
  const PartitionId p = PartitionFor(req.key);
  std::optional<CoordinatorEndpoint> leader = hooks_.leader_of(p);
  if (!leader) {
    r.error_code = E::kCoordinatorNotAvailable;
    r.error_message = fmt::format("{}-{} has no leader", consumer_offsets::kTopicName, p.value());
    return r;
  }
  r.node_id = leader->node_id;
  r.host = leader->host;
  r.port = leader->port;
  return r;
}

// ---------------------------------------------------------------------------------------------
// JoinGroup.

void GroupCoordinator::JoinGroup(const GroupRequestContext& ctx, JoinGroupRequest req,
                                 JoinGroupCallback done) {
  if (req.group_id.empty()) return done(JoinError(req.member_id, E::kInvalidGroupId));
  if (req.session_timeout_ms < config_.group_min_session_timeout_ms ||
      req.session_timeout_ms > config_.group_max_session_timeout_ms) {
    return done(JoinError(req.member_id, E::kInvalidSessionTimeout));
  }
  if (req.rebalance_timeout_ms < 0) req.rebalance_timeout_ms = req.session_timeout_ms;  // v0
  const bool unknown = req.member_id.empty();
  for (int attempt = 0;; ++attempt) {
    Lookup l = FindGroup(req.group_id, /*create=*/unknown);
    if (l.error != E::kNone) return done(JoinError(req.member_id, l.error));
    if (l.group == nullptr) return done(JoinError(req.member_id, E::kUnknownMemberId));
    Deferred later;
    bool retry = false;
    {
      std::lock_guard lock(l.group->mu());
      GroupMetadata& g = *l.group;
      if (g.Is(S::kDead) && unknown && attempt == 0) {
        retry = true;  // removed by expiration just now: start a fresh group
      } else if (!AcceptJoiningMember(g, req.member_id)) {
        if (g.Has(req.member_id)) {
          RemoveMemberAndUpdateGroup(g, req.member_id, "the group is full", later);
        }
        later.Add([done = std::move(done)] { done(JoinError("", E::kGroupMaxSizeReached)); });
      } else if (unknown) {
        DoUnknownJoin(g, ctx, req, done, later);
      } else {
        DoKnownJoin(g, ctx, req, done, later);
      }
      if (!retry && g.Is(S::kPreparingRebalance)) TryCompleteJoin(g, later);
    }
    later.Run();
    if (!retry) return;
    DropIfDead(req.group_id, l.group);
  }
}

bool GroupCoordinator::AcceptJoiningMember(const GroupMetadata& g,
                                           const std::string& member_id) const {
  const size_t max = static_cast<size_t>(config_.group_max_size);
  switch (g.state()) {
    case S::kEmpty:
    case S::kDead:
      return true;
    case S::kPreparingRebalance: {
      // Counting members that have rejoined (not the group size) lets a shrunken
      // group.max.size push out the last members to rejoin.
      auto it = g.members.find(member_id);
      return (it != g.members.end() && it->second.awaiting_join()) ||
             static_cast<size_t>(g.NumAwaitingJoin()) < max;
    }
    case S::kCompletingRebalance:
    case S::kStable:
      // A pending member (it holds a MEMBER_ID_REQUIRED id) already counts in size().
      return g.Has(member_id) || g.pending_members.contains(member_id) || g.size() < max;
  }
  return false;
}

void GroupCoordinator::DoUnknownJoin(GroupMetadata& g, const GroupRequestContext& ctx,
                                     JoinGroupRequest& req, JoinGroupCallback& done,
                                     Deferred& later) {
  auto fail = [&](ErrorCode e) {
    later.Add([done = std::move(done), e] { done(JoinError("", e)); });
  };
  if (g.Is(S::kDead)) return fail(E::kCoordinatorNotAvailable);
  if (!g.SupportsProtocols(req.protocol_type, req.protocols)) {
    return fail(E::kInconsistentGroupProtocol);
  }
  std::string member_id = NewMemberId(ctx.client_id);
  if (ctx.api_version >= 4) {
    // KIP-394: hand out the id first; the member joins with it, so a client that never gets the
    // answer does not leave a phantom member behind (the pending entry expires after the session
    // timeout).
    SchedulePendingMemberExpiry(g, member_id, req.session_timeout_ms);
    later.Add(
        [done = std::move(done), member_id] { done(JoinError(member_id, E::kMemberIdRequired)); });
    return;
  }
  AddMemberAndRebalance(g, ctx, req, std::move(member_id), std::move(done), later);
}

void GroupCoordinator::DoKnownJoin(GroupMetadata& g, const GroupRequestContext& ctx,
                                   JoinGroupRequest& req, JoinGroupCallback& done,
                                   Deferred& later) {
  const std::string member_id = req.member_id;
  auto fail = [&](ErrorCode e) {
    later.Add([done = std::move(done), member_id, e] { done(JoinError(member_id, e)); });
  };
  if (g.Is(S::kDead)) return fail(E::kCoordinatorNotAvailable);
  if (!g.SupportsProtocols(req.protocol_type, req.protocols)) {
    return fail(E::kInconsistentGroupProtocol);
  }
  if (auto pending = g.pending_members.find(member_id); pending != g.pending_members.end()) {
    Disarm(pending->second);
    g.pending_members.erase(pending);
    return AddMemberAndRebalance(g, ctx, req, member_id, std::move(done), later);
  }
  GroupMember* member = g.Find(member_id);
  if (member == nullptr) return fail(E::kUnknownMemberId);
  switch (g.state()) {
    case S::kPreparingRebalance:
      return UpdateMemberAndRebalance(g, *member, req, std::move(done), later);
    case S::kCompletingRebalance:
      if (member->Matches(req.protocols)) {
        // The member missed our JoinGroup answer: repeat it for the current generation.
        JoinGroupResponse r = CurrentGenerationResponse(g, *member, g.IsLeader(member_id));
        later.Add([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
        return;
      }
      return UpdateMemberAndRebalance(g, *member, req, std::move(done), later);
    case S::kStable:
      if (g.IsLeader(member_id) || !member->Matches(req.protocols)) {
        // The leader rejoins to force a rebalance (e.g. topic metadata changed), or a member's
        // subscription changed.
        return UpdateMemberAndRebalance(g, *member, req, std::move(done), later);
      }
      {
        JoinGroupResponse r = CurrentGenerationResponse(g, *member, false);
        later.Add([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
      }
      return;
    case S::kEmpty:
    case S::kDead:
      return fail(E::kUnknownMemberId);
  }
}

void GroupCoordinator::AddMemberAndRebalance(GroupMetadata& g, const GroupRequestContext& ctx,
                                             JoinGroupRequest& req, std::string member_id,
                                             JoinGroupCallback done, Deferred& later) {
  GroupMember m;
  m.member_id = member_id;
  m.group_instance_id = req.group_instance_id;
  m.client_id = ctx.client_id;
  m.client_host = ctx.client_host;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.protocol_type = req.protocol_type;
  m.protocols = std::move(req.protocols);
  m.join_callback = std::move(done);
  m.is_new = true;
  if (g.Is(S::kPreparingRebalance) && g.join_is_initial_delay) g.new_member_added = true;
  GroupMember& added = g.Add(std::move(m));
  // A new member that disappears while the rebalance waits for others is dropped after this.
  ScheduleHeartbeat(g, added, config_.new_member_join_timeout_ms);
  MaybePrepareRebalance(g, fmt::format("adding new member {}", member_id), later);
}

void GroupCoordinator::UpdateMemberAndRebalance(GroupMetadata& g, GroupMember& member,
                                                JoinGroupRequest& req, JoinGroupCallback done,
                                                Deferred& later) {
  if (member.join_callback) {
    // A second JoinGroup while the first still waits: the first is answered now, not dropped.
    later.Add([cb = std::exchange(member.join_callback, nullptr), id = member.member_id] {
      cb(JoinError(id, E::kRebalanceInProgress));
    });
  }
  member.protocols = std::move(req.protocols);
  member.session_timeout_ms = req.session_timeout_ms;
  member.rebalance_timeout_ms = req.rebalance_timeout_ms;
  member.join_callback = std::move(done);
  MaybePrepareRebalance(g, fmt::format("member {} rejoined", member.member_id), later);
}

JoinGroupResponse GroupCoordinator::CurrentGenerationResponse(const GroupMetadata& g,
                                                              const GroupMember& member,
                                                              bool with_members) const {
  JoinGroupResponse r;
  r.generation_id = g.generation;
  r.protocol_name = g.protocol_name.value_or("");
  r.leader = g.leader_id.value_or("");
  r.member_id = member.member_id;
  if (with_members) {
    for (const auto& [id, m] : g.members) {
      const std::vector<uint8_t>* metadata = m.MetadataFor(r.protocol_name);
      r.members.push_back(
          {id, m.group_instance_id, metadata != nullptr ? *metadata : std::vector<uint8_t>{}});
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// The rebalance.

void GroupCoordinator::MaybePrepareRebalance(GroupMetadata& g, std::string_view reason,
                                             Deferred& later) {
  if (g.CanRebalance()) PrepareRebalance(g, reason, later);
}

void GroupCoordinator::PrepareRebalance(GroupMetadata& g, std::string_view reason,
                                        Deferred& later) {
  if (g.Is(S::kCompletingRebalance)) {
    ResetAndPropagateAssignmentError(g, E::kRebalanceInProgress, later);
  }
  CancelSyncTimer(g);
  g.pending_sync.clear();
  const GroupState previous = g.state();
  const bool initial = g.Is(S::kEmpty) && config_.group_initial_rebalance_delay_ms > 0;
  g.TransitionTo(S::kPreparingRebalance, timer_->WallMs());
  g.join_is_initial_delay = initial;
  g.new_member_added = false;
  if (initial) {
    // The first rebalance of an Empty group waits group.initial.rebalance.delay.ms, extended
    // while new members keep arriving, up to the rebalance timeout.
    const int64_t delay = config_.group_initial_rebalance_delay_ms;
    g.initial_delay_remaining_ms = std::max<int64_t>(g.RebalanceTimeoutMs() - delay, 0);
    ScheduleJoinTimer(g, delay);
  } else {
    ScheduleJoinTimer(g, g.RebalanceTimeoutMs());
  }
  log::Info(kLog, "preparing to rebalance group {} in state {} with old generation {} ({})",
            g.group_id(), GroupStateName(previous), g.generation, reason);
  TryCompleteJoin(g, later);
}

void GroupCoordinator::TryCompleteJoin(GroupMetadata& g, Deferred& later) {
  if (g.Is(S::kPreparingRebalance) && !g.join_is_initial_delay && g.HasAllMembersJoined()) {
    CancelJoinTimer(g);
    CompleteJoin(g, later);
  }
}

void GroupCoordinator::CompleteJoin(GroupMetadata& g, Deferred& later) {
  CancelJoinTimer(g);
  g.join_is_initial_delay = false;
  // Members that did not rejoin within the rebalance timeout leave the group.
  std::vector<std::string> missing;
  for (const auto& [id, m] : g.members) {
    if (!m.awaiting_join()) missing.push_back(id);
  }
  for (const std::string& id : missing) {
    log::Info(kLog, "group {}: member {} did not rejoin in time, removing it", g.group_id(), id);
    GroupMember* m = g.Find(id);
    CancelHeartbeat(*m);
    if (m->sync_callback) {
      later.Add(
          [cb = std::exchange(m->sync_callback, nullptr)] { cb(SyncError(E::kUnknownMemberId)); });
    }
    g.Remove(id);
  }
  if (g.Is(S::kDead)) return;
  g.MaybeElectNewJoinedLeader();
  g.InitNextGeneration(timer_->WallMs());
  if (g.Is(S::kEmpty)) {
    log::Info(kLog, "group {} with generation {} is now empty", g.group_id(), g.generation);
    if (Result<Offset> pos = StoreGroup(g, {}); !pos.ok()) {
      log::Warn(kLog, "group {}: storing the empty group failed: {}", g.group_id(),
                pos.status().ToString());
    }
    return;
  }
  log::Info(kLog, "stabilized group {} generation {} (protocol {}, {} members)", g.group_id(),
            g.generation, g.protocol_name.value_or(""), g.members.size());
  for (auto& [id, m] : g.members) {
    JoinGroupResponse r = CurrentGenerationResponse(g, m, g.IsLeader(id));
    later.Add([cb = std::exchange(m.join_callback, nullptr), r = std::move(r)]() mutable {
      cb(std::move(r));
    });
    m.is_new = false;
    ScheduleHeartbeat(g, m, m.session_timeout_ms);
    g.pending_sync.insert(id);
  }
  // Members that never send SyncGroup are removed after the rebalance timeout (Kafka 2.8+).
  ScheduleSyncTimer(g, g.RebalanceTimeoutMs());
}

void GroupCoordinator::RemoveMemberAndUpdateGroup(GroupMetadata& g, const std::string& member_id,
                                                  std::string_view reason, Deferred& later) {
  GroupMember* m = g.Find(member_id);
  if (m == nullptr) return;
  if (m->join_callback) {
    later.Add([cb = std::exchange(m->join_callback, nullptr)] {
      cb(JoinError("", E::kUnknownMemberId));
    });
  }
  if (m->sync_callback) {
    later.Add(
        [cb = std::exchange(m->sync_callback, nullptr)] { cb(SyncError(E::kUnknownMemberId)); });
  }
  CancelHeartbeat(*m);
  log::Info(kLog, "group {}: removing member {} ({})", g.group_id(), member_id, reason);
  g.Remove(member_id);
  switch (g.state()) {
    case S::kDead:
    case S::kEmpty:
      break;
    case S::kStable:
    case S::kCompletingRebalance:
      MaybePrepareRebalance(g, reason, later);
      break;
    case S::kPreparingRebalance:
      TryCompleteJoin(g, later);
      break;
  }
}

void GroupCoordinator::RemovePendingMember(GroupMetadata& g, const std::string& member_id,
                                           Deferred& later) {
  auto it = g.pending_members.find(member_id);
  if (it == g.pending_members.end()) return;
  Disarm(it->second);
  g.pending_members.erase(it);
  if (g.Is(S::kPreparingRebalance)) TryCompleteJoin(g, later);
}

void GroupCoordinator::ResetAndPropagateAssignmentError(GroupMetadata& g, ErrorCode error,
                                                        Deferred& later) {
  for (auto& [id, m] : g.members) {
    m.assignment.clear();
    if (m.sync_callback) {
      later.Add([cb = std::exchange(m.sync_callback, nullptr), error] { cb(SyncError(error)); });
    }
  }
}

void GroupCoordinator::SetAndPropagateAssignment(
    GroupMetadata& g, const std::map<std::string, std::vector<uint8_t>>& assignment,
    Deferred& later) {
  for (auto& [id, m] : g.members) {
    auto it = assignment.find(id);
    m.assignment = it == assignment.end() ? std::vector<uint8_t>{} : it->second;
    if (m.sync_callback) {
      SyncGroupResponse r;
      r.assignment = m.assignment;
      later.Add([cb = std::exchange(m.sync_callback, nullptr), r = std::move(r)]() mutable {
        cb(std::move(r));
      });
      ScheduleHeartbeat(g, m, m.session_timeout_ms);
    }
  }
}

void GroupCoordinator::UnloadGroup(GroupMetadata& g, Deferred& later) {
  CancelAllTimers(g);
  for (auto& [id, m] : g.members) {
    if (m.join_callback) {
      later.Add([cb = std::exchange(m.join_callback, nullptr), id = id] {
        cb(JoinError(id, E::kNotCoordinator));
      });
    }
    if (m.sync_callback) {
      later.Add(
          [cb = std::exchange(m.sync_callback, nullptr)] { cb(SyncError(E::kNotCoordinator)); });
    }
  }
  g.pending_members.clear();
  g.TransitionTo(S::kDead, timer_->WallMs());
}

Result<Offset> GroupCoordinator::StoreGroup(
    GroupMetadata& g, const std::map<std::string, std::vector<uint8_t>>& assignment) {
  consumer_offsets::GroupMetadataValue v;
  v.protocol_type = g.protocol_type.value_or("");
  v.generation = g.generation;
  v.protocol = g.protocol_name;
  v.leader = g.leader_id;
  v.current_state_timestamp_ms = g.current_state_timestamp_ms();
  for (const auto& [id, m] : g.members) {
    consumer_offsets::MemberMetadataValue mv;
    mv.member_id = id;
    mv.group_instance_id = m.group_instance_id;
    mv.client_id = m.client_id;
    mv.client_host = m.client_host;
    mv.rebalance_timeout_ms = m.rebalance_timeout_ms;
    mv.session_timeout_ms = m.session_timeout_ms;
    if (const auto* md = m.MetadataFor(g.protocol_name.value_or(""))) mv.subscription = *md;
    if (auto it = assignment.find(id); it != assignment.end()) mv.assignment = it->second;
    v.members.push_back(std::move(mv));
  }
  KB_ASSIGN_OR_RETURN(
      std::vector<uint8_t> key,
      consumer_offsets::EncodeKey(consumer_offsets::GroupMetadataKey{g.group_id()}));
  KB_ASSIGN_OR_RETURN(std::vector<uint8_t> value, consumer_offsets::EncodeGroupMetadataValue(v));
  OffsetLogRecord record{std::move(key), std::move(value), timer_->WallMs()};
  return g.log().Append(std::span<const OffsetLogRecord>(&record, 1));
}

void GroupCoordinator::OnGroupStored(const std::shared_ptr<GroupMetadata>& gp, int32_t generation,
                                     std::map<std::string, std::vector<uint8_t>> assignment,
                                     Status status) {
  Deferred later;
  {
    std::lock_guard lock(gp->mu());
    GroupMetadata& g = *gp;
    // A member may have joined (or the group been unloaded) while the record was replicated.
    if (!g.Is(S::kCompletingRebalance) || g.generation != generation) return;
    if (!status.ok()) {
      log::Warn(kLog, "group {}: storing generation {} failed: {}", g.group_id(), generation,
                status.ToString());
      ResetAndPropagateAssignmentError(g, MapGroupStoreError(KafkaError(status)), later);
      MaybePrepareRebalance(g, "storing the assignment failed", later);
      return;
    }
    SetAndPropagateAssignment(g, assignment, later);
    g.TransitionTo(S::kStable, timer_->WallMs());
  }
  later.Run();
}

// ---------------------------------------------------------------------------------------------
// SyncGroup, Heartbeat, LeaveGroup.

void GroupCoordinator::SyncGroup(const GroupRequestContext& /*ctx*/, SyncGroupRequest req,
                                 SyncGroupCallback done) {
  if (req.group_id.empty()) return done(SyncError(E::kInvalidGroupId));
  Lookup l = FindGroup(req.group_id, false);
  // While loading, the rebalance in progress is lost: the member must rejoin (Kafka's answer).
  if (l.error == E::kCoordinatorLoadInProgress) return done(SyncError(E::kRebalanceInProgress));
  if (l.error != E::kNone) return done(SyncError(l.error));
  if (l.group == nullptr) return done(SyncError(E::kUnknownMemberId));
  Deferred later;
  {
    std::lock_guard lock(l.group->mu());
    GroupMetadata& g = *l.group;
    GroupMember* m = g.Find(req.member_id);
    ErrorCode error = E::kNone;
    if (g.Is(S::kDead)) {
      error = E::kCoordinatorNotAvailable;
    } else if (m == nullptr) {
      error = E::kUnknownMemberId;
    } else if (req.generation_id != g.generation) {
      error = E::kIllegalGeneration;
    } else if (g.Is(S::kPreparingRebalance)) {
      error = E::kRebalanceInProgress;
    } else if (g.Is(S::kEmpty)) {
      error = E::kUnknownMemberId;
    }
    if (error != E::kNone) {
      later.Add([done = std::move(done), error] { done(SyncError(error)); });
    } else if (g.Is(S::kStable)) {
      g.pending_sync.erase(req.member_id);
      if (g.pending_sync.empty()) CancelSyncTimer(g);
      SyncGroupResponse r;
      r.assignment = m->assignment;
      later.Add([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
      ScheduleHeartbeat(g, *m, m->session_timeout_ms);
    } else {  // CompletingRebalance: wait for the leader's assignment
      if (m->sync_callback) {
        later.Add([cb = std::exchange(m->sync_callback, nullptr)] {
          cb(SyncError(E::kRebalanceInProgress));
        });
      }
      m->sync_callback = std::move(done);
      g.pending_sync.erase(req.member_id);
      if (g.pending_sync.empty()) CancelSyncTimer(g);
      if (g.IsLeader(req.member_id)) StoreAssignment(l.group, req, later);
    }
  }
  later.Run();
}

void GroupCoordinator::StoreAssignment(const std::shared_ptr<GroupMetadata>& gp,
                                       SyncGroupRequest& req, Deferred& later) {
  GroupMetadata& g = *gp;
  std::map<std::string, std::vector<uint8_t>> assignment;
  for (auto& a : req.assignments) assignment[a.member_id] = std::move(a.assignment);
  for (const auto& [id, member] : g.members) assignment.try_emplace(id);  // missing: empty
  Result<Offset> pos = StoreGroup(g, assignment);
  if (!pos.ok()) {
    log::Warn(kLog, "group {}: storing generation {} failed: {}", g.group_id(), g.generation,
              pos.status().ToString());
    ResetAndPropagateAssignmentError(g, MapGroupStoreError(KafkaError(pos.status())), later);
    MaybePrepareRebalance(g, "storing the assignment failed", later);
    return;
  }
  // Members learn their assignment only once the generation is committed by the log.
  std::weak_ptr<GroupCoordinator> self = weak_from_this();
  later.Add([self, gp, log = g.log_ptr(), pos = *pos, gen = g.generation,
             assignment = std::move(assignment)]() mutable {
    log->WhenCommitted(pos, [self, gp, gen, assignment = std::move(assignment)](Status s) mutable {
      if (auto c = self.lock()) c->OnGroupStored(gp, gen, std::move(assignment), s);
    });
  });
}

HeartbeatResponse GroupCoordinator::Heartbeat(const GroupRequestContext& /*ctx*/,
                                              const HeartbeatRequest& req) {
  HeartbeatResponse r;
  auto answer = [&r](ErrorCode e) {
    r.error_code = e;
    return r;
  };
  if (req.group_id.empty()) return answer(E::kInvalidGroupId);
  Lookup l = FindGroup(req.group_id, false);
  if (l.error == E::kCoordinatorLoadInProgress) return answer(E::kNone);  // Kafka: blindly fine
  if (l.error != E::kNone) return answer(l.error);
  if (l.group == nullptr) return answer(E::kUnknownMemberId);
  std::lock_guard lock(l.group->mu());
  GroupMetadata& g = *l.group;
  if (g.Is(S::kDead)) return answer(E::kCoordinatorNotAvailable);
  GroupMember* m = g.Find(req.member_id);
  if (m == nullptr) return answer(E::kUnknownMemberId);
  if (req.generation_id != g.generation) return answer(E::kIllegalGeneration);
  switch (g.state()) {
    case S::kEmpty:
    case S::kDead:
      return answer(E::kUnknownMemberId);
    case S::kPreparingRebalance:
      ScheduleHeartbeat(g, *m, m->session_timeout_ms);
      return answer(E::kRebalanceInProgress);
    case S::kCompletingRebalance:
    case S::kStable:
      // Members may heartbeat between their JoinGroup and SyncGroup answers (Kafka 2.8+).
      ScheduleHeartbeat(g, *m, m->session_timeout_ms);
      return answer(E::kNone);
  }
  return answer(E::kUnknownServerError);
}

LeaveGroupResponse GroupCoordinator::LeaveGroup(const GroupRequestContext& /*ctx*/,
                                                const LeaveGroupRequest& req) {
  LeaveGroupResponse r;
  if (req.group_id.empty()) {
    r.error_code = E::kInvalidGroupId;
    return r;
  }
  Lookup l = FindGroup(req.group_id, false);
  if (l.error != E::kNone) {
    r.error_code = l.error;
    return r;
  }
  if (l.group == nullptr) {
    r.error_code = E::kUnknownMemberId;
    return r;
  }
  Deferred later;
  {
    std::lock_guard lock(l.group->mu());
    GroupMetadata& g = *l.group;
    if (g.Is(S::kDead)) {
      r.error_code = E::kCoordinatorNotAvailable;
    } else if (g.pending_members.contains(req.member_id)) {
      RemovePendingMember(g, req.member_id, later);
    } else if (!g.Has(req.member_id)) {
      r.error_code = E::kUnknownMemberId;
    } else {
      RemoveMemberAndUpdateGroup(g, req.member_id, "the member left the group", later);
    }
  }
  later.Run();
  return r;
}

// ---------------------------------------------------------------------------------------------
// OffsetCommit, OffsetFetch.

ErrorCode GroupCoordinator::ValidateOffsetCommit(GroupMetadata& g, const OffsetCommitRequest& req) {
  if (g.Is(S::kDead)) return E::kCoordinatorNotAvailable;
  if (req.generation_id >= 0 || !req.member_id.empty()) {
    if (!g.Has(req.member_id)) return E::kUnknownMemberId;
    if (req.generation_id != g.generation) return E::kIllegalGeneration;
    if (g.Is(S::kCompletingRebalance)) {
      // The member knows the new generation but has no assignment yet.
      return E::kRebalanceInProgress;
    }
    return E::kNone;
  }
  // A standalone consumer (generation -1, no member id) may commit only while nobody is in the
  // group: otherwise it would overwrite the members' offsets.
  return g.Is(S::kEmpty) ? E::kNone : E::kUnknownMemberId;
}

void GroupCoordinator::OffsetCommit(const GroupRequestContext& /*ctx*/, OffsetCommitRequest req,
                                    OffsetCommitCallback done) {
  OffsetCommitResponse resp = CommitResponseFor(req);
  auto fail_all = [&](ErrorCode e) {
    SetAllErrors(resp, e);
    done(std::move(resp));
  };
  // Kafka accepts the empty group id here (old clients commit with it).
  const bool standalone = req.generation_id < 0;
  for (int attempt = 0;; ++attempt) {
    Lookup l = FindGroup(req.group_id, /*create=*/standalone);
    if (l.error != E::kNone) return fail_all(l.error);
    // A group member's generation on a group we do not know: a stale member (e.g. from before a
    // coordinator move); it rejoins.
    if (l.group == nullptr) return fail_all(E::kIllegalGeneration);
    Deferred later;
    bool retry = false;
    {
      std::lock_guard lock(l.group->mu());
      GroupMetadata& g = *l.group;
      if (g.Is(S::kDead) && standalone && attempt == 0) {
        retry = true;
      } else if (ErrorCode e = ValidateOffsetCommit(g, req); e != E::kNone) {
        SetAllErrors(resp, e);
        later.Add([done, resp = std::move(resp)]() mutable { done(std::move(resp)); });
      } else {
        if (GroupMember* m = g.Find(req.member_id)) ScheduleHeartbeat(g, *m, m->session_timeout_ms);
        StoreOffsets(l.group, req, std::move(resp), std::move(done), later);
      }
    }
    later.Run();
    if (!retry) return;
    DropIfDead(req.group_id, l.group);
  }
}

void GroupCoordinator::StoreOffsets(const std::shared_ptr<GroupMetadata>& gp,
                                    const OffsetCommitRequest& req, OffsetCommitResponse resp,
                                    OffsetCommitCallback done, Deferred& later) {
  std::vector<CommitEntry> entries;
  std::vector<OffsetLogRecord> records =
      BuildCommitRecords(config_, hooks_, timer_->WallMs(), req, resp, entries);
  if (records.empty()) {
    later.Add(
        [done = std::move(done), resp = std::move(resp)]() mutable { done(std::move(resp)); });
    return;
  }
  // In flight until the completion: retention leaves these partitions alone meanwhile.
  for (const CommitEntry& e : entries) ++gp->pending_commits[e.tp];
  const uint64_t seq = gp->NextAppendSeq();
  Result<Offset> pos = gp->log().Append(records);
  if (!pos.ok()) {
    later.Add([gp, seq, entries = std::move(entries), resp = std::move(resp),
               done = std::move(done), failed = pos.status()]() mutable {
      CompleteOffsetCommit(gp, seq, entries, std::move(resp), failed, done);
    });
    return;
  }
  later.Add([gp, seq, pos = *pos, entries = std::move(entries), resp = std::move(resp),
             done = std::move(done)]() mutable {
    gp->log().WhenCommitted(pos, [gp, seq, entries = std::move(entries), resp = std::move(resp),
                                  done = std::move(done)](Status s) mutable {
      CompleteOffsetCommit(gp, seq, entries, std::move(resp), s, done);
    });
  });
}

OffsetFetchResponse GroupCoordinator::OffsetFetch(const GroupRequestContext& ctx,
                                                  const OffsetFetchRequest& req) {
  OffsetFetchResponse r;
  for (int attempt = 0;; ++attempt) {
    Lookup l = FindGroup(req.group_id, false);
    if (l.error != E::kNone) {
      // v2+ carries a top-level error; v0-1 put it on every requested partition.
      if (ctx.api_version >= 2) {
        r.error_code = l.error;
      } else if (req.topics) {
        for (const auto& t : *req.topics) {
          auto& rt = r.topics.emplace_back();
          rt.name = t.name;
          for (PartitionId p : t.partition_indexes) rt.partitions.push_back(NoOffset(p, l.error));
        }
      }
      return r;
    }
    if (l.group != nullptr) {
      std::lock_guard lock(l.group->mu());
      if (l.group->Is(S::kDead) && attempt == 0) {
        // Removed just now (expired or unloaded): look again.
      } else {
        FillOffsets(*l.group, req, r);
        return r;
      }
    } else {
      if (req.topics) {
        for (const auto& t : *req.topics) {
          auto& rt = r.topics.emplace_back();
          rt.name = t.name;
          for (PartitionId p : t.partition_indexes) rt.partitions.push_back(NoOffset(p));
        }
      }
      return r;
    }
    DropIfDead(req.group_id, l.group);
  }
}

void GroupCoordinator::FillOffsets(const GroupMetadata& g, const OffsetFetchRequest& req,
                                   OffsetFetchResponse& r) const {
  if (!req.topics) {
    // All committed offsets (v2+), grouped by topic in name order.
    for (const auto& [tp, committed] : g.offsets) {
      if (r.topics.empty() || r.topics.back().name != tp.topic)
        r.topics.emplace_back().name = tp.topic;
      r.topics.back().partitions.push_back(FromCommitted(tp.partition, committed));
    }
    return;
  }
  for (const auto& t : *req.topics) {
    auto& rt = r.topics.emplace_back();
    rt.name = t.name;
    for (PartitionId p : t.partition_indexes) {
      auto it = g.offsets.find(TopicPartition{t.name, p});
      rt.partitions.push_back(it == g.offsets.end() ? NoOffset(p) : FromCommitted(p, it->second));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Timers.

void GroupCoordinator::ScheduleHeartbeat(GroupMetadata& g, GroupMember& member,
                                         int64_t timeout_ms) {
  CancelHeartbeat(member);
  const uint64_t token = g.NextToken();
  member.heartbeat_token = token;
  std::weak_ptr<GroupCoordinator> self = weak_from_this();
  std::weak_ptr<GroupMetadata> gw = g.weak_from_this();
  member.heartbeat_task =
      timer_->ScheduleAt(timer_->NowMs() + timeout_ms, [self, gw, id = member.member_id, token] {
        if (auto c = self.lock()) c->OnHeartbeatExpired(gw, id, token);
      });
}

void GroupCoordinator::CancelHeartbeat(GroupMember& member) {
  if (member.heartbeat_task != GroupTimer::kNoTask) timer_->Cancel(member.heartbeat_task);
  member.heartbeat_task = GroupTimer::kNoTask;
  member.heartbeat_token = 0;
}

void GroupCoordinator::ArmTimer(GroupMetadata& g, GroupMetadata::TimerSlot& slot, int64_t delay_ms,
                                GroupTimerBody on_fire) {
  Disarm(slot);
  const uint64_t token = g.NextToken();
  slot.token = token;
  std::weak_ptr<GroupCoordinator> self = weak_from_this();
  std::weak_ptr<GroupMetadata> gw = g.weak_from_this();
  slot.task = timer_->ScheduleAt(timer_->NowMs() + delay_ms, [self, gw, token, on_fire] {
    if (auto c = self.lock()) ((*c).*on_fire)(gw, token);
  });
}

void GroupCoordinator::Disarm(GroupMetadata::TimerSlot& slot) {
  if (slot.task != GroupTimer::kNoTask) timer_->Cancel(slot.task);
  slot.task = GroupTimer::kNoTask;
  slot.token = 0;
}

void GroupCoordinator::ScheduleJoinTimer(GroupMetadata& g, int64_t delay_ms) {
  ArmTimer(g, g.join_timer, delay_ms, &GroupCoordinator::OnJoinTimer);
}

void GroupCoordinator::CancelJoinTimer(GroupMetadata& g) { Disarm(g.join_timer); }

void GroupCoordinator::ScheduleSyncTimer(GroupMetadata& g, int64_t delay_ms) {
  ArmTimer(g, g.sync_timer, delay_ms, &GroupCoordinator::OnSyncTimer);
}

void GroupCoordinator::CancelSyncTimer(GroupMetadata& g) { Disarm(g.sync_timer); }

void GroupCoordinator::SchedulePendingMemberExpiry(GroupMetadata& g, const std::string& member_id,
                                                   int64_t timeout_ms) {
  const uint64_t token = g.NextToken();
  std::weak_ptr<GroupCoordinator> self = weak_from_this();
  std::weak_ptr<GroupMetadata> gw = g.weak_from_this();
  GroupTimer::TaskId task =
      timer_->ScheduleAt(timer_->NowMs() + timeout_ms, [self, gw, member_id, token] {
        if (auto c = self.lock()) c->OnPendingMemberExpired(gw, member_id, token);
      });
  g.pending_members[member_id] = GroupMetadata::PendingMember{task, token};
}

void GroupCoordinator::CancelAllTimers(GroupMetadata& g) {
  for (auto& [id, m] : g.members) CancelHeartbeat(m);
  for (auto& [id, pending] : g.pending_members) Disarm(pending);
  CancelJoinTimer(g);
  CancelSyncTimer(g);
}

void GroupCoordinator::ScheduleRetention() {
  std::lock_guard lock(retention_mu_);
  if (retention_stopped_) return;
  std::weak_ptr<GroupCoordinator> self = weak_from_this();
  retention_task_ =
      timer_->ScheduleAt(timer_->NowMs() + config_.offsets_retention_check_interval_ms, [self] {
        if (auto c = self.lock()) {
          c->ExpireOffsets();
          c->ScheduleRetention();
        }
      });
}

void GroupCoordinator::OnHeartbeatExpired(const std::weak_ptr<GroupMetadata>& gw,
                                          const std::string& member_id, uint64_t token) {
  std::shared_ptr<GroupMetadata> gp = gw.lock();
  if (gp == nullptr) return;
  Deferred later;
  {
    std::lock_guard lock(gp->mu());
    GroupMember* m = gp->Find(member_id);
    if (gp->Is(S::kDead) || m == nullptr || m->heartbeat_token != token) return;
    m->heartbeat_task = GroupTimer::kNoTask;
    // A rejoining member waiting for the rebalance, or one waiting for its assignment, is timed
    // by the rebalance (rebalance and pending-sync timeouts), not by its session.
    if (!m->is_new && (m->awaiting_join() || m->awaiting_sync())) return;
    RemoveMemberAndUpdateGroup(
        *gp, member_id,
        m->is_new ? "new member timed out waiting for the rebalance" : "session timeout expired",
        later);
  }
  later.Run();
}

void GroupCoordinator::OnPendingMemberExpired(const std::weak_ptr<GroupMetadata>& gw,
                                              const std::string& member_id, uint64_t token) {
  std::shared_ptr<GroupMetadata> gp = gw.lock();
  if (gp == nullptr) return;
  Deferred later;
  {
    std::lock_guard lock(gp->mu());
    auto it = gp->pending_members.find(member_id);
    if (it == gp->pending_members.end() || it->second.token != token) return;
    it->second.task = GroupTimer::kNoTask;
    log::Info(kLog, "group {}: pending member {} did not rejoin within its session timeout",
              gp->group_id(), member_id);
    RemovePendingMember(*gp, member_id, later);
  }
  later.Run();
}

void GroupCoordinator::OnJoinTimer(const std::weak_ptr<GroupMetadata>& gw, uint64_t token) {
  std::shared_ptr<GroupMetadata> gp = gw.lock();
  if (gp == nullptr) return;
  Deferred later;
  {
    std::lock_guard lock(gp->mu());
    GroupMetadata& g = *gp;
    if (g.join_timer.token != token || !g.Is(S::kPreparingRebalance)) return;
    g.join_timer.task = GroupTimer::kNoTask;
    if (g.join_is_initial_delay && g.new_member_added && g.initial_delay_remaining_ms > 0) {
      // Members are still arriving: wait another delay (bounded by the rebalance timeout).
      g.new_member_added = false;
      const int64_t delay =
          std::min<int64_t>(config_.group_initial_rebalance_delay_ms, g.initial_delay_remaining_ms);
      g.initial_delay_remaining_ms -= delay;
      ScheduleJoinTimer(g, delay);
      return;
    }
    CompleteJoin(g, later);
  }
  later.Run();
}

void GroupCoordinator::OnSyncTimer(const std::weak_ptr<GroupMetadata>& gw, uint64_t token) {
  std::shared_ptr<GroupMetadata> gp = gw.lock();
  if (gp == nullptr) return;
  Deferred later;
  {
    std::lock_guard lock(gp->mu());
    GroupMetadata& g = *gp;
    if (g.sync_timer.token != token) return;
    g.sync_timer.task = GroupTimer::kNoTask;
    if (!(g.Is(S::kCompletingRebalance) || g.Is(S::kStable)) || g.pending_sync.empty()) return;
    std::vector<std::string> missing(g.pending_sync.begin(), g.pending_sync.end());
    for (const std::string& id : missing) {
      log::Info(kLog, "group {}: member {} sent no SyncGroup within the rebalance timeout",
                g.group_id(), id);
      if (GroupMember* m = g.Find(id)) CancelHeartbeat(*m);
      g.Remove(id);
    }
    PrepareRebalance(g, "members did not sync in time", later);
  }
  later.Run();
}

// ---------------------------------------------------------------------------------------------
// Loading and retention.

Result<std::vector<std::shared_ptr<GroupMetadata>>> GroupCoordinator::LoadPartition(
    PartitionId partition, const std::shared_ptr<OffsetLog>& log) {
  struct Loaded {
    std::optional<consumer_offsets::GroupMetadataValue> metadata;
    std::map<TopicPartition, consumer_offsets::OffsetCommitValue> offsets;
  };
  std::map<std::string, Loaded> loaded;
  Status s = log->Replay([&loaded](const OffsetLogRecord& r) -> Status {
    KB_ASSIGN_OR_RETURN(consumer_offsets::RecordKey key, consumer_offsets::DecodeKey(r.key));
    if (const auto* k = std::get_if<consumer_offsets::OffsetCommitKey>(&key)) {
      Loaded& group = loaded[k->group];
      TopicPartition tp{k->topic, k->partition};
      if (!r.value) {
        group.offsets.erase(tp);
        return Status::Ok();
      }
      KB_ASSIGN_OR_RETURN(group.offsets[tp], consumer_offsets::DecodeOffsetCommitValue(*r.value));
      return Status::Ok();
    }
    Loaded& group = loaded[std::get<consumer_offsets::GroupMetadataKey>(key).group];
    if (!r.value) {
      group.metadata.reset();
      return Status::Ok();
    }
    KB_ASSIGN_OR_RETURN(group.metadata, consumer_offsets::DecodeGroupMetadataValue(*r.value));
    return Status::Ok();
  });
  if (!s.ok()) {
    return s.WithContext(
        fmt::format("loading {}-{}", consumer_offsets::kTopicName, partition.value()));
  }
  std::vector<std::shared_ptr<GroupMetadata>> groups;
  const int64_t now = timer_->WallMs();
  for (auto& [id, l] : loaded) {
    if (!l.metadata && l.offsets.empty()) continue;  // deleted
    if (PartitionFor(id) != partition) {
      log::Warn(kLog,
                "group {} found in {}-{} belongs to partition {} (offsets.topic.num.partitions "
                "changed?); not loaded",
                id, consumer_offsets::kTopicName, partition.value(), PartitionFor(id).value());
      continue;
    }
    auto g = std::make_shared<GroupMetadata>(id, partition, log, now);
    if (l.metadata) RestoreGroup(*g, *l.metadata);
    for (auto& [tp, v] : l.offsets) g->offsets[tp] = CommittedOffset{std::move(v), 0};
    groups.push_back(std::move(g));
  }
  return groups;
}

void GroupCoordinator::RestoreGroup(GroupMetadata& g,
                                    const consumer_offsets::GroupMetadataValue& v) {
  if (!v.protocol_type.empty()) g.protocol_type = v.protocol_type;
  g.generation = v.generation;
  g.protocol_name = v.protocol;
  g.leader_id = v.leader;
  for (const consumer_offsets::MemberMetadataValue& mv : v.members) {
    GroupMember m;
    m.member_id = mv.member_id;
    m.group_instance_id = mv.group_instance_id;
    m.client_id = mv.client_id;
    m.client_host = mv.client_host;
    m.session_timeout_ms = mv.session_timeout_ms;
    m.rebalance_timeout_ms = mv.rebalance_timeout_ms;
    m.protocol_type = v.protocol_type;
    m.protocols.push_back({v.protocol.value_or(""), mv.subscription});
    m.assignment = mv.assignment;
    g.members.emplace(mv.member_id, std::move(m));
  }
  // A group with members was written when its generation became Stable (Kafka loads it so).
  g.RestoreState(g.members.empty() ? S::kEmpty : S::kStable, v.current_state_timestamp_ms);
  if (g.leader_id && !g.Has(*g.leader_id)) g.leader_id.reset();
  if (!g.leader_id && !g.members.empty()) g.leader_id = g.members.begin()->first;
}

int64_t GroupCoordinator::ExpireOffsets() {
  std::vector<std::shared_ptr<GroupMetadata>> groups;
  {
    std::shared_lock lock(map_mu_);
    groups.reserve(groups_.size());
    for (const auto& [id, g] : groups_) groups.push_back(g);
  }
  const int64_t now = timer_->WallMs();
  int64_t removed = 0;
  std::vector<std::shared_ptr<GroupMetadata>> dead;
  for (const auto& g : groups) {
    std::lock_guard lock(g->mu());
    if (g->Is(S::kDead)) continue;
    std::vector<OffsetLogRecord> tombstones;
    for (const TopicPartition& tp : g->ExpiredOffsets(now, config_.offsets_retention_ms)) {
      g->offsets.erase(tp);
      ++removed;
      Result<std::vector<uint8_t>> key = consumer_offsets::EncodeKey(
          consumer_offsets::OffsetCommitKey{g->group_id(), tp.topic, tp.partition});
      if (key.ok()) tombstones.push_back({std::move(*key), std::nullopt, now});
    }
    if (g->Is(S::kEmpty) && g->offsets.empty() && g->pending_commits.empty() &&
        g->pending_members.empty()) {
      g->TransitionTo(S::kDead, now);
      dead.push_back(g);
      Result<std::vector<uint8_t>> key =
          consumer_offsets::EncodeKey(consumer_offsets::GroupMetadataKey{g->group_id()});
      if (key.ok()) tombstones.push_back({std::move(*key), std::nullopt, now});
    }
    if (!tombstones.empty()) {
      if (Result<Offset> pos = g->log().Append(tombstones); !pos.ok()) {
        log::Warn(kLog, "group {}: writing {} tombstones failed: {}", g->group_id(),
                  tombstones.size(), pos.status().ToString());
      }
    }
  }
  for (const auto& g : dead) DropIfDead(g->group_id(), g);
  if (removed > 0 || !dead.empty()) {
    log::Info(kLog, "removed {} expired offsets and {} empty groups", removed, dead.size());
  }
  return removed;
}

// ---------------------------------------------------------------------------------------------
// Introspection.

std::optional<GroupSummary> GroupCoordinator::DescribeGroup(std::string_view group_id) const {
  std::shared_ptr<GroupMetadata> gp;
  {
    std::shared_lock lock(map_mu_);
    auto it = groups_.find(std::string(group_id));
    if (it == groups_.end()) return std::nullopt;
    gp = it->second;
  }
  std::lock_guard lock(gp->mu());
  GroupSummary s;
  s.group_id = gp->group_id();
  s.state = gp->state();
  s.generation = gp->generation;
  s.protocol_type = gp->protocol_type.value_or("");
  s.protocol = gp->protocol_name.value_or("");
  s.leader = gp->leader_id.value_or("");
  for (const auto& [id, m] : gp->members) s.members.push_back(id);
  for (const auto& [id, p] : gp->pending_members) s.pending_members.push_back(id);
  s.committed_offsets = gp->offsets.size();
  return s;
}

std::vector<std::string> GroupCoordinator::ListGroups() const {
  std::vector<std::string> ids;
  {
    std::shared_lock lock(map_mu_);
    for (const auto& [id, g] : groups_) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace kbench::broker
