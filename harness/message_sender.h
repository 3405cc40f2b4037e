// Where a producer worker's messages go: the kafka driver (KafkaProducer) or, later, the direct
// driver. The sender reports acknowledgements to the audit and publish-latency recorder itself
// (delivery reports arrive asynchronously); the worker only hands messages over and lets the sender
// serve its callbacks.
//
// Threads: one worker thread per sender.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/base/status.h"

namespace kbench::harness {

class MessageSender {
 public:
  virtual ~MessageSender() = default;
  // Hands one message over (copied before returning). `topic` is the run's topic index.
  virtual Status Send(int32_t topic, int32_t partition, std::string_view key,
                      std::span<const uint8_t> payload) = 0;
  // Serves acknowledgements for up to timeout_ms (0: whatever is ready).
  virtual void Poll(int timeout_ms) = 0;
};

}  // namespace kbench::harness
