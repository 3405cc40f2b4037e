#include "core/broker/delayed_operation.h"

namespace kbench::broker {

bool DelayedOperation::MaybeTryComplete() {
  if (completed()) return false;
  std::lock_guard<std::mutex> lock(mu_);
  if (completed()) return false;
  if (!TryComplete()) return false;
  return CompleteLocked(CompletionReason::kSatisfied);
}

bool DelayedOperation::ForceComplete(CompletionReason reason) {
  if (completed()) return false;
  std::lock_guard<std::mutex> lock(mu_);
  return CompleteLocked(reason);
}

bool DelayedOperation::CompleteLocked(CompletionReason reason) {
  // The lock serializes completion; the flag lets readers skip the lock once completed.
  if (completed_.exchange(true, std::memory_order_acq_rel)) return false;
  if (timer_ != nullptr && timer_id_ != kNoTimer) {
    timer_->Cancel(timer_id_);  // false when the timer task is the caller; harmless
    timer_id_ = kNoTimer;
  }
  OnComplete(reason);
  return true;
}

void DelayedOperation::ArmDeadline(Timer* timer) {
  std::lock_guard<std::mutex> lock(mu_);
  if (completed() || timer_id_ != kNoTimer) return;
  std::shared_ptr<DelayedOperation> self = shared_from_this();
  timer_ = timer;
  // The task holds the operation until it fires or is cancelled on completion.
  timer_id_ = timer->ScheduleAt(
      deadline_ns_, [self = std::move(self)] { self->ForceComplete(CompletionReason::kExpired); });
}

}  // namespace kbench::broker
