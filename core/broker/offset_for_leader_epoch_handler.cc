// OffsetForLeaderEpoch (key 23): from the partition's leader-epoch cache, the largest epoch <= the
// requested one and where it ends (the log end for the latest epoch); FENCED_LEADER_EPOCH /
// UNKNOWN_LEADER_EPOCH when the requester's current_leader_epoch (v2+) is older / newer than ours.
#include "core/broker/api_dispatch.h"

namespace kbench::broker {
namespace {

using protocol::OffsetForLeaderEpochRequest;
using protocol::OffsetForLeaderEpochResponse;

OffsetForLeaderEpochResponse::Partition EndOffsetFor(
    const ApiContext& ctx, const std::string& topic,
    const OffsetForLeaderEpochRequest::Partition& rp) {
  OffsetForLeaderEpochResponse::Partition out;
  out.partition = rp.partition;
  std::shared_ptr<Partition> p = ctx.replicas->GetPartition(TopicPartition{topic, rp.partition});
  if (p == nullptr) {
    out.error_code = ErrorCode::kUnknownTopicOrPartition;
    return out;
  }
  if (!p->is_leader()) {
    out.error_code = ErrorCode::kNotLeaderOrFollower;
    return out;
  }
  const LeaderEpoch current = p->leader_epoch();
  if (rp.current_leader_epoch.value() >= 0 && rp.current_leader_epoch != current) {
    out.error_code = rp.current_leader_epoch < current ? ErrorCode::kFencedLeaderEpoch
                                                       : ErrorCode::kUnknownLeaderEpoch;
    return out;
  }
  const storage::EpochEndOffset e = p->log()->EndOffsetForEpoch(rp.leader_epoch);
  out.leader_epoch = e.epoch;
  out.end_offset = e.end_offset;
  return out;
}

}  // namespace

void HandleOffsetForLeaderEpoch(ApiContext& ctx, ApiCall call) {
  const OffsetForLeaderEpochRequest& req = call.Body<OffsetForLeaderEpochRequest>();
  OffsetForLeaderEpochResponse resp;
  for (const OffsetForLeaderEpochRequest::Topic& t : req.topics) {
    OffsetForLeaderEpochResponse::Topic& rt = resp.topics.emplace_back();
    rt.topic = t.topic;
    for (const OffsetForLeaderEpochRequest::Partition& rp : t.partitions) {
      rt.partitions.push_back(EndOffsetFor(ctx, t.topic, rp));
    }
  }
  SendResponse(call, resp);
}

}  // namespace kbench::broker
