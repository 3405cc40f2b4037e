#include "core/protocol/delete_topics.h"

namespace kbench::protocol {

Result<DeleteTopicsRequest> DeleteTopicsRequest::Decode(Reader& r, int16_t version) {
  DeleteTopicsRequest m;
  r.ReadStringArray("topic_names", m.topic_names);
  m.timeout_ms = r.ReadInt32("timeout_ms");
  return r.Finish(std::move(m), "DeleteTopics request", version);
}

void DeleteTopicsRequest::Encode(Writer& w, int16_t) const {
  w.WriteStringArray("topic_names", topic_names);
  w.WriteInt32(timeout_ms);
}

Result<DeleteTopicsResponse> DeleteTopicsResponse::Decode(Reader& r, int16_t version) {
  DeleteTopicsResponse m;
  if (version >= 1) m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  r.ReadArray("responses", 4, m.responses, [&](TopicResult& t) {
    t.name = r.ReadString("responses.name");
    t.error_code = static_cast<ErrorCode>(r.ReadInt16("responses.error_code"));
  });
  return r.Finish(std::move(m), "DeleteTopics response", version);
}

void DeleteTopicsResponse::Encode(Writer& w, int16_t version) const {
  if (version >= 1) w.WriteInt32(throttle_time_ms);
  w.WriteArray("responses", responses, [&](const TopicResult& t) {
    w.WriteString("responses.name", t.name);
    w.WriteInt16(ToWire(t.error_code));
  });
}

}  // namespace kbench::protocol
