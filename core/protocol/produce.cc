#include "core/protocol/produce.h"

namespace kbench::protocol {

Result<ProduceRequest> ProduceRequest::Decode(Reader& r, int16_t version) {
  ProduceRequest m;
  if (version >= 3) m.transactional_id = r.ReadNullableStringView("transactional_id");
  m.acks = r.ReadInt16("acks");
  m.timeout_ms = r.ReadInt32("timeout_ms");
  r.ReadArray("topic_data", 6, m.topics, [&](Topic& t) {
    t.name = r.ReadStringView("topic_data.name");
    r.ReadArray("topic_data.partition_data", 8, t.partitions, [&](Partition& p) {
      p.index = PartitionId(r.ReadInt32("partition_data.index"));
      std::optional<std::span<uint8_t>> records =
          r.ReadNullableMutableBytes("partition_data.records");
      p.records = records ? ProduceRecords{*records, false} : ProduceRecords{{}, true};
    });
  });
  return r.Finish(std::move(m), "Produce request", version);
}

void ProduceRequest::Encode(Writer& w, int16_t version) const {
  if (version >= 3) w.WriteNullableString("transactional_id", transactional_id);
  w.WriteInt16(acks);
  w.WriteInt32(timeout_ms);
  w.WriteArray("topic_data", topics, [&](const Topic& t) {
    w.WriteString("topic_data.name", t.name);
    w.WriteArray("topic_data.partition_data", t.partitions, [&](const Partition& p) {
      w.WriteInt32(p.index.value());
      if (p.records.is_null) {
        w.WriteNullableBytes("partition_data.records", std::nullopt);
      } else {
        w.WriteBytes("partition_data.records", p.records.bytes);
      }
    });
  });
}

Result<ProduceResponse> ProduceResponse::Decode(Reader& r, int16_t version) {
  ProduceResponse m;
  r.ReadArray("responses", 6, m.topics, [&](Topic& t) {
    t.name = r.ReadString("responses.name");
    r.ReadArray("responses.partition_responses", 14, t.partitions, [&](Partition& p) {
      p.index = PartitionId(r.ReadInt32("partition_responses.index"));
      p.error_code = static_cast<ErrorCode>(r.ReadInt16("partition_responses.error_code"));
      p.base_offset = Offset(r.ReadInt64("partition_responses.base_offset"));
      if (version >= 2)
        p.log_append_time_ms = r.ReadInt64("partition_responses.log_append_time_ms");
      if (version >= 5)
        p.log_start_offset = Offset(r.ReadInt64("partition_responses.log_start_offset"));
    });
  });
  if (version >= 1) m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  return r.Finish(std::move(m), "Produce response", version);
}

void ProduceResponse::Encode(Writer& w, int16_t version) const {
  w.WriteArray("responses", topics, [&](const Topic& t) {
    w.WriteString("responses.name", t.name);
    w.WriteArray("responses.partition_responses", t.partitions, [&](const Partition& p) {
      w.WriteInt32(p.index.value());
      w.WriteInt16(ToWire(p.error_code));
      w.WriteInt64(p.base_offset.value());
      if (version >= 2) w.WriteInt64(p.log_append_time_ms);
      if (version >= 5) w.WriteInt64(p.log_start_offset.value());
    });
  });
  if (version >= 1) w.WriteInt32(throttle_time_ms);
}

}  // namespace kbench::protocol
