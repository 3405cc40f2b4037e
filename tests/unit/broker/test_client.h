// TestClient: a blocking loopback TCP client for the broker network tests. Speaks only framing: a
// 4-byte big-endian size, then the bytes. Every wait is bounded (poll with a timeout), so a server
// bug fails a test instead of hanging it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace kbench::broker::testing {

class TestClient {
 public:
  // Connects to 127.0.0.1:port. `receive_buffer` > 0 sets SO_RCVBUF before connecting.
  static Result<TestClient> Connect(uint16_t port, int receive_buffer = -1);
  TestClient(TestClient&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  TestClient& operator=(TestClient&& other) noexcept;
  ~TestClient();

  int fd() const { return fd_; }

  // Writes all of `bytes` (blocking).
  Status SendRaw(std::span<const uint8_t> bytes);
  // Sends a request frame: size, api_key, api_version, correlation_id, client id "t", body.
  Status SendRequest(int16_t api_key, int16_t api_version, int32_t correlation_id,
                     std::span<const uint8_t> body = {});
  // Reads one frame (without its size prefix). Fails on timeout or when the server closed.
  Result<std::vector<uint8_t>> ReadFrame(int timeout_ms = 10000);
  // Reads exactly n bytes.
  Result<std::vector<uint8_t>> ReadExactly(size_t n, int timeout_ms = 10000);
  // True once the server has closed the connection (EOF or reset) within the timeout; bytes that
  // arrive before that are discarded.
  bool WaitForClose(int timeout_ms = 10000);
  // Closes with a TCP reset instead of a FIN.
  void Abort();

 private:
  explicit TestClient(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// A request frame as TestClient::SendRequest writes it (size prefix included).
std::vector<uint8_t> EncodeRequest(int16_t api_key, int16_t api_version, int32_t correlation_id,
                                   std::span<const uint8_t> body = {});

// Bytes of a request frame after the request header SendRequest writes (v1: client id "t").
inline constexpr size_t kTestHeaderBytes = 8 + 2 + 1;

}  // namespace kbench::broker::testing
