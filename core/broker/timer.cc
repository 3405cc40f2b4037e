#include "core/broker/timer.h"

#include <pthread.h>

#include <chrono>

#include "core/base/clock.h"

namespace kbench::broker {

Timer::Timer(std::string name, BrokerGates* gates) : name_(std::move(name)), gates_(gates) {
  thread_ = std::thread([this] { Run(); });
  pthread_setname_np(thread_.native_handle(), name_.substr(0, 15).c_str());
}

Timer::~Timer() { Stop(); }

TimerId Timer::ScheduleAt(int64_t deadline_ns, std::function<void()> task) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return kNoTimer;
  auto owned = std::make_unique<Entry>(Entry{deadline_ns, next_id_++, std::move(task), 0});
  Entry* e = owned.get();
  entries_.emplace(e->id, std::move(owned));
  heap_.push_back(e);
  e->heap_index = heap_.size() - 1;
  SiftUp(e->heap_index);
  const bool earliest = heap_.front() == e;
  const TimerId id(e->id);  // `e` may run and be freed as soon as the lock is released
  lock.unlock();
  if (earliest) cv_.notify_one();
  return id;
}

TimerId Timer::ScheduleAfter(int64_t delay_ns, std::function<void()> task) {
  return ScheduleAt(MonoNanos() + delay_ns, std::move(task));
}

bool Timer::Cancel(TimerId id) {
  std::unique_ptr<Entry> removed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id.value());
    if (it == entries_.end()) return false;
    removed = RemoveAt(it->second->heap_index);
  }
  return true;  // `removed` (and the task it holds) is destroyed outside the lock
}

size_t Timer::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return heap_.size();
}

void Timer::Stop() {
  std::unordered_map<uint64_t, std::unique_ptr<Entry>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    heap_.clear();
    dropped.swap(entries_);
  }
  cv_.notify_one();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void Timer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (heap_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const int64_t wait_ns = heap_.front()->deadline_ns - MonoNanos();
    if (wait_ns > 0) {
      cv_.wait_for(lock, std::chrono::nanoseconds(wait_ns));
      continue;
    }
    if (gates_ != nullptr && gates_->paused()) {
      lock.unlock();
      gates_->WaitWhilePaused();
      lock.lock();
      continue;
    }
    std::unique_ptr<Entry> due = RemoveAt(0);
    lock.unlock();
    due->task();
    due.reset();  // destroy what the task captured before taking the lock again
    lock.lock();
  }
}

bool Timer::Earlier(const Entry* a, const Entry* b) const {
  return a->deadline_ns != b->deadline_ns ? a->deadline_ns < b->deadline_ns : a->id < b->id;
}

void Timer::Place(size_t i, Entry* e) {
  heap_[i] = e;
  e->heap_index = i;
}

void Timer::SiftUp(size_t i) {
  Entry* e = heap_[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!Earlier(e, heap_[parent])) break;
    Place(i, heap_[parent]);
    i = parent;
  }
  Place(i, e);
}

void Timer::SiftDown(size_t i) {
  Entry* e = heap_[i];
  const size_t n = heap_.size();
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && Earlier(heap_[child + 1], heap_[child])) ++child;
    if (!Earlier(heap_[child], e)) break;
    Place(i, heap_[child]);
    i = child;
  }
  Place(i, e);
}

std::unique_ptr<Timer::Entry> Timer::RemoveAt(size_t i) {
  Entry* e = heap_[i];
  Entry* last = heap_.back();
  heap_.pop_back();
  if (e != last) {
    Place(i, last);
    SiftDown(i);
    SiftUp(last->heap_index);
  }
  auto it = entries_.find(e->id);
  std::unique_ptr<Entry> owned = std::move(it->second);
  entries_.erase(it);
  return owned;
}

}  // namespace kbench::broker
