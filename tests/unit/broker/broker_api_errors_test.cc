// What the broker does with bytes it cannot serve: malformed frames, unknown API keys and
// versions, oversized frames, ApiVersions above its maximum; and that no byte sequence crashes or
// wedges it (mutated requests of every API at every version, then a normal request still works).
#include <gtest/gtest.h>

#include <random>

#include "core/base/byte_order.h"
#include "core/broker/api_dispatch.h"
#include "tests/unit/broker/broker_test_util.h"
#include "tests/unit/protocol/samples.h"

namespace kbench::broker::testing {
namespace {

using protocol::ApiKey;
using protocol::ApiVersionsResponse;

class BrokerApiErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override { broker_ = TestBroker::Start({"socket.request.max.bytes=65536"}); }

  KafkaTestClient Connect() {
    auto c = KafkaTestClient::Connect(broker_->port());
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(*c);
  }

  // The broker still answers a well-formed request on a new connection.
  void ExpectServing() {
    KafkaTestClient c = Connect();
    auto r = c.Call<ApiVersionsResponse>(protocol::ApiVersionsRequest{}, 2);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->error_code, ErrorCode::kNone);
  }

  std::unique_ptr<TestBroker> broker_;
};

TEST_F(BrokerApiErrorsTest, ApiVersionsAdvertisesTheDispatchTable) {
  KafkaTestClient c = Connect();
  auto r = c.Call<ApiVersionsResponse>(protocol::ApiVersionsRequest{}, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, AdvertisedApiVersions());
  auto find = [&](ApiKey key) -> std::pair<int, int> {
    for (const auto& row : r->api_keys) {
      if (row.api_key == key) return {row.min_version, row.max_version};
    }
    return {-1, -1};
  };
  EXPECT_EQ(find(ApiKey::kProduce), std::make_pair(0, 7));  // v0: librdkafka's codec gate
  EXPECT_EQ(find(ApiKey::kFindCoordinator), std::make_pair(0, 2));
  EXPECT_EQ(find(ApiKey::kJoinGroup), std::make_pair(0, 5));
  EXPECT_EQ(find(ApiKey::kOffsetFetch), std::make_pair(0, 5));
  EXPECT_EQ(find(ApiKey::kFetch), std::make_pair(4, 11));
  EXPECT_EQ(find(ApiKey::kMetadata), std::make_pair(0, 8));
  EXPECT_EQ(find(ApiKey::kApiVersions), std::make_pair(0, 2));
  EXPECT_EQ(find(ApiKey::kInitProducerId), std::make_pair(0, 1));
  EXPECT_EQ(find(ApiKey::kCreateTopics), std::make_pair(0, 4));
}

TEST_F(BrokerApiErrorsTest, DispatchTableMatchesTheCodec) {
  for (const ApiHandlerEntry& e : DispatchTable()) {
    const protocol::ApiSupport* api = protocol::FindApi(e.key);
    ASSERT_NE(api, nullptr) << static_cast<int>(e.key);
    EXPECT_EQ(e.min_version, 0) << api->name;
    EXPECT_EQ(e.max_version, api->max_version) << api->name;
  }
}

TEST_F(BrokerApiErrorsTest, ApiVersionsAboveTheMaximumGetsKafkasV0Reply) {
  KafkaTestClient c = Connect();
  std::span<const uint8_t> frame = protocol::testing::LibrdkafkaApiVersionsV3Frame();
  std::vector<uint8_t> sized(4);
  StoreBigEndian<int32_t>(sized.data(), static_cast<int32_t>(frame.size()));
  sized.insert(sized.end(), frame.begin(), frame.end());
  ASSERT_TRUE(c.raw().SendRaw(sized).ok());
  auto r = c.Receive<ApiVersionsResponse>(0);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->header.correlation_id, 1);
  EXPECT_EQ(r->body.error_code, ErrorCode::kUnsupportedVersion);
  // The connection stays usable: the client retries at a supported version.
  auto again = c.Call<ApiVersionsResponse>(protocol::ApiVersionsRequest{}, 2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->error_code, ErrorCode::kNone);
}

TEST_F(BrokerApiErrorsTest, UnknownApiKeyClosesTheConnection) {
  KafkaTestClient c = Connect();
  ASSERT_TRUE(c.raw().SendRequest(999, 0, 5).ok());
  EXPECT_TRUE(c.raw().WaitForClose());
  ExpectServing();
}

TEST_F(BrokerApiErrorsTest, UnsupportedVersionClosesTheConnection) {
  KafkaTestClient c = Connect();
  ASSERT_TRUE(c.raw().SendRequest(static_cast<int16_t>(ApiKey::kMetadata), 9, 5).ok());
  EXPECT_TRUE(c.raw().WaitForClose());
  ExpectServing();
}

TEST_F(BrokerApiErrorsTest, FrameTooShortForAHeaderClosesTheConnection) {
  KafkaTestClient c = Connect();
  const uint8_t frame[] = {0, 0, 0, 3, 0, 3, 0};
  ASSERT_TRUE(c.raw().SendRaw(frame).ok());
  EXPECT_TRUE(c.raw().WaitForClose());
  ExpectServing();
}

TEST_F(BrokerApiErrorsTest, TruncatedBodyClosesTheConnection) {
  KafkaTestClient c = Connect();
  std::vector<uint8_t> body = {0, 0, 0, 5, 0, 1};  // Metadata v1: a topic array cut short
  ASSERT_TRUE(c.raw().SendRequest(static_cast<int16_t>(ApiKey::kMetadata), 1, 5, body).ok());
  EXPECT_TRUE(c.raw().WaitForClose());
  ExpectServing();
}

TEST_F(BrokerApiErrorsTest, OversizedFrameIsRefusedBeforeReading) {
  KafkaTestClient c = Connect();
  uint8_t prefix[4];
  StoreBigEndian<int32_t>(prefix, 1 << 30);  // 1 GiB, far above socket.request.max.bytes
  ASSERT_TRUE(c.raw().SendRaw(prefix).ok());
  EXPECT_TRUE(c.raw().WaitForClose());
  ExpectServing();
}

TEST_F(BrokerApiErrorsTest, NegativeFrameSizeClosesTheConnection) {
  KafkaTestClient c = Connect();
  const uint8_t prefix[] = {0xff, 0xff, 0xff, 0xf0};
  ASSERT_TRUE(c.raw().SendRaw(prefix).ok());
  EXPECT_TRUE(c.raw().WaitForClose());
  ExpectServing();
}

// Every API at every version, as sampled or mutated (bit flips, truncation, random bytes), each on
// its own connection and followed by an ApiVersions request: the broker answers, or closes, or
// holds a long poll, but never crashes, and keeps serving.
TEST_F(BrokerApiErrorsTest, MutatedRequestsNeverBreakTheBroker) {
  std::vector<protocol::testing::SeedFrame> seeds = protocol::testing::SeedRequestFrames();
  ASSERT_FALSE(seeds.empty());
  std::mt19937 rng(20261122);
  constexpr int kRounds = 1500;
  int answered = 0, closed = 0;
  for (int i = 0; i < kRounds; ++i) {
    std::vector<uint8_t> frame = seeds[rng() % seeds.size()].frame;
    switch (rng() % 5) {
      case 0:  // flip a few bytes
        for (int k = 0; k < 1 + static_cast<int>(rng() % 4) && !frame.empty(); ++k) {
          frame[rng() % frame.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
        }
        break;
      case 1:  // truncate
        frame.resize(rng() % (frame.size() + 1));
        break;
      case 2:  // random tail
        frame.resize(std::min<size_t>(frame.size(), 8 + rng() % 16));
        for (int k = 0; k < 64; ++k) frame.push_back(static_cast<uint8_t>(rng()));
        break;
      case 3:  // a large count somewhere
        if (frame.size() > 12) {
          StoreBigEndian<int32_t>(frame.data() + 8 + rng() % (frame.size() - 11), 0x7ffffff0);
        }
        break;
      default:  // unchanged: every handler sees the sample request of every version
        break;
    }
    // Keep long polls short so a mutated Fetch does not hold the connection for days.
    if (frame.size() >= 8 && LoadBigEndian<int16_t>(frame.data()) == 1) {
      frame.resize(std::min<size_t>(frame.size(), 64));
    }
    KafkaTestClient c = Connect();
    std::vector<uint8_t> sized(4);
    StoreBigEndian<int32_t>(sized.data(), static_cast<int32_t>(frame.size()));
    sized.insert(sized.end(), frame.begin(), frame.end());
    ASSERT_TRUE(c.raw().SendRaw(sized).ok());
    (void)c.raw().SendRequest(static_cast<int16_t>(ApiKey::kApiVersions), 2, 0x7eadbeef);
    // Read until the ApiVersions answer or the close; whatever came first was the mutated
    // request's answer.
    for (int k = 0; k < 3; ++k) {
      auto f = c.raw().ReadFrame(2000);
      if (!f.ok()) {
        ++closed;
        break;
      }
      if (f->size() >= 4 && LoadBigEndian<int32_t>(f->data()) == 0x7eadbeef) {
        ++answered;
        break;
      }
    }
  }
  EXPECT_GT(answered, 0);
  EXPECT_GT(closed, 0);
  ExpectServing();
  EXPECT_GT(broker_->broker().apis().counters().malformed.load(), 0);
}

}  // namespace
}  // namespace kbench::broker::testing
