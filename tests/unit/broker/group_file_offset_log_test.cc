// FileOffsetLog: atomic framed appends, replay of the newest record per key, recovery from torn
// and corrupt tails, compaction.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/base/log.h"
#include "core/broker/file_offset_log.h"
#include "core/broker/file_offset_log_format.h"
#include "tests/unit/broker/group_test_dir.h"

namespace kbench::broker {
namespace {

using testing::TempDir;

std::vector<uint8_t> B(const std::string& s) { return {s.begin(), s.end()}; }

OffsetLogRecord Rec(const std::string& key, std::optional<std::string> value, int64_t ts = 1) {
  OffsetLogRecord r;
  r.key = B(key);
  if (value) r.value = B(*value);
  r.timestamp_ms = ts;
  return r;
}

std::vector<OffsetLogRecord> ReplayAll(OffsetLog& log) {
  std::vector<OffsetLogRecord> out;
  Status s = log.Replay([&out](const OffsetLogRecord& r) {
    out.push_back(r);
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::unique_ptr<FileOffsetLog> OpenOrDie(const std::string& path, FileOffsetLogOptions o = {}) {
  Result<std::unique_ptr<FileOffsetLog>> log = FileOffsetLog::Open(path, o);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(*log) : nullptr;
}

TEST(FileOffsetLog, AppendReturnsGrowingPositionsAndReplaysInOrder) {
  TempDir dir;
  auto log = OpenOrDie(dir.File("p0.log"));
  ASSERT_NE(log, nullptr);
  std::vector<OffsetLogRecord> first = {Rec("a", "1"), Rec("b", "2")};
  Result<Offset> p1 = log->Append(first);
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(*p1, Offset(1));
  std::vector<OffsetLogRecord> second = {Rec("c", "3", 7)};
  Result<Offset> p2 = log->Append(second);
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(*p2, Offset(2));
  std::vector<OffsetLogRecord> got = ReplayAll(*log);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], Rec("a", "1"));
  EXPECT_EQ(got[1], Rec("b", "2"));
  EXPECT_EQ(got[2], Rec("c", "3", 7));
}

TEST(FileOffsetLog, WhenCommittedCompletesAtOnce) {
  TempDir dir;
  auto log = OpenOrDie(dir.File("p0.log"));
  std::vector<OffsetLogRecord> r = {Rec("a", "1")};
  Result<Offset> pos = log->Append(r);
  ASSERT_TRUE(pos.ok());
  bool called = false;
  log->WhenCommitted(*pos, [&called](Status s) {
    EXPECT_TRUE(s.ok());
    called = true;
  });
  EXPECT_TRUE(called);
}

TEST(FileOffsetLog, ReopenReplaysTheNewestRecordOfEveryKeyIncludingTombstones) {
  TempDir dir;
  {
    auto log = OpenOrDie(dir.File("p0.log"));
    for (int i = 0; i < 5; ++i) {
      std::vector<OffsetLogRecord> r = {Rec("a", "v" + std::to_string(i)), Rec("b", "x")};
      ASSERT_TRUE(log->Append(r).ok());
    }
    std::vector<OffsetLogRecord> del = {Rec("b", std::nullopt)};
    ASSERT_TRUE(log->Append(del).ok());
  }
  auto log = OpenOrDie(dir.File("p0.log"));
  EXPECT_EQ(log->load_report().frames, 6);
  EXPECT_EQ(log->load_report().bytes_truncated, 0);
  std::vector<OffsetLogRecord> got = ReplayAll(*log);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], Rec("a", "v4"));
  EXPECT_EQ(got[1], Rec("b", std::nullopt));
  // Positions continue after a reopen.
  std::vector<OffsetLogRecord> more = {Rec("c", "1")};
  EXPECT_EQ(*log->Append(more), Offset(11));
}

TEST(FileOffsetLog, TornTailIsCutAtTheLastWholeFrameAndAppendsContinue) {
  TempDir dir;
  const std::string path = dir.File("p0.log");
  int64_t two_frames = 0;
  int64_t three_frames = 0;
  {
    auto log = OpenOrDie(path);
    for (int i = 0; i < 2; ++i) {
      std::vector<OffsetLogRecord> r = {Rec("k" + std::to_string(i), "v")};
      ASSERT_TRUE(log->Append(r).ok());
    }
    two_frames = log->file_bytes();
    std::vector<OffsetLogRecord> r = {Rec("k2", "v"), Rec("k3", "v")};
    ASSERT_TRUE(log->Append(r).ok());
    three_frames = log->file_bytes();
  }
  // Every cut inside the last frame loses exactly that frame (it was one atomic append).
  for (int64_t cut = two_frames + 1; cut < three_frames; cut += 3) {
    std::filesystem::copy_file(path, dir.File("torn.log"),
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(dir.File("torn.log"), static_cast<uintmax_t>(cut));
    auto log = OpenOrDie(dir.File("torn.log"));
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->load_report().bytes_truncated, cut - two_frames) << "cut at " << cut;
    EXPECT_FALSE(log->load_report().problem.empty());
    EXPECT_EQ(log->file_bytes(), two_frames);
    EXPECT_EQ(ReplayAll(*log).size(), 2u);
  }
  std::filesystem::resize_file(path, static_cast<uintmax_t>(three_frames - 1));
  {
    auto log = OpenOrDie(path);
    std::vector<OffsetLogRecord> r = {Rec("k9", "after")};
    ASSERT_TRUE(log->Append(r).ok());
  }
  auto log = OpenOrDie(path);
  EXPECT_EQ(log->load_report().bytes_truncated, 0);
  std::vector<OffsetLogRecord> got = ReplayAll(*log);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2], Rec("k9", "after"));
}

TEST(FileOffsetLog, CorruptFrameCutsTheLogThere) {
  TempDir dir;
  const std::string path = dir.File("p0.log");
  int64_t one_frame = 0;
  {
    auto log = OpenOrDie(path);
    std::vector<OffsetLogRecord> a = {Rec("a", "1")};
    ASSERT_TRUE(log->Append(a).ok());
    one_frame = log->file_bytes();
    std::vector<OffsetLogRecord> b = {Rec("b", "2")};
    ASSERT_TRUE(log->Append(b).ok());
    std::vector<OffsetLogRecord> c = {Rec("c", "3")};
    ASSERT_TRUE(log->Append(c).ok());
  }
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(one_frame + 20);  // inside the second frame's payload
    f.put('\x5A');
  }
  auto log = OpenOrDie(path);
  EXPECT_NE(log->load_report().problem.find("CRC"), std::string::npos)
      << log->load_report().problem;
  std::vector<OffsetLogRecord> got = ReplayAll(*log);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], Rec("a", "1"));
}

TEST(FileOffsetLog, RefusesAFileThatIsNotAnOffsetLog) {
  TempDir dir;
  const std::string path = dir.File("other.log");
  std::ofstream(path) << "this is not an offset log at all";
  Result<std::unique_ptr<FileOffsetLog>> log = FileOffsetLog::Open(path);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kCorruption);
  EXPECT_NE(log.status().message().find(path), std::string::npos);
  EXPECT_EQ(std::filesystem::file_size(path), 32u);  // left untouched
}

TEST(FileOffsetLog, TornHeaderOfANewFileStartsItOver) {
  TempDir dir;
  const std::string path = dir.File("p0.log");
  std::ofstream(path) << "KBOF";
  auto log = OpenOrDie(path);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->file_bytes(), static_cast<int64_t>(file_offset_log_format::kHeaderSize));
}

TEST(FileOffsetLog, CompactionKeepsTheNewestRecordsAndBoundsTheFile) {
  TempDir dir;
  const std::string path = dir.File("p0.log");
  FileOffsetLogOptions options;
  options.compact_min_bytes = 4096;
  {
    auto log = OpenOrDie(path, options);
    for (int i = 0; i < 2000; ++i) {
      std::vector<OffsetLogRecord> r = {Rec("key-" + std::to_string(i % 10), std::to_string(i))};
      ASSERT_TRUE(log->Append(r).ok());
    }
    std::vector<OffsetLogRecord> del = {Rec("key-0", std::nullopt)};
    ASSERT_TRUE(log->Append(del).ok());
    EXPECT_GT(log->compactions(), 0);
    EXPECT_LT(log->file_bytes(), 8192);
    ASSERT_TRUE(log->Compact().ok());
    EXPECT_EQ(log->live_records(), 9);
  }
  auto log = OpenOrDie(path, options);
  std::vector<OffsetLogRecord> got = ReplayAll(*log);
  ASSERT_EQ(got.size(), 9u);  // key-0's tombstone was dropped with everything it shadowed
  for (const OffsetLogRecord& r : got) {
    std::string key(r.key.begin(), r.key.end());
    std::string value(r.value->begin(), r.value->end());
    int k = std::stoi(key.substr(4));
    EXPECT_EQ(std::stoi(value), 1990 + k) << key;
  }
  EXPECT_FALSE(std::filesystem::exists(path + ".compact"));
  std::vector<OffsetLogRecord> more = {Rec("z", "1")};
  EXPECT_EQ(*log->Append(more), Offset(2001));  // positions survive compaction
}

TEST(FileOffsetLog, GarbageAfterTheHeaderIsCutNeverTrusted) {
  log::SetLevel(log::Level::kError);  // 200 truncation warnings are expected
  TempDir dir;
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    const std::string path = dir.File("junk-" + std::to_string(round));
    {
      std::ofstream f(path, std::ios::binary);
      f.write(file_offset_log_format::kMagic.data(), 8);
      f.write("\0\0\0\1", 4);
      const int n = static_cast<int>(rng() % 300);
      for (int i = 0; i < n; ++i) f.put(static_cast<char>(rng()));
    }
    auto log = OpenOrDie(path);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->load_report().frames, 0) << "round " << round;
    EXPECT_EQ(log->file_bytes(), static_cast<int64_t>(file_offset_log_format::kHeaderSize));
    EXPECT_TRUE(ReplayAll(*log).empty());
  }
}

TEST(FileOffsetLog, EmptyAppendIsRefused) {
  TempDir dir;
  auto log = OpenOrDie(dir.File("p0.log"));
  EXPECT_FALSE(log->Append({}).ok());
}

}  // namespace
}  // namespace kbench::broker
