// DelayedFetch: a Fetch waiting in the fetch purgatory for fetch.min.bytes of data (Kafka's
// DelayedFetch). Watched under every partition it reads; the replica manager calls
// CheckAndComplete(tp) after each append to tp, so a waiting consumer is answered by the append
// that gives it enough data, and otherwise by the timer at fetch.max.wait.ms. Nothing polls.
//
// TryComplete is true when some partition can no longer be read as asked (gone, not led here,
// fetch offset now out of range: the response reports it) or when the bytes readable reach
// min_bytes (with min_bytes <= 1 it only compares the bound with the fetch offset; otherwise it
// sizes the reads). OnComplete reads everything afresh and hands the result to the callback.
//
// Ownership: does not own the ReplicaManager, which completes every delayed fetch in Shutdown()
// before it goes away.
#pragma once

#include <vector>

#include "core/broker/delayed_operation.h"
#include "core/broker/replica_manager.h"

namespace kbench::broker {

class DelayedFetch final : public DelayedOperation {
 public:
  DelayedFetch(int64_t deadline_ns, ReplicaManager* manager, FetchParams params,
               std::vector<FetchEntry> entries, FetchCallback done)
      : DelayedOperation(deadline_ns),
        manager_(manager),
        params_(params),
        entries_(std::move(entries)),
        done_(std::move(done)) {}

 protected:
  bool TryComplete() override;
  void OnComplete(CompletionReason reason) override;

 private:
  ReplicaManager* const manager_;  // not owned
  const FetchParams params_;
  const std::vector<FetchEntry> entries_;
  FetchCallback done_;
};

}  // namespace kbench::broker
