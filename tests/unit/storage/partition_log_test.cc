#include "core/storage/partition_log.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include "core/storage/checkpoint_file.h"
#include "core/storage/segment_format.h"
#include "tests/unit/storage/storage_test_util.h"

namespace kbench::storage {
namespace {

using testing::AppendBatch;
using testing::MakeBatch;
using testing::ReadAll;
using testing::ReadSlice;
using testing::TempDir;

const TopicPartition kTp{"orders", PartitionId(0)};

LogConfig SmallSegments(int32_t segment_bytes = 4096) {
  LogConfig c;
  c.segment_bytes = segment_bytes;
  c.index_interval_bytes = 256;
  c.segment_index_bytes = 4096;
  return c;
}

std::unique_ptr<PartitionLog> OpenLog(const std::string& dir, LogConfig config = {},
                                      LogOpenOptions options = {}) {
  auto log = PartitionLog::Open(dir, kTp, config, options);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return std::move(log).value();
}

std::vector<std::string> SegmentLogFiles(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".log") names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(PartitionLogTest, LeaderAppendAssignsOffsetsAndReadReturnsEveryRecord) {
  TempDir dir;
  auto log = OpenLog(dir.path());
  for (int i = 0; i < 10; ++i) {
    auto info = AppendBatch(*log, MakeBatch(5));
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(info->first_offset, Offset(i * 5));
    EXPECT_EQ(info->last_offset, Offset(i * 5 + 4));
    EXPECT_EQ(info->records, 5);
  }
  EXPECT_EQ(log->log_end_offset(), Offset(50));
  auto records = ReadAll(*log);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_EQ(records->size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ((*records)[i].offset, Offset(i));
    EXPECT_EQ((*records)[i].key, fmt::format("k{}", i % 5));
  }
  auto snap = log->counters().Snapshot();
  EXPECT_EQ(snap.records_appended, 50);
  EXPECT_EQ(snap.batches_appended, 10);
  EXPECT_EQ(snap.bytes_appended, log->size_bytes());
}

TEST(PartitionLogTest, StoredBatchCarriesOffsetEpochAndValidCrc) {
  TempDir dir;
  auto log = OpenLog(dir.path());
  ASSERT_TRUE(AppendBatch(*log, MakeBatch(3)).ok());
  ASSERT_TRUE(AppendBatch(*log, MakeBatch(4), LeaderEpoch(7)).ok());
  auto r = log->Read({Offset(3), 1 << 20, Offset::Max(), true});
  ASSERT_TRUE(r.ok());
  auto bytes = *ReadSlice(r->slice);
  BatchHeader h;
  ASSERT_TRUE(ValidateBatch(bytes, log->validation_options(AppendOrigin::kReplication), &h).ok());
  EXPECT_EQ(h.base_offset, Offset(3));
  EXPECT_EQ(h.partition_leader_epoch, LeaderEpoch(7));
}

TEST(PartitionLogTest, RejectedAppendLeavesLogUnchanged) {
  TempDir dir;
  auto log = OpenLog(dir.path());
  ASSERT_TRUE(AppendBatch(*log, MakeBatch(3)).ok());
  const int64_t size = log->size_bytes();
  auto bad = MakeBatch(3);
  bad[40] ^= 1;
  auto v = ValidateRecords(bad, log->validation_options(AppendOrigin::kClient));
  EXPECT_EQ(v.status().kafka_error(), ErrorCode::kCorruptMessage);
  ValidationOptions follower = log->validation_options(AppendOrigin::kReplication);
  auto good = MakeBatch(2);
  auto as_follower = ValidateRecords(good, follower);
  ASSERT_TRUE(as_follower.ok());
  EXPECT_FALSE(log->AppendAsLeader(*as_follower, {}).ok());  // wrong origin
  EXPECT_EQ(log->size_bytes(), size);
  EXPECT_EQ(log->log_end_offset(), Offset(3));
}

TEST(PartitionLogTest, ReadFromInsideABatchReturnsTheWholeBatch) {
  TempDir dir;
  auto log = OpenLog(dir.path());
  ASSERT_TRUE(AppendBatch(*log, MakeBatch(10)).ok());
  ASSERT_TRUE(AppendBatch(*log, MakeBatch(10)).ok());
  auto r = log->Read({Offset(13), 1 << 20, Offset::Max(), true});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_offset, Offset(10));
  EXPECT_EQ(r->next_offset, Offset(20));
}

TEST(PartitionLogTest, ReadStopsAtMaxBytesOnBatchBoundaries) {
  TempDir dir;
  auto log = OpenLog(dir.path());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(AppendBatch(*log, MakeBatch(10, 50)).ok());
  auto one = log->Read({Offset(0), 1, Offset::Max(), true});
  ASSERT_TRUE(one.ok());
  const int64_t batch_size =
      one->slice.length;  // KIP-74: one whole batch although 1 byte was asked for
  EXPECT_GT(batch_size, 500);
  EXPECT_EQ(one->next_offset, Offset(10));
  auto none = log->Read({Offset(0), 1, Offset::Max(), false});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->slice.empty());
  auto three = log->Read({Offset(0), 3 * batch_size + batch_size / 2, Offset::Max(), true});
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->slice.length, 3 * batch_size);
  EXPECT_EQ(three->next_offset, Offset(30));
}

TEST(PartitionLogTest, ReadNeverPassesTheUpperBound) {
  TempDir dir;
  auto log = OpenLog(dir.path());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(AppendBatch(*log, MakeBatch(10)).ok());
  auto r = log->Read({Offset(0), 1 << 20, Offset(30), true});  // high watermark 30
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->next_offset, Offset(30));
  auto records = DecodeAllRecords(*ReadSlice(r->slice));
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->back().offset, Offset(29));
  auto at_hw = log->Read({Offset(30), 1 << 20, Offset(30), true});
  ASSERT_TRUE(at_hw.ok());
  EXPECT_TRUE(at_hw->slice.empty());
}

TEST(PartitionLogTest, OffsetsOutsideTheLogAreOffsetOutOfRange) {
  TempDir dir;
  auto log = OpenLog(dir.path());
  ASSERT_TRUE(AppendBatch(*log, MakeBatch(10)).ok());
  EXPECT_EQ(log->Read({Offset(11), 100, Offset::Max(), true}).status().kafka_error(),
            ErrorCode::kOffsetOutOfRange);
  auto at_end = log->Read({Offset(10), 100, Offset::Max(), true});
  ASSERT_TRUE(at_end.ok());
  EXPECT_TRUE(at_end->slice.empty());
  ASSERT_TRUE(log->TruncateFullyAndStartAt(Offset(100)).ok());
  EXPECT_EQ(log->Read({Offset(99), 100, Offset::Max(), true}).status().kafka_error(),
            ErrorCode::kOffsetOutOfRange);
}

TEST(PartitionLogTest, RollsBySegmentBytesWithKafkaFileNames) {
  TempDir dir;
  auto log = OpenLog(dir.path(), SmallSegments(4096));
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(AppendBatch(*log, MakeBatch(10, 40)).ok());  // ~600 B each
  EXPECT_GE(log->segment_count(), 5);
  const auto files = SegmentLogFiles(dir.path());
  ASSERT_EQ(static_cast<int32_t>(files.size()), log->segment_count());
  EXPECT_EQ(files[0], "00000000000000000000.log");
  for (const std::string& f : files) EXPECT_EQ(f.size(), 24u);
  EXPECT_EQ(log->counters().Snapshot().segments_rolled, log->segment_count() - 1);
  for (const std::string& f : files) EXPECT_LE(testing::FileSize(dir.Sub(f)), 4096);
}

TEST(PartitionLogTest, EveryOffsetIsReadableAtAndAcrossSegmentBoundaries) {
  TempDir dir;
  auto log = OpenLog(dir.path(), SmallSegments(2048));
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(AppendBatch(*log, MakeBatch(7, 40)).ok());
  ASSERT_GE(log->segment_count(), 5);
  for (Offset o{0}; o < log->log_end_offset(); o += 1) {
    auto r = log->Read({o, 1, Offset::Max(), true});
    ASSERT_TRUE(r.ok()) << o;
    ASSERT_FALSE(r->slice.empty()) << o;
    EXPECT_LE(r->first_offset, o);
    EXPECT_GT(r->next_offset, o);
    EXPECT_EQ(r->first_offset.value() % 7, 0);
  }
  // A large read starting just before a boundary stops at the end of its segment; the next read
  // continues.
  auto all = ReadAll(*log, Offset(0), 1 << 20);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 210u);
}

TEST(PartitionLogTest, RollsBySegmentMsMeasuredOnBatchTimestamps) {
  TempDir dir;
  LogConfig c;
  c.segment_ms = 60'000;
  auto log = OpenLog(dir.path(), c);
  ASSERT_TRUE(AppendBatch(*log, MakeBatch(1, 10, 1'000'000)).ok());
  ASSERT_TRUE(AppendBatch(*log, MakeBatch(1, 10, 1'030'000)).ok());
  EXPECT_EQ(log->segment_count(), 1);
  ASSERT_TRUE(
      AppendBatch(*log, MakeBatch(1, 10, 1'070'000)).ok());  // 70 s after the segment's first batch
  EXPECT_EQ(log->segment_count(), 2);
}

TEST(PartitionLogTest, RollsBySegmentMsOnTheWallClockWithoutTimestamps) {
  TempDir dir;
  LogConfig c;
  c.segment_ms = 1000;
  int64_t now = 5'000'000;
  LogOpenOptions o;
  o.clock = [&now] { return now; };
  auto log = OpenLog(dir.path(), c, o);
  ASSERT_TRUE(AppendBatch(*log, MakeBatch(1, 10, -1)).ok());  // no timestamps: -1
  now += 500;
  ASSERT_TRUE(AppendBatch(*log, MakeBatch(1, 10, -1)).ok());
  EXPECT_EQ(log->segment_count(), 1);
  now += 600;
  ASSERT_TRUE(AppendBatch(*log, MakeBatch(1, 10, -1)).ok());
  EXPECT_EQ(log->segment_count(), 2);
}

TEST(PartitionLogTest, RetentionByTimeDeletesOldSegmentsButNeverTheActiveOne) {
  TempDir dir;
  LogConfig c = SmallSegments(2048);
  c.retention_ms = 3'600'000;
  auto log = OpenLog(dir.path(), c);
  const int64_t now = 10'000'000'000;
  for (int i = 0; i < 12; ++i)
    ASSERT_TRUE(AppendBatch(*log, MakeBatch(10, 40, now - 7'200'000)).ok());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(AppendBatch(*log, MakeBatch(10, 40, now - 60'000)).ok());
  const int32_t before = log->segment_count();
  auto deleted = log->DeleteOldSegments(now);
  ASSERT_TRUE(deleted.ok());
  EXPECT_GT(*deleted, 0);
  EXPECT_EQ(log->segment_count(), before - *deleted);
  EXPECT_GT(log->log_start_offset(), Offset(0));
  EXPECT_LE(log->log_start_offset(), Offset(120));
  EXPECT_EQ(log->Read({Offset(0), 100, Offset::Max(), true}).status().kafka_error(),
            ErrorCode::kOffsetOutOfRange);
  auto all = ReadAll(*log, log->log_start_offset());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->back().offset, Offset(179));
  // Everything expired: still one (active) segment left.
  ASSERT_TRUE(log->DeleteOldSegments(now + 100'000'000).ok());
  EXPECT_EQ(log->segment_count(), 1);
  EXPECT_EQ(log->log_end_offset(), Offset(180));
  EXPECT_GT(log->counters().Snapshot().segments_deleted, 0);
}

TEST(PartitionLogTest, RetentionBySizeKeepsTheNewestSegmentsUnderTheLimit) {
  TempDir dir;
  LogConfig c = SmallSegments(2048);
  c.retention_bytes = 5000;
  auto log = OpenLog(dir.path(), c);
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(AppendBatch(*log, MakeBatch(10, 40)).ok());
  ASSERT_TRUE(log->DeleteOldSegments(0).ok());
  EXPECT_LE(log->size_bytes(), 5000 + 2048);
  EXPECT_GT(log->size_bytes(), 5000 - 2048);
  EXPECT_EQ(log->log_end_offset(), Offset(400));
  auto all = ReadAll(*log, log->log_start_offset());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->front().offset, log->log_start_offset());
}

TEST(PartitionLogTest, SliceStaysReadableAfterRetentionDeletesItsSegment) {
  TempDir dir;
  LogConfig c = SmallSegments(2048);
  c.retention_bytes = 0;
  auto log = OpenLog(dir.path(), c);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(AppendBatch(*log, MakeBatch(10, 40)).ok());
  auto r = log->Read({Offset(0), 1 << 20, Offset::Max(), true});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(log->DeleteOldSegments(0).ok());
  EXPECT_EQ(log->segment_count(), 1);
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("00000000000000000000.log")));
  auto bytes = ReadSlice(r->slice);
  ASSERT_TRUE(bytes.ok());
  auto records = DecodeAllRecords(*bytes);
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->front().offset, Offset(0));
}

TEST(PartitionLogTest, TruncateToRemovesLaterBatchesAcrossSegments) {
  TempDir dir;
  auto log = OpenLog(dir.path(), SmallSegments(2048));
  for (int i = 0; i < 30; ++i)
    ASSERT_TRUE(AppendBatch(*log, MakeBatch(10, 40), LeaderEpoch(i < 20 ? 1 : 2)).ok());
  ASSERT_GE(log->segment_count(), 5);
  auto leo = log->TruncateTo(Offset(55));  // inside batch [50, 59]
  ASSERT_TRUE(leo.ok());
  EXPECT_EQ(*leo, Offset(50));
  EXPECT_EQ(log->log_end_offset(), Offset(50));
  EXPECT_EQ(log->latest_epoch(), LeaderEpoch(1));  // epoch 2 began at 200, now gone
  auto all = ReadAll(*log);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 50u);
  for (const auto& f : SegmentLogFiles(dir.path())) {
    EXPECT_LT(*segment_format::ParseSegmentFileName(f, ".log"), Offset(50));
  }
  auto next = AppendBatch(*log, MakeBatch(5), LeaderEpoch(3));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->first_offset, Offset(50));
  EXPECT_GT(log->counters().Snapshot().bytes_truncated, 0);
}

TEST(PartitionLogTest, TruncateFullyAndStartAtRestartsEmpty) {
  TempDir dir;
  auto log = OpenLog(dir.path(), SmallSegments(2048));
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(AppendBatch(*log, MakeBatch(10, 40), LeaderEpoch(1)).ok());
  ASSERT_TRUE(log->TruncateFullyAndStartAt(Offset(1000)).ok());
  EXPECT_EQ(log->log_start_offset(), Offset(1000));
  EXPECT_EQ(log->log_end_offset(), Offset(1000));
  EXPECT_EQ(log->segment_count(), 1);
  EXPECT_TRUE(log->epoch_entries().empty());
  EXPECT_EQ(SegmentLogFiles(dir.path()), std::vector<std::string>{"00000000000000001000.log"});
  auto info = AppendBatch(*log, MakeBatch(3));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->first_offset, Offset(1000));
}

// A follower copying batches from a leader log.
ValidatedRecords FollowerRecords(std::vector<uint8_t>& bytes, const PartitionLog& log) {
  auto v = ValidateRecords(bytes, log.validation_options(AppendOrigin::kReplication));
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return *v;
}

TEST(PartitionLogTest, FollowerAppendKeepsLeaderOffsetsAndRefusesGapsAndOverlaps) {
  TempDir dir;
  auto leader = OpenLog(dir.Sub("leader"));
  auto follower = OpenLog(dir.Sub("follower"));
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(AppendBatch(*leader, MakeBatch(4), LeaderEpoch(3)).ok());
  auto r = leader->Read({Offset(0), 1 << 20, Offset::Max(), true});
  auto fetched = *ReadSlice(r->slice);
  auto info = follower->AppendAsFollower(FollowerRecords(fetched, *follower));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(follower->log_end_offset(), Offset(24));
  EXPECT_EQ(follower->latest_epoch(), LeaderEpoch(3));
  EXPECT_EQ(testing::ReadFileBytes(dir.Sub("follower/00000000000000000000.log")),
            testing::ReadFileBytes(dir.Sub("leader/00000000000000000000.log")));

  // The same bytes again overlap; a later slice skipping a batch leaves a gap. Neither changes the
  // log.
  auto overlap = follower->AppendAsFollower(FollowerRecords(fetched, *follower));
  EXPECT_EQ(overlap.status().kafka_error(), ErrorCode::kOffsetOutOfRange);
  EXPECT_NE(overlap.status().message().find("overlaps"), std::string_view::npos);
  ASSERT_TRUE(AppendBatch(*leader, MakeBatch(4)).ok());
  ASSERT_TRUE(AppendBatch(*leader, MakeBatch(4)).ok());
  auto later = leader->Read({Offset(28), 1 << 20, Offset::Max(), true});
  auto gap_bytes = *ReadSlice(later->slice);
  auto gap = follower->AppendAsFollower(FollowerRecords(gap_bytes, *follower));
  EXPECT_NE(gap.status().message().find("gap"), std::string_view::npos);
  EXPECT_EQ(follower->log_end_offset(), Offset(24));

  // A compacted topic's follower accepts the gap (the leader's cleaner removed whole batches).
  LogConfig compact;
  compact.cleanup_policy = {true, true};
  follower->SetConfig(compact);
  EXPECT_TRUE(follower->AppendAsFollower(FollowerRecords(gap_bytes, *follower)).ok());
  EXPECT_EQ(follower->log_end_offset(), Offset(32));
}

TEST(PartitionLogTest, LeaderEpochCacheAnswersEndOffsetsAndSurvivesRestart) {
  TempDir dir;
  {
    auto log = OpenLog(dir.path());
    ASSERT_TRUE(AppendBatch(*log, MakeBatch(10), LeaderEpoch(1)).ok());
    ASSERT_TRUE(AppendBatch(*log, MakeBatch(10), LeaderEpoch(1)).ok());
    ASSERT_TRUE(log->AssignEpochStart(LeaderEpoch(3), Offset(20)).ok());
    ASSERT_TRUE(AppendBatch(*log, MakeBatch(10), LeaderEpoch(3)).ok());
    EXPECT_EQ(log->EndOffsetForEpoch(LeaderEpoch(1)), (EpochEndOffset{LeaderEpoch(1), Offset(20)}));
    EXPECT_EQ(log->EndOffsetForEpoch(LeaderEpoch(2)), (EpochEndOffset{LeaderEpoch(1), Offset(20)}));
    EXPECT_EQ(log->EndOffsetForEpoch(LeaderEpoch(3)), (EpochEndOffset{LeaderEpoch(3), Offset(30)}));
    EXPECT_EQ(log->EndOffsetForEpoch(LeaderEpoch(0)), (EpochEndOffset{LeaderEpoch(0), Offset(0)}));
    EXPECT_EQ(log->EndOffsetForEpoch(LeaderEpoch(4)), EpochEndOffset{});
    ASSERT_TRUE(log->Close().ok());
  }
  auto text = ReadWholeFile(dir.Sub("leader-epoch-checkpoint"));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "0\n2\n1 0\n3 20\n");
  LogOpenOptions clean;
  clean.recovery_point = Offset(30);
  clean.clean_shutdown = true;
  auto log = OpenLog(dir.path(), {}, clean);
  EXPECT_EQ(log->epoch_entries(),
            (std::vector<EpochEntry>{{LeaderEpoch(1), Offset(0)}, {LeaderEpoch(3), Offset(20)}}));
}

TEST(PartitionLogTest, LogAppendTimeStampsBatchesWithTheAppendTime) {
  TempDir dir;
  LogConfig c;
  c.message_timestamp_type = TimestampType::kLogAppendTime;
  LogOpenOptions o;
  o.clock = [] { return int64_t{1'234'567}; };
  auto log = OpenLog(dir.path(), c, o);
  auto info = AppendBatch(*log, MakeBatch(3, 16, 5));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->log_append_time_ms, 1'234'567);
  auto records = ReadAll(*log);
  ASSERT_TRUE(records.ok());
  for (const Record& r : *records) EXPECT_EQ(r.timestamp, 1'234'567);
}

TEST(PartitionLogTest, OffsetForTimestampFindsTheFirstRecordAtOrAfter) {
  TempDir dir;
  auto log = OpenLog(dir.path(), SmallSegments(2048));
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(AppendBatch(*log, MakeBatch(10, 40, 1000 + i * 100)).ok());
  ASSERT_GE(log->segment_count(), 3);
  auto hit = log->OffsetForTimestamp(1505);
  ASSERT_TRUE(hit.ok());
  ASSERT_TRUE(hit->has_value());
  EXPECT_EQ((*hit)->offset, Offset(55));
  EXPECT_EQ((*hit)->timestamp, 1505);
  auto between = log->OffsetForTimestamp(1550);  // between batches: the next batch's first record
  ASSERT_TRUE(between.ok() && between->has_value());
  EXPECT_EQ((*between)->offset, Offset(60));
  EXPECT_EQ((*log->OffsetForTimestamp(kLatestTimestamp))->offset, Offset(200));
  EXPECT_EQ((*log->OffsetForTimestamp(kEarliestTimestamp))->offset, Offset(0));
  auto none = log->OffsetForTimestamp(99'999);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(PartitionLogTest, FlushMessagesOneSyncsEveryAppend) {
  TempDir dir;
  LogConfig c;
  c.flush_messages = 1;
  auto log = OpenLog(dir.path(), c);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(AppendBatch(*log, MakeBatch(2)).ok());
  EXPECT_EQ(log->counters().Snapshot().fsyncs, 5);
  EXPECT_EQ(log->recovery_point(), log->log_end_offset());
}

TEST(PartitionLogTest, DefaultPolicyLeavesDataInThePageCacheUntilFlushMs) {
  TempDir dir;
  LogConfig c;
  c.flush_ms = 1000;
  int64_t now = 0;
  LogOpenOptions o;
  o.clock = [&now] { return now; };
  auto log = OpenLog(dir.path(), c, o);
  ASSERT_TRUE(AppendBatch(*log, MakeBatch(2)).ok());
  EXPECT_EQ(log->counters().Snapshot().fsyncs, 0);
  EXPECT_EQ(log->recovery_point(), Offset(0));
  ASSERT_TRUE(log->FlushIfNeeded(500).ok());
  EXPECT_EQ(log->recovery_point(), Offset(0));
  ASSERT_TRUE(log->FlushIfNeeded(1000).ok());
  EXPECT_EQ(log->recovery_point(), Offset(2));
  EXPECT_EQ(log->counters().Snapshot().fsyncs, 1);
}

TEST(PartitionLogTest, RolledSegmentsAreFlushedInTheBackground) {
  TempDir dir;
  auto log = OpenLog(dir.path(), SmallSegments(2048));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(AppendBatch(*log, MakeBatch(10, 40)).ok());
  ASSERT_GE(log->segment_count(), 3);
  EXPECT_EQ(log->recovery_point(), Offset(0));
  ASSERT_TRUE(log->FlushIfNeeded(0).ok());
  EXPECT_GT(log->recovery_point(), Offset(0));
  EXPECT_LT(log->recovery_point(),
            log->log_end_offset());  // the active segment stays in the page cache
  EXPECT_GT(log->counters().Snapshot().fsyncs, 0);
}

// Readers on other threads while one thread appends: every slice must decode to complete, valid
// batches with consecutive offsets, never a partial one.
TEST(PartitionLogTest, ConcurrentReadsDuringAppendSeeOnlyCompleteBatches) {
  TempDir dir;
  auto log = OpenLog(dir.path(), SmallSegments(64 * 1024));
  constexpr int kBatches = 3000;
  std::atomic<bool> done{false};
  std::atomic<int64_t> checked{0};
  std::atomic<int> failures{0};
  auto reader = [&] {
    std::mt19937 rng(std::hash<std::thread::id>()(std::this_thread::get_id()));
    while (!done.load()) {
      const int64_t leo = log->log_end_offset().value();
      const Offset from(leo == 0 ? 0 : static_cast<int64_t>(rng() % static_cast<uint64_t>(leo)));
      auto r = log->Read({from, 8192, Offset::Max(), true});
      if (!r.ok()) {
        failures++;
        continue;
      }
      if (r->slice.empty()) continue;
      auto bytes = ReadSlice(r->slice);
      auto records =
          bytes.ok() ? DecodeAllRecords(*bytes) : Result<std::vector<Record>>(bytes.status());
      if (!records.ok() || records->empty() || records->front().offset != r->first_offset ||
          records->back().offset + 1 != r->next_offset) {
        failures++;
        continue;
      }
      for (size_t i = 1; i < records->size(); ++i) {
        if ((*records)[i].offset != (*records)[i - 1].offset + 1) failures++;
      }
      checked++;
    }
  };
  std::thread r1(reader), r2(reader);
  // Keep appending until the readers have checked enough slices while appends were running (on a
  // loaded machine they may start late), bounded so the test always ends.
  for (int i = 0; i < kBatches || (checked.load() < 200 && i < 100 * kBatches); ++i) {
    ASSERT_TRUE(AppendBatch(*log, MakeBatch(1 + i % 7, 30)).ok());
    if (i % 64 == 0) std::this_thread::yield();
  }
  done = true;
  r1.join();
  r2.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(checked.load(), 0);
  EXPECT_GT(log->segment_count(), 2);
}

TEST(PartitionLogTest, ForEachBatchVisitsStoredBatchesFromAnOffset) {
  TempDir dir;
  auto log = OpenLog(dir.path(), SmallSegments(2048));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(AppendBatch(*log, MakeBatch(5, 40)).ok());
  std::vector<Offset> bases;
  ASSERT_TRUE(
      log->ForEachBatch(Offset(42),
                        [&](const BatchHeader& h, std::span<const uint8_t>) -> Result<bool> {
                          bases.push_back(h.base_offset);
                          return bases.size() < 5;
                        })
          .ok());
  EXPECT_EQ(bases,
            (std::vector<Offset>{Offset(40), Offset(45), Offset(50), Offset(55), Offset(60)}));
}

}  // namespace
}  // namespace kbench::storage
