#include "core/storage/segment.h"

#include <gtest/gtest.h>

#include "core/storage/segment_format.h"
#include "tests/unit/storage/storage_test_util.h"

namespace kbench::storage {
namespace {

using testing::MakeBatch;
using testing::TempDir;

constexpr SegmentConfig kConfig{/*index_interval_bytes=*/1024, /*max_index_bytes=*/4096};

// Appends `count` batches of `records` records each, with offsets starting at `next`.
Offset AppendBatches(Segment& seg, Offset next, int count, int records = 10, int value_bytes = 40,
                     int64_t ts = 1000) {
  for (int i = 0; i < count; ++i) {
    auto batch = MakeBatch(records, value_bytes, ts + i * 100);
    SetBaseOffset(batch, next);
    const BatchHeader h = DecodeBatchHeader(batch.data());
    BatchPlacement p{0, h.size_bytes(), h.last_offset(), h.max_timestamp};
    EXPECT_TRUE(seg.Append(batch, {&p, 1}).ok());
    next = h.next_offset();
  }
  return next;
}

TEST(SegmentFormatTest, FileNamesHaveTwentyDigits) {
  EXPECT_EQ(segment_format::SegmentFileName(Offset(42), ".log"), "00000000000000000042.log");
  EXPECT_EQ(segment_format::ParseSegmentFileName("00000000000000000042.index", ".index"),
            Offset(42));
  EXPECT_FALSE(segment_format::ParseSegmentFileName("0042.log", ".log"));
  EXPECT_FALSE(segment_format::ParseSegmentFileName("0000000000000000004x.log", ".log"));
}

TEST(SegmentTest, IndexesArePreallocatedThenTrimmedOnSeal) {
  TempDir dir;
  auto seg = *Segment::Create(dir.path(), Offset(100), kConfig, 0);
  const std::string index = dir.Sub("00000000000000000100.index");
  const std::string timeindex = dir.Sub("00000000000000000100.timeindex");
  EXPECT_EQ(testing::FileSize(index), 4096);
  EXPECT_EQ(testing::FileSize(timeindex), 4096 / 12 * 12);
  AppendBatches(*seg, Offset(100), 30);
  const int32_t entries = seg->offset_index().entries();
  EXPECT_GT(entries, 5);
  ASSERT_TRUE(seg->Seal().ok());
  EXPECT_EQ(testing::FileSize(index), entries * 8);
  EXPECT_EQ(testing::FileSize(timeindex), seg->time_index().entries() * 12);
}

TEST(SegmentTest, SparseIndexHasOneEntryPerIntervalAndFindsEveryOffset) {
  TempDir dir;
  auto seg = *Segment::Create(dir.path(), Offset(0), kConfig, 0);
  const Offset end = AppendBatches(*seg, Offset(0), 40);
  // Each batch is ~600 bytes; an entry is due once more than 1024 bytes passed since the last one.
  const int32_t entries = seg->offset_index().entries();
  EXPECT_GE(entries, seg->size() / 2048);
  EXPECT_LE(entries, seg->size() / 1024);
  for (int32_t i = 1; i < entries; ++i) {
    EXPECT_GT(seg->offset_index().EntryAt(i).position - seg->offset_index().EntryAt(i - 1).position,
              1024);
  }
  for (Offset o{0}; o < end; o += 1) {
    auto loc = seg->FindBatch(o, seg->size());
    ASSERT_TRUE(loc.ok());
    ASSERT_TRUE(loc->has_value()) << o;
    EXPECT_LE((*loc)->header.base_offset, o);
    EXPECT_GE((*loc)->header.last_offset(), o);
  }
  auto past = seg->FindBatch(end, seg->size());
  ASSERT_TRUE(past.ok());
  EXPECT_FALSE(past->has_value());
}

TEST(SegmentTest, RecoverRebuildsTheSameIndexesAsAppend) {
  TempDir dir;
  std::vector<OffsetPosition> appended;
  int64_t size = 0;
  {
    auto seg = *Segment::Create(dir.path(), Offset(0), kConfig, 0);
    AppendBatches(*seg, Offset(0), 25);
    for (int32_t i = 0; i < seg->offset_index().entries(); ++i)
      appended.push_back(seg->offset_index().EntryAt(i));
    size = seg->size();
  }
  auto seg = *Segment::Open(dir.path(), Offset(0), kConfig);
  auto r = seg->Recover(Offset(0));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->valid_bytes, size);
  EXPECT_EQ(r->truncated_bytes, 0);
  EXPECT_EQ(r->batches_checked, 25);
  ASSERT_EQ(seg->offset_index().entries(), static_cast<int32_t>(appended.size()));
  for (size_t i = 0; i < appended.size(); ++i) {
    EXPECT_EQ(seg->offset_index().EntryAt(static_cast<int32_t>(i)).offset, appended[i].offset);
    EXPECT_EQ(seg->offset_index().EntryAt(static_cast<int32_t>(i)).position, appended[i].position);
  }
  EXPECT_EQ(seg->next_offset(), Offset(250));
}

TEST(SegmentTest, LoadCleanRebuildsAnIndexThatWasNeverTrimmed) {
  TempDir dir;
  {
    auto seg = *Segment::Create(dir.path(), Offset(0), kConfig, 0);
    AppendBatches(*seg, Offset(0), 25);
    // No Seal(): the index file keeps its preallocated zero tail, as after a crash.
  }
  auto seg = *Segment::Open(dir.path(), Offset(0), kConfig);
  auto r = seg->LoadClean();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->batches_checked, 25);  // it fell back to a full recovery
  EXPECT_EQ(seg->next_offset(), Offset(250));
  EXPECT_GT(seg->offset_index().entries(), 0);
  EXPECT_LT(seg->offset_index().entries(), 4096 / 8);
}

TEST(SegmentTest, TimeIndexFindsFirstRecordAtOrAfterTimestamp) {
  TempDir dir;
  auto seg = *Segment::Create(dir.path(), Offset(0), kConfig, 0);
  AppendBatches(*seg, Offset(0), 30, 10, 40, 1000);  // batch i: timestamps 1000+100i .. +9
  for (int64_t ts :
       {int64_t{0}, int64_t{1000}, int64_t{1005}, int64_t{1095}, int64_t{2350}, int64_t{3909}}) {
    auto r = seg->FindTimestamp(ts, Offset(0));
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->has_value()) << ts;
    const int64_t expect_ts = std::max<int64_t>(ts, 1000);
    const int64_t batch = (expect_ts - 1000) / 100, within = (expect_ts - 1000) % 100;
    const int64_t expect_offset = within < 10 ? batch * 10 + within : (batch + 1) * 10;
    EXPECT_EQ((*r)->offset, Offset(expect_offset)) << ts;
  }
  auto none = seg->FindTimestamp(5000, Offset(0));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(SegmentTest, TruncateToCutsWholeBatchesAndIndexes) {
  TempDir dir;
  auto seg = *Segment::Create(dir.path(), Offset(0), kConfig, 0);
  AppendBatches(*seg, Offset(0), 30);
  auto removed = seg->TruncateTo(Offset(155));  // inside batch [150, 159]
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(seg->next_offset(), Offset(150));
  EXPECT_GT(*removed, 0);
  EXPECT_EQ(testing::FileSize(seg->log_path()), seg->size());
  EXPECT_LT(seg->offset_index().LastEntry().offset, Offset(150));
  EXPECT_LT(seg->time_index().LastEntry().offset, Offset(150));
  // Appending continues where the log now ends.
  EXPECT_EQ(AppendBatches(*seg, Offset(150), 1), Offset(160));
}

}  // namespace
}  // namespace kbench::storage
