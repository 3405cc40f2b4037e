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

#include "core/broker/broker_gates.h"

namespace kbench::broker {

class AdminExecutor {
 public:
  // With `gates` (not owned), a paused broker's admin thread starts no task until resumed.
  explicit AdminExecutor(std::string name = "admin", BrokerGates* gates = nullptr);
  ~AdminExecutor();  // Stop()
  AdminExecutor(const AdminExecutor&) = delete;
  AdminExecutor& operator=(const AdminExecutor&) = delete;

  void Submit(std::function<void()> task);
  void Stop();
  // A crash: drops the tasks not yet started (their captured state is destroyed unrun), lets the
  // running one finish, and joins. Later submissions run inline, as after Stop().
  void Abandon();
  // Blocks until every task submitted before the call has run (tests, shutdown ordering).
  void Drain();

 private:
  void Run();

  const std::string name_;
  BrokerGates* const gates_;  // not owned; may be null
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool running_task_ = false;                // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::thread thread_;
};

}  // namespace kbench::broker
