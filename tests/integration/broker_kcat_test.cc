// kcat (librdkafka's command-line client) against the bundled broker: a file produced with
// `kcat -P` comes back byte-identical from `kcat -C`, as one message and as one message per line,
// and `kcat -L` shows the broker, its topics and their partitions.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "tests/integration/broker_clients.h"
#include "tests/unit/broker/broker_test_util.h"

namespace kbench::broker::testing {
namespace {

std::string WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

class BrokerKcatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = TestBroker::Start();
    auto which = RunCommand({"kcat", "-V"});
    ASSERT_TRUE(which.ok() && which->exit_code == 0)
        << "kcat is required (scripts/install-deps installs it)";
  }

  CommandResult Kcat(std::vector<std::string> args, const std::string& stdin_file = "") {
    args.insert(args.begin(), {"kcat", "-b", broker_->bootstrap()});
    auto r = RunCommand(args, stdin_file, 60000);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CommandResult{};
  }

  std::unique_ptr<TestBroker> broker_;
  storage::testing::TempDir tmp_;
};

TEST_F(BrokerKcatTest, BinaryFileComesBackByteIdentical) {
  ASSERT_TRUE(CreateTopic(broker_->bootstrap(), "files", 1).ok());
  std::string bytes(300 * 1024, '\0');
  std::mt19937 rng(7);
  for (char& c : bytes) c = static_cast<char>(rng());
  const std::string in = WriteFile(tmp_.Sub("in.bin"), bytes);
  CommandResult p = Kcat({"-P", "-t", "files", "-p", "0", "-X", "acks=all", in});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  CommandResult c =
      Kcat({"-C", "-t", "files", "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%s"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(c.out.size(), bytes.size());
  EXPECT_TRUE(c.out == bytes);
}

TEST_F(BrokerKcatTest, LinesComeBackByteIdentical) {
  ASSERT_TRUE(CreateTopic(broker_->bootstrap(), "lines", 1).ok());
  std::string text;
  for (int i = 0; i < 5000; ++i) text += fmt::format("line {} of the file\n", i);
  const std::string in = WriteFile(tmp_.Sub("lines.txt"), text);
  CommandResult p = Kcat({"-P", "-t", "lines", "-p", "0", "-l", in});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  CommandResult c = Kcat({"-C", "-t", "lines", "-p", "0", "-o", "beginning", "-e", "-q"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_TRUE(c.out == text) << c.out.size() << " bytes back of " << text.size();
}

TEST_F(BrokerKcatTest, ListShowsBrokersTopicsAndPartitions) {
  ASSERT_TRUE(CreateTopic(broker_->bootstrap(), "listed", 3).ok());
  CommandResult l = Kcat({"-L"});
  ASSERT_EQ(l.exit_code, 0) << l.err;
  EXPECT_NE(l.out.find("1 brokers:"), std::string::npos) << l.out;
  EXPECT_NE(l.out.find(fmt::format("broker 1 at 127.0.0.1:{} (controller)", broker_->port())),
            std::string::npos)
      << l.out;
  EXPECT_NE(l.out.find("topic \"listed\" with 3 partitions:"), std::string::npos) << l.out;
  for (int p = 0; p < 3; ++p) {
    EXPECT_NE(l.out.find(fmt::format("partition {}, leader 1, replicas: 1, isrs: 1", p)),
              std::string::npos)
        << l.out;
  }
  EXPECT_NE(l.out.find("topic \"__consumer_offsets\""), std::string::npos) << l.out;
}

}  // namespace
}  // namespace kbench::broker::testing
