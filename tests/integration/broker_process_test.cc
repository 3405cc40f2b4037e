// `kbench broker` as users run it (the binary, a child process): every acknowledged message
// survives a clean restart (SIGTERM: exit 0, clean-shutdown marker written) and a SIGKILL (recovery
// on the next start); the YAML config file and --set; bad flags and config exit 2 with a message;
// an unusable port or log dir exits 3.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/broker_clients.h"
#include "tests/unit/storage/storage_test_util.h"

namespace kbench::broker::testing {
namespace {

namespace fs = std::filesystem;

std::vector<Message> Numbered(const std::string& prefix, int n) {
  std::vector<Message> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(Message{fmt::format("k{}", i), fmt::format("{}-{:06d}", prefix, i), i % 3});
  }
  return out;
}

// Produces with acks=all (idempotent) and returns the acknowledged deliveries.
std::vector<Delivery> ProduceAcked(const std::string& bootstrap, const std::vector<Message>& m) {
  auto d =
      ProduceAll({{"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}}, "durable", m);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  if (!d.ok()) return {};
  for (const Delivery& x : *d) {
    EXPECT_EQ(x.error, 0) << rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(x.error));
  }
  return *d;
}

// Every acknowledged message is in the log at the offset it was acknowledged with.
void ExpectAllPresent(const std::string& bootstrap, const std::vector<Message>& sent,
                      const std::vector<Delivery>& acked) {
  auto got = ConsumeAll(bootstrap, "durable", 3, sent.size());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  std::map<std::pair<int32_t, int64_t>, std::string> at;
  for (const Consumed& c : *got) at[{c.partition, c.offset}] = c.value;
  for (size_t i = 0; i < sent.size(); ++i) {
    auto it = at.find({acked[i].partition, acked[i].offset});
    ASSERT_NE(it, at.end()) << sent[i].value << " acknowledged at " << acked[i].partition << "/"
                            << acked[i].offset << " is missing";
    EXPECT_EQ(it->second, sent[i].value);
  }
  EXPECT_EQ(got->size(), sent.size());
}

class BrokerProcessTest : public ::testing::Test {
 protected:
  std::string dir() const { return tmp_.Sub("data"); }
  std::unique_ptr<BrokerProcess> Start() {
    auto b = BrokerProcess::Start(dir(), {"offsets.topic.num.partitions=2"});
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? std::move(*b) : nullptr;
  }
  storage::testing::TempDir tmp_;
};

TEST_F(BrokerProcessTest, AcknowledgedMessagesSurviveACleanRestartAndASigkill) {
  auto broker = Start();
  ASSERT_NE(broker, nullptr);
  ASSERT_TRUE(CreateTopic(broker->bootstrap(), "durable", 3).ok());
  std::vector<Message> sent = Numbered("before-term", 3000);
  std::vector<Delivery> acked = ProduceAcked(broker->bootstrap(), sent);
  ASSERT_EQ(acked.size(), sent.size());

  EXPECT_EQ(broker->Terminate(), 0) << broker->Stderr();
  EXPECT_TRUE(fs::exists(dir() + "/.kafka_cleanshutdown"));
  EXPECT_TRUE(fs::exists(dir() + "/durable-0/producer-state-checkpoint"));

  broker = Start();
  ASSERT_NE(broker, nullptr);
  ExpectAllPresent(broker->bootstrap(), sent, acked);

  std::vector<Message> more = Numbered("before-kill", 3000);
  std::vector<Delivery> more_acked = ProduceAcked(broker->bootstrap(), more);
  ASSERT_EQ(more_acked.size(), more.size());
  broker->Kill();
  EXPECT_FALSE(fs::exists(dir() + "/.kafka_cleanshutdown"));

  broker = Start();
  ASSERT_NE(broker, nullptr);
  EXPECT_NE(broker->Stderr().find("recovered after an unclean stop"), std::string::npos)
      << broker->Stderr();
  sent.insert(sent.end(), more.begin(), more.end());
  acked.insert(acked.end(), more_acked.begin(), more_acked.end());
  ExpectAllPresent(broker->bootstrap(), sent, acked);
  EXPECT_EQ(broker->Terminate(), 0);
}

TEST_F(BrokerProcessTest, YamlConfigWithFlagsAndSetOnTop) {
  const std::string config = tmp_.Sub("broker.yaml");
  std::ofstream(config) << "node.id: 7\n"
                        << "listeners: PLAINTEXT://127.0.0.1:0\n"
                        << "log.dirs:\n  - " << dir() << "\n"
                        << "num.partitions: 2\n"
                        << "auto.create.topics.enable: true\n"
                        << "offsets.topic.num.partitions: 1\n";
  auto broker = BrokerProcess::StartWithArgs({"--config", config, "--set", "num.partitions=5"}, 7);
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  // Auto-creation (on in the file) uses num.partitions from --set.
  auto d =
      ProduceAll({{"bootstrap.servers", (*broker)->bootstrap()}}, "auto", {Message{"k", "v", -1}});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ((*d)[0].error, 0);
  CommandResult l = *RunCommand({"kcat", "-b", (*broker)->bootstrap(), "-L", "-t", "auto"});
  EXPECT_NE(l.out.find("topic \"auto\" with 5 partitions"), std::string::npos) << l.out;
  EXPECT_NE(l.out.find("broker 7 at 127.0.0.1"), std::string::npos) << l.out;
  EXPECT_EQ((*broker)->Terminate(), 0);
}

TEST_F(BrokerProcessTest, BadInputExitsWithStatus2AndSaysWhy) {
  auto binary = BrokerProcess::Binary();
  ASSERT_TRUE(binary.ok());
  const std::string bad_yaml = tmp_.Sub("bad.yaml");
  std::ofstream(bad_yaml) << "node.id: [1, 2\n";
  const std::string unknown_key = tmp_.Sub("unknown.yaml");
  std::ofstream(unknown_key) << "node.id: 1\nlog.dirs: " << dir() << "\nzookeeper.connect: x\n";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--node-id", "1"}, "--log-dir"},
      {{"--log-dir", dir()}, "--node-id"},
      {{"--node-id", "x", "--log-dir", dir()}, "node-id"},
      {{"--node-id", "1", "--log-dir", dir(), "--listen", "nohost"}, "nohost"},
      {{"--node-id", "1", "--log-dir", dir(), "--set", "no.such.key=1"}, "no.such.key"},
      {{"--node-id", "1", "--log-dir", dir(), "--set", "num.partitions=zero"}, "num.partitions"},
      {{"--node-id", "1", "--log-dir", dir(), "--set", "novalue"}, "key=value"},
      {{"--config", bad_yaml}, "bad.yaml"},
      {{"--config", unknown_key}, "zookeeper.connect"},
      {{"--config", tmp_.Sub("missing.yaml")}, "missing.yaml"},
  };
  for (const auto& [args, mention] : cases) {
    std::vector<std::string> argv = {*binary, "broker"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = RunCommand(argv, "", 30000);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->exit_code, 2) << fmt::format("{}", fmt::join(args, " ")) << "\n" << r->err;
    EXPECT_NE(r->err.find(mention), std::string::npos)
        << fmt::format("{}", fmt::join(args, " ")) << "\n"
        << r->err;
  }
}

TEST_F(BrokerProcessTest, UnusablePortOrLockedLogDirExitsWithStatus3) {
  auto first = Start();
  ASSERT_NE(first, nullptr);
  auto binary = BrokerProcess::Binary();
  ASSERT_TRUE(binary.ok());
  auto same_port =
      RunCommand({*binary, "broker", "--node-id", "2", "--listen",
                  "127.0.0.1:" + std::to_string(first->port()), "--log-dir", tmp_.Sub("other")});
  ASSERT_TRUE(same_port.ok());
  EXPECT_EQ(same_port->exit_code, 3) << same_port->err;
  EXPECT_NE(same_port->err.find("Address already in use"), std::string::npos) << same_port->err;
  auto same_dir = RunCommand(
      {*binary, "broker", "--node-id", "2", "--listen", "127.0.0.1:0", "--log-dir", dir()});
  ASSERT_TRUE(same_dir.ok());
  EXPECT_EQ(same_dir->exit_code, 3) << same_dir->err;
  EXPECT_NE(same_dir->err.find("in use by another process"), std::string::npos) << same_dir->err;
  EXPECT_EQ(first->Terminate(), 0);
}

}  // namespace
}  // namespace kbench::broker::testing
