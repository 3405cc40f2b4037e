// Request: one Kafka request frame as the socket server hands it to a RequestHandler.
//
// The frame is the bytes after the 4-byte size prefix: request header, then body. The server reads
// only the three header fields every request version starts with (api key, api version, correlation
// id) so it can count per API and log; the codec (core/protocol) decodes the rest from `bytes()`,
// including the client id and, for flexible versions, tagged fields.
//
// Ownership: a Request owns its bytes (one heap block sized exactly to the frame, allocated only
// after the size passed socket.request.max.bytes). Move-only; any thread may hold it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/base/result.h"
#include "core/base/strong_int.h"

namespace kbench::broker {

// Identifies one accepted connection for the life of the server (never reused).
using ConnectionId = StrongInt<struct ConnectionIdTag, uint64_t>;

// The leading fields of every request header version (v0, v1, v2).
struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;

  static constexpr size_t kWireSize = 8;
  // Reads the three fields from the start of a frame; fails if the frame is shorter than 8 bytes.
  static Result<RequestHeader> Parse(std::span<const uint8_t> frame);
};

// A heap buffer of exactly `size` bytes, not zero-filled (the socket fills it).
class FrameBuffer {
 public:
  FrameBuffer() = default;
  explicit FrameBuffer(size_t size);

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  std::span<const uint8_t> span() const { return {data_.get(), size_}; }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
};

class Request {
 public:
  Request(RequestHeader header, FrameBuffer frame, ConnectionId connection, int64_t received_ns,
          std::shared_ptr<const std::string> peer = nullptr)
      : header_(header),
        frame_(std::move(frame)),
        connection_(connection),
        received_ns_(received_ns),
        peer_(std::move(peer)) {}
  Request(Request&&) = default;
  Request& operator=(Request&&) = default;

  const RequestHeader& header() const { return header_; }
  int16_t api_key() const { return header_.api_key; }
  int16_t api_version() const { return header_.api_version; }
  int32_t correlation_id() const { return header_.correlation_id; }

  // The whole frame after the size prefix: header (starting with api key) and body.
  std::span<const uint8_t> bytes() const { return frame_.span(); }
  // The frame's buffer itself, for a handler that wants to keep or hand on the bytes without
  // copying.
  FrameBuffer TakeBuffer() && { return std::move(frame_); }

  ConnectionId connection() const { return connection_; }
  // The client's address as "host:port" ("[v6]:port"), shared with its connection; empty when the
  // request was not read from a socket (tests).
  const std::string& peer() const {
    static const std::string kNone;
    return peer_ ? *peer_ : kNone;
  }
  const std::shared_ptr<const std::string>& shared_peer() const { return peer_; }
  // MonoNanos() when the last byte of the frame was read.
  int64_t received_ns() const { return received_ns_; }

 private:
  RequestHeader header_;
  FrameBuffer frame_;
  ConnectionId connection_;
  int64_t received_ns_;
  std::shared_ptr<const std::string> peer_;
};

}  // namespace kbench::broker
