// Connection: the server side of one accepted client socket: its frame reader, the in-order
// response slots of requests read from it, and the queue of responses being written.
//
// Ordering: every request read gets the next sequence number and a slot. Completions fill slots in
// any order; slots leave from the front only, in sequence order, into the ResponseQueue (or
// nowhere, for "no response"), so responses go out in request order whatever order they were
// completed in.
//
// Back-pressure: CanRead() turns false while too many requests are unanswered or unwritten, or too
// many bytes are held (request bytes until completion + owned response bytes until written).
//
// Ownership and threads: owned by one EventLoop (by id in its map) and used only on its thread. It
// owns the socket fd and closes it in Close() or its destructor.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "core/broker/completion.h"
#include "core/broker/frame_reader.h"
#include "core/broker/network_counters.h"
#include "core/broker/request.h"
#include "core/broker/response_queue.h"

namespace kbench::broker {

struct ConnectionLimits {
  int max_inflight_requests = 100;
  int64_t max_queued_bytes = 64 * 1024 * 1024;
  int32_t max_request_bytes = 100 * 1024 * 1024;
};

class Connection {
 public:
  Connection(ConnectionId id, int fd, std::string peer, const ConnectionLimits& limits);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  ConnectionId id() const { return id_; }
  int fd() const { return fd_; }
  const std::string& peer() const { return *peer_; }
  // The same, shared with the requests read from this connection (they may outlive it).
  const std::shared_ptr<const std::string>& shared_peer() const { return peer_; }
  FrameReader& reader() { return reader_; }

  // Registers a request just read; returns its sequence number.
  uint64_t AddRequest(size_t frame_bytes, int64_t received_ns);
  // Fills the request's slot and moves every finished slot at the front to the response queue. An
  // error for a completion that matches no waiting slot or a malformed response (the connection
  // must close).
  Status Complete(Completion&& completion, LoopCounters* counters);
  // Writes queued responses. See ResponseQueue::WriteTo.
  Result<ResponseQueue::Progress> Flush(int64_t now_ns, LoopCounters* counters) {
    return responses_.WriteTo(fd_, now_ns, counters);
  }

  // True while reading more requests is allowed (not closing, not stopped, under the limits).
  bool CanRead() const;
  // Stops reading for good (server shutting down).
  void StopReading() { reading_stopped_ = true; }
  // Requests read whose responses are not yet fully written (or completed, for no response).
  size_t inflight() const { return slots_.size() + responses_.size(); }
  bool idle() const { return inflight() == 0; }
  bool has_unwritten_responses() const { return !responses_.empty(); }
  // Set once a kClose / kAbandoned completion reached the front: close when the responses before it
  // are written. `close_is_error` tells whether the reason is a server-side bug.
  const std::optional<std::string>& close_after_flush() const { return close_after_flush_; }
  bool close_is_error() const { return close_is_error_; }

  // Closes the socket; later calls are no-ops. Slots and queued responses are released.
  void Close();
  bool closed() const { return fd_ < 0; }

  // Event-loop bookkeeping (owned by the loop, stored here to avoid side tables).
  uint32_t epoll_mask = 0;   // events currently registered
  bool read_paused = false;  // back-pressure is holding reads (counted once per pause)
  int64_t last_active_ns = 0;
  std::list<ConnectionId>::iterator lru_position;
  bool in_dirty_list = false;

 private:
  struct Slot {
    bool done = false;
    CompletionKind kind = CompletionKind::kNoResponse;
    protocol::EncodedMessage message;
    std::string reason;
    int64_t received_ns = 0;
    int64_t completed_ns = 0;
    size_t request_bytes = 0;
  };
  void PromoteFinishedSlots(LoopCounters* counters);

  const ConnectionId id_;
  int fd_;
  const std::shared_ptr<const std::string> peer_;
  const ConnectionLimits limits_;
  FrameReader reader_;
  std::deque<Slot> slots_;
  uint64_t first_sequence_ = 0;     // sequence number of slots_.front()
  int64_t held_request_bytes_ = 0;  // bytes of requests not yet completed
  ResponseQueue responses_;
  bool reading_stopped_ = false;
  std::optional<std::string> close_after_flush_;
  bool close_is_error_ = false;
};

}  // namespace kbench::broker
