#include "core/broker/responder.h"

#include <fmt/format.h>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/broker/loop_inbox.h"

namespace kbench::broker {

Responder::Responder(std::shared_ptr<LoopInbox> inbox, ConnectionId connection, uint64_t sequence,
                     RequestHeader header)
    : inbox_(std::move(inbox)), connection_(connection), sequence_(sequence), header_(header) {}

Responder::~Responder() {
  if (!pending()) return;
  Complete(CompletionKind::kAbandoned, {},
           fmt::format("request api_key={} version={} correlation_id={} was dropped by its handler "
                       "without a response",
                       header_.api_key, header_.api_version, header_.correlation_id));
}

Responder::Responder(Responder&& other) noexcept
    : inbox_(std::move(other.inbox_)),
      connection_(other.connection_),
      sequence_(other.sequence_),
      header_(other.header_) {}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    Responder old(std::move(*this));  // an overwritten pending responder counts as abandoned
    inbox_ = std::move(other.inbox_);
    connection_ = other.connection_;
    sequence_ = other.sequence_;
    header_ = other.header_;
  }
  return *this;
}

void Responder::Send(protocol::EncodedMessage response) {
  Complete(CompletionKind::kResponse, std::move(response), {});
}

void Responder::SendNothing() { Complete(CompletionKind::kNoResponse, {}, {}); }

void Responder::CloseConnection(std::string reason) {
  Complete(CompletionKind::kClose, {}, std::move(reason));
}

void Responder::Complete(CompletionKind kind, protocol::EncodedMessage message,
                         std::string reason) {
  if (!pending()) {
    log::Error("broker.net", "request correlation_id={} on connection {} completed twice (ignored)",
               header_.correlation_id, connection_.value());
    return;
  }
  Completion c;
  c.connection = connection_;
  c.sequence = sequence_;
  c.kind = kind;
  c.message = std::move(message);
  c.reason = std::move(reason);
  c.completed_ns = MonoNanos();
  std::shared_ptr<LoopInbox> inbox = std::move(inbox_);  // pending() is false from here on
  inbox->PostCompletion(std::move(c));
}

}  // namespace kbench::broker
