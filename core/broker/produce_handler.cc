// Produce (key 0): appends each partition's records through the replica manager and answers per
// partition with the base offset, or an error with the log unchanged. acks=0 gets no response at
// all unless a partition failed, in which case the connection is closed so the producer notices
// (Kafka's rule); acks=1 answers after the local append; acks=all after the HW passed the batch.
#include <fmt/format.h>

#include "core/broker/api_dispatch.h"

namespace kbench::broker {
namespace {

using protocol::ProduceRequest;
using protocol::ProduceResponse;

// The response with every partition named and answered `error` (requests that fail as a whole).
ProduceResponse Skeleton(const ProduceRequest& req, ErrorCode error) {
  ProduceResponse resp;
  resp.topics.reserve(req.topics.size());
  for (const ProduceRequest::Topic& t : req.topics) {
    ProduceResponse::Topic& rt = resp.topics.emplace_back();
    rt.name.assign(t.name);
    rt.partitions.reserve(t.partitions.size());
    for (const ProduceRequest::Partition& p : t.partitions) {
      rt.partitions.push_back(
          ProduceResponse::Partition{p.index, error, Offset(-1), -1, Offset(-1)});
    }
  }
  return resp;
}

void Answer(ResponseSlot slot, int16_t acks, const ProduceResponse& resp) {
  if (acks != 0) {
    slot.Send(resp);
    return;
  }
  for (const ProduceResponse::Topic& t : resp.topics) {
    for (const ProduceResponse::Partition& p : t.partitions) {
      if (p.error_code != ErrorCode::kNone) {
        slot.responder().CloseConnection(fmt::format("acks=0 produce to {}-{} failed: {}", t.name,
                                                     p.index.value(), ErrorName(p.error_code)));
        return;
      }
    }
  }
  slot.responder().SendNothing();
}

}  // namespace

void HandleProduce(ApiContext& ctx, ApiCall call) {
  ProduceRequest& req = call.Body<ProduceRequest>();
  const int16_t acks = req.acks;
  ResponseSlot slot(call);
  if (call.version() < 3) {  // message format v0/v1: kbench stores RecordBatch v2 only
    Answer(slot, acks, Skeleton(req, ErrorCode::kUnsupportedForMessageFormat));
    return;
  }
  if (acks != 0 && acks != 1 && acks != -1) {
    Answer(slot, acks, Skeleton(req, ErrorCode::kInvalidRequiredAcks));
    return;
  }
  std::vector<ProduceEntry> entries;
  for (const ProduceRequest::Topic& t : req.topics) {
    for (const ProduceRequest::Partition& p : t.partitions) {
      entries.push_back(ProduceEntry{t.name, p.index, p.records.bytes, p.records.is_null});
    }
  }
  auto resp = std::make_shared<ProduceResponse>(Skeleton(req, ErrorCode::kNone));
  ctx.replicas->AppendRecords(
      req.timeout_ms, acks, /*internal_topics_allowed=*/false, entries,
      [slot, acks, resp](std::vector<ProducePartitionResult> results) mutable {
        size_t i = 0;
        for (ProduceResponse::Topic& t : resp->topics) {
          for (ProduceResponse::Partition& p : t.partitions) {
            const ProducePartitionResult& r = results[i++];
            p.error_code = r.error;
            p.base_offset = r.base_offset;
            p.log_append_time_ms = r.log_append_time_ms;
            p.log_start_offset = r.log_start_offset;
          }
        }
        Answer(slot, acks, *resp);
      });
}

}  // namespace kbench::broker
