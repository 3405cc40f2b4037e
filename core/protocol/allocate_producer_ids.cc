#include "core/protocol/allocate_producer_ids.h"

namespace kbench::protocol {

Result<AllocateProducerIdsRequest> AllocateProducerIdsRequest::Decode(Reader& r,
                                                                      int16_t version) {
  AllocateProducerIdsRequest m;
  m.broker_id = BrokerId(r.ReadInt32("broker_id"));
  m.broker_epoch = r.ReadInt64("broker_epoch");
  return r.Finish(std::move(m), "AllocateProducerIds request", version);
}

void AllocateProducerIdsRequest::Encode(Writer& w, int16_t) const {
  w.WriteInt32(broker_id.value());
  w.WriteInt64(broker_epoch);
}

Result<AllocateProducerIdsResponse> AllocateProducerIdsResponse::Decode(Reader& r,
                                                                        int16_t version) {
  AllocateProducerIdsResponse m;
  m.error_code = static_cast<ErrorCode>(r.ReadInt16("error_code"));
  m.first_id = ProducerId(r.ReadInt64("first_id"));
  m.count = r.ReadInt32("count");
  return r.Finish(std::move(m), "AllocateProducerIds response", version);
}

void AllocateProducerIdsResponse::Encode(Writer& w, int16_t) const {
  w.WriteInt16(ToWire(error_code));
  w.WriteInt64(first_id.value());
  w.WriteInt32(count);
}

}  // namespace kbench::protocol
