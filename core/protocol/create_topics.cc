#include "core/protocol/create_topics.h"

namespace kbench::protocol {
namespace {

void DecodeTopic(Reader& r, CreateTopicsRequest::Topic& t) {
  using Request = CreateTopicsRequest;
  t.name = r.ReadString("topics.name");
  t.num_partitions = r.ReadInt32("topics.num_partitions");
  t.replication_factor = r.ReadInt16("topics.replication_factor");
  r.ReadArray("topics.assignments", 8, t.assignments, [&](Request::Assignment& a) {
    a.partition_index = PartitionId(r.ReadInt32("assignments.partition_index"));
    r.ReadIntArray("assignments.broker_ids", a.broker_ids);
  });
  r.ReadArray("topics.configs", 4, t.configs, [&](Request::Config& c) {
    c.name = r.ReadString("configs.name");
    c.value = r.ReadNullableString("configs.value");
  });
}

void EncodeTopic(Writer& w, const CreateTopicsRequest::Topic& t) {
  using Request = CreateTopicsRequest;
  w.WriteString("topics.name", t.name);
  w.WriteInt32(t.num_partitions);
  w.WriteInt16(t.replication_factor);
  w.WriteArray("topics.assignments", t.assignments, [&](const Request::Assignment& a) {
    w.WriteInt32(a.partition_index.value());
    w.WriteIntArray("assignments.broker_ids", a.broker_ids);
  });
  w.WriteArray("topics.configs", t.configs, [&](const Request::Config& c) {
    w.WriteString("configs.name", c.name);
    w.WriteNullableString("configs.value", c.value);
  });
}

}  // namespace

Result<CreateTopicsRequest> CreateTopicsRequest::Decode(Reader& r, int16_t version) {
  CreateTopicsRequest m;
  r.ReadArray("topics", 16, m.topics, [&](Topic& t) { DecodeTopic(r, t); });
  m.timeout_ms = r.ReadInt32("timeout_ms");
  if (version >= 1) m.validate_only = r.ReadBool("validate_only");
  return r.Finish(std::move(m), "CreateTopics request", version);
}

void CreateTopicsRequest::Encode(Writer& w, int16_t version) const {
  w.WriteArray("topics", topics, [&](const Topic& t) { EncodeTopic(w, t); });
  w.WriteInt32(timeout_ms);
  if (version >= 1) w.WriteBool(validate_only);
}

Result<CreateTopicsResponse> CreateTopicsResponse::Decode(Reader& r, int16_t version) {
  CreateTopicsResponse m;
  if (version >= 2) m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  r.ReadArray("topics", 4, m.topics, [&](Topic& t) {
    t.name = r.ReadString("topics.name");
    t.error_code = static_cast<ErrorCode>(r.ReadInt16("topics.error_code"));
    if (version >= 1) t.error_message = r.ReadNullableString("topics.error_message");
  });
  return r.Finish(std::move(m), "CreateTopics response", version);
}

void CreateTopicsResponse::Encode(Writer& w, int16_t version) const {
  if (version >= 2) w.WriteInt32(throttle_time_ms);
  w.WriteArray("topics", topics, [&](const Topic& t) {
    w.WriteString("topics.name", t.name);
    w.WriteInt16(ToWire(t.error_code));
    if (version >= 1) w.WriteNullableString("topics.error_message", t.error_message);
  });
}

}  // namespace kbench::protocol
