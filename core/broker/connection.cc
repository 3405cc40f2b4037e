#include "core/broker/connection.h"

#include <fmt/format.h>
#include <unistd.h>

namespace kbench::broker {

Connection::Connection(ConnectionId id, int fd, std::string peer, const ConnectionLimits& limits)
    : id_(id),
      fd_(fd),
      peer_(std::make_shared<const std::string>(std::move(peer))),
      limits_(limits),
      reader_(limits.max_request_bytes) {}

Connection::~Connection() { Close(); }

void Connection::Close() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  slots_.clear();
  responses_.Clear();
}

uint64_t Connection::AddRequest(size_t frame_bytes, int64_t received_ns) {
  Slot slot;
  slot.received_ns = received_ns;
  slot.request_bytes = frame_bytes;
  held_request_bytes_ += static_cast<int64_t>(frame_bytes);
  slots_.push_back(std::move(slot));
  return first_sequence_ + slots_.size() - 1;
}

Status Connection::Complete(Completion&& c, LoopCounters* counters) {
  if (c.sequence < first_sequence_ || c.sequence - first_sequence_ >= slots_.size() ||
      slots_[c.sequence - first_sequence_].done) {
    return Status::Internal(
        fmt::format("completion for request #{} matches no waiting request", c.sequence));
  }
  if (c.kind == CompletionKind::kResponse) KB_RETURN_IF_ERROR(CheckEncodedMessage(c.message));
  Slot& slot = slots_[c.sequence - first_sequence_];
  slot.done = true;
  slot.kind = c.kind;
  slot.message = std::move(c.message);
  slot.reason = std::move(c.reason);
  slot.completed_ns = c.completed_ns;
  held_request_bytes_ -= static_cast<int64_t>(slot.request_bytes);
  PromoteFinishedSlots(counters);
  return Status::Ok();
}

void Connection::PromoteFinishedSlots(LoopCounters* counters) {
  while (!slots_.empty() && slots_.front().done && !close_after_flush_) {
    Slot& slot = slots_.front();
    switch (slot.kind) {
      case CompletionKind::kResponse:
        responses_.Push({std::move(slot.message), slot.received_ns, slot.completed_ns});
        break;
      case CompletionKind::kNoResponse:
        counters->responses_none.Add();
        counters->total.Record(slot.completed_ns - slot.received_ns);
        break;
      case CompletionKind::kClose:
      case CompletionKind::kAbandoned:
        close_after_flush_ = std::move(slot.reason);
        close_is_error_ = slot.kind == CompletionKind::kAbandoned;
        break;
    }
    slots_.pop_front();
    ++first_sequence_;
  }
}

bool Connection::CanRead() const {
  if (closed() || reading_stopped_ || close_after_flush_) return false;
  if (inflight() >= static_cast<size_t>(limits_.max_inflight_requests)) return false;
  return held_request_bytes_ + responses_.owned_bytes() < limits_.max_queued_bytes;
}

}  // namespace kbench::broker
