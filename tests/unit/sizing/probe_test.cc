// The probe's parts, in process: dirty-limit arithmetic, the scratch directory, the peer
// protocol.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "sizing/probe_context.h"
#include "sizing/probe_cpu.h"
#include "sizing/probe_host.h"
#include "sizing/probe_network.h"
#include "sizing/probe_scratch.h"

namespace kbench::sizing {
namespace {

TEST(ProbeHostTest, MeminfoIsParsedToBytes) {
  auto m = ParseMeminfo(
      "MemTotal:       24684084 kB\nMemFree:        1000 kB\nActive(file):  10 kB\n"
      "Inactive(file): 20 kB\nHugePages_Total:       0\n");
  EXPECT_DOUBLE_EQ(m["MemTotal"], 24684084.0 * 1024);
  EXPECT_DOUBLE_EQ(m["HugePages_Total"], 0);
  EXPECT_DOUBLE_EQ(DirtyableBytes(m), 1030.0 * 1024);
}

TEST(ProbeHostTest, DirtyLimitsFromRatiosOrBytes) {
  DirtyLimits l = ComputeDirtyLimits(DirtySettings{20, 10, 0, 0}, 10e9);
  EXPECT_DOUBLE_EQ(l.limit, 2e9);
  EXPECT_DOUBLE_EQ(l.background, 1e9);
  EXPECT_DOUBLE_EQ(l.freerun(), 1.5e9);
  DirtyLimits b = ComputeDirtyLimits(DirtySettings{20, 10, 400e6, 100e6}, 10e9);
  EXPECT_DOUBLE_EQ(b.limit, 400e6);
  EXPECT_DOUBLE_EQ(b.background, 100e6);
  DirtyLimits odd =
      ComputeDirtyLimits(DirtySettings{10, 30, 0, 0}, 10e9);  // background above the limit
  EXPECT_DOUBLE_EQ(odd.background, odd.limit / 2);
}

TEST(ProbeHostTest, ReadsThisHost) {
  HostFacts f = *ReadHostFacts("/tmp");
  EXPECT_GE(f.cores, 1);
  EXPECT_GT(f.memory_bytes, 0);
  EXPECT_GT(f.dirty.limit, f.dirty.background);
  EXPECT_GT(f.fs_capacity_bytes, 0);
  EXPECT_FALSE(ReadHostFacts("/nonexistent/dir").ok());
}

class ScratchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kbench_scratch_test_XXXXXX";
    parent_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(parent_); }
  bool ParentEmpty() const { return std::filesystem::is_empty(parent_); }
  std::string parent_;
};

TEST_F(ScratchTest, DestructorRemovesFilesAndDirectory) {
  {
    auto dir = *ScratchDir::Create(parent_);
    std::ofstream(dir->NewFile("a.dat")) << "x";
    std::ofstream(dir->NewFile("b.dat")) << "y";
    EXPECT_FALSE(ParentEmpty());
  }
  EXPECT_TRUE(ParentEmpty());
}

TEST_F(ScratchTest, SignalCleanupRemovesFilesAndDirectory) {
  auto dir = *ScratchDir::Create(parent_);
  std::ofstream(dir->NewFile("a.dat")) << "x";
  RemoveScratchFilesFromSignal();
  EXPECT_TRUE(ParentEmpty());
}

TEST_F(ScratchTest, MissingParentIsAnError) {
  EXPECT_FALSE(ScratchDir::Create(parent_ + "/missing").ok());
  std::ofstream(parent_ + "/file") << "x";
  EXPECT_FALSE(ScratchDir::Create(parent_ + "/file").ok());
}

TEST(ProbeNetworkTest, PeerServerAnswersBandwidthAndRoundTrips) {
  auto server = *ProbeServer::Start("127.0.0.1", 0);
  ASSERT_GT(server->port(), 0);
  ProbeOptions opts;
  opts.quick = true;
  opts.peer = "127.0.0.1:" + std::to_string(server->port());
  ProbeContext ctx(opts, ProbeBudget::Quick());
  HardwareProfile p;
  ASSERT_TRUE(ProbeNetwork(ctx, &p).ok());
  EXPECT_EQ(p.network_mode, "peer");
  EXPECT_EQ(p.peer, opts.peer);
  ASSERT_TRUE(p.tcp_bytes_per_sec);
  EXPECT_GT(*p.tcp_bytes_per_sec, 0);
  ASSERT_TRUE(p.rtt_ms);
  EXPECT_GT(p.rtt_ms->count, 0);
  EXPECT_LE(p.rtt_ms->p50, p.rtt_ms->max);
}

TEST(ProbeNetworkTest, BadPeersAreErrors) {
  ProbeOptions opts;
  opts.quick = true;
  opts.peer = "no-port";
  ProbeContext ctx(opts, ProbeBudget::Quick());
  HardwareProfile p;
  Status s = ProbeNetwork(ctx, &p);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  // A port nobody listens on: take an ephemeral port and close it again.
  uint16_t port = 0;
  {
    auto server = *ProbeServer::Start("127.0.0.1", 0);
    port = server->port();
  }
  opts.peer = "127.0.0.1:" + std::to_string(port);
  ProbeContext ctx2(opts, ProbeBudget::Quick());
  EXPECT_FALSE(ProbeNetwork(ctx2, &p).ok());
}

TEST(ProbeCpuTest, SampleRecordsAreDeterministicJsonLines) {
  std::string a = SampleRecords(10000);
  EXPECT_EQ(a.size(), 10000u);
  EXPECT_EQ(a, SampleRecords(10000));
  EXPECT_EQ(a.rfind("{\"accountId\":", 0), 0u);
}

TEST(ProbeCpuTest, MeasuresCrcAndEveryCodec) {
  ProbeOptions opts;
  opts.quick = true;
  ProbeBudget budget = ProbeBudget::Quick();
  budget.crc_s = 0.01;
  budget.codec_s = 0.01;
  ProbeContext ctx(opts, budget);
  HardwareProfile p;
  ASSERT_TRUE(ProbeCpu(ctx, &p).ok());
  EXPECT_GT(*p.crc32c_bytes_per_sec, 0);
  for (const char* c : {"gzip", "snappy", "lz4", "zstd"}) {
    ASSERT_TRUE(p.codecs.count(c)) << c;
    EXPECT_GT(p.codecs[c].ratio, 1) << c;
    EXPECT_GT(p.codecs[c].compress_bytes_per_sec, 0) << c;
    EXPECT_GT(p.codecs[c].decompress_bytes_per_sec, 0) << c;
  }
}

TEST(ProbeContextTest, SummarizeMs) {
  std::vector<double> s = {5, 1, 3, 2, 4};
  LatencySummaryMs l = SummarizeMs(&s);
  EXPECT_DOUBLE_EQ(l.p50, 3);
  EXPECT_DOUBLE_EQ(l.max, 5);
  EXPECT_EQ(l.count, 5);
}

}  // namespace
}  // namespace kbench::sizing
