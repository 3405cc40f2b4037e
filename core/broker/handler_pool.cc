#include "core/broker/handler_pool.h"

#include <pthread.h>

#include "core/base/clock.h"

namespace kbench::broker {

HandlerPool::HandlerPool(int threads, RequestHandler* handler, std::string name)
    : handler_(handler), name_(std::move(name)) {
  for (int i = 0; i < threads; ++i) workers_.push_back(std::make_unique<Worker>());
}

HandlerPool::~HandlerPool() { Stop(); }

void HandlerPool::Start() {
  for (size_t i = 0; i < workers_.size(); ++i) {
    Worker* w = workers_[i].get();
    w->thread = std::thread([this, w] { Run(w); });
    std::string thread_name = (name_ + "-h" + std::to_string(i)).substr(0, 15);
    pthread_setname_np(w->thread.native_handle(), thread_name.c_str());
  }
}

void HandlerPool::Submit(uint64_t lane, Request request, Responder responder) {
  Worker* w = workers_[lane % workers_.size()].get();
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(w->mu);
    was_empty = w->queue.empty();
    w->queue.push_back(Task{std::move(request), std::move(responder)});
  }
  if (was_empty) w->cv.notify_one();
}

void HandlerPool::Stop() {
  for (auto& w : workers_) {
    std::lock_guard<std::mutex> lock(w->mu);
    w->stopping = true;
  }
  for (auto& w : workers_) {
    w->cv.notify_one();
    if (w->thread.joinable()) w->thread.join();
  }
}

void HandlerPool::Run(Worker* w) {
  std::deque<Task> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(w->mu);
      w->cv.wait(lock, [w] { return w->stopping || !w->queue.empty(); });
      if (w->queue.empty()) return;  // stopping and nothing left
      batch.swap(w->queue);
    }
    while (!batch.empty()) {
      Task task = std::move(batch.front());
      batch.pop_front();
      w->counters.requests.Add();
      w->counters.request_queue.Record(MonoNanos() - task.request.received_ns());
      handler_->Handle(std::move(task.request), std::move(task.responder));
    }
  }
}

}  // namespace kbench::broker
