// HandlerPool: the handler threads used when SocketServerConfig::handler_threads > 0 (Kafka's
// KafkaRequestHandlerPool). Each thread has its own queue; a request is queued on the thread picked
// by its lane (the connection), so one connection's requests run one at a time, in order, on one
// thread.
//
// Ownership: owned by SocketServer; does not own the handler. Submit() from any thread (network
// loops); Stop() from the owner: queued requests are still handled, then the threads are joined.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/broker/network_counters.h"
#include "core/broker/request.h"
#include "core/broker/request_handler.h"
#include "core/broker/responder.h"

namespace kbench::broker {

class HandlerPool {
 public:
  // `handler` is not owned and must outlive Stop().
  HandlerPool(int threads, RequestHandler* handler, std::string name);
  ~HandlerPool();
  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;

  void Start();
  // Requests with the same lane run on the same thread in submission order.
  void Submit(uint64_t lane, Request request, Responder responder);
  // Handles what is queued, then joins. Idempotent.
  void Stop();

  int threads() const { return static_cast<int>(workers_.size()); }
  const HandlerCounters& counters(int thread) const { return workers_[thread]->counters; }

 private:
  struct Task {
    Request request;
    Responder responder;
  };
  struct Worker {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Task> queue;  // guarded by mu
    bool stopping = false;   // guarded by mu
    std::thread thread;
    HandlerCounters counters;
  };
  void Run(Worker* worker);

  RequestHandler* const handler_;  // not owned
  const std::string name_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace kbench::broker
