// OffsetLog: the durable log behind one partition of the offsets topic `__consumer_offsets`: the
// group coordinator appends commit and group-metadata records to it and replays it when it becomes
// the coordinator of that partition. Records are key/value pairs in the format of
// consumer_offsets_format.h (docs/consumer_offsets_format.md); a null value is a tombstone. The log
// is compacted by key (cleanup.policy=compact): replaying it must yield, for every key, its newest
// record (older ones may or may not still be there; tombstones may have been dropped once nothing
// older survives).
//
// Two implementations:
//  - FileOffsetLog (file_offset_log.h): one plain append-only file with length+CRC framing, for
//    tests and for a broker without core/storage.
//  - The broker's adapter over storage::PartitionLog of `__consumer_offsets-<p>`, which is what a
//    cluster uses (a new leader of the partition replays what the old one replicated). How to write
//    it is spelled out below.
//
// Contract (the coordinator relies on each point):
//  - Append(records) adds all the records as one atomic unit after everything appended before
//    (after a crash either all of them or none are replayed) and returns once they are in the
//    local log, in order, with the position of the unit's last record. The coordinator calls it
//    while holding one group's lock, so it must not call into the coordinator, and must be safe
//    to call from several threads at once (it serializes appends itself).
//  - WhenCommitted(position, done) calls done(Status) exactly once, when the unit ending at
//    `position` is committed by the log's durability standard (one broker: at once; replicated:
//    when the high watermark passes it, i.e. acks=all), or with the error that prevents it (leader
//    lost: NOT_LEADER_OR_FOLLOWER; timed out: REQUEST_TIMED_OUT; ISR below min.insync.replicas:
//    NOT_ENOUGH_REPLICAS...). `done` may run before WhenCommitted returns or later on any thread;
//    the coordinator calls WhenCommitted holding no lock.
//  - Replay(fn) calls fn for every record from the log start to the current end, in log order,
//    then returns; it stops at and returns fn's first error. The coordinator calls it once when it
//    takes the partition over, before any Append.
//  Error codes travel in Status::kafka_error(): the coordinator maps them to the client errors
//  Kafka gives (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, INVALID_COMMIT_OFFSET_SIZE, ...).
//
// ---- Implementing it over storage::PartitionLog (the broker engineer's adapter) ----
//
//  Topic: `__consumer_offsets`, offsets.topic.num.partitions partitions (default 50),
//  offsets.topic.replication.factor (default 3, capped at the live brokers of the embedded
//  cluster), LogConfig: cleanup.policy=compact, segment.bytes=offsets.topic.segment.bytes
//  (104857600), compression none (offsets.topic.compression.codec), min.insync.replicas from the
//  broker default; internal (Metadata shows is_internal=true; produce from clients refused).
//  Create it when the broker starts (or on the first FindCoordinator, as Kafka does).
//
//  class PartitionOffsetLog : public OffsetLog {   // one per led partition
//    std::shared_ptr<storage::PartitionLog> log_; LeaderEpoch epoch_; + the acks=all purgatory
//    Append(records):
//      storage::RecordBatchBuilder b({.partition_leader_epoch = epoch_});
//      for (r : records) b.Add(r.timestamp_ms, as_string_view(r.key),
//                              r.value ? optional(as_string_view(*r.value)) : nullopt);
//      KB_ASSIGN_OR_RETURN(auto buf, b.Build());        // one batch = the atomic unit
//      auto opts = log_->validation_options(storage::AppendOrigin::kCoordinator);
//      KB_ASSIGN_OR_RETURN(auto v, storage::ValidateRecords(buf, opts));
//      KB_ASSIGN_OR_RETURN(auto info, log_->AppendAsLeader(v, {.leader_epoch = epoch_}));
//      (through the replica manager, so followers fetch it and the HW moves; fail with
//       NOT_LEADER_OR_FOLLOWER if this broker no longer leads the partition at epoch_)
//      return info.last_offset;
//    WhenCommitted(pos, done): single broker -> done(Ok()) now. Replicated -> park `done` in the
//      acks=all purgatory keyed by the partition: complete with Ok() once HW > pos, with
//      NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR fell below min.insync.replicas, with
//      REQUEST_TIMED_OUT after offsets.commit.timeout.ms (5000), with NOT_LEADER_OR_FOLLOWER on
//      resignation.
//    Replay(fn): log_->ForEachBatch(log_->log_start_offset(), ...) up to the log end offset; skip
//      control batches; storage::ForEachRecord(batch, &scratch, [&](const RecordView& rec) {
//      return fn({bytes(*rec.key), rec.value ? bytes(*rec.value) : nullopt, rec.timestamp}); }).
//  };
//  Wiring: when the replica manager makes this broker leader of __consumer_offsets-p (after
//  truncation/epoch assignment, before serving), call
//    coordinator->OnElected(PartitionId(p), std::make_shared<PartitionOffsetLog>(log, epoch))
//  (off the network threads: it replays the partition). When it becomes a follower or the
//  partition goes away, call coordinator->OnResigned(PartitionId(p)). A new coordinator thus
//  reloads every group's committed offsets and generation from the replicated, compacted log.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/base/result.h"
#include "core/base/status.h"
#include "core/base/strong_int.h"

namespace kbench::broker {

struct OffsetLogRecord {
  std::vector<uint8_t> key;
  std::optional<std::vector<uint8_t>> value;  // nullopt = tombstone
  int64_t timestamp_ms = -1;                  // wall clock when written (the record timestamp)
  friend bool operator==(const OffsetLogRecord&, const OffsetLogRecord&) = default;
};

class OffsetLog {
 public:
  virtual ~OffsetLog() = default;

  // Appends `records` atomically; returns the position (log offset) of the last one.
  virtual Result<Offset> Append(std::span<const OffsetLogRecord> records) = 0;
  // Calls done exactly once, when the append ending at `last` is committed or has failed.
  virtual void WhenCommitted(Offset last, std::function<void(Status)> done) = 0;
  // Calls fn for every record, in log order.
  virtual Status Replay(const std::function<Status(const OffsetLogRecord&)>& fn) = 0;
};

}  // namespace kbench::broker
