// DelayedOperation: a request that cannot be answered yet (acks=all Produce waiting for the high
// watermark, a Fetch waiting for fetch.min.bytes, a JoinGroup waiting for members). It completes
// exactly once: when TryComplete() says it can (after an event on a key it watches, see Purgatory),
// or when its deadline passes, or when its purgatory shuts down.
//
// Subclass contract:
// - TryComplete(): return true when the operation can be answered now (the condition holds, or it
// has
//   decided on an error such as NOT_ENOUGH_REPLICAS_AFTER_APPEND). Called with the operation's lock
//   held, never concurrently with itself or with OnComplete(), never after completion.
// - OnComplete(reason): called exactly once, with the lock held; build and send the response here
//   (Responder::Send is safe from any thread). Runs on whichever thread completed it: an event
//   thread, the timer thread (kExpired) or the shutting-down thread. Do not call back into the
//   purgatory for a key this operation watches.
//
// Ownership: always held by std::shared_ptr (the purgatory's watch lists and the armed timer task
// share it); a caller of MaybeTryComplete/ForceComplete holds a reference of its own for the call.
// Released once completed and purged from the watch lists.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "core/broker/timer.h"

namespace kbench::broker {

enum class CompletionReason : uint8_t {
  kSatisfied,  // TryComplete() returned true
  kExpired,    // the deadline passed first
  kShutdown,   // the purgatory shut down (broker stopping)
};

class DelayedOperation : public std::enable_shared_from_this<DelayedOperation> {
 public:
  explicit DelayedOperation(int64_t deadline_ns) : deadline_ns_(deadline_ns) {}
  virtual ~DelayedOperation() = default;
  DelayedOperation(const DelayedOperation&) = delete;
  DelayedOperation& operator=(const DelayedOperation&) = delete;

  int64_t deadline_ns() const { return deadline_ns_; }
  bool completed() const { return completed_.load(std::memory_order_acquire); }

  // Any thread: runs TryComplete() under the lock and completes if it says so. True when this call
  // completed the operation.
  bool MaybeTryComplete();
  // Any thread: completes now for `reason` unless already completed. True when this call completed
  // it.
  bool ForceComplete(CompletionReason reason);

  // Arms the deadline on `timer` (not owned; must outlive the operation's completion). When the
  // operation is already completed, nothing is armed. Completing cancels the armed task.
  void ArmDeadline(Timer* timer);

 protected:
  virtual bool TryComplete() = 0;
  virtual void OnComplete(CompletionReason reason) = 0;

 private:
  bool CompleteLocked(CompletionReason reason);

  const int64_t deadline_ns_;
  std::mutex mu_;
  std::atomic<bool> completed_{false};
  Timer* timer_ = nullptr;       // guarded by mu_; not owned
  TimerId timer_id_ = kNoTimer;  // guarded by mu_
};

}  // namespace kbench::broker
