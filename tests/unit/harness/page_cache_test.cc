// Page-cache eviction for catch-up reads: a segment file read into the cache is dropped from it
// (mincore says so), other files are left alone, and a missing directory is no error.
#include "harness/page_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace kbench::harness {
namespace {

namespace fs = std::filesystem;

class PageCacheTest : public ::testing::Test {
 protected:
  PageCacheTest() {
    // Under the build tree's file system rather than /tmp, which may be tmpfs (nothing to evict).
    char tmpl[] = "kbench-page-cache-XXXXXX";
    dir_ = fs::absolute(mkdtemp(tmpl)).string();
  }
  ~PageCacheTest() override { fs::remove_all(dir_); }

  // Writes `bytes` to path and reads them back, so they are in the page cache.
  static void WriteAndRead(const std::string& path, int64_t bytes) {
    {
      std::ofstream out(path, std::ios::binary);
      std::string chunk(1 << 16, 'k');
      for (int64_t n = 0; n < bytes; n += static_cast<int64_t>(chunk.size())) out << chunk;
    }
    std::ifstream in(path, std::ios::binary);
    std::vector<char> buf(1 << 16);
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size()))) {
    }
  }

  std::string dir_;
};

TEST_F(PageCacheTest, SegmentFilesAreDroppedFromTheCacheAndIndexesKept) {
  const std::string part = dir_ + "/t-0";
  fs::create_directories(part);
  WriteAndRead(part + "/00000000000000000000.log", 8 << 20);
  WriteAndRead(part + "/00000000000000000000.index", 1 << 20);
  auto resident = ResidentBytes(part + "/00000000000000000000.log");
  ASSERT_TRUE(resident.ok()) << resident.status().ToString();
  if (*resident == 0) GTEST_SKIP() << "this file system keeps nothing in the page cache";

  auto evicted = EvictSegmentFiles({part, dir_ + "/t-1" /* missing: skipped */});
  ASSERT_TRUE(evicted.ok()) << evicted.status().ToString();
  EXPECT_EQ(evicted->files, 1);
  EXPECT_EQ(evicted->bytes, 8 << 20);
  EXPECT_GT(evicted->resident_before, 0);
  EXPECT_LT(evicted->resident_after, evicted->bytes / 8);
  EXPECT_LT(*ResidentBytes(part + "/00000000000000000000.log"), (8 << 20) / 8);
  EXPECT_GT(*ResidentBytes(part + "/00000000000000000000.index"), 0) << "not a segment: kept";
}

TEST_F(PageCacheTest, AFileThatCannotBeReadIsAnIoErrorNamingIt) {
  EXPECT_EQ(ResidentBytes(dir_ + "/nope.log").status().code(), StatusCode::kIoError);
  EXPECT_NE(ResidentBytes(dir_ + "/nope.log").status().message().find("nope.log"),
            std::string_view::npos);
  std::ofstream(dir_ + "/not-a-dir") << "x";
  EXPECT_FALSE(EvictSegmentFiles({dir_ + "/not-a-dir"}).ok());
}

}  // namespace
}  // namespace kbench::harness
