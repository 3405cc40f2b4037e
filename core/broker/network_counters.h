// Counters of the socket server, and the snapshot SocketServer::Stats() returns.
//
// Each event loop and each handler thread owns one counter block and is its only writer (relaxed
// stores, no locked instructions, no shared cache lines on the hot path); Stats() reads every block
// from any thread and adds them up. Values are monotonic except the gauges (connections_open).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>

namespace kbench::broker {

// A monotonic counter with one writer thread and any number of readers.
class SingleWriterCounter {
 public:
  void Add(uint64_t n = 1) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void Max(uint64_t n) {
    if (n > v_.load(std::memory_order_relaxed)) v_.store(n, std::memory_order_relaxed);
  }
  uint64_t Get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// Sum, count and max of a duration in nanoseconds.
struct DurationCounter {
  SingleWriterCounter count;
  SingleWriterCounter sum_ns;
  SingleWriterCounter max_ns;
  void Record(int64_t ns) {
    uint64_t v = ns > 0 ? static_cast<uint64_t>(ns) : 0;
    count.Add();
    sum_ns.Add(v);
    max_ns.Max(v);
  }
};

// Api keys 0..kMaxCountedApiKey are counted one by one; others (and negative ones) in `other`.
inline constexpr int kMaxCountedApiKey = 127;

struct alignas(64) LoopCounters {
  SingleWriterCounter connections_accepted;
  SingleWriterCounter connections_rejected;  // over max.connections
  SingleWriterCounter connections_closed;
  SingleWriterCounter idle_closed;
  SingleWriterCounter framing_errors;  // bad size prefix or header: connection closed
  SingleWriterCounter requests;
  std::array<SingleWriterCounter, kMaxCountedApiKey + 1> requests_by_api;
  SingleWriterCounter requests_other_api;
  SingleWriterCounter bytes_in;
  SingleWriterCounter bytes_out;
  SingleWriterCounter responses_sent;
  SingleWriterCounter responses_none;       // completed with SendNothing()
  SingleWriterCounter completions_dropped;  // arrived after their connection closed
  SingleWriterCounter read_calls;
  SingleWriterCounter writev_calls;
  SingleWriterCounter sendfile_calls;
  SingleWriterCounter sendfile_bytes;
  SingleWriterCounter writes_blocked;  // the socket buffer was full (partial write or EAGAIN)
  SingleWriterCounter read_pauses;     // back-pressure stopped reading a connection
  DurationCounter request_queue;       // frame read -> handler called (inline handlers)
  DurationCounter response_queue;      // completed -> last byte written
  DurationCounter total;  // frame read -> last byte written (or completed, for no response)
};

struct alignas(64) HandlerCounters {
  SingleWriterCounter requests;
  DurationCounter
      request_queue;  // frame read -> handler called, including the hand-off to this thread
};

struct DurationStats {
  uint64_t count = 0;
  uint64_t sum_ns = 0;
  uint64_t max_ns = 0;
  double MeanMicros() const { return count == 0 ? 0.0 : sum_ns / 1e3 / count; }
};

struct SocketServerStats {
  uint64_t connections_open = 0;
  uint64_t connections_accepted = 0;
  uint64_t connections_rejected = 0;
  uint64_t connections_closed = 0;
  uint64_t idle_closed = 0;
  uint64_t framing_errors = 0;
  uint64_t requests = 0;
  std::map<int16_t, uint64_t> requests_by_api;  // api key -> count (keys above 127 under -1)
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t responses_sent = 0;
  uint64_t responses_none = 0;
  uint64_t completions_dropped = 0;
  uint64_t read_calls = 0;
  uint64_t writev_calls = 0;
  uint64_t sendfile_calls = 0;
  uint64_t sendfile_bytes = 0;
  uint64_t writes_blocked = 0;
  uint64_t read_pauses = 0;
  DurationStats request_queue;
  DurationStats response_queue;
  DurationStats total;
};

}  // namespace kbench::broker
