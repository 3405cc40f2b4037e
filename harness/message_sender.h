// Where a producer worker's messages go: a driver's producer (driver.h: the kafka driver's
// librdkafka producer, the direct driver's in-process appender). The worker says "send this message
// at its intended time"; the sender acknowledges it asynchronously and reports each
// acknowledgement to the audit and the publish-latency recorder itself (from the intended time the
// message carries). The worker only hands messages over and lets the sender serve its callbacks and
// due work.
//
// Threads: one worker thread per sender; every call below comes from it.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/base/status.h"

namespace kbench::harness {

// One message, as the send loop releases it. The views stay valid only during Send().
struct OutgoingMessage {
  int32_t topic = 0;          // the run's topic index
  int32_t partition = 0;      // chosen by the producer (keyed: murmur2; else round-robin)
  std::string_view key = {};  // empty = no key
  std::span<const uint8_t> payload = {};  // starts with the kbench header (payload_format.h)
  uint64_t sequence = 0;                  // the header's sequence, per (producer, partition)
  int64_t intended_wall_ns = 0;           // the header's intended send time (wall clock)
  int64_t released_mono_ns = 0;  // when the pacer let it go (monotonic): "now" for the sender
};

class MessageSender {
 public:
  static constexpr int64_t kNoDeadline = INT64_MAX;

  virtual ~MessageSender() = default;
  // Hands one message over (copied before returning). A failed Status stops the send loop: it
  // means the target cannot take messages at all (a per-message failure is a failed
  // acknowledgement, counted by the sender, not an error here).
  virtual Status Send(const OutgoingMessage& message) = 0;
  // Serves acknowledgements and due work for up to timeout_ms (0: whatever is ready now).
  virtual void Poll(int timeout_ms) = 0;
  // The send loop's hook after every message and whenever NextDeadlineNs() has passed: serves
  // what is due as of now_mono_ns, the loop's own clock reading (so a sender that only has
  // deadlines to serve need not read the clock per message). Default: Poll(0).
  virtual void ServeDue(int64_t now_mono_ns) {
    (void)now_mono_ns;
    Poll(0);
  }
  // The monotonic time at which the sender has work due without a new message (a batch whose
  // linger.ms runs out), kNoDeadline when none: the send loop calls Poll(0) then, even while it
  // waits for the next intended send time. Senders with their own background thread have none.
  virtual int64_t NextDeadlineNs() const { return kNoDeadline; }
};

}  // namespace kbench::harness
