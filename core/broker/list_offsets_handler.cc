// ListOffsets (key 2): per partition the earliest offset (timestamp -2: the log start), the latest
// (-1: the high watermark for consumers, which is also the last stable offset for read_committed;
// the log end for a follower), or the first offset whose record timestamp is >= the requested one
// (below the HW; none: offset and timestamp -1). v0 answers in old_style_offsets.
#include <fmt/format.h>

#include "core/broker/api_dispatch.h"

namespace kbench::broker {
namespace {

using protocol::ListOffsetsRequest;
using protocol::ListOffsetsResponse;

struct Found {
  ErrorCode error = ErrorCode::kNone;
  int64_t timestamp = -1;
  Offset offset{-1};
};

Found Lookup(const ApiContext& ctx, const ListOffsetsRequest& req, const std::string& topic,
             const ListOffsetsRequest::Partition& rp) {
  std::shared_ptr<Partition> p =
      ctx.replicas->GetPartition(TopicPartition{topic, rp.partition_index});
  if (p == nullptr) return {ErrorCode::kUnknownTopicOrPartition};
  if (!p->is_leader()) return {ErrorCode::kNotLeaderOrFollower};
  const Offset bound = req.replica_id.value() >= 0 ? p->log_end_offset()
                       : req.isolation_level == 1  ? p->last_stable_offset()
                                                   : p->high_watermark();
  if (rp.timestamp == protocol::kListOffsetsLatest) return {ErrorCode::kNone, -1, bound};
  if (rp.timestamp == protocol::kListOffsetsEarliest) {
    return {ErrorCode::kNone, -1, p->log_start_offset()};
  }
  if (rp.timestamp < 0) return {ErrorCode::kInvalidRequest};
  Result<std::optional<storage::TimestampOffset>> r = p->log()->OffsetForTimestamp(rp.timestamp);
  if (!r.ok()) return {r.status().kafka_error()};
  if (!r->has_value() || (*r)->offset >= bound) return {ErrorCode::kNone, -1, Offset(-1)};
  return {ErrorCode::kNone, (*r)->timestamp, (*r)->offset};
}

}  // namespace

void HandleListOffsets(ApiContext& ctx, ApiCall call) {
  const ListOffsetsRequest& req = call.Body<ListOffsetsRequest>();
  ListOffsetsResponse resp;
  for (const ListOffsetsRequest::Topic& t : req.topics) {
    ListOffsetsResponse::Topic& rt = resp.topics.emplace_back();
    rt.name = t.name;
    for (const ListOffsetsRequest::Partition& rp : t.partitions) {
      const Found f = Lookup(ctx, req, t.name, rp);
      ListOffsetsResponse::Partition& out = rt.partitions.emplace_back();
      out.partition_index = rp.partition_index;
      out.error_code = f.error;
      if (call.version() == 0) {
        if (f.error == ErrorCode::kNone && f.offset.value() >= 0 && rp.max_num_offsets > 0) {
          out.old_style_offsets.push_back(f.offset);
        }
      } else {
        out.timestamp = f.timestamp;
        out.offset = f.offset;
      }
    }
  }
  SendResponse(call, resp);
}

}  // namespace kbench::broker
