// The direct driver's consumer: the consumer side of the driver interface (driver.h) with no
// client library and no protocol. It reads its partitions the way the broker serves a Fetch:
// PartitionLog::Read (up to max.partition.fetch.bytes of whole batches, below the log end) gives a
// FileSlice of a segment, which is pread into a buffer as a consumer receiving it over sendfile
// would, then the batches are walked (decompressed when compressed, CRC-checked with check.crcs)
// and every record's kbench payload is delivered exactly like the kafka driver's consumer does:
// end-to-end latency (receive time - intended send time, the receive time read once per fetch,
// when its bytes have arrived) and the durability audit (consecutive sequences of one producer
// reported as one range).
//
// Groups: no coordinator and no rebalancing in-process. Each subscription's consumers split the
// topic's partitions round-robin once, at creation: member m of n reads partitions p with
// p % n == m (more consumers than partitions leaves some idle, as in Kafka). Positions start at
// the log start (auto.offset.reset earliest; latest: the log end) and live in memory (nothing is
// committed). A position that retention deleted is reset like auto.offset.reset does, and counted
// as OFFSET_OUT_OF_RANGE.
//
// Waiting: with nothing to read a poll parks on its own AppendNotifier (Fetch's long poll, up to
// fetch.wait.max.ms), which the producers ring after each append to one of its partitions.
//
// Ownership: the logs and signals are shared with the driver; the audit, recorder, clock and
// partition index are borrowed. Threads: one consumer thread (Poll/Positions/Close); the counters
// from any.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/storage/partition_log.h"
#include "harness/append_notifier.h"
#include "harness/direct_config.h"
#include "harness/driver.h"
#include "harness/error_counter.h"

namespace kbench::harness {

struct DirectConsumerOptions {
  ConsumerClientOptions client;
  DirectConsumerConfig config;
  std::vector<std::shared_ptr<storage::PartitionLog>> logs;  // the topic's partitions, by id
  std::shared_ptr<AppendSignals> signals;  // may be null: rings the consumer on appends
};

class DirectConsumer final : public ConsumerClient {
 public:
  static Result<std::unique_ptr<DirectConsumer>> Create(DirectConsumerOptions options);
  ~DirectConsumer() override;
  DirectConsumer(const DirectConsumer&) = delete;
  DirectConsumer& operator=(const DirectConsumer&) = delete;

  int Poll(int timeout_ms) override;
  std::vector<PartitionPosition> Positions() override;
  // Paused, Poll() reads nothing (it waits out its timeout).
  void Pause(bool paused) override { paused_ = paused; }
  Status Close() override;

  int64_t consumed() const override { return consumed_.load(std::memory_order_relaxed); }
  int64_t consumed_bytes() const override {
    return consumed_bytes_.load(std::memory_order_relaxed);
  }
  int64_t errors() const override { return errors_.total(); }
  std::map<std::string, int64_t> errors_by_code() const override { return errors_.Snapshot(); }
  int64_t foreign() const { return foreign_; }  // records without a kbench payload
  // The partitions this consumer reads (their ids within the topic).
  std::vector<int32_t> assignment() const;

 private:
  struct Assigned {
    int32_t partition = 0;
    uint32_t index = 0;  // PartitionIndex
    std::shared_ptr<storage::PartitionLog> log;
    int64_t position = 0;  // next offset to deliver
  };
  // Consecutive sequences of one producer seen in a fetch, reported to the audit as one range.
  struct SequenceRun {
    uint32_t producer = 0;
    uint64_t first = 0, count = 0;
    int64_t last_offset = -1;  // where the run's last message was read
  };
  class Delivery;  // one fetch's delivery state (direct_consumer.cc)

  explicit DirectConsumer(DirectConsumerOptions options);
  // One pass over the assignment; messages delivered. Stops early at deadline_ns with a slow
  // consumer.
  int FetchRound(int64_t deadline_ns);
  // Reads one partition from its position (at most max_bytes); messages delivered.
  int FetchPartition(Assigned& a, int64_t max_bytes, int64_t deadline_ns, int64_t* bytes_read);
  // Walks the whole batches in buffer_[0, length) from a's position on.
  int DeliverBatches(Assigned& a, size_t length, int64_t receive_wall_ns, int64_t deadline_ns);
  // Delivers one batch's records from a's position on; false when a slow consumer ran out of time
  // inside it.
  bool DeliverBatch(Assigned& a, std::span<const uint8_t> batch, const storage::BatchHeader& h,
                    Delivery& d, int64_t deadline_ns);
  void ResetPosition(Assigned& a, const Status& why);

  DirectConsumerOptions options_;
  std::vector<Assigned> assigned_;
  size_t next_ = 0;               // round-robin start of the next fetch round
  std::vector<uint8_t> buffer_;   // fetched bytes (grown, never shrunk)
  std::vector<uint8_t> scratch_;  // decompressed records
  AppendNotifier doorbell_;       // rung by producers appending to an assigned partition
  bool closed_ = false;
  bool paused_ = false;
  int64_t foreign_ = 0;
  std::atomic<int64_t> consumed_{0}, consumed_bytes_{0};
  ErrorCounter errors_;
};

}  // namespace kbench::harness
