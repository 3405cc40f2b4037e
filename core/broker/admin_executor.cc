#include "core/broker/admin_executor.h"

#include <pthread.h>

namespace kbench::broker {

AdminExecutor::AdminExecutor(std::string name, BrokerGates* gates)
    : name_(std::move(name)), gates_(gates) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
    Run();
  });
}

AdminExecutor::~AdminExecutor() { Stop(); }

void AdminExecutor::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      tasks_.push_back(std::move(task));
      cv_.notify_one();
      return;
    }
  }
  task();
}

void AdminExecutor::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    if (tasks_.empty()) break;  // stopping and nothing left
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    running_task_ = true;
    lock.unlock();
    if (gates_ != nullptr) gates_->WaitWhilePaused();
    task();
    task = nullptr;
    lock.lock();
    running_task_ = false;
    if (tasks_.empty()) idle_cv_.notify_all();
  }
  idle_cv_.notify_all();
}

void AdminExecutor::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return tasks_.empty() && !running_task_; });
}

void AdminExecutor::Abandon() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    dropped.swap(tasks_);
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void AdminExecutor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace kbench::broker
