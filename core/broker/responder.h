// Responder: the completion handle a RequestHandler gets with each request. Answer it exactly once,
// now or later, from any thread: Send(response), SendNothing() (acks=0 Produce) or
// CloseConnection(reason).
//
// Ordering: whatever order requests on one connection are completed in, their responses leave the
// socket in request order (Kafka clients match responses by position). A request completed with
// SendNothing() does not hold up the ones after it.
//
// Ownership and lifetime: move-only; completing consumes it (pending() turns false). It keeps the
// connection's event loop inbox alive (not the connection), so completing after the client
// disconnected or after the server stopped is safe: the response is dropped, releasing its file
// slices. Destroying a Responder that was never completed is a handler bug: it is logged and the
// connection is closed, so the client is not left waiting and later responses are not held up
// forever.
//
// Threads: any thread may complete it; one thread at a time may hold it (hand it over by moving).
#pragma once

#include <memory>
#include <string>

#include "core/broker/completion.h"
#include "core/broker/request.h"
#include "core/protocol/encoded_message.h"

namespace kbench::broker {

class LoopInbox;

class Responder {
 public:
  Responder() = default;  // completes nothing; pending() is false
  Responder(std::shared_ptr<LoopInbox> inbox, ConnectionId connection, uint64_t sequence,
            RequestHeader header);
  ~Responder();
  Responder(Responder&& other) noexcept;
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  // `response` is the whole message including its 4-byte size prefix; the prefix must equal
  // WireSize() - 4 (checked on the network thread; a mismatch closes the connection with an error).
  void Send(protocol::EncodedMessage response);
  // The request gets no response at all.
  void SendNothing();
  // Closes the connection after every earlier response has been written (e.g. a malformed request).
  void CloseConnection(std::string reason);

  bool pending() const { return inbox_ != nullptr; }
  ConnectionId connection() const { return connection_; }
  const RequestHeader& header() const { return header_; }

 private:
  void Complete(CompletionKind kind, protocol::EncodedMessage message, std::string reason);

  std::shared_ptr<LoopInbox> inbox_;  // null once completed or moved from
  ConnectionId connection_;
  uint64_t sequence_ = 0;
  RequestHeader header_;
};

}  // namespace kbench::broker
