// The codec against a real client. A minimal single-partition "broker" built only from this library
// (listener on 127.0.0.1, ephemeral port) serves an unmodified librdkafka 2.0.2 producer and
// consumer: librdkafka's requests must decode, and its own parser must accept our responses,
// including Fetch responses whose records are spliced from a file and sent with sendfile. This is
// not the broker (that is core/broker); it answers just enough to produce and consume one
// topic-partition.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/base/byte_order.h"
#include "core/protocol/request.h"
#include "core/protocol/response.h"

namespace kbench::protocol {
namespace {

using Bytes = std::vector<uint8_t>;
constexpr char kTopic[] = "golden";

bool WriteAll(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// What the broker's sender does with an EncodedMessage: owned bytes with write, slices with
// sendfile.
bool SendMessage(int fd, const EncodedMessage& msg) {
  size_t done = 0;
  for (const Splice& s : msg.splices) {
    if (!WriteAll(fd, msg.bytes.data() + done, s.at - done)) return false;
    done = s.at;
    off_t pos = s.slice.position;
    int64_t left = s.slice.length;
    while (left > 0) {
      ssize_t n = ::sendfile(fd, s.slice.file->fd(), &pos, static_cast<size_t>(left));
      if (n <= 0) return false;
      left -= n;
    }
  }
  return WriteAll(fd, msg.bytes.data() + done, msg.bytes.size() - done);
}

// Scalar fields of the first Produce and Fetch requests, which librdkafka fills from its
// configuration: a decoder reading fields in the wrong order gets them wrong.
struct SeenFields {
  int16_t produce_acks = 0;
  int32_t produce_timeout_ms = 0;
  BrokerId fetch_replica_id{0};
  int32_t fetch_max_wait_ms = 0;
  int32_t fetch_max_bytes = 0;
  int8_t fetch_isolation_level = -1;
  int32_t fetch_partition_max_bytes = 0;
};

struct Batch {
  int64_t base_offset;
  int64_t last_offset;
  int64_t position;
  int64_t size;
};

class MiniBroker {
 public:
  MiniBroker() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listen_fd_, 16), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    char path[] = "/tmp/kbench_wire_segment_XXXXXX";
    int fd = ::mkstemp(path);
    EXPECT_GE(fd, 0);
    ::unlink(path);
    segment_ = std::make_shared<FileHandle>(fd, path);
    thread_ = std::thread([this] { Run(); });
  }
  ~MiniBroker() {
    stop_ = true;
    thread_.join();
    for (int fd : clients_) ::close(fd);
    ::close(listen_fd_);
  }

  int port() const { return port_; }
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  // "ApiVersions v3" etc., in arrival order; plus errors met while serving.
  std::vector<std::string> Log() {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }
  bool Saw(const std::string& entry) {
    for (const std::string& e : Log()) {
      if (e == entry) return true;
    }
    return false;
  }
  std::vector<std::string> Errors() {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }
  ProducerId produced_producer_id() {
    std::lock_guard<std::mutex> lock(mu_);
    return produced_pid_;
  }
  SeenFields seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  void Run() {
    std::map<int, Bytes> pending;
    while (!stop_) {
      std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}};
      for (int fd : clients_) fds.push_back({fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
      if (fds[0].revents & POLLIN) clients_.insert(::accept(listen_fd_, nullptr, nullptr));
      for (size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        if (!ReadFrom(fds[i].fd, pending[fds[i].fd])) {
          ::close(fds[i].fd);
          clients_.erase(fds[i].fd);
          pending.erase(fds[i].fd);
        }
      }
    }
  }

  bool ReadFrom(int fd, Bytes& buf) {
    uint8_t chunk[65536];
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buf.insert(buf.end(), chunk, chunk + n);
    while (buf.size() >= 4) {
      size_t size = static_cast<size_t>(LoadBigEndian<int32_t>(buf.data()));
      if (buf.size() < 4 + size) break;
      Bytes frame(buf.begin() + 4, buf.begin() + 4 + static_cast<ptrdiff_t>(size));
      buf.erase(buf.begin(), buf.begin() + 4 + static_cast<ptrdiff_t>(size));
      if (!Serve(fd, frame)) return false;
    }
    return true;
  }

  void Note(std::string entry, bool error = false) {
    std::lock_guard<std::mutex> lock(mu_);
    (error ? errors_ : log_).push_back(std::move(entry));
  }

  bool Serve(int fd, Bytes& frame) {
    Reader r{std::span<uint8_t>(frame)};
    Result<RequestHeader> header = DecodeRequestHeader(r);
    if (!header.ok()) {
      Note(header.status().ToString(), true);
      return false;
    }
    Note(std::string(ApiName(header->api_key)) + " v" + std::to_string(header->api_version));
    Result<RequestBody> body = DecodeRequestBody(*header, r);
    if (!body.ok()) {
      if (!IsUnsupportedApiVersionsRequest(*header)) {
        Note(body.status().ToString(), true);
        return false;
      }
      Result<EncodedMessage> reply = EncodeUnsupportedApiVersionsResponse(header->correlation_id);
      return reply.ok() && SendMessage(fd, *reply);
    }
    Result<ResponseBody> response = Handle(*body);
    if (!response.ok()) {
      Note(response.status().ToString(), true);
      return false;
    }
    Result<EncodedMessage> reply =
        EncodeResponse(header->correlation_id, header->api_version, *response);
    if (!reply.ok()) {
      Note(reply.status().ToString(), true);
      return false;
    }
    return SendMessage(fd, *reply);
  }

  Result<ResponseBody> Handle(RequestBody& body) {
    if (std::holds_alternative<ApiVersionsRequest>(body)) return ApiVersionsResponse::Supported();
    if (auto* m = std::get_if<MetadataRequest>(&body)) return Metadata(*m);
    if (std::holds_alternative<InitProducerIdRequest>(body)) {
      return InitProducerIdResponse{0, ErrorCode::kNone, ProducerId(4000), ProducerEpoch(0)};
    }
    if (auto* m = std::get_if<ProduceRequest>(&body)) return Produce(*m);
    if (auto* m = std::get_if<ListOffsetsRequest>(&body)) return ListOffsets(*m);
    if (auto* m = std::get_if<FetchRequest>(&body)) return Fetch(*m);
    if (auto* m = std::get_if<OffsetForLeaderEpochRequest>(&body)) return EpochEnd(*m);
    if (std::holds_alternative<FindCoordinatorRequest>(body)) {
      return FindCoordinatorResponse{0,           ErrorCode::kNone, std::nullopt,
                                     BrokerId(0), "127.0.0.1",      port_};
    }
    return Status::Unsupported("the mini broker does not serve " +
                               std::string(ApiName(ApiKeyOf(body))));
  }

  MetadataResponse Metadata(const MetadataRequest&) {
    MetadataResponse m;
    m.brokers = {{BrokerId(0), "127.0.0.1", port_, std::nullopt}};
    m.cluster_id = "kbench-wire-test";
    m.controller_id = BrokerId(0);
    MetadataResponse::Partition p{ErrorCode::kNone, PartitionId(0), BrokerId(0), LeaderEpoch(0),
                                  {BrokerId(0)},    {BrokerId(0)},  {}};
    m.topics = {{ErrorCode::kNone, kTopic, false, {p}, kAuthorizedOperationsOmitted}};
    return m;
  }

  // Appends each batch at the log end, assigning offsets in place in the request frame first.
  ProduceResponse Produce(ProduceRequest& req) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.produce_acks = req.acks;
      seen_.produce_timeout_ms = req.timeout_ms;
    }
    ProduceResponse resp;
    for (ProduceRequest::Topic& t : req.topics) {
      ProduceResponse::Topic& rt = resp.topics.emplace_back();
      rt.name = std::string(t.name);
      for (ProduceRequest::Partition& p : t.partitions) {
        rt.partitions.push_back({p.index, ErrorCode::kNone, Offset(next_offset_), -1, Offset(0)});
        Append(p.records.bytes);
      }
    }
    return resp;
  }

  void Append(std::span<uint8_t> records) {
    size_t pos = 0;
    while (pos + 61 <= records.size()) {
      uint8_t* batch = records.data() + pos;
      int64_t size = 12 + LoadBigEndian<int32_t>(batch + 8);
      int32_t last_delta = LoadBigEndian<int32_t>(batch + 23);
      StoreBigEndian<int64_t>(batch, next_offset_);  // base offset, outside the CRC
      {
        std::lock_guard<std::mutex> lock(mu_);
        produced_pid_ = ProducerId(LoadBigEndian<int64_t>(batch + 43));
      }
      EXPECT_EQ(::pwrite(segment_->fd(), batch, static_cast<size_t>(size), segment_size_), size);
      batches_.push_back({next_offset_, next_offset_ + last_delta, segment_size_, size});
      segment_size_ += size;
      next_offset_ += last_delta + 1;
      pos += static_cast<size_t>(size);
    }
  }

  ListOffsetsResponse ListOffsets(const ListOffsetsRequest& req) {
    ListOffsetsResponse resp;
    for (const ListOffsetsRequest::Topic& t : req.topics) {
      ListOffsetsResponse::Topic& rt = resp.topics.emplace_back();
      rt.name = t.name;
      for (const ListOffsetsRequest::Partition& p : t.partitions) {
        Offset o(p.timestamp == kListOffsetsEarliest ? 0 : next_offset_);
        rt.partitions.push_back({p.partition_index, ErrorCode::kNone, {o}, -1, o});
      }
    }
    return resp;
  }

  // Serves the batches from fetch_offset on as one FileSlice of the segment file.
  FetchResponse Fetch(const FetchRequest& req) {
    if (!req.topics.empty() && !req.topics[0].partitions.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.fetch_replica_id = req.replica_id;
      seen_.fetch_max_wait_ms = req.max_wait_ms;
      seen_.fetch_max_bytes = req.max_bytes;
      seen_.fetch_isolation_level = req.isolation_level;
      seen_.fetch_partition_max_bytes = req.topics[0].partitions[0].partition_max_bytes;
    }
    FetchResponse resp;
    bool empty = true;
    for (const FetchRequest::Topic& t : req.topics) {
      FetchResponse::Topic& rt = resp.topics.emplace_back();
      rt.topic = t.topic;
      for (const FetchRequest::Partition& p : t.partitions) {
        FetchResponse::Partition& rp = rt.partitions.emplace_back();
        rp.partition_index = p.partition;
        rp.high_watermark = rp.last_stable_offset = Offset(next_offset_);
        rp.log_start_offset = Offset(0);
        rp.records = FetchRecords::Bytes({});
        for (const Batch& b : batches_) {
          if (b.last_offset < p.fetch_offset.value()) continue;
          rp.records =
              FetchRecords::Slice(FileSlice{segment_, b.position, segment_size_ - b.position});
          empty = false;
          break;
        }
      }
    }
    if (empty)
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(req.max_wait_ms, 50)));
    return resp;
  }

  OffsetForLeaderEpochResponse EpochEnd(const OffsetForLeaderEpochRequest& req) {
    OffsetForLeaderEpochResponse resp;
    for (const auto& t : req.topics) {
      auto& rt = resp.topics.emplace_back();
      rt.topic = t.topic;
      for (const auto& p : t.partitions) {
        rt.partitions.push_back(
            {ErrorCode::kNone, p.partition, LeaderEpoch(0), Offset(next_offset_)});
      }
    }
    return resp;
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::set<int> clients_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::shared_ptr<const FileHandle> segment_;
  int64_t segment_size_ = 0;
  int64_t next_offset_ = 0;
  std::vector<Batch> batches_;
  std::mutex mu_;  // guards log_, errors_, produced_pid_, seen_ (read by the test thread)
  SeenFields seen_;
  std::vector<std::string> log_;
  std::vector<std::string> errors_;
  ProducerId produced_pid_ = kNoProducerId;
};

rd_kafka_conf_t* Conf(const std::string& bootstrap,
                      std::initializer_list<std::pair<const char*, const char*>> extra) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[256];
  EXPECT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof(err)),
            RD_KAFKA_CONF_OK);
  for (const auto& [k, v] : extra) {
    EXPECT_EQ(rd_kafka_conf_set(conf, k, v, err, sizeof(err)), RD_KAFKA_CONF_OK)
        << k << ": " << err;
  }
  return conf;
}

int g_delivered_ok = 0;
int g_delivery_failed = 0;
std::vector<int64_t> g_offsets;

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++g_delivered_ok;
    g_offsets.push_back(m->offset);
  } else {
    ++g_delivery_failed;
  }
}

void ProduceFive(MiniBroker& broker) {
  rd_kafka_conf_t* conf = Conf(broker.bootstrap(), {{"enable.idempotence", "true"},
                                                    {"linger.ms", "50"},
                                                    {"request.timeout.ms", "12345"},
                                                    {"message.timeout.ms", "20000"}});
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  char err[256];
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  ASSERT_NE(producer, nullptr) << err;
  for (int i = 0; i < 5; ++i) {
    std::string value = "message-" + std::to_string(i);
    ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(kTopic), RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_VALUE(value.data(), value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  EXPECT_EQ(rd_kafka_flush(producer, 20000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(producer);
}

std::vector<std::pair<int64_t, std::string>> ConsumeFive(MiniBroker& broker) {
  rd_kafka_conf_t* conf = Conf(broker.bootstrap(), {{"group.id", "kbench-wire-test"},
                                                    {"enable.auto.commit", "false"},
                                                    {"fetch.wait.max.ms", "50"},
                                                    {"fetch.max.bytes", "2000000"},
                                                    {"max.partition.fetch.bytes", "524288"}});
  char err[256];
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  EXPECT_NE(consumer, nullptr) << err;
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, kTopic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  EXPECT_EQ(rd_kafka_assign(consumer, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(parts);

  std::vector<std::pair<int64_t, std::string>> got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (got.size() < 5 && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      got.emplace_back(m->offset, std::string(static_cast<const char*>(m->payload), m->len));
    } else {
      ADD_FAILURE() << "consumer error: " << rd_kafka_message_errstr(m);
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return got;
}

TEST(LibrdkafkaWireTest, IdempotentProducerAndConsumerTalkToTheCodec) {
  MiniBroker broker;
  ProduceFive(broker);
  EXPECT_EQ(g_delivered_ok, 5);
  EXPECT_EQ(g_delivery_failed, 0);
  EXPECT_EQ(g_offsets, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(broker.produced_producer_id(), ProducerId(4000))
      << "the batch carries the id we assigned";

  SeenFields seen = broker.seen();
  EXPECT_EQ(seen.produce_acks, -1);  // idempotence forces acks=all
  EXPECT_EQ(seen.produce_timeout_ms, 12345);

  std::vector<std::pair<int64_t, std::string>> got = ConsumeFive(broker);
  ASSERT_EQ(got.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(got[i].first, i);
    EXPECT_EQ(got[i].second, "message-" + std::to_string(i));
  }

  seen = broker.seen();
  EXPECT_EQ(seen.fetch_replica_id, kConsumerReplicaId);
  EXPECT_EQ(seen.fetch_max_wait_ms, 50);
  EXPECT_EQ(seen.fetch_max_bytes, 2000000);
  EXPECT_EQ(seen.fetch_isolation_level, 1);  // librdkafka defaults to read_committed
  EXPECT_EQ(seen.fetch_partition_max_bytes, 524288);

  // librdkafka first asks ApiVersions v3 and gets Kafka's v0-shaped UNSUPPORTED_VERSION reply. Its
  // v3 parser reads that body as a flexible one, finds no usable API list and retries at v0 (as
  // with a pre-2.4 Kafka); from the v0 answer it then picks the highest versions both sides know.
  std::vector<std::string> log = broker.Log();
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(log[0], "ApiVersions v3");
  EXPECT_EQ(log[1], "ApiVersions v0");
  EXPECT_TRUE(broker.Saw("InitProducerId v1"));
  EXPECT_TRUE(broker.Saw("Produce v7"));
  EXPECT_TRUE(broker.Saw("Fetch v11"));
  EXPECT_EQ(broker.Errors(), std::vector<std::string>{});
  std::string all;
  for (const std::string& e : log) all += e + "; ";
  std::cerr << "librdkafka requests: " << all << "\n";
}

}  // namespace
}  // namespace kbench::protocol
