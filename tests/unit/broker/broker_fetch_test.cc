// Fetch, ListOffsets and OffsetForLeaderEpoch through a real Broker on loopback: records come back
// as written, bounds (HW, max bytes, KIP-74's first batch), OFFSET_OUT_OF_RANGE, and the long poll:
// a waiting fetch is answered by the append that brings enough data, or empty at max_wait_ms.
#include <gtest/gtest.h>

#include <thread>

#include "tests/unit/broker/broker_test_util.h"

namespace kbench::broker::testing {
namespace {

using protocol::FetchResponse;
using storage::testing::MakeBatch;

constexpr int16_t kFetchV = 11;
constexpr int64_t kTs = 1'700'000'000'000;

class BrokerFetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = TestBroker::Start();
    ASSERT_TRUE(CreateTopic(*broker_, "t", 2).ok());
    auto c = KafkaTestClient::Connect(broker_->port());
    ASSERT_TRUE(c.ok());
    client_ = std::make_unique<KafkaTestClient>(std::move(*c));
  }

  void ProduceTo(int32_t partition, std::vector<uint8_t> batch) {
    auto c = KafkaTestClient::Connect(broker_->port());
    ASSERT_TRUE(c.ok());
    auto r = c->Call<protocol::ProduceResponse>(MakeProduce("t", partition, batch), 7);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->topics[0].partitions[0].error_code, ErrorCode::kNone);
  }

  // Values of the records in a fetch response partition.
  static std::vector<std::string> Values(const FetchResponse::Partition& p) {
    std::vector<std::string> out;
    auto records = storage::DecodeAllRecords(p.records.bytes());
    EXPECT_TRUE(records.ok()) << records.status().ToString();
    if (!records.ok()) return out;
    for (const storage::Record& r : *records) out.push_back(r.value.value_or(""));
    return out;
  }

  std::unique_ptr<TestBroker> broker_;
  std::unique_ptr<KafkaTestClient> client_;
};

TEST_F(BrokerFetchTest, ReturnsWhatWasProducedWithOffsetsAndWatermarks) {
  ProduceTo(0, MakeBatch(3, 8, kTs));
  ProduceTo(0, MakeBatch(2, 8, kTs));
  auto r = client_->Call<FetchResponse>(MakeFetch("t", 0, 0), kFetchV);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const FetchResponse::Partition& p = r->topics[0].partitions[0];
  EXPECT_EQ(p.error_code, ErrorCode::kNone);
  EXPECT_EQ(p.high_watermark, Offset(5));
  EXPECT_EQ(p.last_stable_offset, Offset(5));
  EXPECT_EQ(p.log_start_offset, Offset(0));
  auto records = storage::DecodeAllRecords(p.records.bytes());
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ((*records)[i].offset, Offset(i));
  EXPECT_EQ((*records)[3].value.value_or("").substr(0, 3), "v0-");
}

TEST_F(BrokerFetchTest, FetchFromTheMiddleStartsAtTheBatchHoldingTheOffset) {
  ProduceTo(0, MakeBatch(3));
  ProduceTo(0, MakeBatch(3));
  auto r = client_->Call<FetchResponse>(MakeFetch("t", 0, 4), kFetchV);
  ASSERT_TRUE(r.ok());
  auto records = storage::DecodeAllRecords(r->topics[0].partitions[0].records.bytes());
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 3u);  // the whole batch [3, 5]; the client skips offset 3
  EXPECT_EQ(records->front().offset, Offset(3));
}

TEST_F(BrokerFetchTest, ReadCommittedStopsAtTheHighWatermark) {
  ProduceTo(0, MakeBatch(4));
  protocol::FetchRequest req = MakeFetch("t", 0, 0);
  req.isolation_level = 1;
  auto r = client_->Call<FetchResponse>(req, kFetchV);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->topics[0].partitions[0].last_stable_offset, Offset(4));
  EXPECT_EQ(Values(r->topics[0].partitions[0]).size(), 4u);
}

TEST_F(BrokerFetchTest, OffsetBeyondTheLogEndIsOffsetOutOfRange) {
  ProduceTo(0, MakeBatch(2));
  auto r = client_->Call<FetchResponse>(MakeFetch("t", 0, 100), kFetchV);
  ASSERT_TRUE(r.ok());
  const FetchResponse::Partition& p = r->topics[0].partitions[0];
  EXPECT_EQ(p.error_code, ErrorCode::kOffsetOutOfRange);
  EXPECT_EQ(p.high_watermark, Offset(2));
  EXPECT_EQ(p.log_start_offset, Offset(0));
  EXPECT_EQ(p.records.size(), 0);
}

TEST_F(BrokerFetchTest, UnknownPartitionIsUnknownTopicOrPartition) {
  auto r = client_->Call<FetchResponse>(MakeFetch("t", 7, 0), kFetchV);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->topics[0].partitions[0].error_code, ErrorCode::kUnknownTopicOrPartition);
}

TEST_F(BrokerFetchTest, FirstBatchIsReturnedWholeEvenAboveTheLimits) {
  ProduceTo(0, MakeBatch(10, 100));
  ProduceTo(1, MakeBatch(10, 100));
  protocol::FetchRequest req = MakeFetch("t", 0, 0, 0, 1, /*partition_max_bytes=*/10);
  req.topics[0].partitions.push_back(req.topics[0].partitions[0]);
  req.topics[0].partitions[1].partition = PartitionId(1);
  auto r = client_->Call<FetchResponse>(req, kFetchV);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Values(r->topics[0].partitions[0]).size(), 10u);  // KIP-74: one whole batch
  EXPECT_EQ(r->topics[0].partitions[1].records.size(), 0);    // the limit holds after that
  EXPECT_EQ(r->topics[0].partitions[1].error_code, ErrorCode::kNone);
}

TEST_F(BrokerFetchTest, ResponseMaxBytesBoundsThePartitionsAfterTheFirst) {
  ProduceTo(0, MakeBatch(10, 100));
  ProduceTo(1, MakeBatch(10, 100));
  protocol::FetchRequest req = MakeFetch("t", 0, 0);
  req.topics[0].partitions.push_back(req.topics[0].partitions[0]);
  req.topics[0].partitions[1].partition = PartitionId(1);
  req.max_bytes = 500;
  auto r = client_->Call<FetchResponse>(req, kFetchV);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Values(r->topics[0].partitions[0]).size(), 10u);
  EXPECT_EQ(r->topics[0].partitions[1].records.size(), 0);
}

TEST_F(BrokerFetchTest, LongPollIsAnsweredByTheAppend) {
  // Waits up to 60 s for data; the produce below must end the wait with its records (a response
  // without them would mean the fetch expired instead of being woken).
  ASSERT_TRUE(client_->Send(MakeFetch("t", 0, 0, /*max_wait_ms=*/60000, 1), kFetchV).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the fetch park first
  ProduceTo(0, MakeBatch(3));
  auto r = client_->Receive<FetchResponse>(kFetchV, 90000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Values(r->body.topics[0].partitions[0]).size(), 3u);
}

TEST_F(BrokerFetchTest, LongPollWaitsForMinBytes) {
  const int64_t one_batch = static_cast<int64_t>(MakeBatch(5, 50).size());
  ASSERT_TRUE(
      client_->Send(MakeFetch("t", 0, 0, 60000, static_cast<int32_t>(one_batch + 1)), kFetchV)
          .ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ProduceTo(0, MakeBatch(5, 50));  // not enough yet
  ProduceTo(0, MakeBatch(5, 50));
  auto r = client_->Receive<FetchResponse>(kFetchV, 90000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Values(r->body.topics[0].partitions[0]).size(), 10u);
}

TEST_F(BrokerFetchTest, LongPollExpiresEmptyAtMaxWait) {
  auto r = client_->Call<FetchResponse>(MakeFetch("t", 0, 0, /*max_wait_ms=*/100, 1), kFetchV);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->topics[0].partitions[0].error_code, ErrorCode::kNone);
  EXPECT_EQ(r->topics[0].partitions[0].records.size(), 0);
  EXPECT_EQ(broker_->broker().replicas().pending_delayed_fetch(), 0u);
}

TEST_F(BrokerFetchTest, FencedAndUnknownLeaderEpochs) {
  protocol::FetchRequest req = MakeFetch("t", 0, 0);
  req.topics[0].partitions[0].current_leader_epoch = LeaderEpoch(3);
  auto r = client_->Call<FetchResponse>(req, kFetchV);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->topics[0].partitions[0].error_code, ErrorCode::kUnknownLeaderEpoch);
  req.topics[0].partitions[0].current_leader_epoch = LeaderEpoch(0);
  r = client_->Call<FetchResponse>(req, kFetchV);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->topics[0].partitions[0].error_code, ErrorCode::kNone);
}

TEST_F(BrokerFetchTest, FetchBelowV4IsUnsupportedForMessageFormat) {
  auto r = client_->Call<FetchResponse>(MakeFetch("t", 0, 0), 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->topics[0].partitions[0].error_code, ErrorCode::kUnsupportedForMessageFormat);
}

// ---- ListOffsets. ----

protocol::ListOffsetsRequest ListOffsets(int64_t timestamp, int32_t partition = 0) {
  protocol::ListOffsetsRequest req;
  protocol::ListOffsetsRequest::Partition p;
  p.partition_index = PartitionId(partition);
  p.timestamp = timestamp;
  req.topics.push_back({"t", {p}});
  return req;
}

TEST_F(BrokerFetchTest, ListOffsetsEarliestLatestAndByTimestamp) {
  ProduceTo(0, MakeBatch(10, 8, kTs));        // timestamps kTs .. kTs+9
  ProduceTo(0, MakeBatch(10, 8, kTs + 100));  // kTs+100 .. kTs+109
  auto latest = client_->Call<protocol::ListOffsetsResponse>(ListOffsets(-1), 2);
  auto earliest = client_->Call<protocol::ListOffsetsResponse>(ListOffsets(-2), 1);
  auto by_time = client_->Call<protocol::ListOffsetsResponse>(ListOffsets(kTs + 50), 2);
  auto exact = client_->Call<protocol::ListOffsetsResponse>(ListOffsets(kTs + 5), 2);
  auto none = client_->Call<protocol::ListOffsetsResponse>(ListOffsets(kTs + 1000), 2);
  ASSERT_TRUE(latest.ok() && earliest.ok() && by_time.ok() && exact.ok() && none.ok());
  EXPECT_EQ(latest->topics[0].partitions[0].offset, Offset(20));
  EXPECT_EQ(earliest->topics[0].partitions[0].offset, Offset(0));
  EXPECT_EQ(by_time->topics[0].partitions[0].offset, Offset(10));
  EXPECT_EQ(by_time->topics[0].partitions[0].timestamp, kTs + 100);
  EXPECT_EQ(exact->topics[0].partitions[0].offset, Offset(5));
  EXPECT_EQ(none->topics[0].partitions[0].offset, Offset(-1));
  EXPECT_EQ(none->topics[0].partitions[0].timestamp, -1);
}

TEST_F(BrokerFetchTest, ListOffsetsV0AnswersInOldStyleOffsets) {
  ProduceTo(0, MakeBatch(7));
  auto r = client_->Call<protocol::ListOffsetsResponse>(ListOffsets(-1), 0);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->topics[0].partitions[0].old_style_offsets.size(), 1u);
  EXPECT_EQ(r->topics[0].partitions[0].old_style_offsets[0], Offset(7));
}

TEST_F(BrokerFetchTest, ListOffsetsUnknownPartition) {
  auto r = client_->Call<protocol::ListOffsetsResponse>(ListOffsets(-1, 9), 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->topics[0].partitions[0].error_code, ErrorCode::kUnknownTopicOrPartition);
}

// ---- OffsetForLeaderEpoch. ----

TEST_F(BrokerFetchTest, OffsetForLeaderEpochFromTheEpochCache) {
  ProduceTo(0, MakeBatch(6));
  protocol::OffsetForLeaderEpochRequest req;
  protocol::OffsetForLeaderEpochRequest::Partition p;
  p.partition = PartitionId(0);
  p.leader_epoch = LeaderEpoch(0);
  p.current_leader_epoch = LeaderEpoch(0);
  req.topics.push_back({"t", {p}});
  auto r = client_->Call<protocol::OffsetForLeaderEpochResponse>(req, 3);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->topics[0].partitions[0].error_code, ErrorCode::kNone);
  EXPECT_EQ(r->topics[0].partitions[0].leader_epoch, LeaderEpoch(0));
  EXPECT_EQ(r->topics[0].partitions[0].end_offset, Offset(6));

  req.topics[0].partitions[0].current_leader_epoch = LeaderEpoch(4);
  r = client_->Call<protocol::OffsetForLeaderEpochResponse>(req, 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->topics[0].partitions[0].error_code, ErrorCode::kUnknownLeaderEpoch);

  req.topics[0].partitions[0].current_leader_epoch = LeaderEpoch(-1);
  req.topics[0].partitions[0].leader_epoch = LeaderEpoch(5);
  r = client_->Call<protocol::OffsetForLeaderEpochResponse>(req, 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->topics[0].partitions[0].end_offset, Offset(-1));
}

}  // namespace
}  // namespace kbench::broker::testing
