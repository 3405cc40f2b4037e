#include "harness/payload_format.h"

#include <gtest/gtest.h>

#include <vector>

#include "harness/clock_mapping.h"

namespace kbench::harness {
namespace {

TEST(PayloadFormat, HeaderRoundTripsAndLeavesPaddingAlone) {
  std::vector<uint8_t> msg(100, 0xAB);
  const PayloadHeader h{.producer_id = 7,
                        .sequence = 0x0102030405060708,
                        .intended_send_wall_ns = 1'700'000'000'123'456'789};
  EncodePayloadHeader(h, msg.data(), msg.size());
  auto back = DecodePayloadHeader(msg.data(), msg.size());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, h);
  for (size_t i = kPayloadHeaderSize; i < msg.size(); ++i) ASSERT_EQ(msg[i], 0xAB);
}

TEST(PayloadFormat, LayoutIsBigEndianAtDocumentedOffsets) {
  std::vector<uint8_t> msg(kPayloadHeaderSize);
  EncodePayloadHeader({.producer_id = 1, .sequence = 2, .intended_send_wall_ns = 3}, msg.data(),
                      msg.size());
  EXPECT_EQ(msg[0], 0x6B);
  EXPECT_EQ(msg[1], 0x62);
  EXPECT_EQ(msg[2], kPayloadVersion);
  EXPECT_EQ(msg[7], 1);
  EXPECT_EQ(msg[15], 2);
  EXPECT_EQ(msg[23], 3);
}

TEST(PayloadFormat, RefusesForeignOrShortMessages) {
  std::vector<uint8_t> msg(kPayloadHeaderSize);
  EncodePayloadHeader({}, msg.data(), msg.size());
  EXPECT_EQ(DecodePayloadHeader(msg.data(), 10).status().code(), StatusCode::kCorruption);
  msg[0] = 'x';
  EXPECT_FALSE(DecodePayloadHeader(msg.data(), msg.size()).ok());
  msg[0] = 0x6B;
  msg[2] = 9;
  EXPECT_NE(DecodePayloadHeader(msg.data(), msg.size()).status().message().find("version 9"),
            std::string_view::npos);
}

TEST(ClockMapping, MonotonicToWallIsConsistentBothWays) {
  ClockMapping m;
  const int64_t mono = MonoNanos();
  EXPECT_EQ(m.ToMono(m.ToWall(mono)), mono);
  // The mapped wall time is close to the real one (within a generous 1 s, a sanity check only).
  EXPECT_LT(std::abs(m.NowWall() - WallNanos()), 1'000'000'000);
}

}  // namespace
}  // namespace kbench::harness
