// Completion: how a request ends, travelling from whoever answered it (a handler, a purgatory
// timeout, any thread) to the event loop that owns the request's connection. Produced by Responder,
// consumed by the connection's in-order response slots. A plain movable value.
#pragma once

#include <cstdint>
#include <string>

#include "core/broker/request.h"
#include "core/protocol/encoded_message.h"

namespace kbench::broker {

enum class CompletionKind : uint8_t {
  kResponse,    // send `message`
  kNoResponse,  // nothing goes on the wire (acks=0 Produce); later responses are not held up
  kClose,       // close the connection once every earlier response has been written
  kAbandoned,   // the Responder was destroyed unanswered: a handler bug; the connection is closed
};

struct Completion {
  ConnectionId connection;
  uint64_t sequence = 0;  // the request's position on its connection (0, 1, 2, ...)
  CompletionKind kind = CompletionKind::kNoResponse;
  protocol::EncodedMessage message;  // kResponse only
  std::string reason;                // kClose / kAbandoned: why, for the log
  int64_t completed_ns = 0;          // MonoNanos() at completion
};

}  // namespace kbench::broker
