#include "core/protocol/init_producer_id.h"

namespace kbench::protocol {

Result<InitProducerIdRequest> InitProducerIdRequest::Decode(Reader& r, int16_t version) {
  InitProducerIdRequest m;
  m.transactional_id = r.ReadNullableString("transactional_id");
  m.transaction_timeout_ms = r.ReadInt32("transaction_timeout_ms");
  return r.Finish(std::move(m), "InitProducerId request", version);
}

void InitProducerIdRequest::Encode(Writer& w, int16_t) const {
  w.WriteNullableString("transactional_id", transactional_id);
  w.WriteInt32(transaction_timeout_ms);
}

Result<InitProducerIdResponse> InitProducerIdResponse::Decode(Reader& r, int16_t version) {
  InitProducerIdResponse m;
  m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  m.error_code = static_cast<ErrorCode>(r.ReadInt16("error_code"));
  m.producer_id = ProducerId(r.ReadInt64("producer_id"));
  m.producer_epoch = ProducerEpoch(r.ReadInt16("producer_epoch"));
  return r.Finish(std::move(m), "InitProducerId response", version);
}

void InitProducerIdResponse::Encode(Writer& w, int16_t) const {
  w.WriteInt32(throttle_time_ms);
  w.WriteInt16(ToWire(error_code));
  w.WriteInt64(producer_id.value());
  w.WriteInt16(producer_epoch.value());
}

}  // namespace kbench::protocol
