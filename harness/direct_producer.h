// The direct driver's producer: the producer side of the driver interface (driver.h) with no
// client library and no protocol. Messages are batched per partition into RecordBatch v2 batches
// (RecordBatchBuilder: the kbench payload as the value, the key per keyDistributor, CreateTime =
// release time, the profile's compression.type through the real codecs), closed as librdkafka
// closes them (batch.size bytes, batch.num.messages, or linger.ms after the first message), and
// each batch is appended the way the broker appends a Produce request's records:
//   ValidateRecords(batch, log.validation_options(kClient))  ->  log.AppendAsLeader(...)
// The append (and the fsync it may trigger with flush.messages / flush.ms) is the acknowledgement:
// every message of the batch is reported to the audits as one range, and its publish latency
// (acknowledged - intended send time) is recorded, so a slow disk shows as latency, never as a
// lower send rate (the send loop is open-loop; producer_worker.h).
//
// Failures: an append the broker would answer with a Kafka error (MESSAGE_TOO_LARGE,
// INVALID_RECORD, ...) fails the batch's messages (counted by error name, audit "failed"); an I/O
// error (disk full, EIO, a deleted log dir) stops the producer: Send() returns it, the run ends.
//
// Ownership: the logs and signals are shared with the driver; audits, recorder, clock and partition
// index are borrowed. Threads: one producer thread (Send/Poll/Flush); the counters from any.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/storage/partition_log.h"
#include "core/storage/record_batch_builder.h"
#include "harness/append_notifier.h"
#include "harness/direct_config.h"
#include "harness/driver.h"
#include "harness/error_counter.h"

namespace kbench::harness {

struct DirectProducerOptions {
  ProducerClientOptions client;
  DirectProducerConfig config;
  std::vector<std::shared_ptr<storage::PartitionLog>> logs;  // the topic's partitions, by id
  std::shared_ptr<AppendSignals> signals;  // may be null: the topic's consumers to wake
};

class DirectProducer final : public ProducerClient {
 public:
  static Result<std::unique_ptr<DirectProducer>> Create(DirectProducerOptions options);
  DirectProducer(const DirectProducer&) = delete;
  DirectProducer& operator=(const DirectProducer&) = delete;

  // Adds the message to its partition's open batch; appends the batch when it is full, and any
  // batch whose linger.ms ran out by the message's release time.
  Status Send(const OutgoingMessage& m) override;
  // Appends the batches whose linger.ms has run out (Poll reads the clock; ServeDue is given it).
  void Poll(int timeout_ms) override;
  void ServeDue(int64_t now_mono_ns) override;
  int64_t NextDeadlineNs() const override { return next_deadline_; }
  // Appends every open batch.
  Status Flush(int timeout_ms) override;

  int64_t acked() const override { return acked_.load(std::memory_order_relaxed); }
  int64_t acked_bytes() const override { return acked_bytes_.load(std::memory_order_relaxed); }
  int64_t failed() const override { return errors_.total(); }
  std::map<std::string, int64_t> errors_by_code() const override { return errors_.Snapshot(); }
  int64_t batches_appended() const { return batches_appended_; }

 private:
  struct OpenBatch {
    storage::RecordBatchBuilder builder;
    std::vector<int64_t> intended_wall_ns;  // per message, for publish latency
    uint64_t first_sequence = 0;
    int64_t payload_bytes = 0;
    int64_t deadline_ns = kNoDeadline;  // opened + linger.ms
    int32_t count() const { return builder.record_count(); }
  };

  explicit DirectProducer(DirectProducerOptions options);
  // Build -> validate -> append -> acknowledge (or fail) partition p's open batch; empties it.
  Status SendBatch(int32_t partition);
  // The batch's messages were appended at first_offset, first_offset + 1, ...
  void Acknowledge(int32_t partition, OpenBatch& b, int64_t first_offset);
  void Fail(int32_t partition, OpenBatch& b, const Status& why);
  // Appends every batch due by now_ns and recomputes next_deadline_.
  Status ExpireLingering(int64_t now_ns);

  DirectProducerOptions options_;
  std::vector<OpenBatch> batches_;       // by partition
  std::vector<uint8_t> wire_;            // the batch being appended (reused)
  int64_t next_deadline_ = kNoDeadline;  // <= every open batch's deadline
  Status fatal_;  // an I/O error met in Poll()/ServeDue(), returned by the next Send()
  int64_t batches_appended_ = 0;
  std::atomic<int64_t> acked_{0}, acked_bytes_{0};
  ErrorCounter errors_;
};

}  // namespace kbench::harness
