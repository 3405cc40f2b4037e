// FrameReader over a socketpair, and the server's size limit checked against every allocation the
// process makes: this binary replaces the global operator new to record the largest request.
#include "core/broker/frame_reader.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

#include "core/base/byte_order.h"
#include "core/broker/socket_server.h"
#include "tests/unit/broker/test_client.h"
#include "tests/unit/broker/test_handlers.h"

namespace {
std::atomic<size_t> g_largest_allocation{0};

void* TrackedAlloc(size_t n) {
  size_t seen = g_largest_allocation.load(std::memory_order_relaxed);
  while (n > seen && !g_largest_allocation.compare_exchange_weak(seen, n)) {
  }
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(size_t n) { return TrackedAlloc(n); }
void* operator new[](size_t n) { return TrackedAlloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace kbench::broker {
namespace {

class SocketPair {
 public:
  SocketPair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    reader_ = fds[0];
    writer_ = fds[1];
  }
  ~SocketPair() {
    ::close(reader_);
    if (writer_ >= 0) ::close(writer_);
  }
  int reader() const { return reader_; }
  void Write(const uint8_t* data, size_t n) {
    ASSERT_EQ(::write(writer_, data, n), static_cast<ssize_t>(n));
  }
  void CloseWriter() {
    ::close(writer_);
    writer_ = -1;
  }

 private:
  int reader_;
  int writer_;
};

std::vector<uint8_t> Frame(size_t payload, uint8_t seed) {
  std::vector<uint8_t> f(4 + payload);
  StoreBigEndian<int32_t>(f.data(), static_cast<int32_t>(payload));
  for (size_t i = 0; i < payload; ++i) f[4 + i] = static_cast<uint8_t>(seed + i * 7);
  return f;
}

// Reads until would-block, collecting frames.
std::vector<std::vector<uint8_t>> Drain(FrameReader& reader, int fd) {
  std::vector<std::vector<uint8_t>> out;
  for (;;) {
    auto next = reader.NextFrame();
    EXPECT_TRUE(next.ok()) << next.status().ToString();
    if (!next.ok()) return out;
    if (next->has_value()) {
      out.emplace_back((*next)->data(), (*next)->data() + (*next)->size());
      continue;
    }
    size_t n = 0;
    auto fill = reader.FillFrom(fd, &n);
    EXPECT_TRUE(fill.ok());
    if (!fill.ok() || (*fill != FrameReader::Fill::kData && *fill != FrameReader::Fill::kDrained)) {
      return out;
    }
  }
}

TEST(FrameReaderTest, ManySmallFramesArrivingTogetherAreSplitApart) {
  SocketPair pair;
  FrameReader reader(1 << 20);
  std::vector<uint8_t> all;
  for (int i = 0; i < 300; ++i) {
    auto f = Frame(8 + i % 50, static_cast<uint8_t>(i));
    all.insert(all.end(), f.begin(), f.end());
  }
  pair.Write(all.data(), all.size());
  auto frames = Drain(reader, pair.reader());
  ASSERT_EQ(frames.size(), 300u);
  for (int i = 0; i < 300; ++i) {
    auto expected = Frame(8 + i % 50, static_cast<uint8_t>(i));
    EXPECT_EQ(frames[i], std::vector<uint8_t>(expected.begin() + 4, expected.end()));
  }
  EXPECT_EQ(reader.buffered_bytes(), 0u);
}

TEST(FrameReaderTest, LargeAndSmallFramesSurviveArbitraryChunking) {
  std::mt19937 rng(5);
  std::vector<size_t> sizes = {
      8,   200 * 1024, 9, FrameReader::kStagingBytes - 4, FrameReader::kStagingBytes - 3,
      100, 1 << 20,    8};
  std::vector<uint8_t> all;
  for (size_t i = 0; i < sizes.size(); ++i) {
    auto f = Frame(sizes[i], static_cast<uint8_t>(i));
    all.insert(all.end(), f.begin(), f.end());
  }
  for (int trial = 0; trial < 5; ++trial) {
    SocketPair pair;
    FrameReader reader(2 << 20);
    std::vector<std::vector<uint8_t>> frames;
    size_t sent = 0;
    while (sent < all.size()) {
      size_t chunk =
          std::min<size_t>(all.size() - sent, trial == 0 ? 1 + rng() % 3 : rng() % 70000 + 1);
      if (trial == 0 && sent > 100) chunk = std::min<size_t>(all.size() - sent, 100000);
      pair.Write(all.data() + sent, chunk);
      sent += chunk;
      auto got = Drain(reader, pair.reader());
      frames.insert(frames.end(), got.begin(), got.end());
    }
    ASSERT_EQ(frames.size(), sizes.size()) << "trial " << trial;
    for (size_t i = 0; i < sizes.size(); ++i) {
      auto expected = Frame(sizes[i], static_cast<uint8_t>(i));
      ASSERT_EQ(frames[i], std::vector<uint8_t>(expected.begin() + 4, expected.end()))
          << "frame " << i << " trial " << trial;
    }
  }
}

TEST(FrameReaderTest, EndOfStreamMidFrameReportsTheBufferedBytes) {
  SocketPair pair;
  FrameReader reader(1 << 20);
  auto f = Frame(100000, 1);
  pair.Write(f.data(), 50000);
  pair.CloseWriter();
  auto frames = Drain(reader, pair.reader());
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(reader.buffered_bytes(), 50000u - 4);
  size_t n = 0;
  auto fill = reader.FillFrom(pair.reader(), &n);
  ASSERT_TRUE(fill.ok());
  EXPECT_EQ(*fill, FrameReader::Fill::kEndOfStream);
}

TEST(FrameReaderTest, OversizedNegativeAndShortSizesFailWithoutAllocating) {
  for (int32_t size : {std::numeric_limits<int32_t>::max(), (100 << 20) + 1, -1, -100000, 7}) {
    SocketPair pair;
    FrameReader reader(100 << 20);
    uint8_t prefix[4];
    StoreBigEndian<int32_t>(prefix, size);
    pair.Write(prefix, 4);
    size_t n = 0;
    ASSERT_TRUE(reader.FillFrom(pair.reader(), &n).ok());
    g_largest_allocation = 0;
    auto next = reader.NextFrame();
    EXPECT_FALSE(next.ok()) << size;
    EXPECT_LT(g_largest_allocation.load(), 4096u) << size;
  }
}

TEST(FrameReaderTest, ServerDisconnectsAnOversizedClientWithoutAllocatingItsFrame) {
  testing::LogCapture logs;
  testing::EchoHandler echo;
  SocketServerConfig config;
  config.listener = {"127.0.0.1", 0};
  config.network_threads = 2;  // socket.request.max.bytes stays at its 100 MiB default
  SocketServer server(config, &echo);
  ASSERT_TRUE(server.Start().ok());
  auto client = testing::TestClient::Connect(server.port());
  ASSERT_TRUE(client.ok());
  // A normal request first, so every lazily allocated buffer exists before the measurement.
  ASSERT_TRUE(client->SendRequest(18, 0, 1).ok());
  ASSERT_TRUE(client->ReadFrame().ok());
  g_largest_allocation = 0;
  std::vector<uint8_t> oversized(64, 0xAB);  // a size prefix of 1 GiB, then some body bytes
  StoreBigEndian<int32_t>(oversized.data(), 1 << 30);
  ASSERT_TRUE(client->SendRaw(oversized).ok());
  EXPECT_TRUE(client->WaitForClose());
  EXPECT_LT(g_largest_allocation.load(), size_t{1} << 20);
  EXPECT_TRUE(logs.Contains("request size 1073741824 exceeds socket.request.max.bytes 104857600"))
      << logs.All();
  server.Stop();
}

}  // namespace
}  // namespace kbench::broker
