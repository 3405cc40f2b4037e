// Request handlers and helpers for the broker network tests: an echo handler, a handler that parks
// requests for the test to complete later (in any order, from any thread), a log capture, and a
// bounded wait.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/base/byte_order.h"
#include "core/base/log.h"
#include "core/broker/request_handler.h"
#include "core/protocol/encoded_message.h"
#include "tests/unit/broker/test_client.h"

namespace kbench::broker::testing {

// A response frame: size prefix, correlation id, body.
inline protocol::EncodedMessage MakeResponse(int32_t correlation_id,
                                             std::span<const uint8_t> body = {}) {
  protocol::EncodedMessage m;
  m.bytes.resize(8 + body.size());
  StoreBigEndian<int32_t>(m.bytes.data(), static_cast<int32_t>(4 + body.size()));
  StoreBigEndian<int32_t>(m.bytes.data() + 4, correlation_id);
  std::copy(body.begin(), body.end(), m.bytes.begin() + 8);
  return m;
}

inline int32_t CorrelationIdOf(const std::vector<uint8_t>& response_frame) {
  return LoadBigEndian<int32_t>(response_frame.data());
}

// The request body after the test client's header.
inline std::span<const uint8_t> BodyOf(const Request& request) {
  return request.bytes().subspan(kTestHeaderBytes);
}

class FunctionHandler : public RequestHandler {
 public:
  explicit FunctionHandler(std::function<void(Request, Responder)> fn) : fn_(std::move(fn)) {}
  void Handle(Request request, Responder responder) override {
    fn_(std::move(request), std::move(responder));
  }

 private:
  std::function<void(Request, Responder)> fn_;
};

// Answers every request at once with its own body.
class EchoHandler : public RequestHandler {
 public:
  void Handle(Request request, Responder responder) override {
    responder.Send(MakeResponse(request.correlation_id(), BodyOf(request)));
  }
};

// Keeps every request and its responder until the test takes them.
class ParkingHandler : public RequestHandler {
 public:
  struct Parked {
    Request request;
    Responder responder;
  };
  void Handle(Request request, Responder responder) override {
    std::lock_guard<std::mutex> lock(mu_);
    parked_.push_back(Parked{std::move(request), std::move(responder)});
    ++handled_;
    cv_.notify_all();
  }
  // Waits (bounded) until at least n requests are parked, then takes all of them.
  std::vector<Parked> Take(size_t n, int timeout_ms = 10000) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return parked_.size() >= n; });
    return std::move(parked_);
  }
  size_t handled() {
    std::lock_guard<std::mutex> lock(mu_);
    return handled_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Parked> parked_;
  size_t handled_ = 0;
};

// Captures log lines while alive.
class LogCapture {
 public:
  LogCapture() {
    log::SetSink([this](log::Level, std::string_view component, std::string_view message) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back(std::string(component) + " " + std::string(message));
    });
  }
  ~LogCapture() { log::SetSink(nullptr); }
  bool Contains(std::string_view text) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& l : lines_) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::string All() {
    std::lock_guard<std::mutex> lock(mu_);
    std::string all;
    for (const auto& l : lines_) all += l + "\n";
    return all;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// Polls `done` every millisecond for up to `timeout_ms`; returns its last value. For waiting on
// another thread's progress, not for asserting speed.
inline bool WaitUntil(const std::function<bool()>& done, int timeout_ms = 10000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace kbench::broker::testing
