// GroupMember: one member of a consumer group as the coordinator tracks it (Kafka's
// MemberMetadata): identity, timeouts, the protocols it supports with their metadata, its current
// assignment, the JoinGroup/SyncGroup response it is waiting for, and its heartbeat deadline.
//
// Ownership: a GroupMetadata owns its members. Not thread-safe: read and write it only under the
// owning group's lock. The callbacks stored here are the broker's; the coordinator moves them out
// and invokes them after releasing the group lock.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/broker/group_timer.h"
#include "core/protocol/join_group.h"
#include "core/protocol/offset_commit.h"
#include "core/protocol/sync_group.h"

namespace kbench::broker {

// How the coordinator answers the requests it completes later. Invoked exactly once per request,
// possibly before the call that took it returns, possibly later from the timer thread or another
// request's thread; never while a coordinator lock is held (so it may call into the coordinator).
using JoinGroupCallback = std::function<void(protocol::JoinGroupResponse)>;
using SyncGroupCallback = std::function<void(protocol::SyncGroupResponse)>;
using OffsetCommitCallback = std::function<void(protocol::OffsetCommitResponse)>;

struct GroupMember {
  using Protocol = protocol::JoinGroupRequest::Protocol;

  std::string member_id;
  std::optional<std::string> group_instance_id;  // carried and persisted; see group_coordinator.h
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<Protocol> protocols;  // in the member's order of preference
  std::vector<uint8_t> assignment;  // from the leader's SyncGroup of the current generation

  JoinGroupCallback join_callback;  // set while a JoinGroup waits for the rebalance
  SyncGroupCallback sync_callback;  // set while a SyncGroup waits for the leader's assignment
  // Joined during the current rebalance and not yet part of a generation: it may be expired while
  // waiting (after new_member_join_timeout_ms without a heartbeat), unlike rejoining members.
  bool is_new = false;

  GroupTimer::TaskId heartbeat_task = GroupTimer::kNoTask;
  uint64_t heartbeat_token = 0;  // the live deadline; a firing task with another token is stale

  bool awaiting_join() const { return static_cast<bool>(join_callback); }
  bool awaiting_sync() const { return static_cast<bool>(sync_callback); }

  // Same protocols with the same metadata in the same order (a rejoin that changes nothing).
  bool Matches(const std::vector<Protocol>& other) const { return protocols == other; }
  // The member's metadata for `protocol`, or null if it does not support it.
  const std::vector<uint8_t>* MetadataFor(std::string_view protocol) const {
    for (const Protocol& p : protocols) {
      if (p.name == protocol) return &p.metadata;
    }
    return nullptr;
  }
  // The member's most preferred protocol among `candidates` (its vote); empty if none.
  std::string Vote(const std::set<std::string>& candidates) const {
    for (const Protocol& p : protocols) {
      if (candidates.contains(p.name)) return p.name;
    }
    return {};
  }
};

}  // namespace kbench::broker
