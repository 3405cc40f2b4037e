#include "tests/unit/storage/storage_test_util.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace kbench::storage::testing {
namespace fs = std::filesystem;

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/kbench-storage-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::vector<uint8_t> MakeBatch(int records, int value_bytes, int64_t timestamp,
                               BatchOptions options, int keys) {
  RecordBatchBuilder b(options);
  for (int i = 0; i < records; ++i) {
    std::string value = fmt::format("v{}-", i);
    value.resize(std::max<size_t>(value.size(), static_cast<size_t>(value_bytes)), 'x');
    b.Add(timestamp + i, fmt::format("k{}", i % keys), value);
  }
  auto built = b.Build();
  if (!built.ok()) throw std::runtime_error(built.status().ToString());
  return *built;
}

Result<AppendInfo> AppendBatch(PartitionLog& log, std::vector<uint8_t> batch, LeaderEpoch epoch) {
  KB_ASSIGN_OR_RETURN(ValidatedRecords v,
                      ValidateRecords(batch, log.validation_options(AppendOrigin::kClient)));
  return log.AppendAsLeader(v, {epoch});
}

Result<std::vector<uint8_t>> ReadSlice(const FileSlice& slice) {
  std::vector<uint8_t> out(static_cast<size_t>(slice.length));
  size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::pread(slice.file->fd(), out.data() + got, out.size() - got,
                              slice.position + static_cast<int64_t>(got));
    if (n <= 0) return Status::IoError("short read of slice");
    got += static_cast<size_t>(n);
  }
  return out;
}

Result<std::vector<Record>> ReadAll(const PartitionLog& log, Offset from, int64_t max_bytes) {
  std::vector<Record> all;
  while (true) {
    KB_ASSIGN_OR_RETURN(ReadResult r, log.Read({from, max_bytes, Offset::Max(), true}));
    if (r.slice.empty()) break;
    KB_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadSlice(r.slice));
    KB_ASSIGN_OR_RETURN(std::vector<Record> records, DecodeAllRecords(bytes));
    for (Record& rec : records) {
      if (rec.offset >= from) all.push_back(std::move(rec));
    }
    from = r.next_offset;
  }
  return all;
}

std::vector<uint8_t> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFileBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

int64_t FileSize(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? -1 : static_cast<int64_t>(size);
}

void CopyDir(const std::string& from, const std::string& to) {
  fs::create_directories(to);
  for (const fs::directory_entry& e : fs::directory_iterator(from)) {
    if (e.is_regular_file()) fs::copy_file(e.path(), to + "/" + e.path().filename().string());
  }
}

}  // namespace kbench::storage::testing
