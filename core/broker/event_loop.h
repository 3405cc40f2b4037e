// EventLoop: one network thread. It owns an epoll set, the connections handed to it, the inbox
// through which other threads reach it, and (loop 0 only) the listening socket.
//
// One iteration: epoll_wait; read ready connections (frames are dispatched to the handler inline or
// to the handler pool); apply completions from the inbox; then service every connection touched in
// this iteration ("dirty"): write its responses (writev + sendfile), close it if it asked to be
// closed, resume reading if back-pressure let go; finally close connections idle longer than
// connections.max.idle.ms (except those with requests in flight). Connections are closed at once
// but their objects are erased at the end of the iteration, so no handler or completion ever sees a
// dangling connection.
//
// Threads: Adopt(), BeginDrain(), Stop(), counters() from any thread; everything else on the loop
// thread. Ownership: owned by SocketServer; shares its inbox with every Responder it created.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <latch>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/base/log.h"
#include "core/base/result.h"
#include "core/broker/broker_gates.h"
#include "core/broker/connection.h"
#include "core/broker/connection_gauge.h"
#include "core/broker/handler_pool.h"
#include "core/broker/loop_inbox.h"
#include "core/broker/network_counters.h"
#include "core/broker/request_handler.h"
#include "core/broker/socket_server_config.h"

namespace kbench::broker {

class EventLoop : public CompletionTarget {
 public:
  struct Context {
    SocketServerConfig config;
    RequestHandler* handler = nullptr;  // not owned; called inline when pool is null
    HandlerPool* pool = nullptr;        // not owned; may be null
    ConnectionGauge* gauge = nullptr;   // not owned; server-wide open connection count
    BrokerGates* gates = nullptr;       // not owned; may be null (pause / isolation)
  };
  static Result<std::unique_ptr<EventLoop>> Create(int index, Context context);
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Before Start(): poll `listen_fd` (not owned) and call `on_acceptable` on this loop's thread.
  Status AttachListener(int listen_fd, std::function<void()> on_acceptable);
  void Start();

  // Any thread: take over an accepted, non-blocking socket (owned from now on, closed if the loop
  // is stopping). The connection was already counted in the gauge; closing it uncounts it.
  void Adopt(int fd, std::string peer, ConnectionId id);
  // Any thread: stop accepting and reading; close each connection once it has nothing in flight.
  // Counts `done` down once the loop has switched to draining.
  void BeginDrain(std::latch* done);
  // Any thread: close every connection, drop pending completions, end and join the thread.
  // Idempotent.
  void Stop();
  // Any thread: close every open connection now (network isolation); the loop keeps running.
  void CloseConnections(std::string reason);

  // Loop thread only (the acceptor): stop polling the listener for `ms` (out of file descriptors).
  void PauseAccepting(int64_t ms);

  const LoopCounters& counters() const { return counters_; }
  int index() const { return index_; }

  // CompletionTarget: loop thread.
  void OnCompletion(Completion&& completion) override;

 private:
  EventLoop(int index, Context context, int epoll_fd, std::shared_ptr<LoopInbox> inbox);
  void Run();
  void Iterate();
  int PollTimeoutMs() const;
  void HandleEvent(uint64_t token, uint32_t events);
  void DrainInbox();

  void AddConnection(int fd, std::string peer, ConnectionId id);
  Connection* Find(ConnectionId id);
  void ReadFrom(Connection& conn);
  void Dispatch(Connection& conn, FrameBuffer frame, int64_t received_ns);
  void MarkDirty(Connection& conn);
  void ServiceDirty();
  void Service(Connection& conn);
  void UpdateInterest(Connection& conn);
  void Touch(Connection& conn);
  void SweepIdle();
  void CloseConnection(Connection& conn, log::Level level, std::string_view reason);
  void EraseClosed();
  void StartDrain();
  void CloseAll();

  const int index_;
  const Context ctx_;
  const ConnectionLimits limits_;
  const int64_t idle_timeout_ns_;
  const int64_t sweep_interval_ns_;
  const int epoll_fd_;
  std::shared_ptr<LoopInbox> inbox_;
  std::thread thread_;
  LoopCounters counters_;

  // Loop-thread state.
  std::unordered_map<ConnectionId, std::unique_ptr<Connection>> connections_;
  std::list<ConnectionId> lru_;  // least recently active first
  std::vector<ConnectionId> dirty_;
  std::vector<ConnectionId> closed_;
  std::vector<Completion> completion_batch_;
  std::vector<std::function<void()>> task_batch_;
  int listen_fd_ = -1;  // not owned
  std::function<void()> on_acceptable_;
  bool listener_polled_ = false;
  int64_t accept_resume_ns_ = 0;
  int64_t now_ns_ = 0;
  int64_t next_sweep_ns_ = 0;
  bool draining_ = false;
  bool stop_requested_ = false;
};

}  // namespace kbench::broker
