#include "tests/unit/protocol/samples.h"

#include <array>
#include <cstdlib>

#include "core/base/byte_order.h"

namespace kbench::protocol::testing {
namespace {

std::array<uint8_t, 80>& RecordStorage() {
  static std::array<uint8_t, 80> bytes = [] {
    std::array<uint8_t, 80> b{};
    StoreBigEndian<int64_t>(b.data(), 0);       // base offset
    StoreBigEndian<int32_t>(b.data() + 8, 68);  // batch length
    b[16] = 2;                                  // magic
    for (size_t i = 17; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i * 7);
    return b;
  }();
  return bytes;
}

using namespace std::literals;

std::vector<uint8_t> Blob(std::string_view s) { return std::vector<uint8_t>(s.begin(), s.end()); }

ProduceRequest SampleProduce() {
  ProduceRequest m;
  m.transactional_id = "txn-1";
  m.acks = 1;
  m.timeout_ms = 1500;
  m.topics = {
      {"orders", {{PartitionId(0), {SampleRecordBytes(), false}}, {PartitionId(3), {{}, true}}}},
      {"payments", {{PartitionId(1), {SampleRecordBytes().first(61), false}}}}};
  return m;
}

FetchRequest SampleFetch() {
  FetchRequest m;
  m.replica_id = BrokerId(2);
  m.max_wait_ms = 500;
  m.min_bytes = 1;
  m.max_bytes = 52428800;
  m.isolation_level = 1;
  m.session_id = 7;
  m.session_epoch = 3;
  m.topics = {{"orders",
               {{PartitionId(0), LeaderEpoch(4), Offset(100), Offset(5), 1048576},
                {PartitionId(1), LeaderEpoch(4), Offset(200), Offset(6), 65536}}}};
  m.forgotten_topics = {{"old", {PartitionId(2), PartitionId(9)}}};
  m.rack_id = "rack-a";
  return m;
}

ListOffsetsRequest SampleListOffsets() {
  ListOffsetsRequest m;
  m.replica_id = BrokerId(-1);
  m.isolation_level = 1;
  m.topics = {
      {"orders", {{PartitionId(0), kListOffsetsEarliest, 1}, {PartitionId(1), 1700000000000, 1}}}};
  return m;
}

MetadataRequest SampleMetadata() {
  MetadataRequest m;
  m.topics = std::vector<std::string>{"orders", "payments"};
  m.allow_auto_topic_creation = false;
  m.include_cluster_authorized_operations = true;
  m.include_topic_authorized_operations = true;
  return m;
}

OffsetCommitRequest SampleOffsetCommit() {
  OffsetCommitRequest m;
  m.group_id = "billing";
  m.generation_id = 12;
  m.member_id = "rdkafka-1b2c";
  m.group_instance_id = "instance-1";
  m.topics = {{"orders",
               {{PartitionId(0), Offset(41), LeaderEpoch(3), -1, "meta"},
                {PartitionId(1), Offset(77), LeaderEpoch(3), -1, std::nullopt}}}};
  return m;
}

OffsetFetchRequest SampleOffsetFetch() {
  OffsetFetchRequest m;
  m.group_id = "billing";
  m.topics = std::vector<OffsetFetchRequest::Topic>{{"orders", {PartitionId(0), PartitionId(1)}}};
  return m;
}

JoinGroupRequest SampleJoinGroup() {
  JoinGroupRequest m;
  m.group_id = "billing";
  m.session_timeout_ms = 45000;
  m.rebalance_timeout_ms = 300000;
  m.member_id = "rdkafka-1b2c";
  m.group_instance_id = "instance-1";
  m.protocol_type = "consumer";
  m.protocols = {{"range", Blob("\x00\x01subscription"sv)}, {"roundrobin", Blob("rr")}};
  return m;
}

SyncGroupRequest SampleSyncGroup() {
  SyncGroupRequest m;
  m.group_id = "billing";
  m.generation_id = 12;
  m.member_id = "rdkafka-1b2c";
  m.group_instance_id = "instance-1";
  m.assignments = {{"rdkafka-1b2c", Blob("assignment-a")}, {"rdkafka-9f8e", {}}};
  return m;
}

HeartbeatRequest SampleHeartbeat() {
  return HeartbeatRequest{"billing", 12, "rdkafka-1b2c", "instance-1"};
}

CreateTopicsRequest SampleCreateTopics() {
  CreateTopicsRequest m;
  m.topics = {{"orders", 6, 3, {}, {{"cleanup.policy", "compact"}, {"retention.ms", std::nullopt}}},
              {"manual", -1, -1, {{PartitionId(0), {BrokerId(1), BrokerId(2)}}}, {}}};
  m.timeout_ms = 30000;
  m.validate_only = true;
  return m;
}

OffsetForLeaderEpochRequest SampleOffsetForLeaderEpoch() {
  OffsetForLeaderEpochRequest m;
  m.replica_id = BrokerId(3);
  m.topics = {{"orders",
               {{PartitionId(0), LeaderEpoch(5), LeaderEpoch(4)},
                {PartitionId(2), LeaderEpoch(5), LeaderEpoch(2)}}}};
  return m;
}

MetadataResponse SampleMetadataResponse() {
  MetadataResponse m;
  m.throttle_time_ms = 5;
  m.brokers = {{BrokerId(1), "broker-1", 9092, "rack-a"},
               {BrokerId(2), "broker-2", 9093, std::nullopt}};
  m.cluster_id = "kbench-cluster";
  m.controller_id = BrokerId(1);
  MetadataResponse::Partition p0{
      ErrorCode::kNone,           PartitionId(0), BrokerId(1),  LeaderEpoch(4),
      {BrokerId(1), BrokerId(2)}, {BrokerId(1)},  {BrokerId(2)}};
  MetadataResponse::Partition p1{ErrorCode::kLeaderNotAvailable,
                                 PartitionId(1),
                                 BrokerId(-1),
                                 LeaderEpoch(2),
                                 {BrokerId(2)},
                                 {},
                                 {}};
  m.topics = {{ErrorCode::kNone, "orders", true, {p0, p1}, 0x0ff8},
              {ErrorCode::kUnknownTopicOrPartition, "missing", false, {}, 0}};
  m.cluster_authorized_operations = 0x0100;
  return m;
}

FetchResponse SampleFetchResponse() {
  FetchResponse m;
  m.throttle_time_ms = 3;
  m.error_code = ErrorCode::kNone;
  m.session_id = 9;
  FetchResponse::Partition p0;
  p0.partition_index = PartitionId(0);
  p0.high_watermark = Offset(120);
  p0.last_stable_offset = Offset(118);
  p0.log_start_offset = Offset(10);
  p0.aborted_transactions =
      std::vector<FetchResponse::AbortedTransaction>{{ProducerId(77), Offset(100)}};
  p0.preferred_read_replica = BrokerId(2);
  p0.records = FetchRecords::Bytes(SampleRecordBytes());
  FetchResponse::Partition p1;
  p1.partition_index = PartitionId(1);
  p1.error_code = ErrorCode::kOffsetOutOfRange;
  p1.high_watermark = Offset(7);
  p1.last_stable_offset = Offset(7);
  p1.log_start_offset = Offset(0);
  p1.records = FetchRecords::Null();
  m.topics = {{"orders", {p0, p1}}};
  return m;
}

ProduceResponse SampleProduceResponse() {
  ProduceResponse m;
  m.topics = {{"orders",
               {{PartitionId(0), ErrorCode::kNone, Offset(1000), 1700000000123, Offset(10)},
                {PartitionId(3), ErrorCode::kNotLeaderOrFollower, Offset(-1), -1, Offset(-1)}}}};
  m.throttle_time_ms = 11;
  return m;
}

ListOffsetsResponse SampleListOffsetsResponse() {
  ListOffsetsResponse m;
  m.throttle_time_ms = 2;
  m.topics = {{"orders",
               {{PartitionId(0), ErrorCode::kNone, {}, 1700000000000, Offset(42)},
                {PartitionId(1), ErrorCode::kUnknownTopicOrPartition, {}, -1, Offset(-1)}}}};
  return m;
}

OffsetFetchResponse SampleOffsetFetchResponse() {
  OffsetFetchResponse m;
  m.throttle_time_ms = 4;
  m.topics = {{"orders",
               {{PartitionId(0), Offset(41), LeaderEpoch(3), "meta", ErrorCode::kNone},
                {PartitionId(1), Offset(-1), LeaderEpoch(-1), std::nullopt,
                 ErrorCode::kUnknownTopicOrPartition}}}};
  m.error_code = ErrorCode::kCoordinatorLoadInProgress;
  return m;
}

JoinGroupResponse SampleJoinGroupResponse() {
  JoinGroupResponse m;
  m.throttle_time_ms = 6;
  m.error_code = ErrorCode::kNone;
  m.generation_id = 12;
  m.protocol_name = "range";
  m.leader = "rdkafka-1b2c";
  m.member_id = "rdkafka-1b2c";
  m.members = {{"rdkafka-1b2c", "instance-1", Blob("sub-a")},
               {"rdkafka-9f8e", std::nullopt, Blob("sub-b")}};
  return m;
}

}  // namespace

std::span<uint8_t> SampleRecordBytes() { return RecordStorage(); }

RequestBody SampleRequest(ApiKey key) {
  switch (key) {
    case ApiKey::kProduce:
      return SampleProduce();
    case ApiKey::kFetch:
      return SampleFetch();
    case ApiKey::kListOffsets:
      return SampleListOffsets();
    case ApiKey::kMetadata:
      return SampleMetadata();
    case ApiKey::kOffsetCommit:
      return SampleOffsetCommit();
    case ApiKey::kOffsetFetch:
      return SampleOffsetFetch();
    case ApiKey::kFindCoordinator:
      return FindCoordinatorRequest{"billing", 1};
    case ApiKey::kJoinGroup:
      return SampleJoinGroup();
    case ApiKey::kHeartbeat:
      return SampleHeartbeat();
    case ApiKey::kLeaveGroup:
      return LeaveGroupRequest{"billing", "rdkafka-1b2c"};
    case ApiKey::kSyncGroup:
      return SampleSyncGroup();
    case ApiKey::kApiVersions:
      return ApiVersionsRequest{};
    case ApiKey::kCreateTopics:
      return SampleCreateTopics();
    case ApiKey::kDeleteTopics:
      return DeleteTopicsRequest{{"orders", "payments"}, 15000};
    case ApiKey::kInitProducerId:
      return InitProducerIdRequest{"txn-1", 60000};
    case ApiKey::kOffsetForLeaderEpoch:
      return SampleOffsetForLeaderEpoch();
  }
  std::abort();  // a key outside SupportedApis(): a bug in the test
}

ResponseBody SampleResponse(ApiKey key) {
  switch (key) {
    case ApiKey::kProduce:
      return SampleProduceResponse();
    case ApiKey::kFetch:
      return SampleFetchResponse();
    case ApiKey::kListOffsets:
      return SampleListOffsetsResponse();
    case ApiKey::kMetadata:
      return SampleMetadataResponse();
    case ApiKey::kOffsetCommit:
      return OffsetCommitResponse{8,
                                  {{"orders",
                                    {{PartitionId(0), ErrorCode::kNone},
                                     {PartitionId(1), ErrorCode::kIllegalGeneration}}}}};
    case ApiKey::kOffsetFetch:
      return SampleOffsetFetchResponse();
    case ApiKey::kFindCoordinator:
      return FindCoordinatorResponse{9, ErrorCode::kNone, "found", BrokerId(2), "broker-2", 9093};
    case ApiKey::kJoinGroup:
      return SampleJoinGroupResponse();
    case ApiKey::kHeartbeat:
      return HeartbeatResponse{1, ErrorCode::kRebalanceInProgress};
    case ApiKey::kLeaveGroup:
      return LeaveGroupResponse{1, ErrorCode::kUnknownMemberId};
    case ApiKey::kSyncGroup:
      return SyncGroupResponse{2, ErrorCode::kNone, Blob("assignment-a")};
    case ApiKey::kApiVersions: {
      ApiVersionsResponse m = ApiVersionsResponse::Supported();
      m.throttle_time_ms = 7;
      return m;
    }
    case ApiKey::kCreateTopics:
      return CreateTopicsResponse{3,
                                  {{"orders", ErrorCode::kNone, std::nullopt},
                                   {"exists", ErrorCode::kTopicAlreadyExists, "already there"}}};
    case ApiKey::kDeleteTopics:
      return DeleteTopicsResponse{
          4, {{"orders", ErrorCode::kNone}, {"missing", ErrorCode::kUnknownTopicOrPartition}}};
    case ApiKey::kInitProducerId:
      return InitProducerIdResponse{5, ErrorCode::kNone, ProducerId(4000), ProducerEpoch(2)};
    case ApiKey::kOffsetForLeaderEpoch:
      return OffsetForLeaderEpochResponse{
          6,
          {{"orders",
            {{ErrorCode::kNone, PartitionId(0), LeaderEpoch(4), Offset(1234)},
             {ErrorCode::kFencedLeaderEpoch, PartitionId(2), LeaderEpoch(-1), Offset(-1)}}}}};
  }
  std::abort();
}

std::span<const uint8_t> LibrdkafkaApiVersionsV3Frame() {
  // Captured with `kcat -L -b 127.0.0.1:PORT` (librdkafka 2.0.2) against a listener that saved the
  // first frame: api_key 18, api_version 3, correlation_id 1, client_id "rdkafka", header tagged
  // fields (0), then the flexible v3 body: compact strings "librdkafka" and "2.0.2", tagged fields
  // (0).
  static constexpr std::array<uint8_t, 36> kFrame = {
      0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0x72, 0x64,
      0x6b, 0x61, 0x66, 0x6b, 0x61, 0x00, 0x0b, 0x6c, 0x69, 0x62, 0x72, 0x64,
      0x6b, 0x61, 0x66, 0x6b, 0x61, 0x06, 0x32, 0x2e, 0x30, 0x2e, 0x32, 0x00};
  return kFrame;
}

std::vector<SeedFrame> SeedRequestFrames() {
  std::vector<SeedFrame> seeds;
  for (const ApiSupport& api : SupportedApis()) {
    RequestBody body = SampleRequest(api.key);
    for (int16_t v = 0; v <= api.max_version; ++v) {
      RequestHeader header{api.key, v, 1000 + v, "kbench-seed"};
      Result<EncodedMessage> msg = EncodeRequest(header, body);
      if (!msg.ok())
        std::abort();  // samples encode at every version; the round-trip test says why not
      seeds.push_back({std::string(api.name) + "_v" + std::to_string(v),
                       std::vector<uint8_t>(msg->bytes.begin() + 4, msg->bytes.end())});
    }
  }
  std::span<const uint8_t> rdkafka = LibrdkafkaApiVersionsV3Frame();
  seeds.push_back({"ApiVersions_v3_librdkafka", {rdkafka.begin(), rdkafka.end()}});
  return seeds;
}

}  // namespace kbench::protocol::testing
