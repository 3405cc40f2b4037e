// FrameReader: turns one connection's byte stream into Kafka request frames (a 4-byte big-endian
// size, then that many bytes).
//
// Memory: small frames are read many at a time into a fixed staging buffer and copied out; a frame
// that does not fit in staging gets its own buffer of exactly its size and the rest of it is read
// straight into that buffer (readv), so a 100 KB Produce is copied at most once in user space. A
// size prefix is checked before anything is allocated for it: negative, shorter than a request
// header (8 bytes) or above socket.request.max.bytes is an error and nothing is allocated.
//
// Threads: owned by one connection, used only on its event loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/base/result.h"
#include "core/broker/request.h"

namespace kbench::broker {

class FrameReader {
 public:
  static constexpr size_t kStagingBytes = 32 * 1024;

  explicit FrameReader(int32_t max_request_bytes);
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  // kData: the read filled all the room offered (more may be waiting); kDrained: it read less, so
  // the socket is empty for now and another read would only return EAGAIN.
  enum class Fill { kData, kDrained, kWouldBlock, kEndOfStream };
  // One readv(2) from the non-blocking socket `fd`; adds what it read to *bytes_read. An error
  // Status for a socket error (connection reset, ...). Call NextFrame() until it yields nothing
  // before calling this again.
  Result<Fill> FillFrom(int fd, size_t* bytes_read);

  // The next complete frame read so far, or nullopt when more bytes are needed. An error (the
  // connection must be closed) when a size prefix is invalid; nothing was allocated for it.
  Result<std::optional<FrameBuffer>> NextFrame();

  // Bytes read but not yet returned as a frame (an unfinished frame when the peer goes away).
  size_t buffered_bytes() const { return (end_ - begin_) + large_filled_; }

 private:
  Status CheckSize(int32_t size) const;
  void Compact();

  const int32_t max_request_bytes_;
  std::unique_ptr<uint8_t[]> staging_;
  size_t begin_ = 0;                  // first unconsumed byte in staging_
  size_t end_ = 0;                    // one past the last byte read into staging_
  std::optional<FrameBuffer> large_;  // a frame too big for staging, being filled in place
  size_t large_filled_ = 0;
};

}  // namespace kbench::broker
