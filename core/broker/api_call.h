// ApiCall: one decoded request on its way through a handler: the request header, the decoded body,
// the frame the header and body point into (Produce records, topic names and the client id are
// views into it), and the Responder that answers it. Move-only; a handler that answers later
// (an admin task, a purgatory callback) moves what it needs out of it, and must not keep views
// into the frame past the point it gives the frame up.
//
// SendResponse encodes a response body at the request's version (response header v0) and hands it
// to the Responder; a body the version cannot carry is a broker bug: it is logged and the
// connection closed, so the client is not left waiting.
#pragma once

#include <memory>
#include <utility>

#include "core/base/log.h"
#include "core/broker/request.h"
#include "core/broker/responder.h"
#include "core/protocol/request.h"
#include "core/protocol/response.h"

namespace kbench::broker {

struct ApiCall {
  protocol::RequestHeader header;
  protocol::RequestBody body;
  FrameBuffer frame;  // owns the bytes views in header/body point into
  Responder responder;
  std::shared_ptr<const std::string> peer;  // the client's "host:port"; may be null

  template <typename T>
  T& Body() {
    return std::get<T>(body);
  }
  int16_t version() const { return header.api_version; }
  int32_t correlation_id() const { return header.correlation_id; }
};

// Where a deferred answer goes: the parts of an ApiCall a callback needs once the frame is gone.
// Copyable (shared), so it fits in std::function; Send/Close complete the Responder once.
class ResponseSlot {
 public:
  ResponseSlot() = default;
  explicit ResponseSlot(ApiCall& call)
      : responder_(std::make_shared<Responder>(std::move(call.responder))),
        correlation_id_(call.correlation_id()),
        version_(call.version()) {}

  int16_t version() const { return version_; }
  Responder& responder() { return *responder_; }

  template <typename T>
  void Send(const T& body) {
    Result<protocol::EncodedMessage> msg =
        protocol::EncodeResponse(correlation_id_, version_, body);
    if (!msg.ok()) {
      log::Error("broker.api", "cannot encode the response to correlation id {}: {}",
                 correlation_id_, msg.status().ToString());
      responder_->CloseConnection("response encoding failed");
      return;
    }
    responder_->Send(std::move(*msg));
  }

 private:
  std::shared_ptr<Responder> responder_;
  int32_t correlation_id_ = 0;
  int16_t version_ = 0;
};

template <typename T>
void SendResponse(ApiCall& call, const T& body) {
  ResponseSlot(call).Send(body);
}

}  // namespace kbench::broker
