#include "core/broker/delayed_produce.h"

#include <algorithm>

namespace kbench::broker {

bool DelayedProduce::TryComplete() {
  std::erase_if(waiting_, [this](const Waiting& w) {
    ReplicationCheck check = w.partition->CheckEnoughReplicasReachOffset(w.required_offset);
    if (!check.done) return false;
    results_[w.index].error = check.error;
    return true;
  });
  return waiting_.empty();
}

void DelayedProduce::OnComplete(CompletionReason reason) {
  TryComplete();  // an event may have raced with the deadline
  const ErrorCode late = reason == CompletionReason::kShutdown ? ErrorCode::kNotLeaderOrFollower
                                                               : ErrorCode::kRequestTimedOut;
  for (const Waiting& w : waiting_) results_[w.index].error = late;
  waiting_.clear();
  ProduceCallback done = std::move(done_);
  done(std::move(results_));
}

}  // namespace kbench::broker
