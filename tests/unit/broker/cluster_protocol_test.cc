// The kbench cluster APIs' wire format (core/protocol/cluster_request.h): every message round
// trips, every truncation is an error naming a field, and keys outside the range are refused; the
// controller's metadata deltas (metadata_changes.h); the member-list and cluster-file parsers.
#include <gtest/gtest.h>

#include <fstream>

#include "core/broker/cluster_config.h"
#include "core/broker/metadata_changes.h"
#include "core/protocol/cluster_request.h"
#include "core/protocol/response.h"
#include "tests/unit/storage/storage_test_util.h"

namespace kbench::broker {
namespace {

using namespace protocol;

MetadataDelta SampleDelta() {
  MetadataDelta d;
  d.full = false;
  d.version = 42;
  d.cluster_id = "abc";
  d.brokers = std::vector<ClusterBroker>{{BrokerId(1), "h1", 9092, "r1"},
                                         {BrokerId(2), "h2", 9093, std::nullopt}};
  d.deleted_topics = {"gone"};
  d.topics.push_back({"t", false, {{"min.insync.replicas", "2"}},
                      {{PartitionId(0), BrokerId(1), LeaderEpoch(3), 7, {BrokerId(1), BrokerId(2)},
                        {BrokerId(1)}}}});
  d.partitions.push_back({"u", {PartitionId(4), BrokerId(-1), LeaderEpoch(9), 11, {BrokerId(2)},
                                {BrokerId(2)}}});
  return d;
}

template <typename Req>
void RoundTripRequest(const Req& req) {
  Result<EncodedMessage> msg = EncodeClusterRequest(17, "client", req);
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  std::vector<uint8_t> frame(msg->bytes.begin() + 4, msg->bytes.end());
  Reader r(std::span<uint8_t>(frame.data(), frame.size()));
  Result<RequestHeader> h = DecodeRequestHeader(r);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->api_key, Req::kApiKey);
  EXPECT_EQ(h->correlation_id, 17);
  Result<ClusterRequestBody> body = DecodeClusterRequestBody(*h, r);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(std::get<Req>(*body), req);
  // Every truncation of the body fails, naming a field.
  for (size_t cut = 0; cut + 1 < frame.size() - 8; ++cut) {
    std::vector<uint8_t> shorter(frame.begin(), frame.end() - 1 - cut);
    Reader rs(std::span<uint8_t>(shorter.data(), shorter.size()));
    Result<RequestHeader> hs = DecodeRequestHeader(rs);
    if (!hs.ok()) continue;
    EXPECT_FALSE(DecodeClusterRequestBody(*hs, rs).ok()) << "cut " << cut;
  }
}

template <typename Resp>
void RoundTripResponse(const Resp& resp) {
  Result<EncodedMessage> msg = EncodeClusterResponse(5, resp);
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  std::span<const uint8_t> frame(msg->bytes.data() + 4, msg->bytes.size() - 4);
  auto decoded = DecodeResponse<Resp>(frame, kClusterApiVersion);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->header.correlation_id, 5);
  EXPECT_EQ(decoded->body, resp);
  for (size_t cut = 1; cut < frame.size() - 4; ++cut) {
    EXPECT_FALSE(DecodeResponse<Resp>(frame.first(frame.size() - cut), kClusterApiVersion).ok());
  }
}

TEST(ClusterProtocolTest, EveryMessageRoundTrips) {
  RoundTripRequest(BrokerHeartbeatRequest{BrokerId(2), 123456789, 77, "127.0.0.1", 9093, "rack-b",
                                          4, 99, 500});
  BrokerHeartbeatResponse hb{ErrorCode::kNone, 77, 4, SampleDelta()};
  RoundTripResponse(hb);
  RoundTripResponse(BrokerHeartbeatResponse{ErrorCode::kStaleBrokerEpoch, -1, 4, std::nullopt});
  AlterIsrRequest alter{BrokerId(1), 77, {{"t", {{PartitionId(0), LeaderEpoch(3), 7, {BrokerId(1)}}}}}};
  RoundTripRequest(alter);
  AlterIsrResponse alter_resp{ErrorCode::kNone,
                              {{"t",
                                {{ErrorCode::kInvalidUpdateVersion,
                                  {PartitionId(0), BrokerId(1), LeaderEpoch(3), 8,
                                   {BrokerId(1), BrokerId(2)}, {BrokerId(1)}}}}}}};
  RoundTripResponse(alter_resp);
  RoundTripRequest(ControlledShutdownRequest{BrokerId(3), 88});
  RoundTripResponse(ControlledShutdownResponse{ErrorCode::kNone, {{"t", PartitionId(2)}}});
  RoundTripRequest(AllocateProducerIdsRequest{BrokerId(3), 88});
  RoundTripResponse(AllocateProducerIdsResponse{ErrorCode::kNone, ProducerId(5000), 1000});
  CreateTopicsRequest create;
  create.topics.push_back({"n", 3, 2, {}, {{"retention.ms", "1000"}}});
  create.timeout_ms = 123;
  RoundTripRequest(ForwardCreateTopicsRequest{create});
  CreateTopicsResponse created;
  created.topics.push_back({"n", ErrorCode::kTopicAlreadyExists, "exists"});
  RoundTripResponse(ForwardCreateTopicsResponse{created});
  RoundTripRequest(ForwardDeleteTopicsRequest{DeleteTopicsRequest{{"a", "b"}, 10}});
  RoundTripResponse(ForwardDeleteTopicsResponse{DeleteTopicsResponse{0, {{"a", ErrorCode::kNone}}}});
}

TEST(ClusterProtocolTest, KeysOutsideTheClusterRangeAreUnsupported) {
  RequestHeader h{ApiKey::kFetch, 0, 1, "x"};
  std::vector<uint8_t> empty;
  Reader r(std::span<const uint8_t>(empty.data(), 0));
  Result<ClusterRequestBody> b = DecodeClusterRequestBody(h, r);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().kafka_error(), ErrorCode::kUnsupportedVersion);
  h.api_key = kAlterIsrKey;
  h.api_version = 1;
  EXPECT_FALSE(DecodeClusterRequestBody(h, r).ok());
  EXPECT_TRUE(IsClusterApiKey(kBrokerHeartbeatKey));
  EXPECT_FALSE(IsClusterApiKey(ApiKey::kMetadata));
  EXPECT_EQ(ClusterApiName(kControlledShutdownKey), "ControlledShutdown");
}

// ---- Metadata deltas. ----

TEST(MetadataChangesTest, DeltasCarryTheLatestStateOfWhatChanged) {
  auto store = MetadataStore::InMemory();
  store->SetClusterId("c");
  TopicRecord t{"t", false, {}, {}};
  for (int p = 0; p < 3; ++p) {
    t.partitions.push_back({PartitionId(p), {BrokerId(1)}, {BrokerId(1)}, BrokerId(1),
                            LeaderEpoch(0), 0});
  }
  ASSERT_TRUE(store->CreateTopic(t).ok());
  MetadataChanges changes;
  changes.TopicCreated("t");
  EXPECT_EQ(changes.Commit(), 1);
  PartitionState s = *store->GetPartitionState("t", PartitionId(1));
  s.leader = kNoBroker;
  s.leader_epoch = LeaderEpoch(1);
  ASSERT_TRUE(store->UpdatePartition("t", s).ok());
  changes.PartitionChanged("t", PartitionId(1));
  EXPECT_EQ(changes.Commit(), 2);
  s.leader = BrokerId(1);
  s.leader_epoch = LeaderEpoch(2);
  ASSERT_TRUE(store->UpdatePartition("t", s).ok());
  changes.PartitionChanged("t", PartitionId(1));
  changes.BrokersChanged();
  EXPECT_EQ(changes.Commit(), 3);
  EXPECT_EQ(changes.Commit(), 3);  // nothing new

  const std::vector<BrokerEndpoint> brokers{{BrokerId(1), "h", 1, std::nullopt}};
  protocol::MetadataDelta from1 = changes.Build(*store, 1, brokers);
  EXPECT_FALSE(from1.full);
  EXPECT_EQ(from1.version, 3);
  ASSERT_EQ(from1.partitions.size(), 1u);  // two changes of partition 1 collapse into its latest
  EXPECT_EQ(from1.partitions[0].state.leader_epoch, LeaderEpoch(2));
  ASSERT_TRUE(from1.brokers.has_value());
  EXPECT_TRUE(from1.topics.empty());
  // From before the topic existed: the whole topic, deleted first (an older one of that name).
  protocol::MetadataDelta from0 = changes.Build(*store, 0, brokers);
  ASSERT_EQ(from0.topics.size(), 1u);
  EXPECT_EQ(from0.deleted_topics, std::vector<std::string>{"t"});
  EXPECT_TRUE(from0.partitions.empty());
  EXPECT_TRUE(changes.Build(*store, -1, brokers).full);
  EXPECT_TRUE(changes.Build(*store, 3, brokers).topics.empty());
}

TEST(MetadataChangesTest, BrokersBehindTheRetainedChangesGetAFullImage) {
  auto store = MetadataStore::InMemory();
  MetadataChanges changes(/*retained=*/2);
  for (int i = 0; i < 5; ++i) {
    changes.BrokersChanged();
    changes.Commit();
  }
  EXPECT_TRUE(changes.Build(*store, 1, {}).full);
  EXPECT_FALSE(changes.Build(*store, 3, {}).full);
}

// ---- Member lists. ----

TEST(ClusterConfigTest, ParsesMemberListsAndPicksTheLowestIdAsController) {
  auto members = ClusterConfig::ParseMembers("2@127.0.0.1:9093, 1@127.0.0.1:9092,3@localhost:9094");
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  ASSERT_EQ(members->size(), 3u);
  auto c = ClusterConfig::ForMember(*members, BrokerId(2), "/data");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->controller.port, 9092);
  EXPECT_FALSE(c->host_controller);
  auto host = ClusterConfig::ForMember(*members, BrokerId(1), "/data");
  ASSERT_TRUE(host.ok());
  EXPECT_TRUE(host->host_controller);
  EXPECT_EQ(host->controller_dir, "/data");
  EXPECT_FALSE(ClusterConfig::ForMember(*members, BrokerId(9), "/d").ok());
  for (const char* bad : {"1@h:1,1@h:2", "x@h:1", "1@h", "1@h:0", "@h:1", ""}) {
    EXPECT_FALSE(ClusterConfig::ParseMembers(bad).ok()) << bad;
  }
}

TEST(ClusterConfigTest, ParsesClusterFilesWithRacksAndComments) {
  storage::testing::TempDir tmp;
  const std::string path = tmp.Sub("cluster.txt");
  std::ofstream(path) << "# three brokers\n1@127.0.0.1:9092 rack=a\n\n2@127.0.0.1:9093  # b\n";
  auto members = ClusterConfig::ParseFile(path);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].rack, std::optional<std::string>("a"));
  EXPECT_FALSE((*members)[1].rack.has_value());
  std::ofstream(path) << "1@127.0.0.1:9092 zone=a\n";
  auto bad = ClusterConfig::ParseFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line 1"), std::string::npos);
}

}  // namespace
}  // namespace kbench::broker
