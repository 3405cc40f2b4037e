// GroupCoordinator: Kafka's consumer-group coordinator as a library the broker's dispatch table
// calls with decoded request structs (core/protocol) and whose answers it encodes: FindCoordinator,
// JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, with Kafka 3.4's group
// state machine (group_metadata.h), session and rebalance timeouts, the initial-rebalance delay,
// protocol selection by vote, MEMBER_ID_REQUIRED (JoinGroup v4+), pending-sync expiry, committed
// offsets persisted to and reloaded from the offsets topic (offset_log.h, format in
// consumer_offsets_format.h) and offset retention.
//
// Placement (a cluster of brokers, issue 4): group g lives in partition
// OffsetsPartitionFor(g, offsets.topic.num.partitions) of `__consumer_offsets`, and its coordinator
// is that partition's leader. The broker tells the coordinator which partitions it leads:
// OnElected(p, log) replays p's log and takes its groups over; OnResigned(p) drops them. A group
// request for a partition this broker does not lead is answered NOT_COORDINATOR, one whose
// partition is still loading COORDINATOR_LOAD_IN_PROGRESS (Heartbeat: NONE; SyncGroup:
// REBALANCE_IN_PROGRESS, as Kafka does). FindCoordinator asks the `leader_of` hook (the broker's
// metadata) who leads the group's partition.
//
// Answers: Heartbeat, LeaveGroup, OffsetFetch and FindCoordinator return their response.
// JoinGroup, SyncGroup and OffsetCommit answer through a callback (group_member.h), invoked
// exactly once: before the call returns, or later from the timer thread, from another request's
// thread or from the offset log's completion. Callbacks never run under a coordinator lock.
// Every waiting callback is answered (NOT_COORDINATOR) when its partition is resigned or the
// coordinator shuts down, so no request is left hanging.
//
// Threads: every public method may be called from any number of threads at once. Each group has
// its own lock; a map lock (shared for lookups) guards only which groups and partitions exist.
// Lock order: never the map lock while holding a group lock, never two group locks; the offset
// log's own lock is taken under a group lock (Append) and never the other way round.
//
// Lifetime: create with Create() (timer tasks hold weak references, so the coordinator may be
// destroyed while tasks are queued; a task that runs afterwards does nothing). Shutdown() (also
// run by the destructor) answers every waiting callback, cancels the timers and refuses new
// requests with COORDINATOR_NOT_AVAILABLE.
//
// Static membership (group_instance_id, JoinGroup v5): the id is stored, persisted and returned to
// the leader, but members are handled as dynamic ones (no fencing, no rejoin without rebalance).
// Clients that set group.instance.id work; they rebalance on restart like dynamic members.
//
// Wiring (the broker's dispatch table; `c` is the shared_ptr from Create, `ctx` is
// {header.api_version, header.client_id or "", "/" + peer ip}):
//   FindCoordinator  EncodeResponse(corr, v, c->FindCoordinator(req))
//   Heartbeat        EncodeResponse(corr, v, c->Heartbeat(ctx, req))
//   LeaveGroup       EncodeResponse(corr, v, c->LeaveGroup(ctx, req))
//   OffsetFetch      EncodeResponse(corr, v, c->OffsetFetch(ctx, req))
//   JoinGroup        auto r = std::make_shared<Responder>(std::move(responder));
//                    c->JoinGroup(ctx, std::move(req), [r, corr, v](JoinGroupResponse resp) {
//                      r->Send(*EncodeResponse(corr, v, resp)); });   // same for SyncGroup,
//                                                                     // OffsetCommit
// (a std::function must be copyable, hence the shared Responder). The handler returns at once;
// the callback may run on the calling thread before JoinGroup returns, or later on the timer
// thread or another handler thread. An encode failure there is a bug: close the connection.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/base/topic_partition.h"
#include "core/broker/group_coordinator_config.h"
#include "core/broker/group_member.h"
#include "core/broker/group_metadata.h"
#include "core/broker/group_timer.h"
#include "core/broker/offset_log.h"
#include "core/protocol/find_coordinator.h"
#include "core/protocol/heartbeat.h"
#include "core/protocol/join_group.h"
#include "core/protocol/leave_group.h"
#include "core/protocol/offset_commit.h"
#include "core/protocol/offset_fetch.h"
#include "core/protocol/sync_group.h"

namespace kbench::broker {

// Who serves a partition of the offsets topic: the answer of FindCoordinator.
struct CoordinatorEndpoint {
  BrokerId node_id{-1};
  std::string host;
  int32_t port = -1;
};

// What the coordinator needs from the broker, as hooks (null members are allowed where noted).
struct GroupCoordinatorHooks {
  // The live leader of __consumer_offsets-p, or nullopt (FindCoordinator answers
  // COORDINATOR_NOT_AVAILABLE). Required. Called without coordinator locks held.
  std::function<std::optional<CoordinatorEndpoint>(PartitionId)> leader_of;
  // Whether a topic partition exists; OffsetCommit answers UNKNOWN_TOPIC_OR_PARTITION for the
  // ones that do not, as Kafka does. Null: every partition is accepted. Called under a group lock:
  // it must not call into the coordinator.
  std::function<bool(const TopicPartition&)> partition_exists;
};

// Per-request facts the request body does not carry.
struct GroupRequestContext {
  int16_t api_version = 0;  // the request's version (MEMBER_ID_REQUIRED from JoinGroup v4, ...)
  std::string client_id;    // request header client id: member ids are "<client_id>-<uuid>"
  std::string client_host;  // the peer's address, stored with the member
};

// A snapshot of one group (tests, a future DescribeGroups/ListGroups, the CLI).
struct GroupSummary {
  std::string group_id;
  GroupState state = GroupState::kEmpty;
  int32_t generation = 0;
  std::string protocol_type;
  std::string protocol;
  std::string leader;
  std::vector<std::string> members;          // in member-id order
  std::vector<std::string> pending_members;  // answered MEMBER_ID_REQUIRED, not rejoined yet
  size_t committed_offsets = 0;
};

class GroupCoordinator : public std::enable_shared_from_this<GroupCoordinator> {
 public:
  // Fails on an invalid config or a missing leader_of hook. Starts the offset-retention task.
  static Result<std::shared_ptr<GroupCoordinator>> Create(GroupCoordinatorConfig config,
                                                          std::shared_ptr<GroupTimer> timer,
                                                          GroupCoordinatorHooks hooks);
  ~GroupCoordinator();
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  const GroupCoordinatorConfig& config() const { return config_; }
  // The offsets-topic partition of a group (Kafka's rule, offsets_partitioner.h).
  PartitionId PartitionFor(std::string_view group_id) const;

  // ---- Partition ownership (the broker's replica manager calls these). ----
  // This broker now leads __consumer_offsets-p: replays `log` (blocking the caller; keep it off
  // the network threads) and serves p's groups from then on. While it replays, p's groups answer
  // COORDINATOR_LOAD_IN_PROGRESS. An error (unreadable log, malformed record) leaves p unowned
  // (NOT_COORDINATOR) and names the partition and record. Electing an owned partition again
  // resigns it first.
  Status OnElected(PartitionId partition, std::shared_ptr<OffsetLog> log);
  // This broker no longer leads p: its groups are dropped (waiting callbacks get NOT_COORDINATOR).
  void OnResigned(PartitionId partition);
  // p is loaded and served here.
  bool IsCoordinatorFor(PartitionId partition) const;
  // Resigns everything, answers all waiting callbacks, stops the retention task; later requests
  // get COORDINATOR_NOT_AVAILABLE. Idempotent.
  void Shutdown();

  // ---- The APIs (any version the protocol structs decode). ----
  protocol::FindCoordinatorResponse FindCoordinator(
      const protocol::FindCoordinatorRequest& request) const;
  void JoinGroup(const GroupRequestContext& ctx, protocol::JoinGroupRequest request,
                 JoinGroupCallback done);
  void SyncGroup(const GroupRequestContext& ctx, protocol::SyncGroupRequest request,
                 SyncGroupCallback done);
  protocol::HeartbeatResponse Heartbeat(const GroupRequestContext& ctx,
                                        const protocol::HeartbeatRequest& request);
  protocol::LeaveGroupResponse LeaveGroup(const GroupRequestContext& ctx,
                                          const protocol::LeaveGroupRequest& request);
  void OffsetCommit(const GroupRequestContext& ctx, protocol::OffsetCommitRequest request,
                    OffsetCommitCallback done);
  protocol::OffsetFetchResponse OffsetFetch(const GroupRequestContext& ctx,
                                            const protocol::OffsetFetchRequest& request);

  // ---- Introspection and maintenance. ----
  std::optional<GroupSummary> DescribeGroup(std::string_view group_id) const;
  std::vector<std::string> ListGroups() const;
  // Runs the retention check now (the periodic task calls it every
  // offsets.retention.check.interval.ms): removes expired offsets (writing tombstones) and Empty
  // groups left without offsets. Returns the number of offsets removed.
  int64_t ExpireOffsets();

 private:
  struct PartitionState {
    bool loading = true;
    uint64_t load_id = 0;  // identifies one election, so a stale load does not publish
    std::shared_ptr<OffsetLog> log;
  };
  struct Lookup {
    ErrorCode error = ErrorCode::kNone;
    std::shared_ptr<GroupMetadata> group;  // null when absent (and not created)
  };
  class Deferred;

  GroupCoordinator(GroupCoordinatorConfig config, std::shared_ptr<GroupTimer> timer,
                   GroupCoordinatorHooks hooks);

  Lookup FindGroup(std::string_view group_id, bool create);
  // Forgets `g` if the map still holds it (after it turned Dead).
  void DropIfDead(const std::string& group_id, const std::shared_ptr<GroupMetadata>& g);
  std::string NewMemberId(std::string_view client_id);

  // JoinGroup steps (group lock held).
  void DoUnknownJoin(GroupMetadata& g, const GroupRequestContext& ctx,
                     protocol::JoinGroupRequest& req, JoinGroupCallback& done, Deferred& later);
  void DoKnownJoin(GroupMetadata& g, const GroupRequestContext& ctx,
                   protocol::JoinGroupRequest& req, JoinGroupCallback& done, Deferred& later);
  bool AcceptJoiningMember(const GroupMetadata& g, const std::string& member_id) const;
  void AddMemberAndRebalance(GroupMetadata& g, const GroupRequestContext& ctx,
                             protocol::JoinGroupRequest& req, std::string member_id,
                             JoinGroupCallback done, Deferred& later);
  void UpdateMemberAndRebalance(GroupMetadata& g, GroupMember& member,
                                protocol::JoinGroupRequest& req, JoinGroupCallback done,
                                Deferred& later);
  protocol::JoinGroupResponse CurrentGenerationResponse(const GroupMetadata& g,
                                                        const GroupMember& member,
                                                        bool with_members) const;

  // Rebalance machinery (group lock held).
  void MaybePrepareRebalance(GroupMetadata& g, std::string_view reason, Deferred& later);
  void PrepareRebalance(GroupMetadata& g, std::string_view reason, Deferred& later);
  void TryCompleteJoin(GroupMetadata& g, Deferred& later);
  void CompleteJoin(GroupMetadata& g, Deferred& later);
  void RemoveMemberAndUpdateGroup(GroupMetadata& g, const std::string& member_id,
                                  std::string_view reason, Deferred& later);
  void RemovePendingMember(GroupMetadata& g, const std::string& member_id, Deferred& later);
  void ResetAndPropagateAssignmentError(GroupMetadata& g, ErrorCode error, Deferred& later);
  void SetAndPropagateAssignment(GroupMetadata& g,
                                 const std::map<std::string, std::vector<uint8_t>>& assignment,
                                 Deferred& later);
  void UnloadGroup(GroupMetadata& g, Deferred& later);
  // Appends the group's metadata record; returns the log position or the append error.
  Result<Offset> StoreGroup(GroupMetadata& g,
                            const std::map<std::string, std::vector<uint8_t>>& assignment);
  // The leader's SyncGroup: stores the generation; members are answered when the log commits it.
  void StoreAssignment(const std::shared_ptr<GroupMetadata>& g, protocol::SyncGroupRequest& req,
                       Deferred& later);
  void OnGroupStored(const std::shared_ptr<GroupMetadata>& g, int32_t generation,
                     std::map<std::string, std::vector<uint8_t>> assignment, Status status);

  // Timers (group lock held when scheduling or cancelling).
  void ScheduleHeartbeat(GroupMetadata& g, GroupMember& member, int64_t timeout_ms);
  void CancelHeartbeat(GroupMember& member);
  void ScheduleJoinTimer(GroupMetadata& g, int64_t delay_ms);
  void CancelJoinTimer(GroupMetadata& g);
  void ScheduleSyncTimer(GroupMetadata& g, int64_t delay_ms);
  void CancelSyncTimer(GroupMetadata& g);
  // Cancels what `slot` held, then arms it: after delay_ms, (this->*on_fire)(g, token) runs unless
  // the slot was re-armed or cancelled meanwhile (the token no longer matches).
  using GroupTimerBody = void (GroupCoordinator::*)(const std::weak_ptr<GroupMetadata>&, uint64_t);
  void ArmTimer(GroupMetadata& g, GroupMetadata::TimerSlot& slot, int64_t delay_ms,
                GroupTimerBody on_fire);
  void Disarm(GroupMetadata::TimerSlot& slot);
  void SchedulePendingMemberExpiry(GroupMetadata& g, const std::string& member_id,
                                   int64_t timeout_ms);
  void CancelAllTimers(GroupMetadata& g);
  void ScheduleRetention();
  // Timer task bodies (no lock held on entry).
  void OnHeartbeatExpired(const std::weak_ptr<GroupMetadata>& g, const std::string& member_id,
                          uint64_t token);
  void OnPendingMemberExpired(const std::weak_ptr<GroupMetadata>& g, const std::string& member_id,
                              uint64_t token);
  void OnJoinTimer(const std::weak_ptr<GroupMetadata>& g, uint64_t token);
  void OnSyncTimer(const std::weak_ptr<GroupMetadata>& g, uint64_t token);

  // OffsetCommit / OffsetFetch steps (group lock held).
  ErrorCode ValidateOffsetCommit(GroupMetadata& g, const protocol::OffsetCommitRequest& req);
  void StoreOffsets(const std::shared_ptr<GroupMetadata>& g,
                    const protocol::OffsetCommitRequest& req,
                    protocol::OffsetCommitResponse response, OffsetCommitCallback done,
                    Deferred& later);
  void FillOffsets(const GroupMetadata& g, const protocol::OffsetFetchRequest& req,
                   protocol::OffsetFetchResponse& response) const;

  // Loading.
  Result<std::vector<std::shared_ptr<GroupMetadata>>> LoadPartition(
      PartitionId partition, const std::shared_ptr<OffsetLog>& log);
  void RestoreGroup(GroupMetadata& g, const consumer_offsets::GroupMetadataValue& value);

  const GroupCoordinatorConfig config_;
  const std::shared_ptr<GroupTimer> timer_;
  const GroupCoordinatorHooks hooks_;

  mutable std::shared_mutex map_mu_;
  bool shut_down_ = false;                                                  // guarded by map_mu_
  uint64_t next_load_id_ = 0;                                               // guarded by map_mu_
  std::unordered_map<int32_t, PartitionState> partitions_;                  // guarded by map_mu_
  std::unordered_map<std::string, std::shared_ptr<GroupMetadata>> groups_;  // guarded by map_mu_

  std::mutex retention_mu_;
  GroupTimer::TaskId retention_task_ = GroupTimer::kNoTask;  // guarded by retention_mu_
  bool retention_stopped_ = false;                           // guarded by retention_mu_

  std::mutex rng_mu_;
  std::mt19937_64 rng_;  // guarded by rng_mu_: member-id UUIDs
};

}  // namespace kbench::broker
