// Test helpers for the broker's API tests: an in-process Broker on 127.0.0.1 with an ephemeral
// port over a temporary directory, and a protocol client that sends request structs
// (core/protocol) and decodes the responses. Every wait is bounded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/broker/broker.h"
#include "core/protocol/request.h"
#include "core/protocol/response.h"
#include "tests/unit/broker/test_client.h"
#include "tests/unit/storage/storage_test_util.h"

namespace kbench::broker::testing {

// A started Broker (node 1) over `dir` (a fresh temp dir when empty), with `sets` applied as
// --set key=value. offsets.topic.num.partitions defaults to 1 here to keep startup short.
class TestBroker {
 public:
  static std::unique_ptr<TestBroker> Start(std::vector<std::string> sets = {});
  ~TestBroker();

  Broker& broker() { return *broker_; }
  uint16_t port() const { return broker_->port(); }
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port()); }
  const std::string& dir() const { return dir_; }
  const BrokerConfig& config() const { return config_; }

  // Clean stop and a new Broker over the same dir and config (a new port).
  Status Restart();
  void Stop() { broker_->Stop(); }
  // A new broker over a copy of the current files taken while this one runs: what a crash leaves
  // (no clean-shutdown marker, no shutdown checkpoints). The copy lives in this TestBroker's temp
  // dir and the returned broker must be destroyed before it.
  Result<std::unique_ptr<Broker>> StartFromCrashImage();

 private:
  TestBroker() = default;
  storage::testing::TempDir tmp_;
  std::string dir_;
  BrokerConfig config_;
  std::unique_ptr<Broker> broker_;
};

// Sends Kafka requests as structs and decodes the responses.
class KafkaTestClient {
 public:
  static Result<KafkaTestClient> Connect(uint16_t port);

  // Sends `request` at `version` with the next correlation id (returned).
  template <typename Req>
  Result<int32_t> Send(const Req& request, int16_t version) {
    protocol::RequestHeader h;
    h.api_key = Req::kApiKey;
    h.api_version = version;
    h.correlation_id = next_correlation_id_++;
    h.client_id = "kbench-test";
    KB_ASSIGN_OR_RETURN(protocol::EncodedMessage msg, protocol::EncodeRequest(h, request));
    KB_RETURN_IF_ERROR(raw_.SendRaw(msg.bytes));
    return h.correlation_id;
  }

  // Reads one response frame and decodes it as `Resp` at `version` (the response to the request
  // whose correlation id is returned with it).
  template <typename Resp>
  Result<protocol::DecodedResponse<Resp>> Receive(int16_t version, int timeout_ms = 20000) {
    KB_ASSIGN_OR_RETURN(std::vector<uint8_t> frame, raw_.ReadFrame(timeout_ms));
    frames_.push_back(std::move(frame));  // decoded views (Fetch records) point into it
    return protocol::DecodeResponse<Resp>(frames_.back(), version);
  }

  template <typename Resp, typename Req>
  Result<Resp> Call(const Req& request, int16_t version, int timeout_ms = 20000) {
    KB_ASSIGN_OR_RETURN(int32_t id, Send(request, version));
    KB_ASSIGN_OR_RETURN(auto decoded, Receive<Resp>(version, timeout_ms));
    if (decoded.header.correlation_id != id) {
      return Status::Internal("response correlation id " +
                              std::to_string(decoded.header.correlation_id) + ", expected " +
                              std::to_string(id));
    }
    return std::move(decoded.body);
  }

  TestClient& raw() { return raw_; }

 private:
  explicit KafkaTestClient(TestClient raw) : raw_(std::move(raw)) {}
  TestClient raw_;
  int32_t next_correlation_id_ = 1;
  std::vector<std::vector<uint8_t>> frames_;
};

// A Produce request for one partition carrying `records` (kept alive by the caller).
protocol::ProduceRequest MakeProduce(const std::string& topic, int32_t partition,
                                     std::vector<uint8_t>& records, int16_t acks = 1,
                                     int32_t timeout_ms = 30000);
// A Fetch request for one partition.
protocol::FetchRequest MakeFetch(const std::string& topic, int32_t partition, int64_t offset,
                                 int32_t max_wait_ms = 0, int32_t min_bytes = 1,
                                 int32_t partition_max_bytes = 1 << 20);
// CreateTopics for one topic.
protocol::CreateTopicsRequest MakeCreateTopic(
    const std::string& topic, int32_t partitions, int16_t replication_factor = 1,
    std::vector<protocol::CreateTopicsRequest::Config> configs = {});

// Creates `topic` through the broker's admin path and fails the test on error.
Status CreateTopic(TestBroker& b, const std::string& topic, int32_t partitions,
                   std::map<std::string, std::string> configs = {});

}  // namespace kbench::broker::testing
