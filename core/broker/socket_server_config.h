// SocketServerConfig: everything the broker's TCP server can be told, under the Kafka property
// names it mirrors (comments give the name). One struct so the `kbench broker` flags, its YAML file
// and the tests fill the same thing. A plain value; Validate() before handing it to SocketServer.
//
// Threading knobs (see docs/architecture.md, "Broker threading", for the measurements behind them):
//   network_threads  event loops (epoll threads) that own connections, which are handed to them
//                    round-robin; 0 (the default) = one per online core
//   handler_threads  0 (the default): handlers run on the connection's own event loop thread, so a
//                    request is read, handled and answered on one core with no hand-off;
//                    N > 0: handlers run on a pool of N threads, each connection pinned to one of
//                    them (for handlers that must block, e.g. an fsync per append)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/base/status.h"

namespace kbench::broker {

// "host:port" as written in a listener: "127.0.0.1:9092", "localhost:0", "[::1]:9092", ":9092" (all
// interfaces). Port 0 asks the kernel for a free port; SocketServer::port() tells which one it
// bound.
struct ListenerAddress {
  std::string host;  // empty: every interface
  uint16_t port = 0;

  static Result<ListenerAddress> Parse(std::string_view host_port);
  std::string ToString() const;  // "host:port", brackets around IPv6 literals
};

struct SocketServerConfig {
  ListenerAddress listener{"127.0.0.1", 0};

  int network_threads = 0;  // num.network.threads; 0 = one per online core
  int handler_threads = 0;  // num.io.threads; 0 = run handlers on the network thread

  int32_t max_request_bytes = 100 * 1024 * 1024;  // socket.request.max.bytes
  int64_t idle_timeout_ms = 10 * 60 * 1000;       // connections.max.idle.ms
  int max_connections = 10000;                    // max.connections
  int listen_backlog = 1024;                      // (no Kafka name) listen(2) backlog
  int socket_send_buffer_bytes = -1;     // socket.send.buffer.bytes; -1 = kernel autotuning
  int socket_receive_buffer_bytes = -1;  // socket.receive.buffer.bytes; -1 = kernel autotuning

  // Back-pressure (Kafka's queued.max.requests / queued.max.request.bytes, applied per connection):
  // a connection is not read while it has this many requests whose responses are not fully written,
  // or this many request + owned response bytes held for it.
  int max_inflight_requests_per_connection = 100;
  int64_t max_queued_bytes_per_connection = 64 * 1024 * 1024;

  // Stop(): how long connections may finish writing responses to requests already read.
  int64_t shutdown_drain_ms = 5000;

  std::string name = "broker.net";  // log component

  // Checks every field; the message names the offending property and its bound.
  Status Validate() const;
};

}  // namespace kbench::broker
