// PeerConnection: a blocking client connection from one broker to another Kafka-protocol endpoint
// (a replica fetcher to its leader, a broker to the controller). One request at a time: Call()
// encodes a request, writes it, and reads the one response frame with a deadline (poll), so a dead
// or partitioned peer costs at most the timeout. Fetch responses are read into a buffer the
// connection keeps and reuses; the decoded response's record views point into it until the next
// call.
//
// Interrupt() (any thread) shuts the socket down so a thread blocked in Call() returns at once
// with an error (network isolation, broker stop); the connection must then be reconnected.
//
// Threads: Call/Connect/Close from one thread at a time; Interrupt from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/protocol/encoded_message.h"
#include "core/protocol/request.h"
#include "core/protocol/response.h"

namespace kbench::broker {

class PeerConnection {
 public:
  explicit PeerConnection(std::string client_id) : client_id_(std::move(client_id)) {}
  ~PeerConnection();
  PeerConnection(const PeerConnection&) = delete;
  PeerConnection& operator=(const PeerConnection&) = delete;

  // Connects to host:port (numeric or resolvable), failing after timeout_ms. Closes any previous
  // connection first.
  Status Connect(const std::string& host, int32_t port, int timeout_ms);
  bool connected() const { return fd_.load() >= 0; }
  void Close();
  // Shuts the socket down from another thread; the blocked Call fails.
  void Interrupt();

  // Sends an encoded request and returns the response frame (after the size prefix), valid until
  // the next Call. Any failure closes the connection.
  Result<std::span<const uint8_t>> RoundTrip(const protocol::EncodedMessage& request,
                                             int32_t correlation_id, int timeout_ms);

  // A Kafka API request at `version` (header v1 with this connection's client id).
  template <typename Resp, typename Req>
  Result<Resp> Call(const Req& request, int16_t version, int timeout_ms) {
    protocol::RequestHeader h;
    h.api_key = Req::kApiKey;
    h.api_version = version;
    h.correlation_id = next_correlation_id_++;
    h.client_id = client_id_;
    KB_ASSIGN_OR_RETURN(protocol::EncodedMessage msg,
                        protocol::EncodeRequest(h, request, std::move(send_buffer_)));
    Result<std::span<const uint8_t>> frame = RoundTrip(msg, h.correlation_id, timeout_ms);
    return Finish<Resp>(std::move(frame), std::move(msg), version);
  }

  // A kbench cluster API request (cluster_request.h).
  template <typename Resp, typename Req, typename Encode>
  Result<Resp> CallWith(const Req& request, int16_t version, int timeout_ms, Encode&& encode) {
    const int32_t id = next_correlation_id_++;
    KB_ASSIGN_OR_RETURN(protocol::EncodedMessage msg, encode(id, client_id_, request));
    Result<std::span<const uint8_t>> frame = RoundTrip(msg, id, timeout_ms);
    return Finish<Resp>(std::move(frame), std::move(msg), version);
  }

 private:
  template <typename Resp>
  Result<Resp> Finish(Result<std::span<const uint8_t>> frame, protocol::EncodedMessage msg,
                      int16_t version) {
    send_buffer_ = std::move(msg.bytes);
    if (!frame.ok()) return frame.status();
    Result<protocol::DecodedResponse<Resp>> decoded =
        protocol::DecodeResponse<Resp>(*frame, version);
    if (!decoded.ok()) {
      Close();
      return decoded.status();
    }
    return std::move(decoded->body);
  }
  Status WriteAll(const protocol::EncodedMessage& msg, int64_t deadline_ns);
  Status ReadFully(uint8_t* out, size_t n, int64_t deadline_ns);

  const std::string client_id_;
  std::atomic<int> fd_{-1};
  std::mutex close_mu_;  // Close vs Interrupt
  int32_t next_correlation_id_ = 1;
  std::vector<uint8_t> send_buffer_;
  std::vector<uint8_t> receive_buffer_;
};

}  // namespace kbench::broker
