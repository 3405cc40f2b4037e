// DelayedProduce: an acks=all Produce waiting in the produce purgatory until the high watermark of
// every partition it appended to passes its batch (Kafka's DelayedProduce). Watched under those
// partitions; the replica manager calls CheckAndComplete(tp) when a partition's HW moves.
//
// Per partition: done when CheckEnoughReplicasReachOffset says so (NONE, or
// NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync.replicas, or
// NOT_LEADER_OR_FOLLOWER when leadership moved); at the deadline (the request's timeout_ms) the
// partitions still waiting get REQUEST_TIMED_OUT, at shutdown NOT_LEADER_OR_FOLLOWER. The callback
// then gets every partition's result, in request order.
//
// Threads: see DelayedOperation (TryComplete/OnComplete under its lock, any thread).
#pragma once

#include <memory>
#include <vector>

#include "core/broker/delayed_operation.h"
#include "core/broker/partition.h"
#include "core/broker/replica_manager.h"

namespace kbench::broker {

class DelayedProduce final : public DelayedOperation {
 public:
  struct Waiting {
    size_t index = 0;  // into the results
    std::shared_ptr<Partition> partition;
    Offset required_offset{0};  // the appended batch's last offset + 1
  };

  DelayedProduce(int64_t deadline_ns, std::vector<ProducePartitionResult> results,
                 std::vector<Waiting> waiting, ProduceCallback done)
      : DelayedOperation(deadline_ns),
        results_(std::move(results)),
        waiting_(std::move(waiting)),
        done_(std::move(done)) {}

 protected:
  bool TryComplete() override;
  void OnComplete(CompletionReason reason) override;

 private:
  std::vector<ProducePartitionResult> results_;
  std::vector<Waiting> waiting_;  // partitions not yet done
  ProduceCallback done_;
};

}  // namespace kbench::broker
