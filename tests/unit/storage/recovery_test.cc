// Recovery after unclean stops, with damage made the way it happens: files written by the real
// code, then cut (torn writes), bit-flipped or removed, then reopened.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "core/storage/partition_log.h"
#include "core/storage/segment_format.h"
#include "tests/unit/storage/storage_test_util.h"

namespace kbench::storage {
namespace {

namespace fs = std::filesystem;
using testing::AppendBatch;
using testing::CopyDir;
using testing::MakeBatch;
using testing::ReadAll;
using testing::TempDir;

const TopicPartition kTp{"events", PartitionId(3)};

LogConfig SmallConfig() {
  LogConfig c;
  c.segment_bytes = 4096;
  c.index_interval_bytes = 256;
  c.segment_index_bytes = 1024;  // small preallocated indexes keep the crash images small
  return c;
}

LogOpenOptions Unclean(Offset recovery_point = Offset(0)) {
  LogOpenOptions o;
  o.recovery_point = recovery_point;
  o.clean_shutdown = false;
  return o;
}

struct Image {
  std::vector<BatchHeader> batches;  // every appended batch, with assigned offsets
  Offset leo;
};

// Appends `n` batches of varying sizes and copies the open log's directory into `image_dir` (what a
// crash leaves behind: nothing trimmed, no Close).
Image WriteAndCrashCopy(const std::string& live_dir, const std::string& image_dir, int n) {
  Image image;
  auto log = *PartitionLog::Open(live_dir, kTp, SmallConfig());
  for (int i = 0; i < n; ++i) {
    auto info = AppendBatch(*log, MakeBatch(1 + i % 9, 30 + i % 50), LeaderEpoch(1 + i / 10));
    EXPECT_TRUE(info.ok());
  }
  EXPECT_TRUE(
      log->ForEachBatch(Offset(0),
                        [&](const BatchHeader& h, std::span<const uint8_t>) -> Result<bool> {
                          image.batches.push_back(h);
                          return true;
                        })
          .ok());
  image.leo = log->log_end_offset();
  CopyDir(live_dir, image_dir);
  return image;
}

std::string LastSegmentLog(const std::string& dir) {
  std::string last;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".log") && name > last) last = name;
  }
  return dir + "/" + last;
}

TEST(RecoveryTest, TornWriteAtEveryBytePositionOfTheLastBatchIsCutBackToTheBatchBefore) {
  TempDir tmp;
  const Image image = WriteAndCrashCopy(tmp.Sub("live"), tmp.Sub("image"), 23);
  const std::string image_log = LastSegmentLog(tmp.Sub("image"));
  const std::vector<uint8_t> full = testing::ReadFileBytes(image_log);
  const BatchHeader& last = image.batches.back();
  const int64_t last_start = static_cast<int64_t>(full.size()) - last.size_bytes();
  ASSERT_GT(last_start, 0);

  for (int64_t cut = last_start; cut < static_cast<int64_t>(full.size()); ++cut) {
    const std::string work = tmp.Sub("work-" + std::to_string(cut));
    CopyDir(tmp.Sub("image"), work);
    const std::string work_log = work + "/" + fs::path(image_log).filename().string();
    testing::WriteFileBytes(work_log, std::vector<uint8_t>(full.begin(), full.begin() + cut));

    // Recover from the active segment (where the recovery point of a log flushed on roll would be).
    const Offset active_base =
        *segment_format::ParseSegmentFileName(fs::path(image_log).filename().string(), ".log");
    auto log = PartitionLog::Open(work, kTp, SmallConfig(), Unclean(active_base));
    ASSERT_TRUE(log.ok()) << "cut at " << cut << ": " << log.status().ToString();
    const LogLoadReport& report = (*log)->load_report();
    ASSERT_EQ((*log)->log_end_offset(), last.base_offset) << "cut at " << cut;
    ASSERT_EQ(report.bytes_truncated, cut - last_start) << "cut at " << cut;
    ASSERT_EQ(testing::FileSize(work_log), last_start);
    if (cut > last_start) {
      EXPECT_FALSE(report.problem.empty());
    }
    // Every earlier batch survives and the log takes appends again at the cut.
    auto records = ReadAll(**log);
    ASSERT_TRUE(records.ok()) << records.status().ToString();
    ASSERT_EQ(records->size(), static_cast<size_t>(last.base_offset.value()));
    auto again = AppendBatch(**log, MakeBatch(2));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->first_offset, last.base_offset);
    log->reset();
    fs::remove_all(work);
  }
}

TEST(RecoveryTest, FlippedBitCutsTheLogAtThatBatchAndDropsLaterSegments) {
  TempDir tmp;
  const Image image = WriteAndCrashCopy(tmp.Sub("live"), tmp.Sub("image"), 60);
  const std::string first_log = tmp.Sub("image/00000000000000000000.log");
  std::vector<uint8_t> bytes = testing::ReadFileBytes(first_log);
  // Flip a bit inside the records of the 4th batch of the first segment.
  int64_t pos = 0;
  for (int i = 0; i < 3; ++i) pos += image.batches[i].size_bytes();
  const Offset damaged_base = image.batches[3].base_offset;
  bytes[static_cast<size_t>(pos) + 70] ^= 0x08;
  testing::WriteFileBytes(first_log, bytes);
  const size_t segments_before =
      std::distance(fs::directory_iterator(tmp.Sub("image")), fs::directory_iterator{});

  auto log = PartitionLog::Open(tmp.Sub("image"), kTp, SmallConfig(), Unclean());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  const LogLoadReport& report = (*log)->load_report();
  EXPECT_EQ((*log)->log_end_offset(), damaged_base);
  EXPECT_GT(report.segments_deleted, 0);
  EXPECT_NE(report.problem.find("CRC"), std::string::npos) << report.problem;
  EXPECT_NE(report.problem.find("00000000000000000000.log"), std::string::npos) << report.problem;
  EXPECT_EQ((*log)->segment_count(), 1);
  EXPECT_LT(std::distance(fs::directory_iterator(tmp.Sub("image")), fs::directory_iterator{}),
            segments_before);
  // The epoch cache follows the cut.
  for (const EpochEntry& e : (*log)->epoch_entries()) EXPECT_LT(e.start_offset, damaged_base);
  auto records = ReadAll(**log);
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->size(), static_cast<size_t>(damaged_base.value()));
  EXPECT_EQ((*log)->counters().Snapshot().recovery_bytes_truncated, report.bytes_truncated);
}

TEST(RecoveryTest, RecoveryStartsAtTheSegmentHoldingTheRecoveryPoint) {
  TempDir tmp;
  const Image image = WriteAndCrashCopy(tmp.Sub("live"), tmp.Sub("image"), 60);
  auto log = PartitionLog::Open(tmp.Sub("image"), kTp, SmallConfig(),
                                Unclean(image.batches[40].base_offset));
  ASSERT_TRUE(log.ok());
  const LogLoadReport& report = (*log)->load_report();
  EXPECT_GT(report.segments_recovered, 0);
  EXPECT_LT(report.segments_recovered, report.segments);
  EXPECT_LT(report.batches_checked, 60);
  EXPECT_EQ((*log)->log_end_offset(), image.leo);
}

TEST(RecoveryTest, CleanShutdownOpensWithoutScanning) {
  TempDir tmp;
  Offset leo;
  {
    auto log = *PartitionLog::Open(tmp.path(), kTp, SmallConfig());
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(AppendBatch(*log, MakeBatch(5, 40)).ok());
    leo = log->log_end_offset();
    ASSERT_TRUE(log->Close().ok());
  }
  LogOpenOptions clean;
  clean.clean_shutdown = true;
  auto log = PartitionLog::Open(tmp.path(), kTp, SmallConfig(), clean);
  ASSERT_TRUE(log.ok());
  EXPECT_TRUE((*log)->load_report().clean);
  EXPECT_EQ((*log)->load_report().segments_recovered, 0);
  EXPECT_EQ((*log)->load_report().batches_checked, 0);
  EXPECT_EQ((*log)->log_end_offset(), leo);
  EXPECT_EQ((*log)->recovery_point(), leo);
  auto more = AppendBatch(**log, MakeBatch(5, 40));
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(more->first_offset, leo);
}

TEST(RecoveryTest, DamagedOrMissingIndexIsRebuiltOnCleanOpen) {
  TempDir tmp;
  {
    auto log = *PartitionLog::Open(tmp.path(), kTp, SmallConfig());
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(AppendBatch(*log, MakeBatch(5, 40)).ok());
    ASSERT_TRUE(log->Close().ok());
  }
  const std::string index = tmp.Sub("00000000000000000000.index");
  std::vector<uint8_t> garbage = testing::ReadFileBytes(index);
  ASSERT_GT(garbage.size(), 16u);
  for (size_t i = garbage.size() - 8; i < garbage.size(); ++i)
    garbage[i] = 0xFF;  // last entry beyond the log
  testing::WriteFileBytes(index, garbage);
  fs::remove(tmp.Sub("00000000000000000000.timeindex"));
  LogOpenOptions clean;
  clean.clean_shutdown = true;
  auto log = PartitionLog::Open(tmp.path(), kTp, SmallConfig(), clean);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto records = ReadAll(**log);
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->size(), 150u);
  for (Offset o{0}; o < Offset(150); o += 7) {
    auto r = (*log)->Read({o, 1, Offset::Max(), true});
    ASSERT_TRUE(r.ok());
    EXPECT_LE(r->first_offset, o);
  }
  EXPECT_TRUE(fs::exists(tmp.Sub("00000000000000000000.timeindex")));
}

TEST(RecoveryTest, ZeroFilledTailIsCut) {
  TempDir tmp;
  const Image image = WriteAndCrashCopy(tmp.Sub("live"), tmp.Sub("image"), 5);
  const std::string log_file = LastSegmentLog(tmp.Sub("image"));
  std::vector<uint8_t> bytes = testing::ReadFileBytes(log_file);
  bytes.resize(bytes.size() + 500,
               0);  // e.g. a preallocated file or a half-written page after power loss
  testing::WriteFileBytes(log_file, bytes);
  auto log = PartitionLog::Open(tmp.Sub("image"), kTp, SmallConfig(), Unclean());
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->load_report().bytes_truncated, 500);
  EXPECT_EQ((*log)->log_end_offset(), image.leo);
}

// A real crash: a child process appends (fsync per append), reports progress through a pipe and
// dies with _exit, never closing the log. Everything it flushed must be there after recovery.
TEST(RecoveryTest, RestartAfterProcessCrashKeepsEveryFlushedBatch) {
  TempDir tmp;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    LogConfig c = SmallConfig();
    c.flush_messages = 1;
    auto log = PartitionLog::Open(tmp.path(), kTp, c);
    if (!log.ok()) ::_exit(2);
    for (int i = 0; i < 40; ++i) {
      if (!AppendBatch(**log, MakeBatch(3, 60)).ok()) ::_exit(3);
      const int64_t flushed = (*log)->recovery_point().value();
      if (::write(fds[1], &flushed, sizeof(flushed)) != sizeof(flushed)) ::_exit(4);
    }
    ::_exit(0);  // no Close(), no destructors: the process just dies
  }
  ::close(fds[1]);
  int64_t flushed = 0, value = 0;
  while (::read(fds[0], &value, sizeof(value)) == sizeof(value)) flushed = value;
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_EQ(flushed, 120);

  auto log = PartitionLog::Open(tmp.path(), kTp, SmallConfig(), Unclean());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->load_report().bytes_truncated, 0);
  auto records = ReadAll(**log);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 120u);
  for (int i = 0; i < 120; ++i) EXPECT_EQ((*records)[i].offset, Offset(i));
}

}  // namespace
}  // namespace kbench::storage
