// SocketServer over real loopback sockets, in each threading arrangement: loop per core (handlers
// inline), a single loop, and one reactor with a handler pool.
#include "core/broker/socket_server.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "core/base/byte_order.h"
#include "tests/unit/broker/test_client.h"
#include "tests/unit/broker/test_handlers.h"

namespace kbench::broker {
namespace {

using testing::CorrelationIdOf;
using testing::EchoHandler;
using testing::FunctionHandler;
using testing::LogCapture;
using testing::MakeResponse;
using testing::ParkingHandler;
using testing::TestClient;
using testing::WaitUntil;

struct Mode {
  const char* name;
  int network_threads;
  int handler_threads;
};

class SocketServerTest : public ::testing::TestWithParam<Mode> {
 protected:
  SocketServerConfig Config() const {
    SocketServerConfig c;
    c.listener = {"127.0.0.1", 0};
    c.network_threads = GetParam().network_threads;
    c.handler_threads = GetParam().handler_threads;
    c.name = "test.net";
    return c;
  }
  std::unique_ptr<SocketServer> Start(SocketServerConfig config, RequestHandler* handler) {
    auto server = std::make_unique<SocketServer>(std::move(config), handler);
    Status s = server->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_NE(server->port(), 0);
    return server;
  }
  static TestClient Connect(const SocketServer& server, int receive_buffer = -1) {
    auto c = TestClient::Connect(server.port(), receive_buffer);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(c).value();
  }
};

std::vector<uint8_t> Pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>((i * 131 + seed) % 251);
  return v;
}

TEST_P(SocketServerTest, EchoRoundTripsSmallAndLargeFramesOnSeveralConnections) {
  EchoHandler echo;
  auto server = Start(Config(), &echo);
  std::vector<TestClient> clients;
  for (int i = 0; i < 4; ++i) clients.push_back(Connect(*server));
  const std::vector<size_t> sizes = {0, 1, 100, 4000, 40 * 1024, 100 * 1024, 1 << 20};
  int32_t correlation = 0;
  for (auto& client : clients) {
    for (size_t size : sizes) {
      std::vector<uint8_t> body = Pattern(size, static_cast<uint32_t>(correlation));
      ASSERT_TRUE(client.SendRequest(0, 7, correlation, body).ok());
      auto frame = client.ReadFrame();
      ASSERT_TRUE(frame.ok()) << frame.status().ToString();
      ASSERT_EQ(CorrelationIdOf(*frame), correlation);
      ASSERT_EQ(std::vector<uint8_t>(frame->begin() + 4, frame->end()), body) << "size " << size;
      ++correlation;
    }
  }
  SocketServerStats stats = server->Stats();
  EXPECT_EQ(stats.requests, static_cast<uint64_t>(correlation));
  EXPECT_EQ(stats.requests_by_api[0], static_cast<uint64_t>(correlation));
  EXPECT_EQ(stats.connections_accepted, 4u);
  EXPECT_EQ(stats.connections_open, 4u);
  EXPECT_GT(stats.bytes_in, 1u << 22);
  // The server counts written bytes after send returns, which may be after the client read them.
  EXPECT_TRUE(WaitUntil([&] { return server->Stats().bytes_out > (1u << 22); }));
}

TEST_P(SocketServerTest, ManyPipelinedSmallRequestsComeBackInOrder) {
  EchoHandler echo;
  auto server = Start(Config(), &echo);
  TestClient client = Connect(*server);
  std::vector<uint8_t> batch;
  const int kRequests = 2000;
  for (int i = 0; i < kRequests; ++i) {
    std::vector<uint8_t> body = Pattern(i % 200, i);
    std::vector<uint8_t> frame = testing::EncodeRequest(3, 1, i, body);
    batch.insert(batch.end(), frame.begin(), frame.end());
  }
  std::thread writer([&] { ASSERT_TRUE(client.SendRaw(batch).ok()); });
  for (int i = 0; i < kRequests; ++i) {
    auto frame = client.ReadFrame();
    ASSERT_TRUE(frame.ok()) << frame.status().ToString();
    ASSERT_EQ(CorrelationIdOf(*frame), i);
    ASSERT_EQ(frame->size(), 4u + i % 200);
  }
  writer.join();
  EXPECT_EQ(server->Stats().requests_by_api[3], static_cast<uint64_t>(kRequests));
}

TEST_P(SocketServerTest, RequestsCompletedOutOfOrderAreAnsweredInRequestOrder) {
  ParkingHandler parking;
  auto server = Start(Config(), &parking);
  TestClient client = Connect(*server);
  const int kRequests = 20;
  for (int i = 0; i < kRequests; ++i) ASSERT_TRUE(client.SendRequest(1, 11, 100 + i).ok());
  auto parked = parking.Take(kRequests);
  ASSERT_EQ(parked.size(), static_cast<size_t>(kRequests));
  // Complete from another thread, last request first.
  std::thread completer([&] {
    for (int i = kRequests - 1; i >= 0; --i) {
      parked[i].responder.Send(MakeResponse(parked[i].request.correlation_id()));
    }
  });
  completer.join();
  for (int i = 0; i < kRequests; ++i) {
    auto frame = client.ReadFrame();
    ASSERT_TRUE(frame.ok()) << frame.status().ToString();
    EXPECT_EQ(CorrelationIdOf(*frame), 100 + i);
  }
}

TEST_P(SocketServerTest, NoResponseRequestsDoNotHoldUpLaterResponses) {
  ParkingHandler parking;
  auto server = Start(Config(), &parking);
  TestClient client = Connect(*server);
  const int kRequests = 30;
  for (int i = 0; i < kRequests; ++i) ASSERT_TRUE(client.SendRequest(0, 7, i).ok());
  auto parked = parking.Take(kRequests);
  ASSERT_EQ(parked.size(), static_cast<size_t>(kRequests));
  // Odd correlation ids are acks=0-style (no response); complete in a shuffled order.
  std::vector<int> order(kRequests);
  for (int i = 0; i < kRequests; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  for (int i : order) {
    if (i % 2 == 1) {
      parked[i].responder.SendNothing();
    } else {
      parked[i].responder.Send(MakeResponse(i));
    }
  }
  for (int i = 0; i < kRequests; i += 2) {
    auto frame = client.ReadFrame();
    ASSERT_TRUE(frame.ok()) << frame.status().ToString();
    EXPECT_EQ(CorrelationIdOf(*frame), i);
  }
  // Nothing else arrives: the next frame is the answer to a fresh request.
  ASSERT_TRUE(client.SendRequest(0, 7, 999).ok());
  auto more = parking.Take(1);
  ASSERT_EQ(more.size(), 1u);
  more[0].responder.Send(MakeResponse(999));
  auto frame = client.ReadFrame();
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(CorrelationIdOf(*frame), 999);
  EXPECT_EQ(server->Stats().responses_none, static_cast<uint64_t>(kRequests / 2));
}

TEST_P(SocketServerTest, HandlerCallsForOneConnectionNeverOverlapAndKeepOrder) {
  std::mutex mu;
  std::map<uint64_t, int32_t> last_seen;  // connection -> last correlation id
  std::map<uint64_t, std::atomic<int>> busy;
  std::atomic<bool> overlap{false};
  std::atomic<bool> disorder{false};
  FunctionHandler handler([&](Request request, Responder responder) {
    std::atomic<int>* flag;
    {
      std::lock_guard<std::mutex> lock(mu);
      flag = &busy[request.connection().value()];
      auto [it, fresh] = last_seen.try_emplace(request.connection().value(), -1);
      if (request.correlation_id() != it->second + 1) disorder = true;
      it->second = request.correlation_id();
    }
    if (flag->fetch_add(1) != 0) overlap = true;
    std::this_thread::yield();
    flag->fetch_sub(1);
    responder.Send(MakeResponse(request.correlation_id()));
  });
  auto server = Start(Config(), &handler);
  std::vector<std::thread> threads;
  for (int c = 0; c < 4; ++c) {
    threads.emplace_back([&] {
      TestClient client = Connect(*server);
      std::vector<uint8_t> batch;
      for (int i = 0; i < 500; ++i) {
        auto f = testing::EncodeRequest(0, 7, i);
        batch.insert(batch.end(), f.begin(), f.end());
      }
      ASSERT_TRUE(client.SendRaw(batch).ok());
      for (int i = 0; i < 500; ++i) {
        auto frame = client.ReadFrame();
        ASSERT_TRUE(frame.ok());
        ASSERT_EQ(CorrelationIdOf(*frame), i);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(overlap);
  EXPECT_FALSE(disorder);
}

TEST_P(SocketServerTest, NegativeOrTooShortSizeClosesTheConnectionWithAReason) {
  LogCapture logs;
  EchoHandler echo;
  auto server = Start(Config(), &echo);
  for (int32_t size : {-1, std::numeric_limits<int32_t>::min(), 0, 7}) {
    TestClient client = Connect(*server);
    uint8_t prefix[4];
    StoreBigEndian<int32_t>(prefix, size);
    ASSERT_TRUE(client.SendRaw(prefix).ok());
    EXPECT_TRUE(client.WaitForClose()) << "size " << size;
  }
  EXPECT_TRUE(logs.Contains("request size prefix -1 is negative")) << logs.All();
  EXPECT_TRUE(logs.Contains("request size 7 is shorter than the 8-byte request header"))
      << logs.All();
  EXPECT_EQ(server->Stats().framing_errors, 4u);
  // The server still serves others.
  TestClient good = Connect(*server);
  ASSERT_TRUE(good.SendRequest(18, 0, 1).ok());
  EXPECT_TRUE(good.ReadFrame().ok());
}

TEST_P(SocketServerTest, FramesUpToTheLimitAreAcceptedAndOneByteMoreIsRefused) {
  LogCapture logs;
  EchoHandler echo;
  SocketServerConfig config = Config();
  config.max_request_bytes = 200 * 1000;
  auto server = Start(config, &echo);
  TestClient client = Connect(*server);
  const size_t body = 200 * 1000 - testing::kTestHeaderBytes;
  ASSERT_TRUE(client.SendRequest(0, 7, 1, Pattern(body, 1)).ok());
  auto frame = client.ReadFrame();
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_EQ(frame->size(), 4 + body);
  // Only the size prefix of the oversized frame is sent: the server must refuse it from that alone.
  uint8_t prefix[4];
  StoreBigEndian<int32_t>(prefix, 200 * 1000 + 1);
  ASSERT_TRUE(client.SendRaw(prefix).ok());
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_TRUE(logs.Contains("request size 200001 exceeds socket.request.max.bytes 200000"))
      << logs.All();
}

TEST_P(SocketServerTest, GarbagePartialFramesAndAbruptDisconnectsNeitherCrashNorHang) {
  EchoHandler echo;
  SocketServerConfig config = Config();
  config.max_request_bytes = 1 << 20;
  auto server = Start(config, &echo);
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    TestClient client = Connect(*server);
    std::vector<uint8_t> junk(rng() % 3000);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    if (round % 3 == 0 && junk.size() >= 4) {
      // A plausible size prefix followed by too few bytes: a frame cut off mid-way.
      StoreBigEndian<int32_t>(junk.data(), static_cast<int32_t>(junk.size() + rng() % 5000));
    }
    (void)client.SendRaw(junk);
    if (round % 2 == 0) {
      client.Abort();
    }  // else: closed with a FIN when `client` goes out of scope
  }
  // Abandon a connection half-way through a large frame, too.
  {
    TestClient client = Connect(*server);
    std::vector<uint8_t> half = testing::EncodeRequest(0, 7, 1, Pattern(500000, 3));
    half.resize(half.size() / 2);
    ASSERT_TRUE(client.SendRaw(half).ok());
  }
  EXPECT_TRUE(WaitUntil([&] { return server->Stats().connections_open == 0; }));
  TestClient good = Connect(*server);
  ASSERT_TRUE(good.SendRequest(18, 0, 77).ok());
  auto frame = good.ReadFrame();
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_EQ(CorrelationIdOf(*frame), 77);
}

TEST_P(SocketServerTest, IdleConnectionsAreClosedButNotWhileARequestIsInFlight) {
  LogCapture logs;
  ParkingHandler parking;
  SocketServerConfig config = Config();
  config.idle_timeout_ms = 100;
  auto server = Start(config, &parking);
  TestClient idle = Connect(*server);
  TestClient waiting = Connect(*server);
  ASSERT_TRUE(waiting.SendRequest(1, 11, 5).ok());
  auto parked = parking.Take(1);
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_TRUE(idle.WaitForClose());
  EXPECT_TRUE(logs.Contains("connections.max.idle.ms")) << logs.All();
  // The long-waiting request's connection survived several idle periods and still gets its answer.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  parked[0].responder.Send(MakeResponse(5));
  auto frame = waiting.ReadFrame();
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_EQ(CorrelationIdOf(*frame), 5);
  // Once idle, it goes too.
  EXPECT_TRUE(waiting.WaitForClose());
  EXPECT_EQ(server->Stats().idle_closed, 2u);
}

// Makes a file of `size` pattern bytes in a fresh temp dir; removes the dir on destruction.
class TempFile {
 public:
  explicit TempFile(size_t size) {
    char tmpl[] = "/tmp/kbench_broker_net_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/00000000000000000000.log";
    content_ = Pattern(size, 9);
    int fd = ::open(path_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    EXPECT_EQ(::write(fd, content_.data(), content_.size()), static_cast<ssize_t>(size));
    ::close(fd);
  }
  ~TempFile() { std::filesystem::remove_all(dir_); }
  const std::string& path() const { return path_; }
  const std::vector<uint8_t>& content() const { return content_; }
  std::shared_ptr<const FileHandle> Open() const {
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    return std::make_shared<const FileHandle>(fd, path_);
  }

 private:
  std::string dir_;
  std::string path_;
  std::vector<uint8_t> content_;
};

// A response: prefix, correlation id, "HEAD", slice a, "MID", slice b, "END".
protocol::EncodedMessage SplicedResponse(int32_t correlation_id, FileSlice a, FileSlice b) {
  protocol::EncodedMessage m;
  auto put = [&](std::string_view s) {
    size_t at = m.bytes.size();
    m.bytes.resize(at + s.size());
    std::memcpy(m.bytes.data() + at, s.data(), s.size());
  };
  m.bytes.resize(8);
  StoreBigEndian<int32_t>(m.bytes.data() + 4, correlation_id);
  put("HEAD");
  m.splices.push_back({m.bytes.size(), std::move(a)});
  put("MID");
  m.splices.push_back({m.bytes.size(), std::move(b)});
  put("END");
  StoreBigEndian<int32_t>(m.bytes.data(), static_cast<int32_t>(m.WireSize() - 4));
  return m;
}

TEST_P(SocketServerTest, FileSlicesAreSentWithSendfileThroughPartialWritesAndOutliveTheirFile) {
  TempFile file(3 << 20);
  std::weak_ptr<const FileHandle> watched;
  std::mutex mu;
  FunctionHandler handler([&](Request request, Responder responder) {
    std::shared_ptr<const FileHandle> handle = file.Open();
    {
      std::lock_guard<std::mutex> lock(mu);
      watched = handle;
    }
    // Retention deletes the segment while the response is queued: the slice keeps the bytes
    // readable.
    ::unlink(file.path().c_str());
    FileSlice a{handle, 1000, (3 << 19)};
    FileSlice b{handle, 2 << 20, 1 << 20};
    responder.Send(SplicedResponse(request.correlation_id(), a, b));
  });
  SocketServerConfig config = Config();
  config.socket_send_buffer_bytes = 4096;
  auto server = Start(config, &handler);
  TestClient client = Connect(*server, /*receive_buffer=*/4096);
  ASSERT_TRUE(client.SendRequest(1, 11, 42).ok());
  // Do not read until the server has hit a full socket at least once.
  ASSERT_TRUE(WaitUntil([&] { return server->Stats().writes_blocked > 0; }));
  auto frame = client.ReadFrame();
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  const auto& c = file.content();
  std::vector<uint8_t> expected;
  auto put = [&](std::string_view s) {
    size_t at = expected.size();
    expected.resize(at + s.size());
    std::memcpy(expected.data() + at, s.data(), s.size());
  };
  expected.resize(4);
  StoreBigEndian<int32_t>(expected.data(), 42);
  put("HEAD");
  expected.insert(expected.end(), c.begin() + 1000, c.begin() + 1000 + (3 << 19));
  put("MID");
  expected.insert(expected.end(), c.begin() + (2 << 20), c.begin() + (3 << 20));
  put("END");
  ASSERT_EQ(frame->size(), expected.size());
  EXPECT_TRUE(*frame == expected);
  const uint64_t spliced = (3 << 19) + (1 << 20);
  EXPECT_TRUE(WaitUntil([&] { return server->Stats().sendfile_bytes == spliced; }));
  EXPECT_GT(server->Stats().sendfile_calls, 2u);
  // Once sent, the response released the file.
  EXPECT_TRUE(WaitUntil([&] {
    std::lock_guard<std::mutex> lock(mu);
    return watched.expired();
  }));
}

TEST_P(SocketServerTest, ASliceShorterThanItsFileClosesTheConnectionInsteadOfHanging) {
  LogCapture logs;
  TempFile file(1000);
  FunctionHandler handler([&](Request request, Responder responder) {
    FileSlice past_end{file.Open(), 500, 1000};  // the file ends 500 bytes into the slice
    responder.Send(SplicedResponse(request.correlation_id(), past_end, FileSlice{}));
  });
  auto server = Start(Config(), &handler);
  TestClient client = Connect(*server);
  ASSERT_TRUE(client.SendRequest(1, 11, 1).ok());
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_TRUE(WaitUntil([&] { return server->Stats().connections_open == 0; }));
}

TEST_P(SocketServerTest, ResponseWhoseSizePrefixIsWrongClosesTheConnection) {
  LogCapture logs;
  FunctionHandler handler([](Request request, Responder responder) {
    protocol::EncodedMessage m = MakeResponse(request.correlation_id());
    StoreBigEndian<int32_t>(m.bytes.data(), 1000);  // claims more than it has
    responder.Send(std::move(m));
  });
  auto server = Start(Config(), &handler);
  TestClient client = Connect(*server);
  ASSERT_TRUE(client.SendRequest(0, 7, 1).ok());
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_TRUE(logs.Contains("response size prefix 1000 does not match")) << logs.All();
}

TEST_P(SocketServerTest, AResponderDroppedUnansweredClosesItsConnectionWithAnError) {
  LogCapture logs;
  FunctionHandler handler([](Request, Responder) {});
  auto server = Start(Config(), &handler);
  TestClient client = Connect(*server);
  ASSERT_TRUE(client.SendRequest(9, 3, 31).ok());
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_TRUE(logs.Contains("correlation_id=31 was dropped by its handler")) << logs.All();
}

TEST_P(SocketServerTest, CloseConnectionWaitsForEarlierResponses) {
  ParkingHandler parking;
  auto server = Start(Config(), &parking);
  TestClient client = Connect(*server);
  ASSERT_TRUE(client.SendRequest(0, 7, 1).ok());
  ASSERT_TRUE(client.SendRequest(0, 7, 2).ok());
  auto parked = parking.Take(2);
  ASSERT_EQ(parked.size(), 2u);
  parked[1].responder.CloseConnection("malformed request");
  parked[0].responder.Send(MakeResponse(1));
  auto frame = client.ReadFrame();
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_EQ(CorrelationIdOf(*frame), 1);
  EXPECT_TRUE(client.WaitForClose());
}

TEST_P(SocketServerTest, LateCompletionsForAClosedConnectionAreDroppedAndReleaseTheirFiles) {
  TempFile file(4096);
  ParkingHandler parking;
  auto server = Start(Config(), &parking);
  std::vector<ParkingHandler::Parked> parked;
  {
    TestClient client = Connect(*server);
    ASSERT_TRUE(client.SendRequest(1, 11, 1).ok());
    ASSERT_TRUE(client.SendRequest(1, 11, 2).ok());
    parked = parking.Take(2);
    ASSERT_EQ(parked.size(), 2u);
  }  // the client goes away with both requests unanswered
  ASSERT_TRUE(WaitUntil([&] { return server->Stats().connections_open == 0; }));
  std::shared_ptr<const FileHandle> handle = file.Open();
  std::weak_ptr<const FileHandle> watched = handle;
  std::thread completer([&] {
    parked[1].responder.Send(SplicedResponse(2, FileSlice{handle, 0, 100}, FileSlice{}));
    parked[0].responder.Send(MakeResponse(1));
  });
  completer.join();
  handle.reset();
  EXPECT_TRUE(WaitUntil([&] { return server->Stats().completions_dropped == 2; }));
  EXPECT_TRUE(WaitUntil([&] { return watched.expired(); }));
}

TEST_P(SocketServerTest, BackPressureStopsReadingUntilResponsesAreWritten) {
  ParkingHandler parking;
  SocketServerConfig config = Config();
  config.max_inflight_requests_per_connection = 4;
  auto server = Start(config, &parking);
  TestClient client = Connect(*server);
  const int kRequests = 40;
  for (int i = 0; i < kRequests; ++i) ASSERT_TRUE(client.SendRequest(0, 7, i).ok());
  // All 40 are in the socket, but the server takes only 4 until some are answered.
  ASSERT_TRUE(WaitUntil([&] { return parking.handled() == 4; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(parking.handled(), 4u);
  int answered = 0;
  while (answered < kRequests) {
    auto parked = parking.Take(1);
    ASSERT_FALSE(parked.empty());
    // The server never holds more than the limit of unanswered requests for this connection.
    ASSERT_LE(parked.size(), 4u);
    for (auto& p : parked) p.responder.Send(MakeResponse(p.request.correlation_id()));
    for (size_t i = 0; i < parked.size(); ++i) {
      auto frame = client.ReadFrame();
      ASSERT_TRUE(frame.ok()) << frame.status().ToString();
      ASSERT_EQ(CorrelationIdOf(*frame), answered);
      ++answered;
    }
  }
  EXPECT_GT(server->Stats().read_pauses, 0u);
}

TEST_P(SocketServerTest, ConnectionsBeyondMaxConnectionsAreRefused) {
  EchoHandler echo;
  SocketServerConfig config = Config();
  config.max_connections = 2;
  auto server = Start(config, &echo);
  TestClient a = Connect(*server);
  std::optional<TestClient> b = Connect(*server);
  ASSERT_TRUE(WaitUntil([&] { return server->Stats().connections_open == 2; }));
  TestClient c = Connect(*server);  // the kernel completes the handshake; the server then closes it
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_EQ(server->Stats().connections_rejected, 1u);
  ASSERT_TRUE(a.SendRequest(18, 0, 1).ok());
  EXPECT_TRUE(a.ReadFrame().ok());
  // A slot frees up when one closes.
  b.reset();
  ASSERT_TRUE(WaitUntil([&] { return server->Stats().connections_open == 1; }));
  TestClient d = Connect(*server);
  ASSERT_TRUE(d.SendRequest(18, 0, 2).ok());
  auto frame = d.ReadFrame();
  EXPECT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_EQ(server->Stats().connections_rejected, 1u);
}

TEST_P(SocketServerTest, StopClosesConnectedClientsAndLateCompletionsAreSafe) {
  TempFile file(8192);
  ParkingHandler parking;
  SocketServerConfig config = Config();
  config.shutdown_drain_ms = 100;
  auto server = Start(config, &parking);
  TestClient idle = Connect(*server);
  TestClient waiting = Connect(*server);
  TestClient mid_frame = Connect(*server);
  ASSERT_TRUE(waiting.SendRequest(1, 11, 1).ok());
  auto parked = parking.Take(1);
  ASSERT_EQ(parked.size(), 1u);
  std::vector<uint8_t> half = testing::EncodeRequest(0, 7, 2, Pattern(1000, 1));
  half.resize(600);
  ASSERT_TRUE(mid_frame.SendRaw(half).ok());
  ASSERT_TRUE(WaitUntil([&] { return server->Stats().bytes_in >= 600 + 8; }));
  server->Stop();
  EXPECT_TRUE(idle.WaitForClose());
  EXPECT_TRUE(waiting.WaitForClose());
  EXPECT_TRUE(mid_frame.WaitForClose());
  EXPECT_EQ(server->Stats().connections_open, 0u);
  // The parked request is answered after the server stopped: dropped, and its file released.
  std::shared_ptr<const FileHandle> handle = file.Open();
  std::weak_ptr<const FileHandle> watched = handle;
  parked[0].responder.Send(SplicedResponse(1, FileSlice{std::move(handle), 0, 100}, FileSlice{}));
  EXPECT_TRUE(watched.expired());
  EXPECT_EQ(parking.handled(), 1u);
  // Connecting now fails: the listener is closed.
  EXPECT_FALSE(TestClient::Connect(server->port()).ok());
}

TEST_P(SocketServerTest, StopLetsInFlightResponsesFinishWithinTheDrainTime) {
  ParkingHandler parking;
  SocketServerConfig config = Config();
  config.shutdown_drain_ms = 20000;
  auto server = Start(config, &parking);
  TestClient client = Connect(*server);
  ASSERT_TRUE(client.SendRequest(1, 11, 8).ok());
  auto parked = parking.Take(1);
  ASSERT_EQ(parked.size(), 1u);
  std::thread stopper([&] { server->Stop(); });
  // Completed while the server drains: still delivered, then the connection closes.
  parked[0].responder.Send(MakeResponse(8));
  auto frame = client.ReadFrame();
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_EQ(CorrelationIdOf(*frame), 8);
  EXPECT_TRUE(client.WaitForClose());
  stopper.join();
}

INSTANTIATE_TEST_SUITE_P(Threading, SocketServerTest,
                         ::testing::Values(Mode{"LoopPerCore", 2, 0}, Mode{"OneLoop", 1, 0},
                                           Mode{"ReactorAndHandlerPool", 1, 2}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace kbench::broker
