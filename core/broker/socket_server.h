// SocketServer: the broker's TCP front end. It listens on one host:port, spreads accepted
// connections round-robin over `network_threads` event loops (epoll), frames requests (4-byte size
// prefix, socket.request.max.bytes checked before allocating), hands each one to a RequestHandler
// with a Responder, and writes responses back in request order per connection (writev for owned
// bytes, sendfile for file slices). See request_handler.h for what a handler may rely on and
// docs/architecture.md ("Broker threading") for why the threads are arranged this way.
//
//   SocketServer server(config, &handler);
//   KB_RETURN_IF_ERROR(server.Start());
//   log::Info("broker", "kbench broker {} listening on {}", id, server.bound_address().ToString());
//   ...
//   server.Stop();
//
// Ownership: does not own the handler, which must outlive Stop(). Owns the listening socket, the
// loops, the handler threads and every connection. Threads: Start() and Stop() from one controlling
// thread; port(), bound_address(), Stats() from any thread after Start().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/base/status.h"
#include "core/broker/connection_gauge.h"
#include "core/broker/event_loop.h"
#include "core/broker/handler_pool.h"
#include "core/broker/network_counters.h"
#include "core/broker/request_handler.h"
#include "core/broker/socket_server_config.h"

namespace kbench::broker {

class SocketServer {
 public:
  // `gates` (not owned, may be null): a paused broker's loops stop; an isolated one's server
  // closes every connection.
  SocketServer(SocketServerConfig config, RequestHandler* handler, BrokerGates* gates = nullptr);
  ~SocketServer();  // Stop()
  SocketServer(const SocketServer&) = delete;
  SocketServer& operator=(const SocketServer&) = delete;

  // Validates the config, binds and listens, starts the threads. Fails with a message naming the
  // listener (e.g. "listener 127.0.0.1:9092: bind: Address already in use").
  Status Start();

  // Stops accepting and reading; lets connections finish writing responses to requests already read
  // for up to shutdown_drain_ms (handlers keep running meanwhile); then closes every connection,
  // drops late completions and joins all threads. No handler runs after it returns. Idempotent.
  void Stop();
  // A crash: closes the listener and every connection at once, without letting responses drain;
  // no handler runs after it returns. Idempotent (and Stop() after it does nothing).
  void Abort();
  // Network isolation: closes every connection now; while isolated, new connections are closed as
  // soon as they are accepted (BrokerGates::isolated() must be set by the caller first).
  void CloseAllConnections();

  // The port actually bound (the configured one, or the kernel's pick for port 0).
  uint16_t port() const { return bound_.port; }
  // The configured host (or, when it was empty, the numeric address bound, e.g. 0.0.0.0) with the
  // bound port: what the broker prints ("kbench broker 1 listening on 127.0.0.1:40123").
  const ListenerAddress& bound_address() const { return bound_; }
  const SocketServerConfig& config() const { return config_; }
  // Event loops running (config's network_threads, or the core count when that is 0).
  int network_threads() const { return static_cast<int>(loops_.size()); }

  SocketServerStats Stats() const;

 private:
  Status Listen();
  Status StartLoops();
  void OnAcceptable();  // on loop 0's thread
  bool ConfigureSocket(int fd) const;

  const SocketServerConfig config_;
  RequestHandler* const handler_;  // not owned
  BrokerGates* const gates_;       // not owned; may be null
  int listen_fd_ = -1;
  ListenerAddress bound_;
  bool started_ = false;
  bool stopped_ = false;
  ConnectionGauge gauge_;
  std::unique_ptr<HandlerPool> pool_;
  std::vector<std::unique_ptr<EventLoop>> loops_;
  uint64_t next_connection_id_ = 1;  // loop 0's thread
  size_t next_loop_ = 0;             // loop 0's thread
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> rejected_{0};
  int64_t last_accept_error_log_ns_ = 0;  // loop 0's thread
};

}  // namespace kbench::broker
