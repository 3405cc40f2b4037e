#include "harness/direct_producer.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/base/clock.h"
#include "core/storage/record_batch_format.h"

namespace kbench::harness {
namespace {

// The most a record adds around its key and value: length varint (5), attributes (1), timestamp
// delta varlong (10), offset delta varint (5), key and value length varints (5 + 5), header count
// (1).
constexpr int64_t kMaxRecordOverhead = 32;

bool IsFatal(const Status& s) {
  return s.code() == StatusCode::kIoError || s.code() == StatusCode::kInternal ||
         s.code() == StatusCode::kAborted;
}

}  // namespace

Result<std::unique_ptr<DirectProducer>> DirectProducer::Create(DirectProducerOptions options) {
  const ProducerClientOptions& c = options.client;
  if (c.partitions == nullptr || c.clock == nullptr) {
    return Status::InvalidArgument("DirectProducer needs a partition index and a clock mapping");
  }
  if (options.logs.empty() ||
      options.logs.size() != static_cast<size_t>(c.partitions->partitions_per_topic())) {
    return Status::InvalidArgument(
        fmt::format("DirectProducer needs one log per partition ({}), got {}",
                    c.partitions->partitions_per_topic(), options.logs.size()));
  }
  for (const auto& log : options.logs) {
    if (!log) return Status::InvalidArgument("DirectProducer: a partition has no log");
  }
  return std::unique_ptr<DirectProducer>(new DirectProducer(std::move(options)));
}

DirectProducer::DirectProducer(DirectProducerOptions options)
    : options_(std::move(options)), batches_(options_.logs.size()) {
  storage::BatchOptions bo;
  bo.compression = options_.config.compression;
  bo.compression_level = options_.config.compression_level;
  for (OpenBatch& b : batches_) b.builder.Reset(bo);
}

Status DirectProducer::Send(const OutgoingMessage& m) {
  KB_RETURN_IF_ERROR(fatal_);
  if (m.partition < 0 || static_cast<size_t>(m.partition) >= batches_.size()) {
    return Status::InvalidArgument(
        fmt::format("partition {} of a topic with {} partitions", m.partition, batches_.size()));
  }
  if (m.released_mono_ns >= next_deadline_) KB_RETURN_IF_ERROR(ExpireLingering(m.released_mono_ns));
  const DirectProducerConfig& cfg = options_.config;
  OpenBatch* b = &batches_[static_cast<size_t>(m.partition)];
  // Close the open batch first when this message would take it past batch.size, or when the
  // sequences would not be consecutive (the audit acknowledges a batch as one range).
  const int64_t record_bytes =
      static_cast<int64_t>(m.payload.size() + m.key.size()) + kMaxRecordOverhead;
  if (b->count() > 0 && (static_cast<int64_t>(b->builder.records_bytes()) +
                                 storage::batch_format::kHeaderSize + record_bytes >
                             cfg.batch_bytes ||
                         m.sequence != b->first_sequence + static_cast<uint64_t>(b->count()))) {
    KB_RETURN_IF_ERROR(SendBatch(m.partition));
  }
  if (b->count() == 0) {
    b->first_sequence = m.sequence;
    b->deadline_ns = m.released_mono_ns + cfg.linger_ns;
    next_deadline_ = std::min(next_deadline_, b->deadline_ns);
  }
  const int64_t timestamp_ms = options_.client.clock->ToWall(m.released_mono_ns) / 1'000'000;
  const std::string_view value(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
  b->builder.Add(timestamp_ms,
                 m.key.empty() ? std::nullopt : std::optional<std::string_view>(m.key), value);
  b->intended_wall_ns.push_back(m.intended_wall_ns);
  b->payload_bytes += static_cast<int64_t>(m.payload.size());
  if (b->count() >= cfg.batch_messages ||
      static_cast<int64_t>(b->builder.records_bytes()) + storage::batch_format::kHeaderSize >=
          cfg.batch_bytes) {
    KB_RETURN_IF_ERROR(SendBatch(m.partition));
  }
  return Status::Ok();
}

void DirectProducer::Poll(int /*timeout_ms*/) {
  if (next_deadline_ != kNoDeadline) ServeDue(MonoNanos());
}

void DirectProducer::ServeDue(int64_t now_mono_ns) {
  if (now_mono_ns < next_deadline_ || !fatal_.ok()) return;
  (void)ExpireLingering(now_mono_ns);  // a fatal error is kept in fatal_ for the next Send()
}

Status DirectProducer::ExpireLingering(int64_t now_ns) {
  int64_t next = kNoDeadline;
  for (size_t p = 0; p < batches_.size(); ++p) {
    OpenBatch& b = batches_[p];
    if (b.count() == 0) continue;
    if (b.deadline_ns <= now_ns) {
      KB_RETURN_IF_ERROR(SendBatch(static_cast<int32_t>(p)));
    } else {
      next = std::min(next, b.deadline_ns);
    }
  }
  next_deadline_ = next;
  return Status::Ok();
}

Status DirectProducer::Flush(int /*timeout_ms*/) {
  KB_RETURN_IF_ERROR(fatal_);
  for (size_t p = 0; p < batches_.size(); ++p) {
    if (batches_[p].count() > 0) KB_RETURN_IF_ERROR(SendBatch(static_cast<int32_t>(p)));
  }
  next_deadline_ = kNoDeadline;
  return Status::Ok();
}

// The broker's produce path for one partition: validate as a client batch, append as leader.
Status DirectProducer::SendBatch(int32_t partition) {
  OpenBatch& b = batches_[static_cast<size_t>(partition)];
  storage::PartitionLog& log = *options_.logs[static_cast<size_t>(partition)];
  wire_.clear();
  Status st = b.builder.BuildInto(&wire_);
  int64_t first_offset = DurabilityAudit::kNoOffset;
  if (st.ok()) {
    Result<storage::ValidatedRecords> validated =
        storage::ValidateRecords(wire_, log.validation_options(storage::AppendOrigin::kClient));
    if (validated.ok()) {
      Result<storage::AppendInfo> appended =
          log.AppendAsLeader(*validated, {.leader_epoch = LeaderEpoch(0)});
      st = appended.status();
      if (appended.ok()) first_offset = appended->first_offset.value();
    } else {
      st = validated.status();
    }
  }
  if (st.ok()) {
    Acknowledge(partition, b, first_offset);
    if (options_.signals != nullptr) options_.signals->Notify(static_cast<size_t>(partition));
  } else {
    Fail(partition, b, st);
  }
  b.builder.Reset({.compression = options_.config.compression,
                   .compression_level = options_.config.compression_level});
  b.intended_wall_ns.clear();
  b.payload_bytes = 0;
  b.deadline_ns = kNoDeadline;
  if (IsFatal(st)) {
    // Nothing more can be appended: every later call returns this, and no deadline is left to
    // serve.
    fatal_ = st.WithContext(fmt::format("producer {}", options_.client.producer_id));
    next_deadline_ = kNoDeadline;
    return fatal_;
  }
  return Status::Ok();
}

void DirectProducer::Acknowledge(int32_t partition, OpenBatch& b, int64_t first_offset) {
  const ProducerClientOptions& c = options_.client;
  const int64_t now_wall = c.clock->NowWall();
  const uint32_t index = c.partitions->Index(c.topic, partition);
  const uint64_t count = static_cast<uint64_t>(b.count());
  for (DurabilityAudit* a : c.audits)
    a->AckedRange(c.producer_id, index, b.first_sequence, count, first_offset);
  if (c.publish_latency != nullptr) {
    LatencyRecorder::Batch record(c.publish_latency);
    for (int64_t intended : b.intended_wall_ns) record.Record(now_wall - intended);
  }
  ++batches_appended_;
  acked_.store(acked_.load(std::memory_order_relaxed) + static_cast<int64_t>(count),
               std::memory_order_relaxed);
  acked_bytes_.store(acked_bytes_.load(std::memory_order_relaxed) + b.payload_bytes,
                     std::memory_order_relaxed);
}

void DirectProducer::Fail(int32_t partition, OpenBatch& b, const Status& why) {
  const ProducerClientOptions& c = options_.client;
  const uint32_t index = c.partitions->Index(c.topic, partition);
  for (DurabilityAudit* a : c.audits)
    a->FailedRange(c.producer_id, index, b.first_sequence, static_cast<uint64_t>(b.count()));
  errors_.Add(ErrorName(why.kafka_error()), b.count());
}

}  // namespace kbench::harness
