// AdminExecutor: one background thread that runs the broker's blocking work in submission order:
// topic creation and deletion (file creation, fsync of the metadata file), producer-id block
// reservation, periodic producer-state checkpoints. Network threads must never block (see
// request_handler.h), so handlers that need such work submit it here and answer from the task.
//
// Threads: Submit from any thread. Stop() runs the tasks already submitted, then joins; tasks
// submitted after Stop() are run on the submitting thread (so a Responder they hold is still
// answered, never dropped).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace kbench::broker {

class AdminExecutor {
 public:
  explicit AdminExecutor(std::string name = "admin");
  ~AdminExecutor();  // Stop()
  AdminExecutor(const AdminExecutor&) = delete;
  AdminExecutor& operator=(const AdminExecutor&) = delete;

  void Submit(std::function<void()> task);
  void Stop();
  // Blocks until every task submitted before the call has run (tests, shutdown ordering).
  void Drain();

 private:
  void Run();

  const std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool running_task_ = false;                // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::thread thread_;
};

}  // namespace kbench::broker
