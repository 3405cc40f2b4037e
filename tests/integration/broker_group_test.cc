// Consumer groups on the bundled broker with unmodified librdkafka high-level consumers: a group of
// three on a six-partition topic consumes everything exactly once with commits; a member leaves and
// another joins while messages keep coming, and nothing is lost; the whole group stops, the broker
// restarts, and a new incarnation of the group resumes from the committed offsets (read back from
// __consumer_offsets).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/base/clock.h"
#include "tests/integration/broker_clients.h"
#include "tests/unit/broker/broker_test_util.h"

namespace kbench::broker::testing {
namespace {

constexpr char kTopic[] = "orders";
constexpr int kPartitions = 6;
constexpr char kGroup[] = "billing";

// One high-level consumer in its own thread: subscribes, commits synchronously every 50 records,
// when its partitions are revoked and when it closes, and records every value it was given.
class GroupMember {
 public:
  GroupMember(const std::string& bootstrap, const std::string& name) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    const std::map<std::string, std::string> settings = {{"bootstrap.servers", bootstrap},
                                                         {"group.id", kGroup},
                                                         {"client.id", name},
                                                         {"enable.auto.commit", "false"},
                                                         {"auto.offset.reset", "earliest"},
                                                         {"session.timeout.ms", "6000"},
                                                         {"heartbeat.interval.ms", "300"},
                                                         {"fetch.wait.max.ms", "100"}};
    for (const auto& [k, v] : settings) {
      EXPECT_EQ(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)), RD_KAFKA_CONF_OK)
          << err;
    }
    rd_kafka_conf_set_rebalance_cb(conf, &GroupMember::OnRebalance);
    rd_kafka_conf_set_opaque(conf, this);
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    EXPECT_NE(rk_, nullptr) << err;
    rd_kafka_poll_set_consumer(rk_);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, kTopic, RD_KAFKA_PARTITION_UA);
    EXPECT_EQ(rd_kafka_subscribe(rk_, topics), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(topics);
    thread_ = std::thread([this] { Loop(); });
  }
  ~GroupMember() { Close(); }

  // Commits and leaves the group.
  void Close() {
    if (closed_.exchange(true)) return;
    stop_.store(true);
    thread_.join();
    rd_kafka_commit(rk_, nullptr, 0);
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }

  int assigned() const { return assigned_.load(); }
  std::vector<std::string> received() const {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<GroupMember*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      rd_kafka_assign(rk, partitions);
      self->assigned_.store(partitions->cnt);
    } else {
      rd_kafka_commit(rk, nullptr, 0);  // hand the partitions over at the exact position
      rd_kafka_assign(rk, nullptr);
      self->assigned_.store(0);
    }
  }

  void Loop() {
    int since_commit = 0;
    while (!stop_.load()) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 50);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::lock_guard<std::mutex> lock(mu_);
        received_.emplace(received_.end(), static_cast<const char*>(m->payload), m->len);
      }
      rd_kafka_message_destroy(m);
      if (++since_commit >= 50) {
        rd_kafka_commit(rk_, nullptr, 0);
        since_commit = 0;
      }
    }
  }

  rd_kafka_t* rk_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> closed_{false};
  std::atomic<int> assigned_{0};
  mutable std::mutex mu_;
  std::vector<std::string> received_;
};

template <typename Pred>
bool WaitFor(Pred pred, int timeout_ms = 60000) {
  const int64_t deadline = MonoMillis() + timeout_ms;
  while (MonoMillis() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

std::vector<Message> Batch(const std::string& prefix, int n) {
  std::vector<Message> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(Message{fmt::format("k{}", i), fmt::format("{}-{}", prefix, i), i % kPartitions});
  }
  return out;
}

void Produce(const std::string& bootstrap, const std::vector<Message>& messages) {
  auto d = ProduceAll({{"bootstrap.servers", bootstrap}, {"acks", "all"}}, kTopic, messages);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  for (const Delivery& x : *d) ASSERT_EQ(x.error, 0);
}

size_t TotalReceived(const std::vector<std::unique_ptr<GroupMember>>& members) {
  size_t n = 0;
  for (const auto& m : members) n += m->received().size();
  return n;
}

std::map<std::string, int> Counts(const std::vector<std::unique_ptr<GroupMember>>& members) {
  std::map<std::string, int> counts;
  for (const auto& m : members) {
    for (const std::string& v : m->received()) ++counts[v];
  }
  return counts;
}

TEST(BrokerGroupTest, GroupConsumesExactlyOnceRebalancesWithoutLossAndResumesAfterRestart) {
  auto broker = TestBroker::Start({"offsets.topic.num.partitions=3"});
  ASSERT_TRUE(CreateTopic(broker->bootstrap(), kTopic, kPartitions).ok());
  std::vector<std::unique_ptr<GroupMember>> members;
  for (int i = 0; i < 3; ++i) {
    members.push_back(std::make_unique<GroupMember>(broker->bootstrap(), fmt::format("c{}", i)));
  }
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& m : members) {
      if (m->assigned() != 2) return false;
    }
    return true;
  })) << "the group never settled on 2 partitions per member";

  // 1. Exactly once: every record to exactly one member, once.
  const std::vector<Message> first = Batch("a", 3000);
  Produce(broker->bootstrap(), first);
  ASSERT_TRUE(WaitFor([&] { return TotalReceived(members) >= first.size(); }));
  {
    std::map<std::string, int> counts = Counts(members);
    EXPECT_EQ(counts.size(), first.size());
    for (const Message& m : first) EXPECT_EQ(counts[m.value], 1) << m.value;
    for (const auto& m : members) EXPECT_FALSE(m->received().empty());
  }

  // 2. A member leaves, another joins, while records keep coming: none is lost.
  members[0]->Close();
  const std::vector<Message> second = Batch("b", 1500);
  Produce(broker->bootstrap(), second);
  members.push_back(std::make_unique<GroupMember>(broker->bootstrap(), "c3"));
  const std::vector<Message> third = Batch("c", 1500);
  Produce(broker->bootstrap(), third);
  ASSERT_TRUE(WaitFor([&] {
    std::map<std::string, int> counts = Counts(members);
    for (const auto* batch : {&second, &third}) {
      for (const Message& m : *batch) {
        if (counts.count(m.value) == 0) return false;
      }
    }
    return true;
  })) << "records were lost across the rebalance";
  EXPECT_TRUE(WaitFor([&] { return members[3]->assigned() > 0; }));

  // 3. The whole group stops (committing), the broker restarts, the group comes back: it resumes
  // from the committed offsets, so it sees only what was produced since.
  for (auto& m : members) m->Close();
  members.clear();
  ASSERT_TRUE(broker->Restart().ok());
  const std::vector<Message> fourth = Batch("d", 600);
  Produce(broker->bootstrap(), fourth);
  for (int i = 0; i < 3; ++i) {
    members.push_back(std::make_unique<GroupMember>(broker->bootstrap(), fmt::format("r{}", i)));
  }
  ASSERT_TRUE(WaitFor([&] { return TotalReceived(members) >= fourth.size(); }));
  std::map<std::string, int> counts = Counts(members);
  for (const auto& [value, n] : counts) {
    EXPECT_EQ(value.substr(0, 2), "d-") << "re-read " << value << ": committed offsets ignored";
    EXPECT_EQ(n, 1) << value;
  }
  EXPECT_EQ(counts.size(), fourth.size());
  for (auto& m : members) m->Close();
}

}  // namespace
}  // namespace kbench::broker::testing
