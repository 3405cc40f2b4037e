// The consumer-group APIs (FindCoordinator 10, JoinGroup 11, Heartbeat 12, LeaveGroup 13,
// SyncGroup 14, OffsetCommit 8, OffsetFetch 9), answered by the GroupCoordinator
// (group_coordinator.h). JoinGroup, SyncGroup and OffsetCommit complete later through a callback
// (a rebalance, the offsets-topic commit), possibly on another thread; the others answer at once.
#include "core/broker/api_dispatch.h"

namespace kbench::broker {
namespace {

// Kafka records a member's host as InetAddress.toString(): "/<ip>".
std::string ClientHost(const std::shared_ptr<const std::string>& peer) {
  if (peer == nullptr || peer->empty()) return "";
  std::string_view p = *peer;
  if (size_t colon = p.rfind(':'); colon != std::string_view::npos) p = p.substr(0, colon);
  if (p.size() >= 2 && p.front() == '[' && p.back() == ']') p = p.substr(1, p.size() - 2);
  std::string host(1, '/');
  host.append(p.data(), p.size());
  return host;
}

GroupRequestContext ContextOf(const ApiCall& call) {
  return GroupRequestContext{call.version(), std::string(call.header.client_id.value_or("")),
                             ClientHost(call.peer)};
}

}  // namespace

void HandleFindCoordinator(ApiContext& ctx, ApiCall call) {
  SendResponse(call, ctx.groups->FindCoordinator(call.Body<protocol::FindCoordinatorRequest>()));
}

void HandleHeartbeat(ApiContext& ctx, ApiCall call) {
  SendResponse(call,
               ctx.groups->Heartbeat(ContextOf(call), call.Body<protocol::HeartbeatRequest>()));
}

void HandleLeaveGroup(ApiContext& ctx, ApiCall call) {
  SendResponse(call,
               ctx.groups->LeaveGroup(ContextOf(call), call.Body<protocol::LeaveGroupRequest>()));
}

void HandleOffsetFetch(ApiContext& ctx, ApiCall call) {
  SendResponse(call,
               ctx.groups->OffsetFetch(ContextOf(call), call.Body<protocol::OffsetFetchRequest>()));
}

void HandleJoinGroup(ApiContext& ctx, ApiCall call) {
  const GroupRequestContext group_ctx = ContextOf(call);
  ctx.groups->JoinGroup(
      group_ctx, std::move(call.Body<protocol::JoinGroupRequest>()),
      [slot = ResponseSlot(call)](protocol::JoinGroupResponse r) mutable { slot.Send(r); });
}

void HandleSyncGroup(ApiContext& ctx, ApiCall call) {
  const GroupRequestContext group_ctx = ContextOf(call);
  ctx.groups->SyncGroup(
      group_ctx, std::move(call.Body<protocol::SyncGroupRequest>()),
      [slot = ResponseSlot(call)](protocol::SyncGroupResponse r) mutable { slot.Send(r); });
}

void HandleOffsetCommit(ApiContext& ctx, ApiCall call) {
  const GroupRequestContext group_ctx = ContextOf(call);
  ctx.groups->OffsetCommit(
      group_ctx, std::move(call.Body<protocol::OffsetCommitRequest>()),
      [slot = ResponseSlot(call)](protocol::OffsetCommitResponse r) mutable { slot.Send(r); });
}

}  // namespace kbench::broker
