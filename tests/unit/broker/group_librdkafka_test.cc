// The group coordinator against real clients: unmodified librdkafka 2.0.2 high-level consumers
// (MEMBER_ID_REQUIRED, their own range assignor as group leader, heartbeats, synchronous commits,
// LeaveGroup on close, committed-offset lookups) talk to a GroupCoordinator through a small test
// server: one thread per connection answering one request at a time, in order (as Kafka does),
// waiting on the coordinator's callbacks for JoinGroup/SyncGroup/OffsetCommit. The topic's
// partitions are empty; Metadata/ListOffsets/Fetch answer just enough for the consumers to run.
// This is not the broker (core/broker's server is another engineer's); it checks the coordinator's
// answers against the client that will use it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/base/byte_order.h"
#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/broker/file_offset_log.h"
#include "core/broker/group_coordinator.h"
#include "core/protocol/request.h"
#include "core/protocol/response.h"
#include "tests/unit/broker/group_test_dir.h"
#include "tests/unit/broker/manual_group_timer.h"

namespace kbench::broker::testing {
namespace {

using namespace kbench::protocol;  // NOLINT: the test speaks the whole protocol
using Clock = std::chrono::steady_clock;

constexpr char kTopic[] = "events";
constexpr int32_t kTopicPartitions = 6;
constexpr char kGroup[] = "kbench-librdkafka-group";

// Drives a ManualGroupTimer with the real clock, so timeouts behave as on a broker.
class RealTimeTicker {
 public:
  explicit RealTimeTicker(std::shared_ptr<ManualGroupTimer> timer) : timer_(std::move(timer)) {
    thread_ = std::thread([this] {
      int64_t last = MonoMillis();
      while (!stop_.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        int64_t now = MonoMillis();
        timer_->Advance(now - last);
        last = now;
      }
    });
  }
  ~RealTimeTicker() {
    stop_.store(true);
    thread_.join();
  }

 private:
  std::shared_ptr<ManualGroupTimer> timer_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

bool WriteAll(int fd, const std::vector<uint8_t>& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool ReadExactly(int fd, uint8_t* p, size_t n, const std::atomic<bool>& stop) {
  while (n > 0) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 50) == 0) {
      if (stop.load()) return false;
      continue;
    }
    ssize_t r = ::recv(fd, p, n, 0);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

template <typename T>
T AwaitCallback(const std::function<void(std::function<void(T)>)>& start) {
  auto promise = std::make_shared<std::promise<T>>();
  std::future<T> future = promise->get_future();
  start([promise](T value) { promise->set_value(std::move(value)); });
  return future.get();  // every callback is answered (at the latest on shutdown)
}

class GroupServer {
 public:
  explicit GroupServer(std::string dir) : dir_(std::move(dir)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listen_fd_, 64), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    StartCoordinator();
    acceptor_ = std::thread([this] { Accept(); });
  }
  ~GroupServer() {
    stop_.store(true);
    acceptor_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(connections_);
    }
    for (std::thread& t : threads) t.join();
    ::close(listen_fd_);
    std::lock_guard lock(coordinator_mu_);
    if (coordinator_) coordinator_->Shutdown();
  }

  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }

  // A broker restart as the coordinator sees it: a new object over the same offset log files.
  void RestartCoordinator() {
    std::shared_ptr<GroupCoordinator> old;
    {
      std::lock_guard lock(coordinator_mu_);
      old = std::move(coordinator_);
    }
    old->Shutdown();
    old.reset();
    StartCoordinator();
  }

  std::shared_ptr<GroupCoordinator> coordinator() {
    std::lock_guard lock(coordinator_mu_);
    return coordinator_;
  }
  std::vector<std::string> Errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }
  std::set<std::string> Seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void StartCoordinator() {
    GroupCoordinatorConfig config;
    config.offsets_topic_num_partitions = 3;
    config.group_initial_rebalance_delay_ms = 200;
    config.group_min_session_timeout_ms = 1000;
    GroupCoordinatorHooks hooks;
    const int port = port_;
    hooks.leader_of = [port](PartitionId) {
      return std::optional<CoordinatorEndpoint>(
          CoordinatorEndpoint{BrokerId(0), "127.0.0.1", port});
    };
    hooks.partition_exists = [](const TopicPartition& tp) {
      return tp.topic == kTopic && tp.partition.value() >= 0 &&
             tp.partition.value() < kTopicPartitions;
    };
    Result<std::shared_ptr<GroupCoordinator>> c = GroupCoordinator::Create(config, timer_, hooks);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    for (int32_t p = 0; p < config.offsets_topic_num_partitions; ++p) {
      Result<std::unique_ptr<FileOffsetLog>> log =
          FileOffsetLog::Open(dir_ + "/offsets-" + std::to_string(p) + ".log");
      ASSERT_TRUE(log.ok()) << log.status().ToString();
      ASSERT_TRUE((*c)->OnElected(PartitionId(p), std::move(*log)).ok());
    }
    std::lock_guard lock(coordinator_mu_);
    coordinator_ = *c;
  }

  void Accept() {
    while (!stop_.load()) {
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 50) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(mu_);
      connections_.emplace_back([this, fd] {
        Serve(fd);
        ::close(fd);
      });
    }
  }

  void Note(std::string entry, bool error) {
    std::lock_guard lock(mu_);
    if (error) {
      errors_.push_back(std::move(entry));
    } else {
      seen_.insert(std::move(entry));
    }
  }

  // One request at a time, answered in order (Kafka mutes a connection while it is served).
  void Serve(int fd) {
    while (!stop_.load()) {
      uint8_t size_bytes[4];
      if (!ReadExactly(fd, size_bytes, 4, stop_)) return;
      const int32_t size = LoadBigEndian<int32_t>(size_bytes);
      if (size < 0 || size > (64 << 20)) return Note("bad frame size", true);
      std::vector<uint8_t> frame(static_cast<size_t>(size));
      if (!ReadExactly(fd, frame.data(), frame.size(), stop_)) return;
      Reader r{std::span<uint8_t>(frame)};
      Result<RequestHeader> header = DecodeRequestHeader(r);
      if (!header.ok()) return Note(header.status().ToString(), true);
      Note(std::string(ApiName(header->api_key)) + " v" + std::to_string(header->api_version),
           false);
      Result<RequestBody> body = DecodeRequestBody(*header, r);
      Result<EncodedMessage> reply = Status::Internal("unset");
      if (!body.ok()) {
        if (!IsUnsupportedApiVersionsRequest(*header)) return Note(body.status().ToString(), true);
        reply = EncodeUnsupportedApiVersionsResponse(header->correlation_id);
      } else {
        GroupRequestContext ctx{header->api_version, std::string(header->client_id.value_or("")),
                                "/127.0.0.1"};
        Result<ResponseBody> response = Handle(ctx, *body);
        if (!response.ok()) return Note(response.status().ToString(), true);
        reply = EncodeResponse(header->correlation_id, header->api_version, *response);
      }
      if (!reply.ok()) return Note(reply.status().ToString(), true);
      if (!WriteAll(fd, reply->bytes)) return;
    }
  }

  // The dispatch a broker's table does for the group APIs, plus stand-ins for the data APIs.
  Result<ResponseBody> Handle(const GroupRequestContext& ctx, RequestBody& body) {
    std::shared_ptr<GroupCoordinator> c = coordinator();
    if (std::holds_alternative<ApiVersionsRequest>(body)) return ApiVersionsResponse::Supported();
    if (auto* m = std::get_if<MetadataRequest>(&body)) return Metadata(*m);
    if (auto* m = std::get_if<FindCoordinatorRequest>(&body)) return c->FindCoordinator(*m);
    if (auto* m = std::get_if<JoinGroupRequest>(&body)) {
      return AwaitCallback<JoinGroupResponse>(
          [&](JoinGroupCallback done) { c->JoinGroup(ctx, std::move(*m), std::move(done)); });
    }
    if (auto* m = std::get_if<SyncGroupRequest>(&body)) {
      return AwaitCallback<SyncGroupResponse>(
          [&](SyncGroupCallback done) { c->SyncGroup(ctx, std::move(*m), std::move(done)); });
    }
    if (auto* m = std::get_if<HeartbeatRequest>(&body)) return c->Heartbeat(ctx, *m);
    if (auto* m = std::get_if<LeaveGroupRequest>(&body)) return c->LeaveGroup(ctx, *m);
    if (auto* m = std::get_if<OffsetCommitRequest>(&body)) {
      return AwaitCallback<OffsetCommitResponse>(
          [&](OffsetCommitCallback done) { c->OffsetCommit(ctx, std::move(*m), std::move(done)); });
    }
    if (auto* m = std::get_if<OffsetFetchRequest>(&body)) return c->OffsetFetch(ctx, *m);
    if (auto* m = std::get_if<ListOffsetsRequest>(&body)) return ListOffsets(*m);
    if (auto* m = std::get_if<FetchRequest>(&body)) return Fetch(*m);
    if (auto* m = std::get_if<OffsetForLeaderEpochRequest>(&body)) return EpochEnd(*m);
    return Status::Unsupported("the test server does not serve " +
                               std::string(ApiName(ApiKeyOf(body))));
  }

  MetadataResponse Metadata(const MetadataRequest& req) {
    MetadataResponse m;
    m.brokers = {{BrokerId(0), "127.0.0.1", port_, std::nullopt}};
    m.cluster_id = "kbench-group-test";
    m.controller_id = BrokerId(0);
    std::vector<std::string> names = req.topics.value_or(std::vector<std::string>{kTopic});
    for (const std::string& name : names) {
      MetadataResponse::Topic& t = m.topics.emplace_back();
      t.name = name;
      if (name != kTopic) {
        t.error_code = ErrorCode::kUnknownTopicOrPartition;
        continue;
      }
      for (int32_t p = 0; p < kTopicPartitions; ++p) {
        t.partitions.push_back({ErrorCode::kNone,
                                PartitionId(p),
                                BrokerId(0),
                                LeaderEpoch(0),
                                {BrokerId(0)},
                                {BrokerId(0)},
                                {}});
      }
    }
    return m;
  }

  ListOffsetsResponse ListOffsets(const ListOffsetsRequest& req) {
    ListOffsetsResponse resp;
    for (const auto& t : req.topics) {
      auto& rt = resp.topics.emplace_back();
      rt.name = t.name;
      for (const auto& p : t.partitions) {
        rt.partitions.push_back({p.partition_index, ErrorCode::kNone, {Offset(0)}, -1, Offset(0)});
      }
    }
    return resp;
  }

  // Empty partitions whose log end is 1000 (so committed offsets below it are valid positions).
  FetchResponse Fetch(const FetchRequest& req) {
    FetchResponse resp;
    for (const auto& t : req.topics) {
      auto& rt = resp.topics.emplace_back();
      rt.topic = t.topic;
      for (const auto& p : t.partitions) {
        auto& rp = rt.partitions.emplace_back();
        rp.partition_index = p.partition;
        rp.high_watermark = rp.last_stable_offset = Offset(1000);
        rp.log_start_offset = Offset(0);
        rp.records = FetchRecords::Bytes({});
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(req.max_wait_ms, 20)));
    return resp;
  }

  OffsetForLeaderEpochResponse EpochEnd(const OffsetForLeaderEpochRequest& req) {
    OffsetForLeaderEpochResponse resp;
    for (const auto& t : req.topics) {
      auto& rt = resp.topics.emplace_back();
      rt.topic = t.topic;
      for (const auto& p : t.partitions) {
        rt.partitions.push_back({ErrorCode::kNone, p.partition, LeaderEpoch(0), Offset(1000)});
      }
    }
    return resp;
  }

  const std::string dir_;
  std::shared_ptr<ManualGroupTimer> timer_ = std::make_shared<ManualGroupTimer>();
  RealTimeTicker ticker_{timer_};
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::mutex coordinator_mu_;
  std::shared_ptr<GroupCoordinator> coordinator_;  // guarded by coordinator_mu_
  std::mutex mu_;
  std::vector<std::thread> connections_;  // guarded by mu_
  std::vector<std::string> errors_;       // guarded by mu_
  std::set<std::string> seen_;            // guarded by mu_
};

rd_kafka_t* NewConsumer(const std::string& bootstrap, const std::string& client_id) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[256];
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"bootstrap.servers", bootstrap},
           {"group.id", kGroup},
           {"client.id", client_id},
           {"enable.auto.commit", "false"},
           {"auto.offset.reset", "earliest"},
           {"session.timeout.ms", "6000"},
           {"heartbeat.interval.ms", "300"},
           {"partition.assignment.strategy", "range"},
           {"fetch.wait.max.ms", "20"},
           {"topic.metadata.refresh.interval.ms", "1000"}}) {
    EXPECT_EQ(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)), RD_KAFKA_CONF_OK)
        << k << ": " << err;
  }
  rd_kafka_t* c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  EXPECT_NE(c, nullptr) << err;
  return c;
}

std::set<int32_t> Assignment(rd_kafka_t* c) {
  rd_kafka_topic_partition_list_t* list = nullptr;
  std::set<int32_t> out;
  if (rd_kafka_assignment(c, &list) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  for (int i = 0; i < list->cnt; ++i) out.insert(list->elems[i].partition);
  rd_kafka_topic_partition_list_destroy(list);
  return out;
}

// Polls every consumer until their assignments partition the topic exactly (a completed
// rebalance), or the deadline passes.
bool PollUntilBalanced(const std::vector<rd_kafka_t*>& consumers) {
  const auto deadline = Clock::now() + std::chrono::seconds(40);
  while (Clock::now() < deadline) {
    for (rd_kafka_t* c : consumers) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 20);
      if (m != nullptr) rd_kafka_message_destroy(m);
    }
    std::set<int32_t> all;
    size_t total = 0;
    bool everyone = true;
    for (rd_kafka_t* c : consumers) {
      std::set<int32_t> a = Assignment(c);
      everyone = everyone && !a.empty();
      total += a.size();
      all.insert(a.begin(), a.end());
    }
    if (everyone && total == static_cast<size_t>(kTopicPartitions) &&
        all.size() == static_cast<size_t>(kTopicPartitions)) {
      return true;
    }
  }
  return false;
}

std::map<int32_t, int64_t> Committed(rd_kafka_t* c) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(kTopicPartitions);
  for (int32_t p = 0; p < kTopicPartitions; ++p) rd_kafka_topic_partition_list_add(list, kTopic, p);
  std::map<int32_t, int64_t> out;
  rd_kafka_resp_err_t err = rd_kafka_committed(c, list, 20000);
  EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
  for (int i = 0; i < list->cnt; ++i) {
    EXPECT_EQ(list->elems[i].err, RD_KAFKA_RESP_ERR_NO_ERROR);
    out[list->elems[i].partition] = list->elems[i].offset;
  }
  rd_kafka_topic_partition_list_destroy(list);
  return out;
}

void Close(rd_kafka_t* c) {
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
}

TEST(GroupLibrdkafkaTest, ConsumerGroupRebalancesCommitsAndResumesAfterARestart) {
  log::SetLevel(log::Level::kWarn);
  TempDir dir;
  GroupServer server(dir.path());
  std::vector<rd_kafka_t*> consumers;
  for (int i = 0; i < 3; ++i) {
    consumers.push_back(NewConsumer(server.bootstrap(), "consumer-" + std::to_string(i)));
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, kTopic, RD_KAFKA_PARTITION_UA);
    ASSERT_EQ(rd_kafka_subscribe(consumers.back(), topics), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(topics);
  }
  ASSERT_TRUE(PollUntilBalanced(consumers)) << "three consumers never shared the 6 partitions";
  std::optional<GroupSummary> s = server.coordinator()->DescribeGroup(kGroup);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->members.size(), 3u);
  EXPECT_EQ(s->protocol_type, "consumer");
  EXPECT_EQ(s->protocol, "range");

  // Each consumer commits (synchronously) 100 + p for the partitions it owns.
  for (rd_kafka_t* c : consumers) {
    rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(3);
    for (int32_t p : Assignment(c)) {
      rd_kafka_topic_partition_list_add(offsets, kTopic, p)->offset = 100 + p;
    }
    rd_kafka_resp_err_t err = rd_kafka_commit(c, offsets, /*async=*/0);
    EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
    rd_kafka_topic_partition_list_destroy(offsets);
  }

  // One leaves (LeaveGroup on close): the other two take its partitions over.
  const int32_t generation_before = server.coordinator()->DescribeGroup(kGroup)->generation;
  Close(consumers.back());
  consumers.pop_back();
  ASSERT_TRUE(PollUntilBalanced(consumers)) << "two consumers never took all 6 partitions";
  EXPECT_GT(server.coordinator()->DescribeGroup(kGroup)->generation, generation_before);
  for (rd_kafka_t* c : consumers) Close(c);
  consumers.clear();

  // The coordinator restarts over its offset logs; a new consumer of the group finds the commits.
  server.RestartCoordinator();
  rd_kafka_t* fresh = NewConsumer(server.bootstrap(), "after-restart");
  std::map<int32_t, int64_t> committed = Committed(fresh);
  for (int32_t p = 0; p < kTopicPartitions; ++p) EXPECT_EQ(committed[p], 100 + p) << "p" << p;
  rd_kafka_destroy(fresh);

  EXPECT_EQ(server.Errors(), std::vector<std::string>{});
  std::set<std::string> seen = server.Seen();
  std::string all;
  for (const std::string& e : seen) all += e + "; ";
  std::cerr << "librdkafka requests: " << all << "\n";
  EXPECT_TRUE(seen.contains("JoinGroup v5")) << all;
  EXPECT_TRUE(seen.contains("SyncGroup v3")) << all;
  EXPECT_TRUE(seen.contains("OffsetCommit v7")) << all;
  EXPECT_TRUE(seen.contains("OffsetFetch v5")) << all;
  EXPECT_TRUE(seen.contains("LeaveGroup v1")) << all;
}

}  // namespace
}  // namespace kbench::broker::testing
