// Fetch (key 1): reads each partition through the replica manager (consumers up to the high
// watermark; read_committed up to the last stable offset, which is the HW without transactions;
// followers up to the log end), waiting for fetch.min.bytes up to fetch.max.wait.ms in the fetch
// purgatory. Records go out as file slices the server sendfile()s. No fetch sessions: every fetch
// is full and the response carries session id 0 (KIP-227's "no session"), which librdkafka expects.
#include "core/broker/api_dispatch.h"

namespace kbench::broker {
namespace {

using protocol::FetchRecords;
using protocol::FetchRequest;
using protocol::FetchResponse;

FetchResponse Skeleton(const FetchRequest& req, ErrorCode error) {
  FetchResponse resp;
  resp.topics.reserve(req.topics.size());
  for (const FetchRequest::Topic& t : req.topics) {
    FetchResponse::Topic& rt = resp.topics.emplace_back();
    rt.topic = t.topic;
    rt.partitions.reserve(t.partitions.size());
    for (const FetchRequest::Partition& p : t.partitions) {
      FetchResponse::Partition& rp = rt.partitions.emplace_back();
      rp.partition_index = p.partition;
      rp.error_code = error;
      rp.records = FetchRecords::Bytes({});
    }
  }
  return resp;
}

FetchBound BoundFor(const FetchRequest& req) {
  if (req.replica_id.value() >= 0) return FetchBound::kLogEnd;
  return req.isolation_level == 1 ? FetchBound::kLastStableOffset : FetchBound::kHighWatermark;
}

}  // namespace

void HandleFetch(ApiContext& ctx, ApiCall call) {
  FetchRequest& req = call.Body<FetchRequest>();
  ResponseSlot slot(call);
  if (call.version() < 4) {  // message format v0/v1 consumers: kbench stores RecordBatch v2 only
    slot.Send(Skeleton(req, ErrorCode::kUnsupportedForMessageFormat));
    return;
  }
  FetchParams params;
  params.replica_id = req.replica_id;
  params.max_wait_ms = req.max_wait_ms;
  params.min_bytes = req.min_bytes;
  params.max_bytes = req.max_bytes;
  params.bound = BoundFor(req);
  std::vector<FetchEntry> entries;
  for (const FetchRequest::Topic& t : req.topics) {
    for (const FetchRequest::Partition& p : t.partitions) {
      entries.push_back(FetchEntry{TopicPartition{t.topic, p.partition}, p.fetch_offset,
                                   p.partition_max_bytes, p.current_leader_epoch});
    }
  }
  auto resp = std::make_shared<FetchResponse>(Skeleton(req, ErrorCode::kNone));
  ctx.replicas->FetchMessages(params, std::move(entries),
                              [slot, resp](std::vector<FetchPartitionData> data) mutable {
                                size_t i = 0;
                                for (FetchResponse::Topic& t : resp->topics) {
                                  for (FetchResponse::Partition& p : t.partitions) {
                                    FetchPartitionData& d = data[i++];
                                    p.error_code = d.error;
                                    p.high_watermark = d.high_watermark;
                                    p.last_stable_offset = d.last_stable_offset;
                                    p.log_start_offset = d.log_start_offset;
                                    if (d.records.length > 0)
                                      p.records = FetchRecords::Slice(std::move(d.records));
                                  }
                                }
                                slot.Send(*resp);
                              });
}

}  // namespace kbench::broker
