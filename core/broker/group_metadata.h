// GroupMetadata: everything the coordinator knows about one consumer group (Kafka's GroupMetadata):
// the state machine, generation, selected protocol, leader, members, members that still owe a
// JoinGroup (after MEMBER_ID_REQUIRED) or a SyncGroup, the group's timers, and its committed
// offsets. The rebalance protocol itself (who answers whom, when timers fire) is the
// coordinator's (group_coordinator.cc); this class keeps the bookkeeping and its invariants.
//
// States and the moves Kafka allows (TransitionTo refuses any other):
//
//   Empty --join--> PreparingRebalance --all joined / rebalance timeout--> CompletingRebalance
//     ^                 |    ^                                                 |
//     +--no members-----+    +----member joins, leaves, fails, or resyncs------+--leader's
//                            |                                                     SyncGroup
//                            +------------------------------ Stable <--------------+
//   any state --> Dead (group unloaded, or Empty with no offsets left after expiration)
//
// Always owned by a std::shared_ptr (timer tasks hold weak references to it).
//
// Thread safety: none of its own. Every field and method is used under mu(), the per-group lock
// (the coordinator never holds two group locks, nor its map lock while taking a group lock).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/strong_int.h"
#include "core/base/topic_partition.h"
#include "core/broker/consumer_offsets_format.h"
#include "core/broker/group_member.h"
#include "core/broker/group_timer.h"
#include "core/broker/offset_log.h"

namespace kbench::broker {

enum class GroupState : uint8_t {
  kEmpty,
  kPreparingRebalance,
  kCompletingRebalance,
  kStable,
  kDead
};

// Kafka's names: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".
std::string_view GroupStateName(GroupState state);

// A committed offset as the coordinator serves it.
struct CommittedOffset {
  consumer_offsets::OffsetCommitValue value;
  // The append that wrote it: a commit completing out of order never overwrites a newer one.
  uint64_t append_seq = 0;
};

class GroupMetadata : public std::enable_shared_from_this<GroupMetadata> {
 public:
  GroupMetadata(std::string group_id, PartitionId partition, std::shared_ptr<OffsetLog> log,
                int64_t now_wall_ms);
  GroupMetadata(const GroupMetadata&) = delete;
  GroupMetadata& operator=(const GroupMetadata&) = delete;

  std::mutex& mu() { return mu_; }
  const std::string& group_id() const { return group_id_; }
  PartitionId partition() const { return partition_; }
  // The log of the offsets partition this group lives in (shared with the partition's groups).
  OffsetLog& log() const { return *log_; }
  const std::shared_ptr<OffsetLog>& log_ptr() const { return log_; }

  // ---- State machine. ----
  GroupState state() const { return state_; }
  bool Is(GroupState s) const { return state_ == s; }
  // Moves to `next` when Kafka allows it from the current state (see the diagram), stamping
  // current_state_timestamp_ms; returns false and changes nothing otherwise.
  bool TransitionTo(GroupState next, int64_t now_wall_ms);
  // Stable, CompletingRebalance and Empty may start a rebalance.
  bool CanRebalance() const;
  int64_t current_state_timestamp_ms() const { return state_timestamp_ms_; }
  // Sets the state a group had when its metadata record was written (loading from the log only).
  void RestoreState(GroupState state, int64_t state_timestamp_ms) {
    state_ = state;
    state_timestamp_ms_ = state_timestamp_ms;
  }

  // ---- Generation. ----
  int32_t generation = 0;
  std::optional<std::string> protocol_type;  // set by the first member of an Empty group
  std::optional<std::string> protocol_name;  // selected for the current generation
  std::optional<std::string> leader_id;
  // Starts the next generation: generation+1, then CompletingRebalance with a protocol selected by
  // vote, or Empty (no protocol) when no members are left. Clears the pending-sync set.
  void InitNextGeneration(int64_t now_wall_ms);

  // ---- Members. ----
  std::map<std::string, GroupMember> members;  // by member id (responses list them in this order)
  bool Has(std::string_view member_id) const;
  GroupMember* Find(std::string_view member_id);
  // Adds a member; the first member of an Empty group sets the protocol type, and the first
  // member of a group without a leader becomes the leader.
  GroupMember& Add(GroupMember member);
  // Removes a member (and its pending-sync entry); re-elects the leader if it was the one.
  void Remove(std::string_view member_id);
  bool IsLeader(std::string_view member_id) const;
  // Members + pending members (the size group.max.size limits).
  size_t size() const { return members.size() + pending_members.size(); }
  int32_t NumAwaitingJoin() const;
  // Every member has sent its JoinGroup and no MEMBER_ID_REQUIRED answer is outstanding.
  bool HasAllMembersJoined() const;
  // If the leader has not rejoined, makes the first rejoined member the leader; false when no
  // member has rejoined.
  bool MaybeElectNewJoinedLeader();
  // The largest rebalance timeout of the members (the time a rebalance may take).
  int32_t RebalanceTimeoutMs() const;
  // A member with `type` and `protocols` may join: anything non-empty joins an Empty group;
  // otherwise the type must match and one of the protocols must be supported by every member.
  bool SupportsProtocols(std::string_view type,
                         const std::vector<GroupMember::Protocol>& protocols) const;
  // The protocol for the next generation: among those every member supports, the one most members
  // prefer (ties go to the leader's preference). Requires members.
  std::string SelectProtocol() const;

  // One armed timer: its task id and the token that makes a stale firing harmless.
  struct TimerSlot {
    GroupTimer::TaskId task = GroupTimer::kNoTask;
    uint64_t token = 0;
  };
  // Members answered MEMBER_ID_REQUIRED, expected to rejoin with that id within their session
  // timeout; the value is their expiry timer.
  using PendingMember = TimerSlot;
  std::map<std::string, PendingMember> pending_members;
  // Members of the new generation that have not sent SyncGroup yet (Kafka 2.8+'s pending sync).
  std::set<std::string> pending_sync;

  // ---- Timers (task ids and the tokens that make stale firings harmless). ----
  uint64_t NextToken() { return ++last_token_; }
  TimerSlot join_timer;
  bool join_is_initial_delay = false;  // the first rebalance of an Empty group is delayed
  int64_t initial_delay_remaining_ms = 0;
  bool new_member_added = false;  // a member joined during the initial delay
  TimerSlot sync_timer;

  // ---- Offsets. ----
  std::map<TopicPartition, CommittedOffset> offsets;
  std::map<TopicPartition, int32_t> pending_commits;  // appends in flight per partition
  uint64_t NextAppendSeq() { return ++last_append_seq_; }
  // Offsets whose retention has passed (Kafka's KIP-211 rules): for a group with a protocol type,
  // only while Empty, counted from when it became Empty; for a standalone (simple) consumer
  // group, counted from each commit; an explicit expire timestamp (OffsetCommit v2-4 retention)
  // wins. Partitions with a commit in flight never expire.
  std::vector<TopicPartition> ExpiredOffsets(int64_t now_wall_ms, int64_t retention_ms) const;

 private:
  const std::string group_id_;
  const PartitionId partition_;
  const std::shared_ptr<OffsetLog> log_;
  std::mutex mu_;
  GroupState state_ = GroupState::kEmpty;
  int64_t state_timestamp_ms_ = -1;
  uint64_t last_token_ = 0;
  uint64_t last_append_seq_ = 0;
};

}  // namespace kbench::broker
