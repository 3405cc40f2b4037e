#include "tests/unit/broker/manual_group_timer.h"

#include <algorithm>

namespace kbench::broker::testing {

ManualGroupTimer::ManualGroupTimer(int64_t start_ms, int64_t wall_start_ms)
    : now_ms_(start_ms), wall_offset_ms_(wall_start_ms - start_ms) {}

int64_t ManualGroupTimer::NowMs() const {
  std::lock_guard lock(mu_);
  return now_ms_;
}

int64_t ManualGroupTimer::WallMs() const {
  std::lock_guard lock(mu_);
  return now_ms_ + wall_offset_ms_;
}

GroupTimer::TaskId ManualGroupTimer::ScheduleAt(int64_t deadline_ms, std::function<void()> task) {
  std::lock_guard lock(mu_);
  const TaskId id = next_id_++;
  tasks_.emplace(Key{deadline_ms, id}, std::move(task));
  deadlines_.emplace(id, deadline_ms);
  return id;
}

bool ManualGroupTimer::Cancel(TaskId id) {
  std::function<void()> dropped;  // destroyed outside the lock
  std::lock_guard lock(mu_);
  auto it = deadlines_.find(id);
  if (it == deadlines_.end()) return false;
  auto task = tasks_.find(Key{it->second, id});
  dropped = std::move(task->second);
  tasks_.erase(task);
  deadlines_.erase(it);
  return true;
}

void ManualGroupTimer::Advance(int64_t ms) {
  int64_t target = 0;
  {
    std::lock_guard lock(mu_);
    target = now_ms_ + std::max<int64_t>(ms, 0);
  }
  while (true) {
    std::function<void()> task;
    {
      std::lock_guard lock(mu_);
      if (tasks_.empty() || tasks_.begin()->first.first > target) {
        now_ms_ = std::max(now_ms_, target);
        return;
      }
      auto first = tasks_.begin();
      now_ms_ = std::max(now_ms_, first->first.first);
      task = std::move(first->second);
      deadlines_.erase(first->first.second);
      tasks_.erase(first);
    }
    task();
  }
}

size_t ManualGroupTimer::pending() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

int64_t ManualGroupTimer::NextDeadline() const {
  std::lock_guard lock(mu_);
  return tasks_.empty() ? -1 : tasks_.begin()->first.first;
}

}  // namespace kbench::broker::testing
