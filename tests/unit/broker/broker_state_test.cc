// The broker's state components on their own: BrokerConfig / TopicConfig parsing by Kafka names,
// the MetadataStore's persistence, and the ProducerStateManager's rules and checkpoints.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/broker/broker_config.h"
#include "core/broker/metadata_store.h"
#include "core/broker/producer_state.h"
#include "core/storage/checkpoint_file.h"
#include "tests/unit/storage/storage_test_util.h"

namespace kbench::broker {
namespace {

using storage::testing::TempDir;

// ---- BrokerConfig. ----

TEST(BrokerConfigTest, SetsPropertiesByTheirKafkaNames) {
  BrokerConfig c;
  ASSERT_TRUE(c.Set("node.id", "3").ok());
  ASSERT_TRUE(c.Set("listeners", "PLAINTEXT://127.0.0.1:0").ok());
  ASSERT_TRUE(c.Set("log.dirs", "/a, /b").ok());
  ASSERT_TRUE(c.Set("num.partitions", "6").ok());
  ASSERT_TRUE(c.Set("auto.create.topics.enable", "true").ok());
  ASSERT_TRUE(c.Set("log.segment.bytes", "1048576").ok());
  ASSERT_TRUE(c.Set("log.retention.hours", "2").ok());
  ASSERT_TRUE(c.Set("message.max.bytes", "2000000").ok());
  ASSERT_TRUE(c.Set("min.insync.replicas", "2").ok());
  ASSERT_TRUE(c.Set("socket.request.max.bytes", "1000000").ok());
  ASSERT_TRUE(c.Set("connections.max.idle.ms", "5000").ok());
  ASSERT_TRUE(c.Set("offsets.topic.num.partitions", "10").ok());
  ASSERT_TRUE(c.SetAssignment("default.replication.factor=1").ok());
  EXPECT_EQ(c.node_id, BrokerId(3));
  EXPECT_EQ(c.network.listener.host, "127.0.0.1");
  EXPECT_EQ(c.log_dirs, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(c.num_partitions, 6);
  EXPECT_TRUE(c.auto_create_topics_enable);
  EXPECT_EQ(c.topic_defaults.log.segment_bytes, 1048576);
  EXPECT_EQ(c.topic_defaults.log.retention_ms, 2 * 3600 * 1000);
  EXPECT_EQ(c.topic_defaults.log.max_message_bytes, 2000000);
  EXPECT_EQ(c.topic_defaults.min_insync_replicas, 2);
  EXPECT_EQ(c.network.max_request_bytes, 1000000);
  EXPECT_EQ(c.network.idle_timeout_ms, 5000);
  EXPECT_EQ(c.groups.offsets_topic_num_partitions, 10);
  EXPECT_TRUE(c.Validate().ok());
}

TEST(BrokerConfigTest, AutoCreateIsOffByDefault) {
  EXPECT_FALSE(BrokerConfig().auto_create_topics_enable);
}

TEST(BrokerConfigTest, BadInputNamesTheProperty) {
  BrokerConfig c;
  Status unknown = c.Set("zookeeper.connect", "x:2181");
  EXPECT_FALSE(unknown.ok());
  EXPECT_NE(unknown.message().find("zookeeper.connect"), std::string_view::npos);
  Status bad = c.Set("num.partitions", "many");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("num.partitions"), std::string_view::npos);
  EXPECT_FALSE(c.Set("listeners", "SSL://host:9093").ok());
  EXPECT_FALSE(c.Set("listeners", "a:1,b:2").ok());
  EXPECT_FALSE(c.Set("auto.create.topics.enable", "yes").ok());
  EXPECT_FALSE(c.SetAssignment("num.partitions").ok());
  EXPECT_FALSE(c.Set("log.segment.bytes", "10").ok());  // below Kafka's minimum of 14
  EXPECT_FALSE(BrokerConfig().Validate().ok());         // no log dirs
}

TEST(TopicConfigTest, TopicNamesOnlyAndOverridesOnTopOfDefaults) {
  TopicConfig defaults;
  defaults.log.retention_ms = 1000;
  defaults.min_insync_replicas = 2;
  auto c =
      TopicConfig::Resolve(defaults, {{"segment.bytes", "4096"}, {"min.insync.replicas", "1"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->log.segment_bytes, 4096);
  EXPECT_EQ(c->log.retention_ms, 1000);
  EXPECT_EQ(c->min_insync_replicas, 1);
  EXPECT_FALSE(TopicConfig::IsTopicProperty("log.segment.bytes"));
  EXPECT_TRUE(TopicConfig::IsTopicProperty("cleanup.policy"));
  EXPECT_FALSE(TopicConfig::Resolve(defaults, {{"compression.type", "gzip"}}).ok());
  EXPECT_TRUE(TopicConfig::Resolve(defaults, {{"compression.type", "producer"}}).ok());
  auto bad = TopicConfig::Resolve(defaults, {{"retention.ms", "x"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().kafka_error(), ErrorCode::kInvalidConfig);
}

// ---- MetadataStore. ----

TopicRecord Topic(const std::string& name, int partitions) {
  TopicRecord t{name, false, {{"retention.ms", "60000"}, {"cleanup.policy", "compact,delete"}}, {}};
  for (int p = 0; p < partitions; ++p) {
    t.partitions.push_back(
        {PartitionId(p), {BrokerId(1), BrokerId(2)}, {BrokerId(1)}, BrokerId(1), LeaderEpoch(p)});
  }
  return t;
}

TEST(MetadataStoreTest, TopicsSurviveAReopen) {
  TempDir dir;
  std::string cluster_id;
  {
    auto store = MetadataStore::Open({dir.Sub("a")});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    cluster_id = (*store)->cluster_id();
    ASSERT_TRUE((*store)->CreateTopic(Topic("orders", 3)).ok());
    ASSERT_TRUE((*store)->CreateTopic(Topic("gone", 1)).ok());
    ASSERT_TRUE((*store)->DeleteTopic("gone").ok());
    EXPECT_EQ((*store)->CreateTopic(Topic("orders", 1)).kafka_error(),
              ErrorCode::kTopicAlreadyExists);
    EXPECT_EQ((*store)->DeleteTopic("nope").kafka_error(), ErrorCode::kUnknownTopicOrPartition);
  }
  auto store = MetadataStore::Open({dir.Sub("a")});
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->cluster_id(), cluster_id);
  EXPECT_EQ((*store)->TopicNames(), std::vector<std::string>{"orders"});
  EXPECT_EQ(*(*store)->GetTopic("orders"), Topic("orders", 3));
}

TEST(MetadataStoreTest, TheNewestCopyAcrossLogDirsWins) {
  TempDir dir;
  {
    auto store = MetadataStore::Open({dir.Sub("a"), dir.Sub("b")});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->CreateTopic(Topic("one", 1)).ok());
  }
  // dir a keeps an older copy; b is lost entirely: the store still knows the topic.
  std::filesystem::remove_all(dir.Sub("b"));
  auto store = MetadataStore::Open({dir.Sub("b"), dir.Sub("a")});
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE((*store)->HasTopic("one"));
}

TEST(MetadataStoreTest, ProducerIdsAreNeverReused) {
  TempDir dir;
  int64_t first = 0;
  {
    auto store = MetadataStore::Open({dir.path()});
    ASSERT_TRUE(store.ok());
    auto a = (*store)->ReserveProducerIds(1000);
    ASSERT_TRUE(a.ok());
    first = a->value();
  }
  auto store = MetadataStore::Open({dir.path()});
  ASSERT_TRUE(store.ok());
  auto b = (*store)->ReserveProducerIds(1000);
  ASSERT_TRUE(b.ok());
  EXPECT_GE(b->value(), first + 1000);
}

TEST(MetadataStoreTest, AMalformedFileNamesTheLine) {
  TempDir dir;
  ASSERT_TRUE(storage::WriteFileAtomically(
                  dir.path() + "/" + std::string(kMetadataFileName),
                  "kbench-cluster-metadata 1\ngeneration 1\ncluster-id abc\ntopic t 0 x 0\nend\n")
                  .ok());
  auto store = MetadataStore::Open({dir.path()});
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("line 4"), std::string_view::npos)
      << store.status().ToString();
  ASSERT_TRUE(storage::WriteFileAtomically(dir.path() + "/" + std::string(kMetadataFileName),
                                           "kbench-cluster-metadata 1\ngeneration 1\n")
                  .ok());
  EXPECT_FALSE(MetadataStore::Open({dir.path()}).ok());  // truncated: no "end"
}

// ---- ProducerStateManager. ----

storage::BatchHeader Batch(int64_t pid, int16_t epoch, int32_t seq, int32_t count, int64_t base) {
  storage::BatchHeader h;
  h.producer_id = ProducerId(pid);
  h.producer_epoch = ProducerEpoch(epoch);
  h.base_sequence = seq;
  h.last_offset_delta = count - 1;
  h.record_count = count;
  h.base_offset = Offset(base);
  return h;
}

TEST(ProducerStateTest, SequenceRules) {
  ProducerStateManager m;
  EXPECT_FALSE(m.Check(Batch(-1, -1, -1, 3, 0))->duplicate);  // not idempotent
  ASSERT_TRUE(m.Check(Batch(1, 0, 7, 3, 0)).ok());            // unknown producer: any sequence
  m.Record(Batch(1, 0, 7, 3, 0), 1);
  auto dup = m.Check(Batch(1, 0, 7, 3, 99));
  ASSERT_TRUE(dup.ok());
  EXPECT_TRUE(dup->duplicate);
  EXPECT_EQ(dup->original.first_offset, Offset(0));
  EXPECT_EQ(dup->original.last_offset, Offset(2));
  EXPECT_EQ(m.Check(Batch(1, 0, 11, 1, 3)).status().kafka_error(),
            ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_TRUE(m.Check(Batch(1, 0, 10, 1, 3)).ok());
  m.Record(Batch(1, 2, 0, 1, 3), 1);  // epoch bump
  EXPECT_EQ(m.Check(Batch(1, 1, 1, 1, 4)).status().kafka_error(), ErrorCode::kInvalidProducerEpoch);
  EXPECT_EQ(m.Check(Batch(1, 3, 4, 1, 4)).status().kafka_error(),
            ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_TRUE(m.Check(Batch(1, 3, 0, 1, 4)).ok());
}

TEST(ProducerStateTest, KeepsTheLastFiveBatches) {
  ProducerStateManager m;
  for (int i = 0; i < 7; ++i) m.Record(Batch(4, 0, i, 1, i), 1);
  EXPECT_EQ(m.Find(ProducerId(4))->batches.size(), 5u);
  EXPECT_TRUE(m.Check(Batch(4, 0, 2, 1, 0))->duplicate);
  EXPECT_FALSE(m.Check(Batch(4, 0, 1, 1, 0)).ok());
}

TEST(ProducerStateTest, ExpiresIdleProducers) {
  ProducerStateManager m;
  m.Record(Batch(1, 0, 0, 1, 0), 1000);
  m.Record(Batch(2, 0, 0, 1, 1), 5000);
  EXPECT_EQ(m.RemoveExpired(6000, 2000), 1u);
  EXPECT_FALSE(m.Find(ProducerId(1)).has_value());
  EXPECT_TRUE(m.Find(ProducerId(2)).has_value());
}

class ProducerStateLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = storage::PartitionLog::Open(dir_.Sub("t-0"), {"t", PartitionId(0)}, {});
    ASSERT_TRUE(log.ok());
    log_ = std::move(*log);
  }
  void Append(int64_t pid, int32_t seq, int records) {
    storage::BatchOptions o;
    o.producer_id = ProducerId(pid);
    o.producer_epoch = ProducerEpoch(0);
    o.base_sequence = seq;
    ASSERT_TRUE(
        storage::testing::AppendBatch(*log_, storage::testing::MakeBatch(records, 8, 1000, o))
            .ok());
  }
  TempDir dir_;
  std::unique_ptr<storage::PartitionLog> log_;
};

TEST_F(ProducerStateLogTest, LoadReplaysTheWholeLogWithoutACheckpoint) {
  Append(1, 0, 3);
  Append(2, 0, 2);
  Append(1, 3, 4);
  ProducerStateManager m;
  auto replayed = m.Load(*log_);
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(*replayed, 3);
  auto dup = m.Check(Batch(1, 0, 3, 4, 0));
  ASSERT_TRUE(dup.ok());
  EXPECT_TRUE(dup->duplicate);
  EXPECT_EQ(dup->original.first_offset, Offset(5));
}

TEST_F(ProducerStateLogTest, LoadStartsFromTheCheckpointAndReplaysTheRest) {
  Append(1, 0, 3);
  ProducerStateManager first;
  ASSERT_TRUE(first.Load(*log_).ok());
  ASSERT_TRUE(
      ProducerStateManager::WriteCheckpoint(log_->dir(), log_->log_end_offset(), first.entries())
          .ok());
  Append(1, 3, 2);
  ProducerStateManager m;
  auto replayed = m.Load(*log_);
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(*replayed, 1);  // only the batch after the checkpoint
  ASSERT_EQ(m.Find(ProducerId(1))->batches.size(), 2u);
  EXPECT_EQ(m.Find(ProducerId(1))->batches[0].first_seq, 0);
  EXPECT_EQ(m.Find(ProducerId(1))->batches[1].first_seq, 3);
  EXPECT_EQ(m.Find(ProducerId(1))->batches[1].first_offset, Offset(3));
}

TEST_F(ProducerStateLogTest, ACheckpointBeyondTheLogEndIsIgnored) {
  Append(1, 0, 3);
  ProducerStateManager::Entries bogus;
  bogus[ProducerId(9)] = ProducerEntry{ProducerEpoch(0), {{0, 0, Offset(50), Offset(50)}}, 1};
  ASSERT_TRUE(ProducerStateManager::WriteCheckpoint(log_->dir(), Offset(100), bogus).ok());
  ProducerStateManager m;
  auto replayed = m.Load(*log_);
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(*replayed, 1);
  EXPECT_FALSE(m.Find(ProducerId(9)).has_value());
  EXPECT_TRUE(m.Find(ProducerId(1)).has_value());
}

}  // namespace
}  // namespace kbench::broker
