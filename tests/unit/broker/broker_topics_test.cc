// Metadata, CreateTopics and DeleteTopics through a real Broker on loopback, and what a restart
// keeps (topics, their configs, their data).
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/unit/broker/broker_test_util.h"

namespace kbench::broker::testing {
namespace {

namespace fs = std::filesystem;
using protocol::CreateTopicsRequest;
using protocol::CreateTopicsResponse;
using protocol::DeleteTopicsResponse;
using protocol::MetadataRequest;
using protocol::MetadataResponse;

class BrokerTopicsTest : public ::testing::Test {
 protected:
  void StartBroker(std::vector<std::string> sets = {}) {
    broker_ = TestBroker::Start(std::move(sets));
    auto c = KafkaTestClient::Connect(broker_->port());
    ASSERT_TRUE(c.ok());
    client_ = std::make_unique<KafkaTestClient>(std::move(*c));
  }
  void SetUp() override { StartBroker(); }

  MetadataResponse Metadata(std::optional<std::vector<std::string>> topics, int16_t version = 8,
                            bool allow_auto_create = true) {
    MetadataRequest req;
    req.topics = std::move(topics);
    req.allow_auto_topic_creation = allow_auto_create;
    auto r = client_->Call<MetadataResponse>(req, version);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : MetadataResponse{};
  }

  CreateTopicsResponse::Topic Create(const CreateTopicsRequest& req, int16_t version = 4) {
    auto r = client_->Call<CreateTopicsResponse>(req, version);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->topics.empty()) return {};
    return r->topics[0];
  }

  std::unique_ptr<TestBroker> broker_;
  std::unique_ptr<KafkaTestClient> client_;
};

TEST_F(BrokerTopicsTest, MetadataListsTheBrokerAndItsTopics) {
  ASSERT_TRUE(CreateTopic(*broker_, "orders", 3).ok());
  MetadataResponse md = Metadata(std::nullopt);
  ASSERT_EQ(md.brokers.size(), 1u);
  EXPECT_EQ(md.brokers[0].node_id, BrokerId(1));
  EXPECT_EQ(md.brokers[0].host, "127.0.0.1");
  EXPECT_EQ(md.brokers[0].port, broker_->port());
  EXPECT_EQ(md.controller_id, BrokerId(1));
  ASSERT_TRUE(md.cluster_id.has_value());
  EXPECT_EQ(md.cluster_id->size(), 22u);
  ASSERT_EQ(md.topics.size(), 2u);  // orders and the internal __consumer_offsets
  const MetadataResponse::Topic& offsets = md.topics[0];
  EXPECT_EQ(offsets.name, "__consumer_offsets");
  EXPECT_TRUE(offsets.is_internal);
  const MetadataResponse::Topic& orders = md.topics[1];
  EXPECT_EQ(orders.name, "orders");
  EXPECT_FALSE(orders.is_internal);
  ASSERT_EQ(orders.partitions.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const MetadataResponse::Partition& p = orders.partitions[i];
    EXPECT_EQ(p.error_code, ErrorCode::kNone);
    EXPECT_EQ(p.partition_index, PartitionId(i));
    EXPECT_EQ(p.leader_id, BrokerId(1));
    EXPECT_EQ(p.leader_epoch, LeaderEpoch(0));
    EXPECT_EQ(p.replica_nodes, std::vector<BrokerId>{BrokerId(1)});
    EXPECT_EQ(p.isr_nodes, std::vector<BrokerId>{BrokerId(1)});
    EXPECT_TRUE(p.offline_replicas.empty());
  }
}

TEST_F(BrokerTopicsTest, MetadataV0EmptyListMeansAllTopics) {
  ASSERT_TRUE(CreateTopic(*broker_, "a", 1).ok());
  MetadataResponse md = Metadata(std::nullopt, 0);
  EXPECT_EQ(md.topics.size(), 2u);
}

TEST_F(BrokerTopicsTest, UnknownTopicIsNotCreatedByDefault) {
  MetadataResponse md = Metadata(std::vector<std::string>{"signups"});
  ASSERT_EQ(md.topics.size(), 1u);
  EXPECT_EQ(md.topics[0].error_code, ErrorCode::kUnknownTopicOrPartition);
  EXPECT_FALSE(broker_->broker().metadata().HasTopic("signups"));
}

TEST_F(BrokerTopicsTest, InvalidTopicNameIsInvalidTopicException) {
  MetadataResponse md = Metadata(std::vector<std::string>{"bad name!"});
  EXPECT_EQ(md.topics[0].error_code, ErrorCode::kInvalidTopicException);
}

TEST_F(BrokerTopicsTest, AutoCreateWhenEnabledUsesTheDefaults) {
  StartBroker({"auto.create.topics.enable=true", "num.partitions=4"});
  MetadataResponse md = Metadata(std::vector<std::string>{"signups"});
  ASSERT_EQ(md.topics.size(), 1u);
  EXPECT_EQ(md.topics[0].error_code, ErrorCode::kNone);
  EXPECT_EQ(md.topics[0].partitions.size(), 4u);
  // v4+ clients may ask not to create.
  MetadataResponse no = Metadata(std::vector<std::string>{"other"}, 4, false);
  EXPECT_EQ(no.topics[0].error_code, ErrorCode::kUnknownTopicOrPartition);
}

TEST_F(BrokerTopicsTest, CreateTopicsMakesPartitionsWithTheirConfigs) {
  CreateTopicsResponse::Topic r =
      Create(MakeCreateTopic("events", 3, 1, {{"retention.ms", std::string("3600000")}}));
  EXPECT_EQ(r.error_code, ErrorCode::kNone);
  for (int p = 0; p < 3; ++p) {
    auto part = broker_->broker().replicas().GetPartition({"events", PartitionId(p)});
    ASSERT_NE(part, nullptr);
    EXPECT_EQ(part->log()->config().retention_ms, 3600000);
    EXPECT_TRUE(fs::exists(broker_->dir() + "/events-" + std::to_string(p)));
  }
  EXPECT_EQ(Metadata(std::vector<std::string>{"events"}).topics[0].partitions.size(), 3u);
}

TEST_F(BrokerTopicsTest, CreateTopicsErrors) {
  ASSERT_EQ(Create(MakeCreateTopic("x", 1)).error_code, ErrorCode::kNone);
  CreateTopicsResponse::Topic exists = Create(MakeCreateTopic("x", 1));
  EXPECT_EQ(exists.error_code, ErrorCode::kTopicAlreadyExists);
  EXPECT_TRUE(exists.error_message.has_value());
  EXPECT_EQ(Create(MakeCreateTopic("p0", 0)).error_code, ErrorCode::kInvalidPartitions);
  EXPECT_EQ(Create(MakeCreateTopic("huge", 0x7fffffff)).error_code, ErrorCode::kInvalidPartitions);
  EXPECT_EQ(Create(MakeCreateTopic("rf3", 1, 3)).error_code, ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(Create(MakeCreateTopic("rf0", 1, 0)).error_code, ErrorCode::kInvalidReplicationFactor);
  CreateTopicsResponse::Topic bad_value =
      Create(MakeCreateTopic("cfg", 1, 1, {{"retention.ms", std::string("soon")}}));
  EXPECT_EQ(bad_value.error_code, ErrorCode::kInvalidConfig);
  ASSERT_TRUE(bad_value.error_message.has_value());
  EXPECT_NE(bad_value.error_message->find("retention.ms"), std::string::npos);
  EXPECT_EQ(Create(MakeCreateTopic("cfg", 1, 1, {{"no.such.config", std::string("1")}})).error_code,
            ErrorCode::kInvalidConfig);
  EXPECT_EQ(
      Create(MakeCreateTopic("cfg", 1, 1, {{"log.retention.ms", std::string("1")}})).error_code,
      ErrorCode::kInvalidConfig);  // a broker name, not a topic config
  EXPECT_EQ(Create(MakeCreateTopic("bad/name", 1)).error_code, ErrorCode::kInvalidTopicException);
  EXPECT_EQ(Create(MakeCreateTopic("x_", 1)).error_code, ErrorCode::kNone);
  EXPECT_EQ(Create(MakeCreateTopic("x.", 1)).error_code,
            ErrorCode::kInvalidTopicException);  // collides with x_
  for (const char* name : {"p0", "huge", "rf3", "rf0", "cfg", "bad/name"}) {
    EXPECT_FALSE(broker_->broker().metadata().HasTopic(name)) << name;
  }
}

TEST_F(BrokerTopicsTest, CreateTopicsValidateOnlyCreatesNothing) {
  CreateTopicsRequest req = MakeCreateTopic("dry", 2);
  req.validate_only = true;
  EXPECT_EQ(Create(req).error_code, ErrorCode::kNone);
  EXPECT_FALSE(broker_->broker().metadata().HasTopic("dry"));
  EXPECT_FALSE(fs::exists(broker_->dir() + "/dry-0"));
  req.topics[0].num_partitions = -5;
  EXPECT_EQ(Create(req).error_code, ErrorCode::kInvalidPartitions);
}

TEST_F(BrokerTopicsTest, CreateTopicsWithAReplicaAssignment) {
  CreateTopicsRequest req = MakeCreateTopic("placed", -1, -1);
  req.topics[0].assignments = {{PartitionId(0), {BrokerId(1)}}, {PartitionId(1), {BrokerId(1)}}};
  EXPECT_EQ(Create(req).error_code, ErrorCode::kNone);
  EXPECT_NE(broker_->broker().replicas().GetPartition({"placed", PartitionId(1)}), nullptr);
  CreateTopicsRequest elsewhere = MakeCreateTopic("elsewhere", -1, -1);
  elsewhere.topics[0].assignments = {{PartitionId(0), {BrokerId(7)}}};
  EXPECT_EQ(Create(elsewhere).error_code, ErrorCode::kInvalidReplicaAssignment);
  CreateTopicsRequest both = MakeCreateTopic("both", 2, 1);
  both.topics[0].assignments = {{PartitionId(0), {BrokerId(1)}}};
  EXPECT_EQ(Create(both).error_code, ErrorCode::kInvalidRequest);
}

TEST_F(BrokerTopicsTest, CreateTopicsListingANameTwiceIsInvalidRequest) {
  CreateTopicsRequest req = MakeCreateTopic("twice", 1);
  req.topics.push_back(req.topics[0]);
  auto r = client_->Call<CreateTopicsResponse>(req, 4);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->topics.size(), 1u);
  EXPECT_EQ(r->topics[0].error_code, ErrorCode::kInvalidRequest);
  EXPECT_FALSE(broker_->broker().metadata().HasTopic("twice"));
}

TEST_F(BrokerTopicsTest, DeleteTopicsRemovesTheFiles) {
  ASSERT_TRUE(CreateTopic(*broker_, "gone", 2).ok());
  ASSERT_TRUE(fs::exists(broker_->dir() + "/gone-1"));
  protocol::DeleteTopicsRequest req;
  req.topic_names = {"gone", "never", "__consumer_offsets"};
  req.timeout_ms = 10000;
  auto r = client_->Call<DeleteTopicsResponse>(req, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->responses.size(), 3u);
  EXPECT_EQ(r->responses[0].error_code, ErrorCode::kNone);
  EXPECT_EQ(r->responses[1].error_code, ErrorCode::kUnknownTopicOrPartition);
  EXPECT_EQ(r->responses[2].error_code, ErrorCode::kInvalidRequest);
  EXPECT_FALSE(fs::exists(broker_->dir() + "/gone-0"));
  EXPECT_FALSE(fs::exists(broker_->dir() + "/gone-1"));
  EXPECT_EQ(broker_->broker().replicas().GetPartition({"gone", PartitionId(0)}), nullptr);
  EXPECT_EQ(Metadata(std::vector<std::string>{"gone"}).topics[0].error_code,
            ErrorCode::kUnknownTopicOrPartition);
  // The name can be used again, starting from offset 0.
  ASSERT_TRUE(CreateTopic(*broker_, "gone", 1).ok());
  EXPECT_EQ(broker_->broker().replicas().GetPartition({"gone", PartitionId(0)})->log_end_offset(),
            Offset(0));
}

TEST_F(BrokerTopicsTest, RestartKeepsTopicsConfigsAndData) {
  ASSERT_TRUE(CreateTopic(*broker_, "kept", 2, {{"retention.ms", "123456"}}).ok());
  std::vector<uint8_t> batch = storage::testing::MakeBatch(5);
  auto p = client_->Call<protocol::ProduceResponse>(MakeProduce("kept", 1, batch), 7);
  ASSERT_TRUE(p.ok());
  const std::string cluster_id = broker_->broker().metadata().cluster_id();
  ASSERT_TRUE(broker_->Restart().ok());
  auto c = KafkaTestClient::Connect(broker_->port());
  ASSERT_TRUE(c.ok());
  client_ = std::make_unique<KafkaTestClient>(std::move(*c));
  MetadataResponse md = Metadata(std::vector<std::string>{"kept"});
  EXPECT_EQ(md.topics[0].error_code, ErrorCode::kNone);
  EXPECT_EQ(md.topics[0].partitions.size(), 2u);
  EXPECT_EQ(md.cluster_id, cluster_id);
  auto part = broker_->broker().replicas().GetPartition({"kept", PartitionId(1)});
  ASSERT_NE(part, nullptr);
  EXPECT_EQ(part->config().log.retention_ms, 123456);
  EXPECT_EQ(part->log_end_offset(), Offset(5));
  EXPECT_EQ(part->high_watermark(), Offset(5));
}

TEST_F(BrokerTopicsTest, LogsWithoutMetadataAreAdopted) {
  ASSERT_TRUE(CreateTopic(*broker_, "orphan", 2).ok());
  broker_->Stop();
  fs::remove(broker_->dir() + "/" + std::string(kMetadataFileName));
  ASSERT_TRUE(broker_->Restart().ok());
  std::optional<TopicRecord> t = broker_->broker().metadata().GetTopic("orphan");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->partitions.size(), 2u);
  EXPECT_NE(broker_->broker().replicas().GetPartition({"orphan", PartitionId(1)}), nullptr);
}

TEST(BrokerInstancesTest, TwoBrokersInOneProcessAreIndependent) {
  auto a = TestBroker::Start();
  auto b = TestBroker::Start();
  ASSERT_NE(a->port(), b->port());
  ASSERT_TRUE(CreateTopic(*a, "only-in-a", 1).ok());
  EXPECT_TRUE(a->broker().metadata().HasTopic("only-in-a"));
  EXPECT_FALSE(b->broker().metadata().HasTopic("only-in-a"));
  EXPECT_NE(a->broker().metadata().cluster_id(), b->broker().metadata().cluster_id());
  auto c = KafkaTestClient::Connect(b->port());
  ASSERT_TRUE(c.ok());
  std::vector<uint8_t> batch = storage::testing::MakeBatch(1);
  auto r = c->Call<protocol::ProduceResponse>(MakeProduce("only-in-a", 0, batch), 7);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->topics[0].partitions[0].error_code, ErrorCode::kUnknownTopicOrPartition);
}

}  // namespace
}  // namespace kbench::broker::testing
