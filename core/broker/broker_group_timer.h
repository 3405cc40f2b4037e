// BrokerGroupTimer: the group coordinator's clock and scheduler (group_timer.h) over the broker's
// Timer thread: monotonic and wall milliseconds from core/base/clock.h, tasks on the Timer.
//
// Ownership: does not own the Timer, which must outlive every task scheduled through this adapter
// (the Broker stops the coordinator before its Timer). Threads: any.
#pragma once

#include "core/base/clock.h"
#include "core/broker/group_timer.h"
#include "core/broker/timer.h"

namespace kbench::broker {

class BrokerGroupTimer final : public GroupTimer {
 public:
  explicit BrokerGroupTimer(Timer* timer) : timer_(timer) {}

  int64_t NowMs() const override { return MonoMillis(); }
  int64_t WallMs() const override { return WallMillis(); }
  TaskId ScheduleAt(int64_t deadline_ms, std::function<void()> task) override {
    return timer_->ScheduleAt(deadline_ms * 1'000'000, std::move(task)).value();
  }
  bool Cancel(TaskId id) override { return timer_->Cancel(TimerId(id)); }

 private:
  Timer* const timer_;  // not owned
};

}  // namespace kbench::broker
