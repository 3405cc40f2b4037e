#include "tests/unit/broker/broker_test_util.h"

#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>

namespace kbench::broker::testing {

std::unique_ptr<TestBroker> TestBroker::Start(std::vector<std::string> sets) {
  std::unique_ptr<TestBroker> b(new TestBroker());
  b->dir_ = b->tmp_.Sub("broker");
  b->config_.node_id = BrokerId(1);
  b->config_.log_dirs = {b->dir_};
  b->config_.network.listener = ListenerAddress{"127.0.0.1", 0};
  b->config_.network.network_threads = 2;
  b->config_.groups.offsets_topic_num_partitions = 1;
  for (const std::string& s : sets) {
    Status st = b->config_.SetAssignment(s);
    if (!st.ok()) throw std::runtime_error(st.ToString());
  }
  auto created = Broker::Create(b->config_);
  if (!created.ok()) throw std::runtime_error(created.status().ToString());
  b->broker_ = std::move(*created);
  Status s = b->broker_->Start();
  if (!s.ok()) throw std::runtime_error(s.ToString());
  return b;
}

TestBroker::~TestBroker() {
  if (broker_) broker_->Stop();
}

Status TestBroker::Restart() {
  broker_->Stop();
  broker_.reset();
  KB_ASSIGN_OR_RETURN(broker_, Broker::Create(config_));
  return broker_->Start();
}

Result<std::unique_ptr<Broker>> TestBroker::StartFromCrashImage() {
  static int image = 0;
  const std::string copy = tmp_.Sub(fmt::format("crash-image-{}", image++));
  std::error_code ec;
  std::filesystem::copy(dir_, copy, std::filesystem::copy_options::recursive, ec);
  if (ec) return Status::FromErrno("copy " + dir_, ec.value());
  std::filesystem::remove(copy + "/.lock", ec);
  BrokerConfig config = config_;
  config.log_dirs = {copy};
  KB_ASSIGN_OR_RETURN(std::unique_ptr<Broker> b, Broker::Create(config));
  KB_RETURN_IF_ERROR(b->Start());
  return b;
}

Result<KafkaTestClient> KafkaTestClient::Connect(uint16_t port) {
  KB_ASSIGN_OR_RETURN(TestClient raw, TestClient::Connect(port));
  return KafkaTestClient(std::move(raw));
}

protocol::ProduceRequest MakeProduce(const std::string& topic, int32_t partition,
                                     std::vector<uint8_t>& records, int16_t acks,
                                     int32_t timeout_ms) {
  protocol::ProduceRequest req;
  req.acks = acks;
  req.timeout_ms = timeout_ms;
  req.topics.push_back({topic, {{PartitionId(partition), {records, false}}}});
  return req;
}

protocol::FetchRequest MakeFetch(const std::string& topic, int32_t partition, int64_t offset,
                                 int32_t max_wait_ms, int32_t min_bytes,
                                 int32_t partition_max_bytes) {
  protocol::FetchRequest req;
  req.max_wait_ms = max_wait_ms;
  req.min_bytes = min_bytes;
  req.max_bytes = 50 << 20;
  protocol::FetchRequest::Partition p;
  p.partition = PartitionId(partition);
  p.fetch_offset = Offset(offset);
  p.partition_max_bytes = partition_max_bytes;
  req.topics.push_back({topic, {p}});
  return req;
}

protocol::CreateTopicsRequest MakeCreateTopic(
    const std::string& topic, int32_t partitions, int16_t replication_factor,
    std::vector<protocol::CreateTopicsRequest::Config> configs) {
  protocol::CreateTopicsRequest req;
  protocol::CreateTopicsRequest::Topic t;
  t.name = topic;
  t.num_partitions = partitions;
  t.replication_factor = replication_factor;
  t.configs = std::move(configs);
  req.topics.push_back(std::move(t));
  req.timeout_ms = 10000;
  return req;
}

Status CreateTopic(TestBroker& b, const std::string& topic, int32_t partitions,
                   std::map<std::string, std::string> configs) {
  NewTopic t;
  t.name = topic;
  t.num_partitions = partitions;
  t.configs = std::move(configs);
  return b.broker().topics().Create(t).status();
}

}  // namespace kbench::broker::testing
