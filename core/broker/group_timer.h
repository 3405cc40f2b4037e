// GroupTimer: the clock and the delayed-task scheduler the group coordinator runs on, as a small
// interface so tests drive time by hand (ManualGroupTimer in tests/unit/broker) and the broker
// plugs in its own Timer thread (core/broker/timer.h) with a ten-line adapter:
//
//   class BrokerGroupTimer final : public GroupTimer {      // over kbench::broker::Timer
//    public:
//     explicit BrokerGroupTimer(Timer* timer) : timer_(timer) {}   // not owned; outlives this
//     int64_t NowMs() const override { return MonoMillis(); }
//     int64_t WallMs() const override { return WallMillis(); }
//     TaskId ScheduleAt(int64_t deadline_ms, std::function<void()> task) override {
//       return timer_->ScheduleAt(deadline_ms * 1'000'000, std::move(task)).value();
//     }
//     bool Cancel(TaskId id) override { return timer_->Cancel(TimerId(id)); }
//    private:
//     Timer* timer_;
//   };
//
// Contract: NowMs() is a monotonic clock in milliseconds (deadlines: session, rebalance and
// initial-rebalance timeouts); WallMs() is the wall clock in milliseconds (commit timestamps and
// offset retention, which Kafka measures in wall time). ScheduleAt runs `task` once, at or after
// NowMs() reaches deadline_ms, on a thread that holds none of the coordinator's locks, and returns
// an id other than kNoTask (kNoTask when the timer is stopped: the task is dropped). Cancel(id)
// removes a task that has not started; a task may still run after a Cancel that raced with it, so
// the coordinator's tasks check that they are still current before acting. Every method may be
// called from any thread, including from inside a task.
#pragma once

#include <cstdint>
#include <functional>

namespace kbench::broker {

class GroupTimer {
 public:
  using TaskId = uint64_t;
  static constexpr TaskId kNoTask = 0;

  virtual ~GroupTimer() = default;
  virtual int64_t NowMs() const = 0;
  virtual int64_t WallMs() const = 0;
  virtual TaskId ScheduleAt(int64_t deadline_ms, std::function<void()> task) = 0;
  virtual bool Cancel(TaskId id) = 0;
};

}  // namespace kbench::broker
