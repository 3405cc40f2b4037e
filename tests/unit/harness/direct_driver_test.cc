// The direct driver against real logs in a temporary directory: producers batch and append through
// validation + AppendAsLeader, consumers read back through PartitionLog::Read, and the audit and
// latency recorders see every message; the profile's producerConfig / topicConfig reach the
// batches and the logs; what has no meaning in-process is refused or noted.
#include "harness/direct_driver.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/base/clock.h"
#include "core/storage/record.h"
#include "harness/direct_consumer.h"
#include "harness/direct_producer.h"
#include "harness/payload_format.h"

namespace kbench::harness {
namespace {

namespace fs = std::filesystem;

constexpr char kBase[] = R"(name: direct-unit
topics: 1
partitionsPerTopic: 3
messageSize: 100
producerRate: 1000
testDurationSeconds: 1
)";

class DirectDriverTest : public ::testing::Test {
 protected:
  DirectDriverTest() {
    char tmpl[] = "/tmp/kbench-direct-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~DirectDriverTest() override {
    producer_.reset();
    consumers_.clear();
    driver_.reset();
    fs::remove_all(dir_);
  }

  static Workload Load(const std::string& extra, int32_t partitions = 3) {
    WorkloadLoadOptions o;
    o.overrides = {"partitionsPerTopic=" + std::to_string(partitions)};
    auto w = LoadWorkloadText(std::string(kBase) + extra, "direct.yaml", o);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? w->front() : Workload{};
  }

  // Makes the driver with topic "t-0" and one producer feeding audit_ and publish_.
  void Start(const Workload& w, DirectDriverOptions o = {}) {
    producer_.reset();
    consumers_.clear();
    audit_ = std::make_unique<DurabilityAudit>();
    w_ = w;
    o.data_dir = o.data_dir.empty() ? dir_ : o.data_dir;
    o.run_id = "run";
    auto driver = DirectDriver::Create(w_, o);
    ASSERT_TRUE(driver.ok()) << driver.status().ToString();
    driver_ = std::move(driver).value();
    TopicSpec spec{.names = {"t-0"}, .partitions = w.partitions_per_topic};
    ASSERT_TRUE(driver_->PrepareTopics(spec).ok());
    index_ = std::make_unique<PartitionIndex>(spec.names, w.partitions_per_topic);
    seq_.assign(static_cast<size_t>(w.partitions_per_topic), 0);
    auto p = driver_->NewProducer({.config = w_.producer_config,
                                   .partitions = index_.get(),
                                   .audits = {audit_.get()},
                                   .publish_latency = &publish_,
                                   .clock = &clock_});
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    producer_.reset(static_cast<DirectProducer*>(p->release()));
  }

  DirectConsumer* AddConsumer(int32_t member, int32_t members) {
    auto c = driver_->NewConsumer({.group = "g",
                                   .member = member,
                                   .members = members,
                                   .config = w_.consumer_config,
                                   .partitions = index_.get(),
                                   .audit = audit_.get(),
                                   .e2e_latency = &e2e_,
                                   .clock = &clock_});
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    consumers_.emplace_back(static_cast<DirectConsumer*>(c->release()));
    return consumers_.back().get();
  }

  // Sends n messages of `size` bytes round-robin over the partitions (or all to `only`).
  void Send(int n, int32_t only = -1, size_t size = 100, std::string_view key = {}) {
    std::vector<uint8_t> msg(size, 0x5a);
    for (int i = 0; i < n; ++i) {
      const int32_t partition =
          only >= 0 ? only : static_cast<int32_t>(i % w_.partitions_per_topic);
      OutgoingMessage m;
      m.partition = partition;
      m.key = key;
      m.sequence = seq_[static_cast<size_t>(partition)]++;
      m.released_mono_ns = MonoNanos();
      m.intended_wall_ns = clock_.ToWall(m.released_mono_ns);
      EncodePayloadHeader(
          {.producer_id = 0, .sequence = m.sequence, .intended_send_wall_ns = m.intended_wall_ns},
          msg.data(), msg.size());
      m.payload = msg;
      ASSERT_TRUE(producer_->Send(m).ok());
    }
  }

  // Polls every consumer until together they delivered `want` (bounded: 30 s).
  int64_t ConsumeAll(int64_t want) {
    const int64_t deadline = MonoNanos() + 30'000'000'000;
    int64_t total = 0;
    while (MonoNanos() < deadline) {
      total = 0;
      for (auto& c : consumers_) {
        c->Poll(10);
        total += c->consumed();
      }
      if (total >= want) break;
    }
    return total;
  }

  int64_t Count(LatencyRecorder& r) {
    results::HdrHistogram h;
    r.TakeInterval(&h);
    return h.TotalCount();
  }

  // Every stored batch of partition p: (header, bytes).
  std::vector<std::pair<storage::BatchHeader, std::vector<uint8_t>>> Batches(int32_t p) {
    std::vector<std::pair<storage::BatchHeader, std::vector<uint8_t>>> out;
    auto log = driver_->log_manager()->GetLog({"t-0", PartitionId(p)});
    EXPECT_TRUE(log != nullptr);
    EXPECT_TRUE(
        log->ForEachBatch(
               Offset(0),
               [&](const storage::BatchHeader& h, std::span<const uint8_t> bytes) -> Result<bool> {
                 out.emplace_back(h, std::vector<uint8_t>(bytes.begin(), bytes.end()));
                 return true;
               })
            .ok());
    return out;
  }

  std::string dir_;
  Workload w_;
  ClockMapping clock_;
  std::unique_ptr<DurabilityAudit> audit_;
  LatencyRecorder publish_, e2e_;
  std::unique_ptr<DirectDriver> driver_;
  std::unique_ptr<PartitionIndex> index_;
  std::unique_ptr<DirectProducer> producer_;
  std::vector<std::unique_ptr<DirectConsumer>> consumers_;
  std::vector<uint64_t> seq_;
};

TEST_F(DirectDriverTest, EveryAppendedMessageIsReadBackOnceWithItsLatencies) {
  Start(Load(""));
  AddConsumer(0, 2);
  AddConsumer(1, 2);
  Send(10'000);
  ASSERT_TRUE(producer_->Flush(0).ok());
  EXPECT_EQ(producer_->acked(), 10'000);
  EXPECT_EQ(producer_->acked_bytes(), 10'000 * 100);
  EXPECT_EQ(ConsumeAll(10'000), 10'000);
  const AuditReport r = audit_->Reconcile();
  EXPECT_EQ(r.total.acked, 10'000);
  EXPECT_EQ(r.total.consumed, 10'000);
  EXPECT_EQ(r.total.lost, 0);
  EXPECT_EQ(r.total.duplicated, 0);
  EXPECT_EQ(r.total.out_of_order, 0);
  EXPECT_EQ(Count(publish_), 10'000);
  EXPECT_EQ(Count(e2e_), 10'000);
  int64_t stored = 0;
  for (int32_t p = 0; p < 3; ++p) {
    for (const auto& [h, bytes] : Batches(p)) {
      auto records = storage::DecodeRecords(bytes);  // CRC and records valid as stored
      ASSERT_TRUE(records.ok()) << records.status().ToString();
      for (const storage::Record& rec : *records) {
        auto header = DecodePayloadHeader(reinterpret_cast<const uint8_t*>(rec.value->data()),
                                          rec.value->size());
        ASSERT_TRUE(header.ok());
        EXPECT_EQ(header->sequence, static_cast<uint64_t>(rec.offset.value()));  // one producer
        EXPECT_FALSE(rec.key.has_value());
      }
      stored += h.record_count;
      EXPECT_EQ(h.partition_leader_epoch, LeaderEpoch(0));  // stamped by AppendAsLeader
    }
  }
  EXPECT_EQ(stored, 10'000);
  // Positions are the log ends: no lag.
  for (auto& c : consumers_) {
    for (const PartitionPosition& p : c->Positions()) EXPECT_EQ(p.offset, p.high_watermark);
  }
}

TEST_F(DirectDriverTest, BatchesCloseAtBatchNumMessagesAndBatchSize) {
  Start(Load("producerConfig: {batch.num.messages: 100, linger.ms: 60000}\n"));
  Send(1000, 0);
  EXPECT_EQ(producer_->batches_appended(), 10);
  EXPECT_EQ(producer_->acked(), 1000);
  for (const auto& [h, bytes] : Batches(0)) EXPECT_EQ(h.record_count, 100);

  Start(Load("producerConfig: {batch.size: 2000, linger.ms: 60000}\n"));
  Send(1000, 1);
  ASSERT_TRUE(producer_->Flush(0).ok());
  const auto batches = Batches(1);
  int64_t records = 0;
  for (size_t i = 0; i < batches.size(); ++i) {
    const auto& [h, bytes] = batches[i];
    EXPECT_LE(bytes.size(), 2000u);
    // Closed only when the next message might not fit (the last one by Flush).
    if (i + 1 < batches.size()) {
      EXPECT_GE(bytes.size(), 2000u - 150);
    }
    records += h.record_count;
  }
  EXPECT_GT(batches.size(), 50u);
  EXPECT_EQ(records, 1000);
}

TEST_F(DirectDriverTest, LingerAppendsAnOpenBatchAtItsDeadline) {
  Start(Load("producerConfig: {linger.ms: 1000}\n"));
  Send(5, 0);
  EXPECT_EQ(producer_->acked(), 0);  // waiting for more
  const int64_t deadline = producer_->NextDeadlineNs();
  ASSERT_NE(deadline, MessageSender::kNoDeadline);
  producer_->ServeDue(deadline - 1);
  EXPECT_EQ(producer_->acked(), 0);
  producer_->ServeDue(deadline);
  EXPECT_EQ(producer_->acked(), 5);
  EXPECT_EQ(producer_->NextDeadlineNs(), MessageSender::kNoDeadline);
}

TEST_F(DirectDriverTest, CompressionTypeIsAppliedAndReadBack) {
  for (const char* codec : {"gzip", "snappy", "lz4", "zstd"}) {
    SCOPED_TRACE(codec);
    Start(Load(std::string("producerConfig: {compression.type: ") + codec + "}\n"),
          {.data_dir = dir_ + "/" + codec});
    AddConsumer(0, 1);
    Send(3000);
    ASSERT_TRUE(producer_->Flush(0).ok());
    for (const auto& [h, bytes] : Batches(2)) {
      EXPECT_EQ(storage::CompressionName(h.compression()), codec);
    }
    EXPECT_EQ(ConsumeAll(3000), 3000);
    const AuditReport r = audit_->Reconcile();
    EXPECT_EQ(r.total.consumed, 3000);
    EXPECT_EQ(r.total.lost, 0);
  }
}

TEST_F(DirectDriverTest, KeysAreStoredAsRecordKeys) {
  Start(Load(""));
  Send(10, 1, 100, "key-7");
  ASSERT_TRUE(producer_->Flush(0).ok());
  const auto batches = Batches(1);
  ASSERT_EQ(batches.size(), 1u);
  auto records = storage::DecodeRecords(batches[0].second);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 10u);
  EXPECT_EQ(records->front().key, "key-7");
}

TEST_F(DirectDriverTest, GroupMembersSplitPartitionsRoundRobin) {
  Start(Load("", 5));
  EXPECT_EQ(AddConsumer(0, 2)->assignment(), (std::vector<int32_t>{0, 2, 4}));
  EXPECT_EQ(AddConsumer(1, 2)->assignment(), (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(AddConsumer(2, 3)->assignment(), (std::vector<int32_t>{2}));
  EXPECT_TRUE(AddConsumer(5, 6)->assignment().empty());  // more consumers than partitions
  EXPECT_FALSE(
      driver_
          ->NewConsumer({.member = 2, .members = 2, .partitions = index_.get(), .clock = &clock_})
          .ok());
}

TEST_F(DirectDriverTest, TopicConfigReachesTheLogs) {
  Start(
      Load("topicConfig: {segment.bytes: 20000, flush.messages: 1, retention.ms: -1}\n"
           "producerConfig: {batch.size: 5000}\n"));
  Send(3000, 0);
  ASSERT_TRUE(producer_->Flush(0).ok());
  auto log = driver_->log_manager()->GetLog({"t-0", PartitionId(0)});
  ASSERT_TRUE(log != nullptr);
  EXPECT_EQ(log->config().segment_bytes, 20000);
  EXPECT_GT(log->segment_count(), 10);  // ~330 KB in 20 KB segments
  const storage::StorageCountersSnapshot c = driver_->log_manager()->counters().Snapshot();
  EXPECT_GE(c.fsyncs, producer_->batches_appended());  // flush.messages=1: an fsync per append
  std::ifstream props(log->dir() + "/log.properties");
  std::string text((std::istreambuf_iterator<char>(props)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("segment.bytes=20000"), std::string::npos) << text;
  EXPECT_NE(text.find("flush.messages=1"), std::string::npos) << text;
}

TEST_F(DirectDriverTest, MessageTooLargeFailsTheBatchAndTheProducerGoesOn) {
  Start(Load("topicConfig: {max.message.bytes: 1000}\nproducerConfig: {linger.ms: 60000}\n"));
  Send(50, 0);  // one batch of ~6 KB: refused as the broker refuses it
  ASSERT_TRUE(producer_->Flush(0).ok());
  EXPECT_EQ(producer_->acked(), 0);
  EXPECT_EQ(producer_->failed(), 50);
  EXPECT_EQ(producer_->errors_by_code().at("MESSAGE_TOO_LARGE"), 50);
  const AuditReport r = audit_->Reconcile();
  EXPECT_EQ(r.total.failed, 50);
  EXPECT_EQ(r.total.lost, 0);  // failed is not lost
}

// A log that cannot take appends any more (closed under the producer, as after a fatal disk error)
// stops the producer: Send returns the error, and keeps returning it.
TEST_F(DirectDriverTest, AStorageErrorStopsTheProducer) {
  Start(Load("producerConfig: {batch.num.messages: 1}\n"));
  Send(3, 0);
  EXPECT_EQ(producer_->acked(), 3);
  ASSERT_TRUE(driver_->log_manager()->GetLog({"t-0", PartitionId(0)})->Close().ok());
  std::vector<uint8_t> msg(100, 0);
  OutgoingMessage m;
  m.partition = 0;
  m.sequence = 3;
  m.released_mono_ns = MonoNanos();
  m.payload = msg;
  const Status first = producer_->Send(m);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.kafka_error(), ErrorCode::kKafkaStorageError);
  m.partition = 1;  // another partition: still refused, the producer has stopped
  m.sequence = 0;
  EXPECT_FALSE(producer_->Send(m).ok());
  EXPECT_FALSE(producer_->Flush(0).ok());
  EXPECT_EQ(producer_->NextDeadlineNs(), MessageSender::kNoDeadline);
  EXPECT_EQ(producer_->errors_by_code().at("KAFKA_STORAGE_ERROR"), 1);
  EXPECT_EQ(audit_->Reconcile().total.failed, 1);
}

TEST_F(DirectDriverTest, ConsumerBehindRetentionRestartsAtTheLogStartAndTheAuditSeesTheLoss) {
  Start(
      Load("topicConfig: {segment.bytes: 10000, retention.bytes: 20000}\n"
           "producerConfig: {batch.size: 4000}\n"));
  DirectConsumer* c = AddConsumer(0, 1);
  Send(2000, 0);
  ASSERT_TRUE(producer_->Flush(0).ok());
  auto deleted = driver_->log_manager()->RunRetention(WallMillis());
  ASSERT_TRUE(deleted.ok());
  ASSERT_GT(*deleted, 0);
  auto log = driver_->log_manager()->GetLog({"t-0", PartitionId(0)});
  const int64_t kept = log->log_end_offset().value() - log->log_start_offset().value();
  EXPECT_EQ(ConsumeAll(kept), kept);
  EXPECT_EQ(c->errors_by_code().at("OFFSET_OUT_OF_RANGE"), 1);
  const AuditReport r = audit_->Reconcile();
  EXPECT_EQ(r.total.lost, 2000 - kept);
  EXPECT_EQ(r.total.out_of_order, 0);
}

TEST_F(DirectDriverTest, CorruptBatchIsCountedAndSkippedWithCheckCrcs) {
  Start(
      Load("consumerConfig: {check.crcs: true}\n"
           "producerConfig: {batch.num.messages: 10, linger.ms: 60000}\n"));
  Send(100, 0);
  auto log = driver_->log_manager()->GetLog({"t-0", PartitionId(0)});
  // Flip a payload byte of the third batch in the segment file, behind the log's back.
  const auto batches = Batches(0);
  ASSERT_EQ(batches.size(), 10u);
  const int64_t third = static_cast<int64_t>(batches[0].second.size() + batches[1].second.size());
  {
    std::fstream f(log->dir() + "/00000000000000000000.log",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(third + 200);
    const char was = static_cast<char>(f.get());
    f.seekp(third + 200);
    f.put(static_cast<char>(was ^ 0xff));
  }
  DirectConsumer* c = AddConsumer(0, 1);
  EXPECT_EQ(ConsumeAll(90), 90);
  EXPECT_EQ(c->errors_by_code().at("CORRUPT_MESSAGE"), 1);
  EXPECT_EQ(audit_->Reconcile().total.lost, 10);
}

TEST_F(DirectDriverTest, CloseRemovesTheRunDirectoryUnlessKept) {
  Start(Load(""));
  Send(10);
  producer_.reset();
  const std::string run_dir = driver_->log_dir();
  EXPECT_TRUE(fs::exists(run_dir + "/t-0-0/00000000000000000000.log"));
  ASSERT_TRUE(driver_->Close().ok());
  EXPECT_FALSE(fs::exists(run_dir));
  EXPECT_TRUE(fs::exists(dir_));  // the data dir itself stays

  Start(Load(""), {.keep_data = true});
  Send(10);
  ASSERT_TRUE(producer_->Flush(0).ok());
  producer_.reset();
  ASSERT_TRUE(driver_->Close().ok());
  EXPECT_GT(fs::file_size(dir_ + "/run/t-0-0/00000000000000000000.log"), 0u);
}

TEST(DirectDriverCreate, RefusesFaultsAndUnknownPropertiesAndNotesWhatIsIgnored) {
  WorkloadLoadOptions lo;
  auto load = [&](const std::string& extra) {
    auto w = LoadWorkloadText(std::string(kBase) + extra, "direct.yaml", lo);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? w->front() : Workload{};
  };
  const DirectDriverOptions o{.data_dir = "/tmp", .run_id = "never-used"};
  auto faults = DirectDriver::Create(
      load("cluster: {brokers: 3}\nfaults: [{atSeconds: 0.5, action: crash, broker: 2}]\n"), o);
  ASSERT_FALSE(faults.ok());
  EXPECT_EQ(faults.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(faults.status().message().find("fault"), std::string_view::npos);

  auto topic = DirectDriver::Create(load("topicConfig: {segment.byte: 100}\n"), o);
  ASSERT_FALSE(topic.ok());
  EXPECT_EQ(topic.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(topic.status().message().find("topicConfig.segment.byte"), std::string_view::npos);

  auto bad_value =
      DirectDriver::Create(load("topicConfig: {message.timestamp.type: Sometime}\n"), o);
  ASSERT_FALSE(bad_value.ok());
  EXPECT_NE(bad_value.status().message().find("topicConfig.message.timestamp.type"),
            std::string_view::npos)
      << bad_value.status().message();

  auto client = DirectDriver::Create(load("producerConfig: {no.such.property: 1}\n"), o);
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.status().message().find("producerConfig.no.such.property"),
            std::string_view::npos)
      << client.status().message();

  auto ok = DirectDriver::Create(
      load("cluster: {brokers: 3, brokerConfig: {num.io.threads: 8}}\n"
           "topicConfig: {min.insync.replicas: 2}\n"
           "producerConfig: {acks: all, enable.idempotence: true, linger.ms: 1}\n"
           "consumerConfig: {fetch.wait.max.ms: 100, enable.auto.commit: false}\n"),
      o);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  std::string notes;
  for (const std::string& n : (*ok)->notes()) notes += n + "\n";
  EXPECT_NE(notes.find("replicationFactor 3"), std::string::npos) << notes;
  EXPECT_NE(notes.find("min.insync.replicas"), std::string::npos) << notes;
  EXPECT_NE(notes.find("acks, enable.idempotence"), std::string::npos) << notes;
  EXPECT_EQ(notes.find("linger.ms"), std::string::npos) << notes;  // honoured, so not noted
  EXPECT_NE(notes.find("enable.auto.commit"), std::string::npos) << notes;
  EXPECT_NE(notes.find("num.io.threads"), std::string::npos) << notes;
  results::RunResult r;
  (*ok)->FillResult(load(""), &r);
  EXPECT_EQ(r.summary.replication_factor, 1);
  EXPECT_EQ(r.target.kind, "direct");
  EXPECT_FALSE(r.summary.audit.loss_allowed);  // nothing but retention can lose data here
}

TEST(DirectDriverCreate, DataDirThatIsNoDirectoryIsBadInputAndAnUnwritableOneIsAnIoError) {
  char tmpl[] = "/tmp/kbench-direct-dd-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string file = dir + "/a-file";
  std::ofstream(file) << "x";
  WorkloadLoadOptions lo;
  auto w = LoadWorkloadText(kBase, "direct.yaml", lo);
  ASSERT_TRUE(w.ok());
  auto is_file = DirectDriver::Create(w->front(), {.data_dir = file, .run_id = "r"});
  ASSERT_FALSE(is_file.ok());
  EXPECT_EQ(is_file.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(is_file.status().message().find("not a directory"), std::string_view::npos);
  auto under_file = DirectDriver::Create(w->front(), {.data_dir = file + "/sub", .run_id = "r"});
  ASSERT_FALSE(under_file.ok());
  EXPECT_EQ(under_file.status().code(), StatusCode::kInvalidArgument);
  fs::remove_all(dir);
  // /sys refuses new directories even to root (chmod would not stop root).
  if (::mkdir("/sys/kbench-direct-probe", 0755) == 0) {
    ::rmdir("/sys/kbench-direct-probe");
    GTEST_SKIP() << "/sys is writable here";
  }
  auto unwritable =
      DirectDriver::Create(w->front(), {.data_dir = "/sys/kbench-data", .run_id = "r"});
  ASSERT_FALSE(unwritable.ok());
  EXPECT_EQ(unwritable.status().code(), StatusCode::kIoError);
  EXPECT_NE(unwritable.status().message().find("/sys/kbench-data"), std::string_view::npos);
}

}  // namespace
}  // namespace kbench::harness
