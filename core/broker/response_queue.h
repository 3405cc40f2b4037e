// ResponseQueue: one connection's responses, in the order they must leave, and the code that writes
// them to the non-blocking socket.
//
// Each EncodedMessage is sent as its owned byte ranges and file slices in order: consecutive owned
// ranges (of one message and of the messages after it) go out in one sendmsg(2) with an iovec each;
// each Splice's FileSlice goes out with sendfile(2) straight from the file. Partial writes and
// EAGAIN leave a cursor (message, part, offset) to resume from when the socket is writable again. A
// message, and with it the reference its slices hold on their files, is released only after its
// last byte is written.
//
// Threads: owned by one connection, used only on its event loop thread.
#pragma once

#include <cstdint>
#include <deque>

#include "core/base/result.h"
#include "core/broker/network_counters.h"
#include "core/protocol/encoded_message.h"

namespace kbench::broker {

class ResponseQueue {
 public:
  struct Entry {
    protocol::EncodedMessage message;
    int64_t received_ns = 0;   // request frame read
    int64_t completed_ns = 0;  // handler completed
  };

  ResponseQueue() = default;
  ResponseQueue(const ResponseQueue&) = delete;
  ResponseQueue& operator=(const ResponseQueue&) = delete;

  void Push(Entry entry);
  // Drops every queued message (the connection is closing).
  void Clear();
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  // Owned (heap) bytes held by queued messages; spliced file bytes are not counted (they live in
  // the page cache, not in this process).
  int64_t owned_bytes() const { return owned_bytes_; }

  enum class Progress { kAllWritten, kSocketFull };
  // Writes as much as the socket takes. Counts calls, bytes and finished responses into `counters`
  // (timings use `now_ns`). An error Status when the peer is gone or a file slice cannot be read in
  // full; the connection must then be closed.
  Result<Progress> WriteTo(int fd, int64_t now_ns, LoopCounters* counters);

 private:
  // Parts of a message with k splices: 2k+1, even = owned byte range, odd = splice.
  size_t PartCount(const protocol::EncodedMessage& m) const { return 2 * m.splices.size() + 1; }
  size_t PartLength(const protocol::EncodedMessage& m, size_t part) const;
  size_t PartStart(const protocol::EncodedMessage& m, size_t part) const;

  Result<Progress> WriteOwnedRanges(int fd, LoopCounters* counters);
  Result<Progress> WriteSplice(int fd, LoopCounters* counters);
  // Moves the cursor past n written bytes, finishing (and releasing) completed messages.
  void Advance(size_t n, LoopCounters* counters);
  void SkipEmptyParts(LoopCounters* counters);
  void FinishFront(LoopCounters* counters);

  std::deque<Entry> entries_;
  size_t part_ = 0;         // cursor: part of entries_.front()
  size_t part_offset_ = 0;  // cursor: bytes of that part already written
  int64_t owned_bytes_ = 0;
  int64_t now_ns_ = 0;  // the time WriteTo() was called, for the finished messages' timings
};

// Checks what ResponseQueue relies on: a 4-byte size prefix equal to WireSize() - 4, splices in
// increasing `at` order within the owned bytes, and every non-empty slice naming an open file.
Status CheckEncodedMessage(const protocol::EncodedMessage& message);

}  // namespace kbench::broker
