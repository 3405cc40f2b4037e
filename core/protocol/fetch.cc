#include "core/protocol/fetch.h"

namespace kbench::protocol {

Result<FetchRequest> FetchRequest::Decode(Reader& r, int16_t version) {
  FetchRequest m;
  m.replica_id = BrokerId(r.ReadInt32("replica_id"));
  m.max_wait_ms = r.ReadInt32("max_wait_ms");
  m.min_bytes = r.ReadInt32("min_bytes");
  if (version >= 3) m.max_bytes = r.ReadInt32("max_bytes");
  if (version >= 4) m.isolation_level = r.ReadInt8("isolation_level");
  if (version >= 7) {
    m.session_id = r.ReadInt32("session_id");
    m.session_epoch = r.ReadInt32("session_epoch");
  }
  r.ReadArray("topics", 6, m.topics, [&](Topic& t) {
    t.topic = r.ReadString("topics.topic");
    r.ReadArray("topics.partitions", 16, t.partitions, [&](Partition& p) {
      p.partition = PartitionId(r.ReadInt32("partitions.partition"));
      if (version >= 9)
        p.current_leader_epoch = LeaderEpoch(r.ReadInt32("partitions.current_leader_epoch"));
      p.fetch_offset = Offset(r.ReadInt64("partitions.fetch_offset"));
      if (version >= 5) p.log_start_offset = Offset(r.ReadInt64("partitions.log_start_offset"));
      p.partition_max_bytes = r.ReadInt32("partitions.partition_max_bytes");
    });
  });
  if (version >= 7) {
    r.ReadArray("forgotten_topics_data", 6, m.forgotten_topics, [&](ForgottenTopic& t) {
      t.topic = r.ReadString("forgotten_topics_data.topic");
      r.ReadIntArray("forgotten_topics_data.partitions", t.partitions);
    });
  }
  if (version >= 11) m.rack_id = r.ReadString("rack_id");
  return r.Finish(std::move(m), "Fetch request", version);
}

void FetchRequest::Encode(Writer& w, int16_t version) const {
  w.WriteInt32(replica_id.value());
  w.WriteInt32(max_wait_ms);
  w.WriteInt32(min_bytes);
  if (version >= 3) w.WriteInt32(max_bytes);
  if (version >= 4) w.WriteInt8(isolation_level);
  if (version >= 7) {
    w.WriteInt32(session_id);
    w.WriteInt32(session_epoch);
  }
  w.WriteArray("topics", topics, [&](const Topic& t) {
    w.WriteString("topics.topic", t.topic);
    w.WriteArray("topics.partitions", t.partitions, [&](const Partition& p) {
      w.WriteInt32(p.partition.value());
      if (version >= 9) w.WriteInt32(p.current_leader_epoch.value());
      w.WriteInt64(p.fetch_offset.value());
      if (version >= 5) w.WriteInt64(p.log_start_offset.value());
      w.WriteInt32(p.partition_max_bytes);
    });
  });
  if (version >= 7) {
    w.WriteArray("forgotten_topics_data", forgotten_topics, [&](const ForgottenTopic& t) {
      w.WriteString("forgotten_topics_data.topic", t.topic);
      w.WriteIntArray("forgotten_topics_data.partitions", t.partitions);
    });
  }
  if (version >= 11) w.WriteString("rack_id", rack_id);
}

int64_t FetchResponse::RecordBytes() const {
  int64_t n = 0;
  for (const Topic& t : topics) {
    for (const Partition& p : t.partitions) n += p.records.is_null ? 0 : p.records.size();
  }
  return n;
}

namespace {

void DecodePartition(Reader& r, int16_t version, FetchResponse::Partition& p) {
  using Aborted = FetchResponse::AbortedTransaction;
  p.partition_index = PartitionId(r.ReadInt32("partitions.partition_index"));
  p.error_code = static_cast<ErrorCode>(r.ReadInt16("partitions.error_code"));
  p.high_watermark = Offset(r.ReadInt64("partitions.high_watermark"));
  if (version >= 4) p.last_stable_offset = Offset(r.ReadInt64("partitions.last_stable_offset"));
  if (version >= 5) p.log_start_offset = Offset(r.ReadInt64("partitions.log_start_offset"));
  if (version >= 4) {
    r.ReadNullableArray(
        "partitions.aborted_transactions", 16, p.aborted_transactions, [&](Aborted& a) {
          a.producer_id = ProducerId(r.ReadInt64("aborted_transactions.producer_id"));
          a.first_offset = Offset(r.ReadInt64("aborted_transactions.first_offset"));
        });
  }
  if (version >= 11)
    p.preferred_read_replica = BrokerId(r.ReadInt32("partitions.preferred_read_replica"));
  std::optional<std::span<const uint8_t>> records = r.ReadNullableBytesView("partitions.records");
  p.records = records ? FetchRecords::Bytes(*records) : FetchRecords::Null();
}

void EncodeRecords(Writer& w, const FetchRecords& records) {
  if (records.is_null) {
    w.WriteNullableBytes("partitions.records", std::nullopt);
  } else if (const FileSlice* slice = records.slice()) {
    w.WriteSplicedBytes("partitions.records", *slice);
  } else {
    w.WriteBytes("partitions.records", records.bytes());
  }
}

void EncodePartition(Writer& w, int16_t version, const FetchResponse::Partition& p) {
  using Aborted = FetchResponse::AbortedTransaction;
  w.WriteInt32(p.partition_index.value());
  w.WriteInt16(ToWire(p.error_code));
  w.WriteInt64(p.high_watermark.value());
  if (version >= 4) w.WriteInt64(p.last_stable_offset.value());
  if (version >= 5) w.WriteInt64(p.log_start_offset.value());
  if (version >= 4) {
    w.WriteNullableArray("partitions.aborted_transactions", p.aborted_transactions,
                         [&](const Aborted& a) {
                           w.WriteInt64(a.producer_id.value());
                           w.WriteInt64(a.first_offset.value());
                         });
  }
  if (version >= 11) w.WriteInt32(p.preferred_read_replica.value());
  EncodeRecords(w, p.records);
}

}  // namespace

Result<FetchResponse> FetchResponse::Decode(Reader& r, int16_t version) {
  FetchResponse m;
  if (version >= 1) m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  if (version >= 7) {
    m.error_code = static_cast<ErrorCode>(r.ReadInt16("error_code"));
    m.session_id = r.ReadInt32("session_id");
  }
  r.ReadArray("responses", 6, m.topics, [&](Topic& t) {
    t.topic = r.ReadString("responses.topic");
    r.ReadArray("responses.partitions", 18, t.partitions,
                [&](Partition& p) { DecodePartition(r, version, p); });
  });
  return r.Finish(std::move(m), "Fetch response", version);
}

void FetchResponse::Encode(Writer& w, int16_t version) const {
  if (version >= 1) w.WriteInt32(throttle_time_ms);
  if (version >= 7) {
    w.WriteInt16(ToWire(error_code));
    w.WriteInt32(session_id);
  }
  w.WriteArray("responses", topics, [&](const Topic& t) {
    w.WriteString("responses.topic", t.topic);
    w.WriteArray("responses.partitions", t.partitions,
                 [&](const Partition& p) { EncodePartition(w, version, p); });
  });
}

}  // namespace kbench::protocol
