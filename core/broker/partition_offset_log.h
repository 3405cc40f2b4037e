// PartitionOffsetLog: the group coordinator's OffsetLog (offset_log.h) over one partition of the
// internal, compacted `__consumer_offsets` topic, as this broker leads it. Each Append becomes one
// RecordBatch (the atomic unit: after a crash all of its records or none are in the log), written
// through the replica manager like any leader append (stamped with the leader epoch, HW moved,
// fetch waiters woken), so a replicated cluster replicates it the same way; WhenCommitted waits for
// the HW like acks=all (at once on a lone broker); Replay reads the partition from its log start
// to its HW (the cleaner may have removed older records of a key, never the newest).
//
// The adapter is bound to the leader epoch current when it was made: once the partition is led
// with another epoch (or not at all), Append fails with NOT_LEADER_OR_FOLLOWER and the broker
// re-elects the coordinator with a new adapter.
//
// Threads: Append and WhenCommitted from any thread (appends are serialized by the partition);
// Replay from one thread before any Append (the coordinator's contract).
#pragma once

#include <cstdint>
#include <memory>

#include "core/broker/offset_log.h"
#include "core/broker/partition.h"
#include "core/broker/replica_manager.h"

namespace kbench::broker {

class PartitionOffsetLog final : public OffsetLog {
 public:
  // Neither pointer is owned; the replica manager must outlive the adapter's use.
  // `commit_timeout_ms` is offsets.commit.timeout.ms.
  PartitionOffsetLog(std::shared_ptr<Partition> partition, ReplicaManager* replicas,
                     int64_t commit_timeout_ms);

  Result<Offset> Append(std::span<const OffsetLogRecord> records) override;
  void WhenCommitted(Offset last, std::function<void(Status)> done) override;
  Status Replay(const std::function<Status(const OffsetLogRecord&)>& fn) override;

 private:
  Status CheckLeader() const;

  const std::shared_ptr<Partition> partition_;
  ReplicaManager* const replicas_;
  const int64_t commit_timeout_ms_;
  const LeaderEpoch epoch_;
};

}  // namespace kbench::broker
