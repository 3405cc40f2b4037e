// ControllerApis: the RequestHandler in front of a Controller: decodes the kbench cluster APIs
// (cluster_api_keys.h) and hands each to the controller, which answers later through the request's
// Responder. Anything else (a Kafka API, a malformed frame) closes the connection. In the embedded
// cluster it sits behind the controller's own socket server; a `kbench broker` member that hosts
// the controller passes cluster-API frames to it from its KafkaApis (same port).
//
// Threads: Handle on the network threads; it never blocks (the controller queues the work).
#pragma once

#include <atomic>
#include <cstdint>

#include "core/broker/controller.h"
#include "core/broker/request_handler.h"

namespace kbench::broker {

class ControllerApis final : public RequestHandler {
 public:
  explicit ControllerApis(Controller* controller) : controller_(controller) {}  // not owned

  void Handle(Request request, Responder responder) override;

  int64_t requests() const { return requests_.load(std::memory_order_relaxed); }

 private:
  Controller* const controller_;
  std::atomic<int64_t> requests_{0};
};

}  // namespace kbench::broker
