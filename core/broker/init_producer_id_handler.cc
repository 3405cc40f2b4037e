// InitProducerId (key 22): an idempotent producer (null transactional id) gets a fresh producer id
// with epoch 0, from a block reserved durably in the metadata store (on the admin executor, since a
// new block means an fsync). A transactional id is refused with INVALID_REQUEST: kbench has no
// transaction coordinator, and a retriable error would leave the client retrying forever.
#include "core/broker/api_dispatch.h"

namespace kbench::broker {

using protocol::InitProducerIdRequest;
using protocol::InitProducerIdResponse;

void HandleInitProducerId(ApiContext& ctx, ApiCall call) {
  const InitProducerIdRequest& req = call.Body<InitProducerIdRequest>();
  ResponseSlot slot(call);
  if (req.transactional_id) {
    InitProducerIdResponse resp;
    resp.error_code = ErrorCode::kInvalidRequest;
    slot.Send(resp);
    return;
  }
  ctx.admin->Submit([&ctx, slot]() mutable {
    InitProducerIdResponse resp;
    Result<ProducerId> id = ctx.producer_ids->Next();
    if (id.ok()) {
      resp.producer_id = *id;
      resp.producer_epoch = ProducerEpoch(0);
    } else {
      resp.error_code = ErrorCode::kCoordinatorNotAvailable;
    }
    slot.Send(resp);
  });
}

}  // namespace kbench::broker
