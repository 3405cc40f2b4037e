// Broker network benchmark: the SocketServer's threading arrangements side by side over loopback,
// on three request shapes taken from the eventual hot path:
//   Small   many connections x 16 pipelined 100 B requests, 100 B echo responses (metadata,
//   heartbeats,
//           offset commits, small produce batches)
//   Produce 2 connections x 5 in flight (librdkafka's max.in.flight) of 100 KiB requests, each
//   appended
//           to a real file with write(2) by the handler, 64 B responses (acks=1 produce)
//   Fetch   4 connections x 1 in flight, small requests, 1 MiB responses spliced from a page-cached
//           file with sendfile(2) (consumer fetch)
// Modes: 0 = loop per core (2 network loops, handlers inline), 1 = reactor + handler pool (1 loop,
// 2 handler threads), 2 = one loop inline (single-core baseline), 3 = 2 loops + 2 handler threads.
//
// The client is this process's benchmark thread (blocking sockets, one round = send every
// connection's requests, then read every response). Besides throughput, `srv_us_per_req` is the
// server's CPU time per request (process CPU minus the client thread's), the cost that competes
// with co-located clients on a small machine.
//
// Run (repetitions interleaved at random, medians reported):
//   build/bench/bench_broker_net --benchmark_repetitions=5
//     --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true
// Figures on a shared 2-core machine are indicative; compare modes within one run.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/base/byte_order.h"
#include "core/base/file_handle.h"
#include "core/broker/socket_server.h"
#include "core/protocol/encoded_message.h"
#include "tests/unit/broker/test_client.h"

namespace kbench::broker {
namespace {

using testing::EncodeRequest;
using testing::TestClient;

struct Mode {
  const char* name;
  int network_threads;
  int handler_threads;
};
constexpr std::array<Mode, 4> kModes = {{{"loop-per-core", 2, 0},
                                         {"reactor+2-handlers", 1, 2},
                                         {"one-loop", 1, 0},
                                         {"2-loops+2-handlers", 2, 2}}};

int64_t CpuNanos(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

protocol::EncodedMessage Response(int32_t correlation_id, size_t body_bytes) {
  protocol::EncodedMessage m;
  m.bytes.assign(8 + body_bytes, 0x5A);
  StoreBigEndian<int32_t>(m.bytes.data(), static_cast<int32_t>(4 + body_bytes));
  StoreBigEndian<int32_t>(m.bytes.data() + 4, correlation_id);
  return m;
}

std::string TempDir() {
  char tmpl[] = "/tmp/kbench_bench_net_XXXXXX";
  return ::mkdtemp(tmpl);
}

class EchoHandler : public RequestHandler {
 public:
  void Handle(Request request, Responder responder) override {
    protocol::EncodedMessage m;
    auto body = request.bytes().subspan(testing::kTestHeaderBytes);
    m.bytes.resize(8 + body.size());
    StoreBigEndian<int32_t>(m.bytes.data(), static_cast<int32_t>(4 + body.size()));
    StoreBigEndian<int32_t>(m.bytes.data() + 4, request.correlation_id());
    std::memcpy(m.bytes.data() + 8, body.data(), body.size());
    responder.Send(std::move(m));
  }
};

// Appends each request's body to one of four "partition" files (each under its own lock, like a
// partition log), truncating a file when it passes 256 MiB so the benchmark does not fill the disk.
class AppendHandler : public RequestHandler {
 public:
  explicit AppendHandler(const std::string& dir) {
    for (int i = 0; i < 4; ++i) {
      std::string path = dir + "/p" + std::to_string(i) + ".log";
      parts_[i].fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0644);
    }
  }
  ~AppendHandler() override {
    for (auto& p : parts_) ::close(p.fd);
  }
  void Handle(Request request, Responder responder) override {
    Partition& p = parts_[request.connection().value() % parts_.size()];
    auto body = request.bytes().subspan(testing::kTestHeaderBytes);
    {
      std::lock_guard<std::mutex> lock(p.mu);
      if (::write(p.fd, body.data(), body.size()) != static_cast<ssize_t>(body.size()))
        std::abort();
      p.size += static_cast<int64_t>(body.size());
      if (p.size > (256 << 20)) {
        if (::ftruncate(p.fd, 0) != 0) std::abort();
        p.size = 0;
      }
    }
    responder.Send(Response(request.correlation_id(), 56));
  }

 private:
  struct Partition {
    std::mutex mu;
    int fd = -1;
    int64_t size = 0;
  };
  std::array<Partition, 4> parts_;
};

// Answers with a 64 B header and a 1 MiB slice of a page-cached segment file.
class SpliceHandler : public RequestHandler {
 public:
  SpliceHandler(const std::string& dir, size_t slice_bytes) : slice_bytes_(slice_bytes) {
    std::string path = dir + "/00000000000000000000.log";
    int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    std::vector<uint8_t> chunk(1 << 20, 0x42);
    for (int i = 0; i < 8; ++i) {
      if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size()))
        std::abort();
    }
    file_ = std::make_shared<const FileHandle>(fd, path);
  }
  void Handle(Request request, Responder responder) override {
    protocol::EncodedMessage m = Response(request.correlation_id(), 56);
    int64_t position = static_cast<int64_t>((next_++ % 7) << 20);
    m.splices.push_back({m.bytes.size(), FileSlice{file_, position, int64_t(slice_bytes_)}});
    StoreBigEndian<int32_t>(m.bytes.data(), static_cast<int32_t>(m.WireSize() - 4));
    responder.Send(std::move(m));
  }

 private:
  const size_t slice_bytes_;
  std::shared_ptr<const FileHandle> file_;
  std::atomic<uint64_t> next_{0};
};

// One connection's pipelined requests, pre-encoded.
struct Lane {
  TestClient client;
  std::vector<uint8_t> batch;
  int depth;
};

void ReadResponses(Lane& lane, std::vector<uint8_t>& sink) {
  for (int i = 0; i < lane.depth; ++i) {
    uint8_t prefix[4];
    size_t done = 0;
    while (done < 4) {
      ssize_t n = ::recv(lane.client.fd(), prefix + done, 4 - done, 0);
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
    size_t size = static_cast<size_t>(LoadBigEndian<int32_t>(prefix));
    if (sink.size() < size) sink.resize(size);
    // Large bodies are discarded in the kernel (TCP MSG_TRUNC: no copy to user space), so the
    // client's copy does not mask the server; small ones are read as a client would.
    const int flags = size > 65536 ? MSG_TRUNC : 0;
    done = 0;
    while (done < size) {
      ssize_t n = ::recv(lane.client.fd(), sink.data() + done, size - done, flags);
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
  }
}

void RunRounds(benchmark::State& state, RequestHandler* handler, int connections, int depth,
               size_t request_body, int64_t bytes_per_request) {
  const Mode& mode = kModes[state.range(0)];
  SocketServerConfig config;
  config.listener = {"127.0.0.1", 0};
  config.network_threads = mode.network_threads;
  config.handler_threads = mode.handler_threads;
  SocketServer server(config, handler);
  if (!server.Start().ok()) std::abort();
  std::vector<Lane> lanes;
  std::vector<uint8_t> body(request_body, 0x61);
  for (int c = 0; c < connections; ++c) {
    Lane lane{TestClient::Connect(server.port()).value(), {}, depth};
    for (int i = 0; i < depth; ++i) {
      auto f = EncodeRequest(0, 7, i, body);
      lane.batch.insert(lane.batch.end(), f.begin(), f.end());
    }
    lanes.push_back(std::move(lane));
  }
  std::vector<uint8_t> sink;
  auto round = [&] {
    for (Lane& lane : lanes) {
      if (!lane.client.SendRaw(lane.batch).ok()) std::abort();
    }
    for (Lane& lane : lanes) ReadResponses(lane, sink);
  };
  for (int i = 0; i < 3; ++i) round();  // warm up: buffers, page cache
  const int64_t process_cpu0 = CpuNanos(CLOCK_PROCESS_CPUTIME_ID);
  const int64_t client_cpu0 = CpuNanos(CLOCK_THREAD_CPUTIME_ID);
  for (auto _ : state) round();
  const int64_t client_cpu = CpuNanos(CLOCK_THREAD_CPUTIME_ID) - client_cpu0;
  const int64_t server_cpu = CpuNanos(CLOCK_PROCESS_CPUTIME_ID) - process_cpu0 - client_cpu;
  const double requests = static_cast<double>(state.iterations()) * connections * depth;
  state.counters["req/s"] = benchmark::Counter(requests, benchmark::Counter::kIsRate);
  state.counters["bytes/s"] =
      benchmark::Counter(requests * static_cast<double>(bytes_per_request),
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1024);
  state.counters["srv_us_per_req"] = server_cpu / 1e3 / requests;
  state.counters["cli_us_per_req"] = client_cpu / 1e3 / requests;
  SocketServerStats stats = server.Stats();
  const double total_requests = static_cast<double>(stats.requests);
  state.counters["reads/req"] = stats.read_calls / total_requests;
  state.counters["writes/req"] = (stats.writev_calls + stats.sendfile_calls) / total_requests;
  state.SetLabel(mode.name);
  server.Stop();
}

void BM_Small(benchmark::State& state) {
  EchoHandler handler;
  RunRounds(state, &handler, 8, 16, 100 - testing::kTestHeaderBytes, 100);
}

void BM_Produce(benchmark::State& state) {
  std::string dir = TempDir();
  {
    AppendHandler handler(dir);
    RunRounds(state, &handler, 2, 5, 100 * 1024, 100 * 1024);
  }
  std::filesystem::remove_all(dir);
}

// One producer connection (librdkafka keeps one per broker): the whole stream goes through one
// connection, so only the reactor + pool arrangement can overlap reading one request with appending
// the previous one.
void BM_ProduceOneConnection(benchmark::State& state) {
  std::string dir = TempDir();
  {
    AppendHandler handler(dir);
    RunRounds(state, &handler, 1, 5, 100 * 1024, 100 * 1024);
  }
  std::filesystem::remove_all(dir);
}

void BM_Fetch(benchmark::State& state) {
  std::string dir = TempDir();
  {
    SpliceHandler handler(dir, 1 << 20);
    RunRounds(state, &handler, 4, 1, 64, 1 << 20);
  }
  std::filesystem::remove_all(dir);
}

void Modes(benchmark::internal::Benchmark* b) {
  for (int i = 0; i < static_cast<int>(kModes.size()); ++i) b->Arg(i);
  b->ArgName("mode")->UseRealTime()->MinTime(0.5);
}

BENCHMARK(BM_Small)->Apply(Modes);
BENCHMARK(BM_Produce)->Apply(Modes);
BENCHMARK(BM_ProduceOneConnection)->Apply(Modes);
BENCHMARK(BM_Fetch)->Apply(Modes);

}  // namespace
}  // namespace kbench::broker

BENCHMARK_MAIN();
