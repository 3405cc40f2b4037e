#include "harness/payload_generator.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <map>

namespace kbench::harness {
namespace {

Workload Fixed(int32_t size, double random_ratio) {
  Workload w;
  w.message_size.kind = MessageSizeSpec::Kind::kFixed;
  w.message_size.size = size;
  w.random_bytes_ratio = random_ratio;
  return w;
}

size_t Compressed(std::span<const uint8_t> bytes) {
  uLongf n = compressBound(static_cast<uLong>(bytes.size()));
  std::vector<uint8_t> out(n);
  compress2(out.data(), &n, bytes.data(), static_cast<uLong>(bytes.size()), 6);
  return n;
}

TEST(PayloadGenerator, BuildsMessagesOfTheSizeWithTheHeader) {
  auto g = PayloadGenerator::Create(Fixed(1024, 1.0), 1);
  ASSERT_TRUE(g.ok());
  const int32_t size = g->NextSize();
  EXPECT_EQ(size, 1024);
  auto msg = g->Build({.producer_id = 3, .sequence = 9, .intended_send_wall_ns = 77}, size);
  ASSERT_EQ(msg.size(), 1024u);
  auto h = DecodePayloadHeader(msg.data(), msg.size());
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->producer_id, 3u);
  EXPECT_EQ(h->sequence, 9u);
}

TEST(PayloadGenerator, RandomBytesRatioControlsCompressibility) {
  auto random = PayloadGenerator::Create(Fixed(4096, 1.0), 1);
  auto half = PayloadGenerator::Create(Fixed(4096, 0.5), 1);
  auto zeros = PayloadGenerator::Create(Fixed(4096, 0.0), 1);
  const PayloadHeader h{};
  EXPECT_GT(Compressed(random->Build(h, 4096)), 4000u);
  const size_t mid = Compressed(half->Build(h, 4096));
  EXPECT_GT(mid, 1900u);
  EXPECT_LT(mid, 2300u);
  EXPECT_LT(Compressed(zeros->Build(h, 4096)), 100u);
}

TEST(PayloadGenerator, SizeDistributionsAreHonoured) {
  Workload w = Fixed(0, 1.0);
  w.message_size.kind = MessageSizeSpec::Kind::kUniform;
  w.message_size.min = 100;
  w.message_size.max = 200;
  auto u = PayloadGenerator::Create(w, 2);
  ASSERT_TRUE(u.ok());
  int32_t lo = 1'000'000, hi = 0;
  for (int i = 0; i < 10'000; ++i) {
    const int32_t s = u->NextSize();
    lo = std::min(lo, s);
    hi = std::max(hi, s);
    ASSERT_EQ(u->Build({}, s).size(), static_cast<size_t>(s));
  }
  EXPECT_EQ(lo, 100);
  EXPECT_EQ(hi, 200);
  w.message_size.kind = MessageSizeSpec::Kind::kWeighted;
  w.message_size.weighted = {{100, 3}, {1000, 1}};
  auto wt = PayloadGenerator::Create(w, 2);
  std::map<int32_t, int> counts;
  for (int i = 0; i < 40'000; ++i) counts[wt->NextSize()]++;
  EXPECT_NEAR(counts[100] / 40'000.0, 0.75, 0.02);
}

}  // namespace
}  // namespace kbench::harness
