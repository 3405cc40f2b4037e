// The replicated cluster as users run it, through the kbench binary (child processes):
//  - `kbench cluster --brokers 3 --data-dir D` prints `bootstrap: ...` on stdout once ready, serves
//    librdkafka producers (acks=all, RF 3) and consumers, and stops cleanly on SIGTERM (exit 0);
//  - three `kbench broker --cluster 1@..,2@..,3@..` processes form one cluster (the controller in
//    broker 1): an RF 3 topic takes acks=all writes, a non-controller broker is SIGKILLed, acks=all
//    writes go on with the two left, and every acknowledged message is read back;
//  - bad flags (malformed member list, own id not a member, --brokers 0, racks that do not match)
//    exit 2 naming what is wrong.
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "core/base/clock.h"
#include "tests/integration/broker_clients.h"
#include "tests/integration/cluster_clients.h"
#include "tests/unit/storage/storage_test_util.h"

namespace kbench::broker::testing {
namespace {

// Loopback-tuned timings (docs/architecture.md, "Replication and the bundled cluster").
const std::vector<std::string> kFastSets = {
    "broker.heartbeat.interval.ms=50", "broker.session.timeout.ms=600",
    "replica.lag.time.max.ms=2000",    "replica.fetch.wait.max.ms=100",
    "replica.fetch.backoff.ms=50",     "offsets.topic.num.partitions=2"};

std::vector<std::string> SetFlags() {
  std::vector<std::string> out;
  for (const std::string& s : kFastSets) {
    out.push_back("--set");
    out.push_back(s);
  }
  return out;
}

// `kbench cluster ...` with stdout on a pipe (the bootstrap line) and stderr kept.
class ClusterProcess {
 public:
  ~ClusterProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      Wait(60000);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
  }
  Status Start(const std::vector<std::string>& cluster_args, const std::string& err_file) {
    KB_ASSIGN_OR_RETURN(std::string binary, BrokerProcess::Binary());
    std::vector<std::string> args = {binary, "cluster"};
    args.insert(args.end(), cluster_args.begin(), cluster_args.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return Status::FromErrno("pipe", errno);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(err, STDERR_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_fd_ = fds[0];
    return pid_ > 0 ? Status::Ok() : Status::FromErrno("fork", errno);
  }
  // The first stdout line (up to timeout_ms); empty when the process ended or stayed silent.
  std::string ReadLine(int timeout_ms) {
    std::string line;
    ::fcntl(out_fd_, F_SETFL, O_NONBLOCK);
    const int64_t deadline = MonoMillis() + timeout_ms;
    while (MonoMillis() < deadline) {
      char c;
      ssize_t n = ::read(out_fd_, &c, 1);
      if (n == 1) {
        if (c == '\n') return line;
        line.push_back(c);
      } else if (n == 0) {
        return "";
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    return "";
  }
  // SIGTERM, then the exit status (-1: still running at the timeout).
  int Terminate(int timeout_ms) {
    ::kill(pid_, SIGTERM);
    return Wait(timeout_ms);
  }

 private:
  int Wait(int timeout_ms) {
    const int64_t deadline = MonoMillis() + timeout_ms;
    while (MonoMillis() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  int pid_ = -1;
  int out_fd_ = -1;
};

// A loopback port nobody listens on right now (bound to port 0, then released).
uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

std::vector<Message> Numbered(const std::string& prefix, int n) {
  std::vector<Message> out;
  for (int i = 0; i < n; ++i)
    out.push_back(Message{"", fmt::format("{}-{:05d}", prefix, i), i % 3});
  return out;
}

// Produces with acks=all and expects every message acknowledged.
void ProduceAcksAll(const std::string& bootstrap, const std::string& topic,
                    const std::vector<Message>& messages) {
  auto d = ProduceAll({{"bootstrap.servers", bootstrap},
                       {"acks", "all"},
                       {"enable.idempotence", "true"},
                       {"message.timeout.ms", "60000"}},
                      topic, messages, 90000);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  int acked = 0;
  for (const Delivery& x : *d) acked += x.error == 0;
  EXPECT_EQ(acked, static_cast<int>(messages.size()));
}

// Reads the topic back and checks every value of `sent` is there exactly once.
void ExpectAllOnce(const std::string& bootstrap, const std::string& topic,
                   const std::vector<Message>& sent) {
  auto got = ConsumeAll(bootstrap, topic, 3, sent.size());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  std::map<std::string, int> seen;
  for (const Consumed& c : *got) ++seen[c.value];
  for (const Message& m : sent) EXPECT_EQ(seen[m.value], 1) << m.value;
  EXPECT_EQ(got->size(), sent.size());
}

class ClusterProcessTest : public ::testing::Test {
 protected:
  storage::testing::TempDir tmp_;
};

TEST_F(ClusterProcessTest, KbenchClusterPrintsBootstrapServesClientsAndStopsOnSigterm) {
  ClusterProcess cluster;
  std::vector<std::string> args = {"--brokers",      "3",       "--data-dir",
                                   tmp_.Sub("data"), "--racks", "a,b,c"};
  for (const std::string& s : SetFlags()) args.push_back(s);
  ASSERT_TRUE(cluster.Start(args, tmp_.Sub("cluster.err")).ok());
  const std::string line = cluster.ReadLine(60000);
  ASSERT_EQ(line.rfind("bootstrap: ", 0), 0u) << line;
  const std::string bootstrap = line.substr(11);
  EXPECT_EQ(std::count(bootstrap.begin(), bootstrap.end(), ','), 2) << bootstrap;

  ASSERT_TRUE(
      CreateReplicatedTopic(bootstrap, "orders", 3, 3, {{"min.insync.replicas", "2"}}).ok());
  std::vector<Message> sent = Numbered("m", 600);
  ProduceAcksAll(bootstrap, "orders", sent);
  ExpectAllOnce(bootstrap, "orders", sent);
  // Every broker answers Metadata with the same leaders.
  auto leaders = PartitionLeaders(bootstrap, "orders");
  ASSERT_TRUE(leaders.ok());
  for (size_t start = 0; start < bootstrap.size();) {
    size_t comma = bootstrap.find(',', start);
    std::string one = bootstrap.substr(start, comma == std::string::npos ? comma : comma - start);
    auto seen = PartitionLeaders(one, "orders");
    ASSERT_TRUE(seen.ok());
    EXPECT_EQ(*seen, *leaders) << one;
    start = comma == std::string::npos ? bootstrap.size() : comma + 1;
  }
  EXPECT_EQ(cluster.Terminate(60000), 0);
}

TEST_F(ClusterProcessTest, ThreeBrokerProcessesFormOneClusterAndSurviveASigkill) {
  std::vector<uint16_t> ports = {FreePort(), FreePort(), FreePort()};
  const std::string members =
      fmt::format("1@127.0.0.1:{},2@127.0.0.1:{},3@127.0.0.1:{}", ports[0], ports[1], ports[2]);
  std::vector<std::unique_ptr<BrokerProcess>> brokers;
  for (int id = 1; id <= 3; ++id) {  // broker 1 (the controller) first
    std::vector<std::string> args = {"--node-id", std::to_string(id),
                                     "--log-dir", tmp_.Sub(fmt::format("b{}", id)),
                                     "--cluster", members};
    for (const std::string& s : SetFlags()) args.push_back(s);
    auto b = BrokerProcess::StartWithArgs(args, id);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ((*b)->port(), ports[id - 1]);
    brokers.push_back(std::move(*b));
  }
  const std::string bootstrap = fmt::format("127.0.0.1:{},127.0.0.1:{}", ports[0], ports[1]);
  ASSERT_TRUE(
      CreateReplicatedTopic(bootstrap, "events", 3, 3, {{"min.insync.replicas", "2"}}).ok());
  std::vector<Message> sent = Numbered("before", 500);
  ProduceAcksAll(bootstrap, "events", sent);

  brokers[2]->Kill();  // broker 3: not the controller
  std::vector<Message> more = Numbered("after", 500);
  ProduceAcksAll(bootstrap, "events", more);
  sent.insert(sent.end(), more.begin(), more.end());
  ExpectAllOnce(bootstrap, "events", sent);
  auto leaders = PartitionLeaders(bootstrap, "events");
  ASSERT_TRUE(leaders.ok());
  for (const auto& [partition, leader] : *leaders) EXPECT_NE(leader, 3) << partition;
  // The controller (in broker 1) fenced broker 3 and logged it at WARN.
  EXPECT_NE(brokers[0]->Stderr().find("WARN  controller@1 broker 3 fenced"), std::string::npos)
      << brokers[0]->Stderr();
  EXPECT_EQ(brokers[1]->Terminate(), 0) << brokers[1]->Stderr();
  // After its controlled shutdown (done by the controller in broker 1) broker 2 is fenced and does
  // not register again while it stops.
  EXPECT_EQ(brokers[1]->Stderr().find("registering again"), std::string::npos)
      << brokers[1]->Stderr();
  EXPECT_NE(brokers[0]->Stderr().find("controlled shutdown of broker 2 done"), std::string::npos);
  EXPECT_EQ(brokers[0]->Terminate(), 0) << brokers[0]->Stderr();
  EXPECT_EQ(brokers[0]->Stderr().find("registering again"), std::string::npos)
      << brokers[0]->Stderr();
}

TEST_F(ClusterProcessTest, BadClusterFlagsExitWithStatus2AndSayWhy) {
  auto binary = BrokerProcess::Binary();
  ASSERT_TRUE(binary.ok());
  const std::string dir = tmp_.Sub("d");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"broker", "--node-id", "1", "--log-dir", dir, "--cluster", "1@127.0.0.1"}, "1@127.0.0.1"},
      {{"broker", "--node-id", "1", "--log-dir", dir, "--cluster", "x@127.0.0.1:9092"}, "x@"},
      {{"broker", "--node-id", "1", "--log-dir", dir, "--cluster",
        "1@127.0.0.1:9092,1@127.0.0.1:9093"},
       "1"},
      {{"broker", "--node-id", "4", "--log-dir", dir, "--cluster",
        "1@127.0.0.1:9092,2@127.0.0.1:9093"},
       "4"},
      {{"broker", "--node-id", "1", "--log-dir", dir, "--cluster", ""}, "empty"},
      {{"cluster", "--brokers", "0", "--data-dir", dir}, "--brokers"},
      {{"cluster", "--brokers", "3", "--data-dir", dir, "--racks", "a,b"}, "--racks"},
      {{"cluster", "--brokers", "2", "--data-dir", dir, "--set", "no.such.key=1"}, "no.such.key"},
  };
  for (const auto& [args, mention] : cases) {
    std::vector<std::string> argv = {*binary};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = RunCommand(argv, "", 30000);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->exit_code, 2) << fmt::format("{}", fmt::join(args, " ")) << "\n" << r->err;
    EXPECT_NE(r->err.find(mention), std::string::npos)
        << fmt::format("{}", fmt::join(args, " ")) << "\n"
        << r->err;
  }
}

}  // namespace
}  // namespace kbench::broker::testing
