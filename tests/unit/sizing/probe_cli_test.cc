// kbench probe as a user runs it: --quick on a temp dir writes a plausible profile and leaves the
// dir empty;
// --serve is a working peer; Ctrl-C stops it and removes its files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A child process with stdout and stderr in files; killed and reaped by the destructor if still
// running.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& out, const std::string& err) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      Wait();
    }
  }
  pid_t pid() const { return pid_; }
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

class ProbeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("KBENCH_BINARY_DIR");
    ASSERT_NE(bin, nullptr) << "KBENCH_BINARY_DIR is set by ctest";
    kbench_ = std::string(bin) + "/kbench";
    char tmpl[] = "/tmp/kbench_probe_cli_XXXXXX";
    root_ = mkdtemp(tmpl);
    data_ = root_ + "/data";
    std::filesystem::create_directory(data_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  int RunProbe(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {kbench_, "probe", "--dir", data_, "--quick"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Child c(argv, root_ + "/out", root_ + "/err");
    return c.Wait();
  }
  bool DataDirEmpty() const { return std::filesystem::is_empty(data_); }

  std::string kbench_, root_, data_;
};

TEST_F(ProbeCliTest, QuickProbeWritesAPlausibleProfileAndCleansUp) {
  std::string out = root_ + "/hw.json";
  ASSERT_EQ(RunProbe({"-o", out}), 0) << ReadFile(root_ + "/err");
  EXPECT_TRUE(DataDirEmpty());
  std::string err = ReadFile(root_ + "/err");
  EXPECT_NE(err.find("probe ["), std::string::npos) << "progress goes to stderr";
  nlohmann::json j = nlohmann::json::parse(ReadFile(out));
  EXPECT_EQ(j["schema"], "kbench-hardware");
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["quick"], true);
  EXPECT_LT(j["duration_s"].get<double>(), 10.0);
  EXPECT_GE(j["cpu"]["cores"].get<int>(), 1);
  EXPECT_GT(j["memory"]["bytes"].get<double>(), 100e6);
  const auto& disk = j["disk"];
  EXPECT_EQ(disk["dir"], data_);
  EXPECT_GT(disk["dirty_limit_bytes"].get<double>(),
            disk["dirty_background_limit_bytes"].get<double>());
  EXPECT_GT(disk["buffered_write"]["burst_bytes_per_sec"].get<double>(), 1e6);
  EXPECT_GT(disk["buffered_write"]["bytes_written"].get<double>(), 0);
  EXPECT_TRUE(disk["buffered_write"].contains("sustained_bytes_per_sec"));
  EXPECT_TRUE(disk["direct_write"].contains("bytes_per_sec"));
  ASSERT_GE(disk["fsync_latency_ms"].size(), 1u);
  for (const auto& f : disk["fsync_latency_ms"]) {
    EXPECT_GT(f["count"].get<int>(), 0);
    EXPECT_GT(f["p50"].get<double>(), 0);
    EXPECT_LE(f["p50"].get<double>(), f["max"].get<double>());
  }
  EXPECT_GT(disk["read"]["page_cache_bytes_per_sec"].get<double>(), 1e6);
  EXPECT_GT(disk["read"]["cold_bytes_per_sec"].get<double>(), 1e5);
  EXPECT_EQ(j["network"]["mode"], "loopback");
  EXPECT_GT(j["network"]["tcp_bytes_per_sec"].get<double>(), 1e6);
  EXPECT_GT(j["network"]["rtt_ms"]["p50"].get<double>(), 0);
  EXPECT_GT(j["cpu_throughput_per_core"]["crc32c"]["bytes_per_sec"].get<double>(), 1e6);
  for (const char* c : {"gzip", "snappy", "lz4", "zstd"}) {
    const auto& codec = j["cpu_throughput_per_core"]["codecs"][c];
    EXPECT_GT(codec["ratio"].get<double>(), 1) << c;
    EXPECT_GT(codec["decompress_bytes_per_sec"].get<double>(),
              codec["compress_bytes_per_sec"].get<double>() / 100)
        << c;
  }
  // The profile is what `kbench size --hardware` reads.
  Child size({kbench_, "size", "--ingress", "50MB/s", "--hardware", out}, root_ + "/size.out",
             root_ + "/size.err");
  EXPECT_EQ(size.Wait(), 0) << ReadFile(root_ + "/size.err");
  EXPECT_NE(ReadFile(root_ + "/size.out").find(out), std::string::npos)
      << "plan names the hardware profile as a source";
}

TEST_F(ProbeCliTest, ServeIsAWorkingPeer) {
  Child server({kbench_, "probe", "--serve", "0", "--bind", "127.0.0.1"}, root_ + "/serve.out",
               root_ + "/serve.err");
  std::string line;
  for (int i = 0; i < 200 && line.find("serving on") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    line = ReadFile(root_ + "/serve.out");
  }
  size_t colon = line.rfind(':', line.find(" (Ctrl-C"));
  ASSERT_NE(colon, std::string::npos) << line << ReadFile(root_ + "/serve.err");
  std::string port = line.substr(colon + 1, line.find(' ', colon) - colon - 1);
  std::string out = root_ + "/hw.json";
  ASSERT_EQ(RunProbe({"--peer", "127.0.0.1:" + port, "-o", out}), 0) << ReadFile(root_ + "/err");
  nlohmann::json j = nlohmann::json::parse(ReadFile(out));
  EXPECT_EQ(j["network"]["mode"], "peer");
  EXPECT_EQ(j["network"]["peer"], "127.0.0.1:" + port);
  EXPECT_GT(j["network"]["tcp_bytes_per_sec"].get<double>(), 0);
  kill(server.pid(), SIGTERM);
  EXPECT_EQ(server.Wait(), 0);
  EXPECT_TRUE(DataDirEmpty());
}

TEST_F(ProbeCliTest, InterruptStopsTheProbeAndRemovesItsFiles) {
  Child probe({kbench_, "probe", "--dir", data_}, root_ + "/out",
              root_ + "/err");  // full mode: long enough
  // Interrupt once a test file exists inside the probe's scratch directory.
  auto has_file = [&] {
    std::error_code ec;  // the probe may remove files while we look
    for (auto it = std::filesystem::recursive_directory_iterator(data_, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec)) return true;
    }
    return false;
  };
  for (int i = 0; i < 1500 && !has_file(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(probe.pid(), SIGINT);
  int rc = probe.Wait();
  EXPECT_TRUE(rc == 3 || rc == 0) << rc;  // 0 only if it had already finished
  EXPECT_TRUE(DataDirEmpty());
  if (rc == 3) {
    EXPECT_NE(ReadFile(root_ + "/err").find("interrupted"), std::string::npos);
  }
}

TEST_F(ProbeCliTest, MissingDirIsBadInput) {
  Child c({kbench_, "probe", "--dir", root_ + "/missing", "--quick"}, root_ + "/out",
          root_ + "/err");
  EXPECT_EQ(c.Wait(), 2);
  Child d({kbench_, "probe", "--quick"}, root_ + "/out", root_ + "/err");
  EXPECT_EQ(d.Wait(), 2);
  EXPECT_NE(ReadFile(root_ + "/err").find("--dir"), std::string::npos);
}

}  // namespace
