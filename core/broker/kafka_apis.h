// KafkaApis: the broker's RequestHandler. For each frame the socket server reads it decodes the
// request header and body (core/protocol), looks the API up in the dispatch table and calls its
// handler with an ApiCall (api_dispatch.h). What it does with bytes it cannot serve, as Kafka does:
//   - a header that cannot be read, or a body that does not decode (INVALID_REQUEST): the
//     connection is closed (there is no version-correct way to answer);
//   - ApiVersions above the supported maximum: Kafka's v0 UNSUPPORTED_VERSION reply;
//   - any other API key or version the table does not hold (UNSUPPORTED_VERSION): closed.
// Every outcome is counted. No byte sequence reaches a handler unless it decoded completely.
//
// Until SetReady(true) (the broker has loaded its partitions and registered its address) every
// request closes its connection, so a client never sees a half-started broker.
//
// Threads: Handle runs on the network threads, concurrently for different connections.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/broker/api_context.h"
#include "core/broker/request_handler.h"

namespace kbench::broker {

struct KafkaApisCounters {
  std::atomic<int64_t> requests{0};
  std::atomic<int64_t> malformed{0};    // header or body did not decode: closed
  std::atomic<int64_t> unsupported{0};  // API key or version not served: closed or answered 35
  std::atomic<int64_t> not_ready{0};    // arrived before SetReady(true): closed
};

class KafkaApis final : public RequestHandler {
 public:
  explicit KafkaApis(ApiContext context) : ctx_(context) {}

  void Handle(Request request, Responder responder) override;

  void SetReady(bool ready) { ready_.store(ready, std::memory_order_release); }
  bool ready() const { return ready_.load(std::memory_order_acquire); }
  // A member hosting its cluster's controller passes the kbench cluster APIs (keys 30000-30005)
  // to it, before the readiness check (brokers register with it while this one starts). Set
  // before the server starts; not owned.
  void SetClusterHandler(RequestHandler* handler) { cluster_handler_ = handler; }
  const KafkaApisCounters& counters() const { return counters_; }

 private:
  ApiContext ctx_;
  RequestHandler* cluster_handler_ = nullptr;  // not owned
  std::atomic<bool> ready_{false};
  KafkaApisCounters counters_;
};

}  // namespace kbench::broker
