#include "core/storage/log_cleaner.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "core/storage/segment_format.h"
#include "tests/unit/storage/storage_test_util.h"

namespace kbench::storage {
namespace {

namespace fs = std::filesystem;
using testing::ReadAll;
using testing::TempDir;

const TopicPartition kTp{"__consumer_offsets", PartitionId(7)};
constexpr int64_t kNow = 1'700'000'000'000;

LogConfig CompactConfig() {
  LogConfig c;
  c.cleanup_policy = {false, true};
  c.segment_bytes = 4096;
  c.index_interval_bytes = 256;
  c.segment_index_bytes = 4096;
  c.min_cleanable_dirty_ratio = 0.1;
  c.delete_retention_ms = 60'000;
  return c;
}

std::unique_ptr<PartitionLog> OpenCompacted(const std::string& dir, LogConfig c = CompactConfig(),
                                            LogOpenOptions o = {}) {
  auto log = PartitionLog::Open(dir, kTp, c, o);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return std::move(log).value();
}

// Writes `rounds` rounds over keys k0..k(keys-1); value "r<round>" (nullopt = tombstone).
void WriteRounds(PartitionLog& log, int rounds, int keys, int64_t ts,
                 Compression codec = Compression::kNone, int first_round = 0) {
  for (int r = first_round; r < first_round + rounds; ++r) {
    RecordBatchBuilder b({.compression = codec});
    for (int k = 0; k < keys; ++k)
      b.Add(ts, fmt::format("k{}", k), fmt::format("r{}{}", r, std::string(40, '.')));
    auto batch = *b.Build();
    ASSERT_TRUE(testing::AppendBatch(log, batch).ok());
  }
}

void WriteOne(PartitionLog& log, std::string key, std::optional<std::string> value, int64_t ts) {
  RecordBatchBuilder b;
  b.Add(ts, key, value);
  auto batch = *b.Build();
  ASSERT_TRUE(testing::AppendBatch(log, batch).ok());
}

// key -> (offset, value) of the newest record, and how many records each key has in the log.
struct View {
  std::map<std::string, std::pair<Offset, std::optional<std::string>>> newest;
  std::map<std::string, int> count;
};

View Look(const PartitionLog& log) {
  View v;
  auto records = ReadAll(log, log.log_start_offset());
  EXPECT_TRUE(records.ok()) << records.status().ToString();
  for (const Record& r : *records) {
    v.newest[*r.key] = {r.offset, r.value};
    v.count[*r.key]++;
  }
  return v;
}

TEST(LogCleanerTest, KeepsOnlyTheNewestRecordPerKeyOutsideTheActiveSegment) {
  TempDir dir;
  auto log = OpenCompacted(dir.path());
  WriteRounds(*log, 40, 8, kNow);
  ASSERT_GE(log->segment_count(), 5);
  const View before = Look(*log);
  const Offset leo = log->log_end_offset();
  const int64_t size_before = log->size_bytes();

  LogCleaner cleaner;
  auto result = cleaner.Clean(*log, kNow);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->cleaned);
  EXPECT_GT(result->records_removed, 0);
  EXPECT_LT(log->size_bytes(), size_before / 3);
  EXPECT_EQ(log->log_end_offset(), leo);
  EXPECT_EQ(log->cleaner_checkpoint(), result->end_offset);

  const View after = Look(*log);
  EXPECT_EQ(after.newest, before.newest);  // every key still maps to its newest value and offset
  // Below the cleaned end (outside the active segment) each key appears exactly once.
  std::map<std::string, int> cleaned_part;
  auto records = ReadAll(*log, log->log_start_offset());
  ASSERT_TRUE(records.ok());
  for (const Record& r : *records) {
    if (r.offset < result->end_offset) cleaned_part[*r.key]++;
  }
  EXPECT_EQ(cleaned_part.size(), 8u);
  for (const auto& [key, n] : cleaned_part) EXPECT_EQ(n, 1) << key;
  EXPECT_GT(log->counters().Snapshot().cleaner_records_removed, 0);
  // No cleaner leftovers on disk.
  for (const auto& e : fs::directory_iterator(dir.path())) {
    EXPECT_FALSE(e.path().string().ends_with(".cleaned") || e.path().string().ends_with(".swap"))
        << e.path();
  }
}

TEST(LogCleanerTest, EveryOffsetStaysReadableAfterCompaction) {
  TempDir dir;
  auto log = OpenCompacted(dir.path());
  WriteRounds(*log, 30, 5, kNow);
  ASSERT_TRUE(LogCleaner().Clean(*log, kNow).ok());
  // Removed offsets resolve to the next surviving batch; batches keep their offset ranges.
  for (Offset o{0}; o < log->log_end_offset(); o += 3) {
    auto r = log->Read({o, 1, Offset::Max(), true});
    ASSERT_TRUE(r.ok()) << o << ": " << r.status().ToString();
    ASSERT_FALSE(r->slice.empty()) << o;
    EXPECT_GT(r->next_offset, o);
  }
}

TEST(LogCleanerTest, DoesNothingBelowTheDirtyRatio) {
  TempDir dir;
  LogConfig c = CompactConfig();
  c.min_cleanable_dirty_ratio = 0.5;
  auto log = OpenCompacted(dir.path(), c);
  WriteRounds(*log, 30, 5, kNow);
  LogCleaner cleaner;
  ASSERT_TRUE(cleaner.Clean(*log, kNow)->cleaned);  // all dirty: ratio 1
  WriteRounds(*log, 3, 5, kNow);                    // a little new dirt over a large clean part
  auto second = cleaner.Clean(*log, kNow);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->cleaned);
  EXPECT_LE(second->dirty_ratio, 0.5);
}

TEST(LogCleanerTest, TombstonesSurviveDeleteRetentionThenGo) {
  TempDir dir;
  auto log = OpenCompacted(dir.path());
  WriteOne(*log, "gone", "value", kNow);
  WriteRounds(*log, 5, 4, kNow);
  WriteOne(*log, "gone", std::nullopt, kNow);  // tombstone
  WriteRounds(*log, 20, 4, kNow, Compression::kNone, 5);
  LogCleaner cleaner;
  ASSERT_TRUE(cleaner.Clean(*log, kNow, /*force=*/true)->cleaned);
  View v = Look(*log);
  ASSERT_EQ(v.count["gone"], 1);  // the value went, the tombstone stays for consumers to see
  EXPECT_FALSE(v.newest["gone"].second.has_value());

  WriteRounds(*log, 10, 4, kNow, Compression::kNone, 25);
  auto too_soon = cleaner.Clean(*log, kNow + 30'000, true);
  ASSERT_TRUE(too_soon.ok());
  EXPECT_EQ(Look(*log).count["gone"], 1);
  EXPECT_EQ(too_soon->tombstones_removed, 0);

  WriteRounds(*log, 10, 4, kNow, Compression::kNone, 35);
  auto later = cleaner.Clean(*log, kNow + 61'000, true);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->tombstones_removed, 1);
  EXPECT_EQ(Look(*log).count.count("gone"), 0u);
}

TEST(LogCleanerTest, CompressedBatchesAreRewrittenWithTheirCodec) {
  TempDir dir;
  auto log = OpenCompacted(dir.path());
  WriteRounds(*log, 300, 6, kNow, Compression::kZstd);
  ASSERT_GE(log->segment_count(), 3);
  const View before = Look(*log);
  ASSERT_TRUE(LogCleaner().Clean(*log, kNow, true)->cleaned);
  EXPECT_EQ(Look(*log).newest, before.newest);
  ASSERT_TRUE(
      log->ForEachBatch(Offset(0),
                        [](const BatchHeader& h, std::span<const uint8_t> bytes) -> Result<bool> {
                          EXPECT_EQ(h.compression(), Compression::kZstd);
                          BatchHeader checked;
                          EXPECT_TRUE(CheckBatchFraming(bytes, &checked).ok());
                          return true;
                        })
          .ok());
}

TEST(LogCleanerTest, RecentSegmentsWaitForMinCompactionLag) {
  TempDir dir;
  LogConfig c = CompactConfig();
  c.min_compaction_lag_ms = 3'600'000;
  auto log = OpenCompacted(dir.path(), c);
  WriteRounds(*log, 30, 5, kNow - 60'000);  // one minute old: too young
  auto r = LogCleaner().Clean(*log, kNow, true);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->cleaned);
  auto later = LogCleaner().Clean(*log, kNow + 3'600'000, true);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->cleaned);
}

TEST(LogCleanerTest, CleanedLogReopensWithTheSameContent) {
  TempDir dir;
  View cleaned;
  {
    auto log = OpenCompacted(dir.path());
    WriteRounds(*log, 30, 5, kNow);
    ASSERT_TRUE(LogCleaner().Clean(*log, kNow)->cleaned);
    cleaned = Look(*log);
    ASSERT_TRUE(log->Close().ok());
  }
  for (bool clean_shutdown : {true, false}) {
    LogOpenOptions o;
    o.clean_shutdown = clean_shutdown;
    auto log = OpenCompacted(dir.path(), CompactConfig(), o);
    EXPECT_EQ(log->load_report().bytes_truncated, 0);
    const View reopened = Look(*log);
    EXPECT_EQ(reopened.newest, cleaned.newest);
    EXPECT_EQ(reopened.count, cleaned.count);
  }
}

TEST(LogCleanerTest, LoadCompletesAnInterruptedSwapAndDropsCleanerLeftovers) {
  TempDir dir;
  std::vector<Offset> bases;
  std::vector<uint8_t> first_batch;
  {
    auto log = OpenCompacted(dir.path());
    WriteRounds(*log, 30, 5, kNow);
    ASSERT_GE(log->segment_count(), 3);
    ASSERT_TRUE(
        log->ForEachBatch(Offset(0),
                          [&](const BatchHeader&, std::span<const uint8_t> b) -> Result<bool> {
                            first_batch.assign(b.begin(), b.end());
                            return false;
                          })
            .ok());
    ASSERT_TRUE(log->Close().ok());
  }
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (auto b = segment_format::ParseSegmentFileName(e.path().filename().string(), ".log"))
      bases.push_back(*b);
  }
  std::sort(bases.begin(), bases.end());
  // A crash after the cleaner renamed its output to .swap: a segment at base 0 holding only the
  // first batch but covering the first two segments' offsets (its last batch spans up to the third
  // segment's base).
  {
    SegmentConfig sc{256, 4096};
    auto swap = *Segment::Create(dir.path(), Offset(0), sc, kNow, segment_format::kSwapSuffix);
    RecordBatchBuilder tail({.base_offset = Offset(5),
                             .last_offset_delta = static_cast<int32_t>(bases[2].value() - 6)});
    tail.Add(kNow, "k0", "survivor");
    auto tail_bytes = *tail.Build();
    for (auto* bytes : {&first_batch, &tail_bytes}) {
      const BatchHeader h = DecodeBatchHeader(bytes->data());
      BatchPlacement p{0, h.size_bytes(), h.last_offset(), h.max_timestamp};
      ASSERT_TRUE(swap->Append(*bytes, {&p, 1}).ok());
    }
    ASSERT_TRUE(swap->Seal().ok());
    ASSERT_TRUE(swap->Flush().ok());
  }
  testing::WriteFileBytes(dir.Sub("00000000000000000000.log.cleaned"), {1, 2, 3});

  auto log = OpenCompacted(dir.path());
  EXPECT_FALSE(fs::exists(dir.Sub("00000000000000000000.log.swap")));
  EXPECT_FALSE(fs::exists(dir.Sub("00000000000000000000.log.cleaned")));
  EXPECT_FALSE(fs::exists(dir.Sub(segment_format::SegmentFileName(bases[1], ".log"))));
  EXPECT_TRUE(fs::exists(dir.Sub(segment_format::SegmentFileName(bases[2], ".log"))));
  auto records = ReadAll(*log);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  EXPECT_EQ((*records)[5].value, "survivor");
  EXPECT_EQ((*records)[6].offset, bases[2]);
}

TEST(LogCleanerTest, LeavesDeletePolicyLogsAlone) {
  TempDir dir;
  LogConfig c = CompactConfig();
  c.cleanup_policy = {true, false};
  auto log = OpenCompacted(dir.path(), c);
  WriteRounds(*log, 30, 5, kNow);
  auto r = LogCleaner().Clean(*log, kNow, true);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->cleaned);
}

}  // namespace
}  // namespace kbench::storage
