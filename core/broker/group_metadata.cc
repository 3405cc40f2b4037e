#include "core/broker/group_metadata.h"

#include <algorithm>

namespace kbench::broker {

std::string_view GroupStateName(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Unknown";
}

GroupMetadata::GroupMetadata(std::string group_id, PartitionId partition,
                             std::shared_ptr<OffsetLog> log, int64_t now_wall_ms)
    : group_id_(std::move(group_id)),
      partition_(partition),
      log_(std::move(log)),
      state_timestamp_ms_(now_wall_ms) {}

bool GroupMetadata::TransitionTo(GroupState next, int64_t now_wall_ms) {
  using S = GroupState;
  bool allowed = false;
  switch (next) {
    case S::kDead:
      allowed = true;
      break;
    case S::kPreparingRebalance:
      allowed = Is(S::kStable) || Is(S::kCompletingRebalance) || Is(S::kEmpty);
      break;
    case S::kCompletingRebalance:
    case S::kEmpty:
      allowed = Is(S::kPreparingRebalance);
      break;
    case S::kStable:
      allowed = Is(S::kCompletingRebalance);
      break;
  }
  if (!allowed) return false;
  state_ = next;
  state_timestamp_ms_ = now_wall_ms;
  return true;
}

bool GroupMetadata::CanRebalance() const {
  return Is(GroupState::kStable) || Is(GroupState::kCompletingRebalance) || Is(GroupState::kEmpty);
}

void GroupMetadata::InitNextGeneration(int64_t now_wall_ms) {
  ++generation;
  if (!members.empty()) {
    protocol_name = SelectProtocol();
    TransitionTo(GroupState::kCompletingRebalance, now_wall_ms);
  } else {
    protocol_name.reset();
    TransitionTo(GroupState::kEmpty, now_wall_ms);
  }
  pending_sync.clear();
}

bool GroupMetadata::Has(std::string_view member_id) const {
  return members.find(std::string(member_id)) != members.end();
}

GroupMember* GroupMetadata::Find(std::string_view member_id) {
  auto it = members.find(std::string(member_id));
  return it == members.end() ? nullptr : &it->second;
}

GroupMember& GroupMetadata::Add(GroupMember member) {
  if (members.empty()) protocol_type = member.protocol_type;
  if (!leader_id) leader_id = member.member_id;
  std::string id = member.member_id;
  return members.insert_or_assign(std::move(id), std::move(member)).first->second;
}

void GroupMetadata::Remove(std::string_view member_id) {
  members.erase(std::string(member_id));
  pending_sync.erase(std::string(member_id));
  if (IsLeader(member_id)) {
    leader_id.reset();
    if (!members.empty()) leader_id = members.begin()->first;
  }
}

bool GroupMetadata::IsLeader(std::string_view member_id) const {
  return leader_id.has_value() && *leader_id == member_id;
}

int32_t GroupMetadata::NumAwaitingJoin() const {
  return static_cast<int32_t>(std::count_if(
      members.begin(), members.end(), [](const auto& m) { return m.second.awaiting_join(); }));
}

bool GroupMetadata::HasAllMembersJoined() const {
  return static_cast<size_t>(NumAwaitingJoin()) == members.size() && pending_members.empty();
}

bool GroupMetadata::MaybeElectNewJoinedLeader() {
  if (leader_id) {
    const GroupMember* leader = Find(*leader_id);
    if (leader != nullptr && leader->awaiting_join()) return true;
  }
  for (const auto& [id, member] : members) {
    if (member.awaiting_join()) {
      leader_id = id;
      return true;
    }
  }
  return false;
}

int32_t GroupMetadata::RebalanceTimeoutMs() const {
  int32_t timeout = 0;
  for (const auto& [id, m] : members) timeout = std::max(timeout, m.rebalance_timeout_ms);
  return timeout;
}

bool GroupMetadata::SupportsProtocols(std::string_view type,
                                      const std::vector<GroupMember::Protocol>& protocols) const {
  if (type.empty() || protocols.empty()) return false;
  if (Is(GroupState::kEmpty) || members.empty()) return true;
  if (!protocol_type || *protocol_type != type) return false;
  for (const GroupMember::Protocol& p : protocols) {
    bool everyone = std::all_of(members.begin(), members.end(), [&p](const auto& m) {
      return m.second.MetadataFor(p.name) != nullptr;
    });
    if (everyone) return true;
  }
  return false;
}

std::string GroupMetadata::SelectProtocol() const {
  // Candidates: protocols every member supports, in the leader's (else the first member's) order.
  const GroupMember* reference = nullptr;
  if (leader_id) reference = &members.at(*leader_id);
  if (reference == nullptr) reference = &members.begin()->second;
  std::vector<std::string> ordered;
  std::set<std::string> candidates;
  for (const GroupMember::Protocol& p : reference->protocols) {
    bool everyone = std::all_of(members.begin(), members.end(), [&p](const auto& m) {
      return m.second.MetadataFor(p.name) != nullptr;
    });
    if (everyone && candidates.insert(p.name).second) ordered.push_back(p.name);
  }
  std::map<std::string, int32_t> votes;
  for (const auto& [id, m] : members) ++votes[m.Vote(candidates)];
  std::string best;
  int32_t best_votes = -1;
  for (const std::string& name : ordered) {
    if (votes[name] > best_votes) best = name, best_votes = votes[name];
  }
  return best;
}

std::vector<TopicPartition> GroupMetadata::ExpiredOffsets(int64_t now_wall_ms,
                                                          int64_t retention_ms) const {
  const bool standalone = !protocol_type.has_value() || protocol_type->empty();
  if (!standalone && !Is(GroupState::kEmpty)) return {};
  std::vector<TopicPartition> expired;
  for (const auto& [tp, committed] : offsets) {
    if (pending_commits.contains(tp)) continue;
    const consumer_offsets::OffsetCommitValue& v = committed.value;
    bool gone = false;
    if (v.expire_timestamp_ms) {
      gone = now_wall_ms >= *v.expire_timestamp_ms;
    } else {
      int64_t base =
          standalone || state_timestamp_ms_ < 0 ? v.commit_timestamp_ms : state_timestamp_ms_;
      gone = now_wall_ms - base >= retention_ms;
    }
    if (gone) expired.push_back(tp);
  }
  return expired;
}

}  // namespace kbench::broker
