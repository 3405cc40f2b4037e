#include "core/storage/log_manager.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/storage/checkpoint_file.h"
#include "core/storage/segment_format.h"
#include "tests/unit/storage/storage_test_util.h"

namespace kbench::storage {
namespace {

namespace fs = std::filesystem;
using testing::AppendBatch;
using testing::MakeBatch;
using testing::ReadAll;
using testing::TempDir;

LogManagerConfig TwoDirs(const TempDir& tmp, bool background = false) {
  LogManagerConfig c;
  c.log_dirs = {tmp.Sub("d1"), tmp.Sub("d2")};
  c.default_log_config.segment_bytes = 4096;
  c.default_log_config.segment_index_bytes = 4096;
  c.default_log_config.index_interval_bytes = 256;
  c.background_thread = background;
  return c;
}

TopicPartition Tp(const std::string& topic, int p) { return {topic, PartitionId(p)}; }

TEST(LogManagerTest, NewPartitionsGoToTheDirectoryWithFewestPartitions) {
  TempDir tmp;
  auto m = *LogManager::Open(TwoDirs(tmp));
  for (int p = 0; p < 6; ++p) ASSERT_TRUE(m->GetOrCreateLog(Tp("orders", p)).ok());
  int in_d1 = 0, in_d2 = 0;
  for (int p = 0; p < 6; ++p) {
    in_d1 += fs::exists(tmp.Sub(fmt::format("d1/orders-{}", p)));
    in_d2 += fs::exists(tmp.Sub(fmt::format("d2/orders-{}", p)));
  }
  EXPECT_EQ(in_d1, 3);
  EXPECT_EQ(in_d2, 3);
  EXPECT_EQ(m->Partitions().size(), 6u);
  // Asking again returns the same log.
  EXPECT_EQ(*m->GetOrCreateLog(Tp("orders", 0)), m->GetLog(Tp("orders", 0)));
  EXPECT_EQ(m->GetLog(Tp("nope", 0)), nullptr);
}

TEST(LogManagerTest, CleanRestartLoadsEverythingWithoutRecoveryAndKeepsConfigs) {
  TempDir tmp;
  LogConfig custom;
  custom.segment_bytes = 2048;
  custom.retention_ms = 1234567;
  {
    auto m = *LogManager::Open(TwoDirs(tmp));
    auto a = *m->GetOrCreateLog(Tp("a", 0), custom);
    auto b = *m->GetOrCreateLog(Tp("b", 1));
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(AppendBatch(*a, MakeBatch(5, 40)).ok());
      ASSERT_TRUE(AppendBatch(*b, MakeBatch(3, 40)).ok());
    }
    ASSERT_TRUE(m->Close().ok());
    EXPECT_TRUE(fs::exists(tmp.Sub("d1/.kafka_cleanshutdown")));
    EXPECT_TRUE(fs::exists(tmp.Sub("d2/.kafka_cleanshutdown")));
  }
  auto m = *LogManager::Open(TwoDirs(tmp));
  EXPECT_EQ(m->load_report().clean_dirs, 2);
  EXPECT_EQ(m->load_report().unclean_dirs, 0);
  EXPECT_EQ(m->load_report().batches_checked, 0);
  EXPECT_FALSE(fs::exists(tmp.Sub("d1/.kafka_cleanshutdown")));  // a crash from now on is unclean
  auto a = m->GetLog(Tp("a", 0));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->log_end_offset(), Offset(100));
  EXPECT_EQ(a->config().segment_bytes, 2048);
  EXPECT_EQ(a->config().retention_ms, 1234567);
  EXPECT_EQ(m->GetLog(Tp("b", 1))->log_end_offset(), Offset(60));
  EXPECT_EQ(a->recovery_point(), Offset(100));
}

// A crash: a child process writes through a LogManager and dies without Close(). The next start
// recovers every log from its checkpointed recovery point and reports what it cut.
TEST(LogManagerTest, UncleanRestartRecoversFromTheCheckpointAndReportsDamage) {
  TempDir tmp;
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto m = LogManager::Open(TwoDirs(tmp));
    if (!m.ok()) ::_exit(2);
    auto a = *(*m)->GetOrCreateLog(Tp("a", 0));
    auto b = *(*m)->GetOrCreateLog(Tp("b", 0));
    for (int i = 0; i < 30; ++i) {
      if (!AppendBatch(*a, MakeBatch(4, 50)).ok() || !AppendBatch(*b, MakeBatch(4, 50)).ok())
        ::_exit(3);
      if (i == 15 && (!a->Flush().ok() || !(*m)->CheckpointRecoveryPoints().ok())) ::_exit(4);
    }
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto points = ReadOffsetCheckpoint(tmp.Sub("d1/recovery-point-offset-checkpoint"));
  ASSERT_TRUE(points.ok());
  EXPECT_EQ(points->at(Tp("a", 0)), Offset(64));
  // Tear the last batch of b's active segment.
  std::string last;
  for (const auto& e : fs::directory_iterator(tmp.Sub("d2/b-0"))) {
    if (e.path().extension() == ".log" && e.path().string() > last) last = e.path().string();
  }
  fs::resize_file(last, fs::file_size(last) - 10);

  auto m = *LogManager::Open(TwoDirs(tmp));
  const LogManagerLoadReport& report = m->load_report();
  EXPECT_EQ(report.unclean_dirs, 2);
  EXPECT_EQ(report.logs_with_damage, 1);
  EXPECT_GT(report.bytes_truncated, 0);
  EXPECT_GT(report.batches_checked, 0);
  EXPECT_EQ(m->GetLog(Tp("a", 0))->log_end_offset(), Offset(120));
  EXPECT_EQ(m->GetLog(Tp("b", 0))->log_end_offset(), Offset(116));
  // a was recovered only from its checkpointed recovery point onwards.
  for (const LoadedLog& l : report.logs) {
    if (l.tp == Tp("a", 0)) {
      EXPECT_LT(l.report.segments_recovered, l.report.segments);
    }
  }
}

TEST(LogManagerTest, SecondManagerOnTheSameDirectoryIsRefused) {
  TempDir tmp;
  auto m = *LogManager::Open(TwoDirs(tmp));
  LogManagerConfig c;
  c.log_dirs = {tmp.Sub("d2")};
  c.background_thread = false;
  auto second = LogManager::Open(c);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("in use"), std::string_view::npos);
}

TEST(LogManagerTest, DeletingAPartitionRemovesItsFilesButNotOpenSlices) {
  TempDir tmp;
  auto m = *LogManager::Open(TwoDirs(tmp));
  auto log = *m->GetOrCreateLog(Tp("gone", 0));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(AppendBatch(*log, MakeBatch(4)).ok());
  auto slice = log->Read({Offset(0), 1 << 20, Offset::Max(), true});
  ASSERT_TRUE(slice.ok());
  const std::string dir = log->dir();
  ASSERT_TRUE(m->DeleteLog(Tp("gone", 0)).ok());
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_EQ(m->GetLog(Tp("gone", 0)), nullptr);
  auto bytes = testing::ReadSlice(slice->slice);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(DecodeAllRecords(*bytes)->size(), 20u);
  auto again = *m->GetOrCreateLog(Tp("gone", 0));
  EXPECT_EQ(again->log_end_offset(), Offset(0));
  EXPECT_EQ(m->DeleteLog(Tp("never", 0)).kafka_error(), ErrorCode::kUnknownTopicOrPartition);
}

TEST(LogManagerTest, InterruptedDeletionIsFinishedAtLoad) {
  TempDir tmp;
  fs::create_directories(tmp.Sub("d1/orders-3.1f2e-delete"));
  testing::WriteFileBytes(tmp.Sub("d1/orders-3.1f2e-delete/00000000000000000000.log"), {1, 2, 3});
  auto m = *LogManager::Open(TwoDirs(tmp));
  EXPECT_EQ(m->load_report().interrupted_deletions, 1);
  EXPECT_FALSE(fs::exists(tmp.Sub("d1/orders-3.1f2e-delete")));
  EXPECT_TRUE(m->Partitions().empty());
}

TEST(LogManagerTest, BadLogPropertiesFileIsReportedWithItsPath) {
  TempDir tmp;
  {
    auto m = *LogManager::Open(TwoDirs(tmp));
    ASSERT_TRUE(m->GetOrCreateLog(Tp("t", 0)).ok());
  }
  testing::WriteFileBytes(tmp.Sub("d1/t-0/log.properties"),
                          std::vector<uint8_t>{'r', 'e', 't', 'e', 'n', 't', 'i', 'o', 'n', '.',
                                               'm', 's', '=', 'x', '\n'});
  auto m = LogManager::Open(TwoDirs(tmp));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().kafka_error(), ErrorCode::kInvalidConfig);
  EXPECT_NE(m.status().message().find("d1/t-0/log.properties"), std::string_view::npos)
      << m.status().ToString();
}

TEST(LogManagerTest, InvalidTopicNamesAreRefused) {
  TempDir tmp;
  auto m = *LogManager::Open(TwoDirs(tmp));
  EXPECT_EQ(m->GetOrCreateLog(Tp("../etc", 0)).status().kafka_error(),
            ErrorCode::kInvalidTopicException);
  EXPECT_EQ(m->GetOrCreateLog(Tp("", 0)).status().kafka_error(), ErrorCode::kInvalidTopicException);
  EXPECT_EQ(m->GetOrCreateLog(Tp("ok", -1)).status().kafka_error(), ErrorCode::kInvalidPartitions);
}

TEST(LogManagerTest, CountsOpenFilesAndMappings) {
  TempDir tmp;
  auto m = *LogManager::Open(TwoDirs(tmp));
  auto a = *m->GetOrCreateLog(Tp("a", 0));
  auto b = *m->GetOrCreateLog(Tp("b", 0));
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(AppendBatch(*a, MakeBatch(10, 40)).ok());
  const int64_t segments = a->segment_count() + b->segment_count();
  EXPECT_EQ(m->OpenFileCount(), segments + 2);  // + one lock file per directory
  EXPECT_EQ(m->MappedIndexCount(), 2 * segments);
  EXPECT_EQ(m->counters().Snapshot().records_appended, 300);  // shared by every log
}

TEST(LogManagerTest, RetentionAndCleanerRunOnTheBackgroundTimerAndStopCleanly) {
  TempDir tmp;
  LogManagerConfig c = TwoDirs(tmp, /*background=*/true);
  c.retention_check_interval_ms = 20;
  c.cleaner_backoff_ms = 20;
  c.flush_check_interval_ms = 20;
  c.recovery_point_checkpoint_interval_ms = 20;
  auto m = *LogManager::Open(c);
  LogConfig retained = c.default_log_config;
  retained.retention_bytes = 4096;
  LogConfig compacted = c.default_log_config;
  compacted.cleanup_policy = {false, true};
  compacted.min_cleanable_dirty_ratio = 0.1;
  auto r = *m->GetOrCreateLog(Tp("retained", 0), retained);
  auto k = *m->GetOrCreateLog(Tp("compacted", 0), compacted);
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(AppendBatch(*r, MakeBatch(10, 40)).ok());
    ASSERT_TRUE(AppendBatch(*k, MakeBatch(10, 40, 1'700'000'000'000, {}, /*keys=*/3)).ok());
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline &&
         (r->log_start_offset() == Offset(0) || m->counters().Snapshot().cleaner_runs == 0 ||
          r->recovery_point() == Offset(0))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(r->log_start_offset(), Offset(0));
  EXPECT_LE(r->size_bytes(), 4096 + 4096);
  EXPECT_GT(m->counters().Snapshot().cleaner_runs, 0);
  EXPECT_GT(r->recovery_point(), Offset(0));  // rolled segments were flushed in the background
  ASSERT_TRUE(m->Close().ok());
  EXPECT_TRUE(fs::exists(tmp.Sub("d1/cleaner-offset-checkpoint")) ||
              fs::exists(tmp.Sub("d2/cleaner-offset-checkpoint")));
}

}  // namespace
}  // namespace kbench::storage
