// bench_storage: the storage engine's speed, with byte/item rate counters.
//
//   Append/record:R/batch:B/fsync:F   AppendAsLeader of one validated B-byte batch of R-byte
//   records per
//                                     iteration into a fresh log; F=0 page cache only (Kafka's
//                                     default), F=1 flush.messages=1 (fdatasync per batch). Fixed
//                                     total bytes, so scripts/bench-storage can write the same
//                                     amount with dd and fio.
//   ProduceAppend/...                 ValidateRecords (CRC + every record) + AppendAsLeader: a
//   leader's
//                                     whole produce path.
//   ReadHotCache/max:M                Read() of M bytes at a random offset + pread of the slice
//   (page cache). ReadLookup                        Read() alone (index lookup + header scan),
//   items = fetches. IndexLookup                       OffsetIndex::Lookup over a full 1 GiB
//   segment's index (262,144 entries). Crc32c/impl/size                  CRC-32C, hardware
//   (SSE4.2+PCLMUL) and table paths. Validate/record:R/codec:C         ValidateRecords of a 1 MiB
//   batch (decompressing when C != none).
//
// Environment: KBENCH_BENCH_DIR (default $TMPDIR or /tmp) holds the logs; KBENCH_BENCH_APPEND_MB
// (default 1024) and KBENCH_BENCH_FSYNC_MB (default 64) set the bytes each page-cache / fsync
// append run writes.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "core/base/clock.h"
#include "core/storage/crc32c.h"
#include "core/storage/offset_index.h"
#include "core/storage/partition_log.h"
#include "core/storage/record_batch_builder.h"
#include "tests/unit/storage/storage_test_util.h"

namespace kbench::storage {
namespace {

namespace fs = std::filesystem;

std::string BenchDir() {
  for (const char* var : {"KBENCH_BENCH_DIR", "TMPDIR"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && *v != '\0') return v;
  }
  return "/tmp";
}

int64_t EnvMiB(const char* var, int64_t fallback) {
  const char* v = std::getenv(var);
  return (v != nullptr && *v != '\0') ? std::atoll(v) : fallback;
}

// A fresh directory under BenchDir(), removed on destruction.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    std::string pattern = BenchDir() + "/kbench-bench-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp in " + BenchDir());
    path = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// One batch of about `batch_bytes` made of `record_bytes`-byte values (random, null keys), as
// kafka-producer-perf-test sends them.
std::vector<uint8_t> MakeBenchBatch(int record_bytes, int batch_bytes,
                                    Compression codec = Compression::kNone,
                                    int64_t* records_bytes = nullptr) {
  std::mt19937_64 rng(1);
  RecordBatchBuilder b({.compression = codec});
  std::string value(static_cast<size_t>(record_bytes), '\0');
  const int64_t now = WallMillis();
  while (b.records_bytes() + batch_format::kHeaderSize + record_bytes + 8 <=
         static_cast<size_t>(batch_bytes)) {
    for (size_t i = 0; i < value.size(); i += 8) {
      const uint64_t r = rng();
      std::memcpy(value.data() + i, &r, std::min<size_t>(8, value.size() - i));
    }
    if (codec != Compression::kNone)
      std::fill(value.begin() + static_cast<ptrdiff_t>(value.size() / 2), value.end(), 'a');
    b.Add(now, std::nullopt, value);
  }
  if (records_bytes != nullptr) *records_bytes = static_cast<int64_t>(b.records_bytes());
  return *b.Build();
}

const TopicPartition kTp{"bench", PartitionId(0)};

void Append(benchmark::State& state, int record_bytes, int batch_bytes, bool fsync, bool validate) {
  std::vector<uint8_t> batch = MakeBenchBatch(record_bytes, batch_bytes);
  ScratchDir dir;
  LogConfig config;
  if (fsync) config.flush_messages = 1;
  auto log = *PartitionLog::Open(dir.path + "/bench-0", kTp, config);
  auto validated = *ValidateRecords(batch, config.validation_options(AppendOrigin::kClient));
  ::sync();  // start from a quiet disk: no writeback left over from the previous run
  for (auto _ : state) {
    if (validate)
      validated = *ValidateRecords(batch, config.validation_options(AppendOrigin::kClient));
    auto info = log->AppendAsLeader(validated, {});
    if (!info.ok()) {
      state.SkipWithError(info.status().ToString().c_str());
      break;
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.size()));
  state.SetItemsProcessed(state.iterations() * validated.record_count());
  state.counters["batch_bytes"] = static_cast<double>(batch.size());
  state.counters["fsyncs"] = static_cast<double>(log->counters().Snapshot().fsyncs);
  // Drop the segments without writing them back (as dd's peer file is deleted from the page cache),
  // so the next measurement does not start while this run's gigabyte is being written out and
  // discarded.
  (void)log->TruncateFullyAndStartAt(Offset(0));
  log.reset();
}

// Each append configuration is its own benchmark with a fixed iteration count (total bytes / batch
// bytes), so every run writes the same amount as its dd / fio peer in scripts/bench-storage.
void RegisterAppendBenchmarks() {
  const int64_t page_cache_bytes = EnvMiB("KBENCH_BENCH_APPEND_MB", 1024) << 20;
  const int64_t fsync_bytes = EnvMiB("KBENCH_BENCH_FSYNC_MB", 64) << 20;
  for (bool validate : {false, true}) {
    for (int fsync : {0, 1}) {
      if (validate && fsync)
        continue;  // the produce path matters for CPU; fsync cost is shown by Append
      for (int record : {100, 1024}) {
        for (int batch : {16 << 10, 1 << 20}) {
          const std::string name =
              fmt::format("{}/record:{}/batch:{}/fsync:{}",
                          validate ? "BM_ProduceAppend" : "BM_Append", record, batch, fsync);
          benchmark::RegisterBenchmark(
              name.c_str(),
              [=](benchmark::State& st) { Append(st, record, batch, fsync != 0, validate); })
              ->Iterations(std::max<int64_t>(1, (fsync ? fsync_bytes : page_cache_bytes) / batch))
              ->UseRealTime()
              ->Unit(benchmark::kMillisecond);
        }
      }
    }
  }
}

// A 256 MiB log of 16 KiB batches of 1 KiB records, read back from the page cache.
class ReadFixture {
 public:
  ReadFixture() {
    LogConfig config;
    config.segment_bytes = 64 << 20;
    log_ = *PartitionLog::Open(dir_.path + "/bench-0", kTp, config);
    std::vector<uint8_t> batch = MakeBenchBatch(1024, 16 << 10);
    auto validated = *ValidateRecords(batch, config.validation_options(AppendOrigin::kClient));
    while (log_->size_bytes() < (256 << 20)) (void)log_->AppendAsLeader(validated, {});
  }
  PartitionLog& log() { return *log_; }

 private:
  ScratchDir dir_;
  std::unique_ptr<PartitionLog> log_;
};

ReadFixture& SharedReadFixture() {
  static ReadFixture fixture;  // built once, on first use; its directory is removed at exit
  return fixture;
}

void BM_ReadHotCache(benchmark::State& state) {
  PartitionLog& log = SharedReadFixture().log();
  const int64_t max_bytes = state.range(0);
  std::vector<uint8_t> buf(static_cast<size_t>(max_bytes) + (1 << 20));
  std::mt19937_64 rng(7);
  const int64_t leo = log.log_end_offset().value();
  int64_t bytes = 0;
  for (auto _ : state) {
    auto r = log.Read({Offset(static_cast<int64_t>(rng() % static_cast<uint64_t>(leo))), max_bytes,
                       Offset::Max(), true});
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    const ssize_t n = ::pread(r->slice.file->fd(), buf.data(), static_cast<size_t>(r->slice.length),
                              r->slice.position);
    benchmark::DoNotOptimize(n);
    bytes += r->slice.length;
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReadHotCache)->ArgName("max")->Arg(16 << 10)->Arg(1 << 20)->UseRealTime();

void BM_ReadLookup(benchmark::State& state) {
  PartitionLog& log = SharedReadFixture().log();
  std::mt19937_64 rng(9);
  const int64_t leo = log.log_end_offset().value();
  for (auto _ : state) {
    auto r = log.Read({Offset(static_cast<int64_t>(rng() % static_cast<uint64_t>(leo))), 1 << 20,
                       Offset::Max(), true});
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReadLookup)->UseRealTime();

void BM_IndexLookup(benchmark::State& state) {
  ScratchDir dir;
  constexpr int32_t kEntries =
      (1 << 30) / 4096;  // a full 1 GiB segment at index.interval.bytes=4096
  auto index = *OffsetIndex::Open(dir.path + "/00000000000000000000.index", Offset(0),
                                  int64_t{kEntries} * 8);
  index->Reset();
  for (int32_t i = 0; i < kEntries; ++i)
    index->Append(Offset(int64_t{i} * 40 + 39), int64_t{i} * 4096);
  std::mt19937_64 rng(3);
  const uint64_t max_offset = uint64_t{kEntries} * 40;
  for (auto _ : state) {
    benchmark::DoNotOptimize(index->Lookup(Offset(static_cast<int64_t>(rng() % max_offset))));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IndexLookup);

void BM_Crc32c(benchmark::State& state) {
  const bool hardware = state.range(0) == 1;
  if (hardware && !crc32c_internal::HardwareAvailable()) {
    state.SkipWithError("no SSE4.2/PCLMUL");
    return;
  }
  std::vector<uint8_t> data(static_cast<size_t>(state.range(1)));
  std::mt19937_64 rng(5);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  uint32_t crc = 0;
  for (auto _ : state) {
    crc = hardware ? crc32c_internal::ExtendHardware(crc, data.data(), data.size())
                   : crc32c_internal::ExtendPortable(crc, data.data(), data.size());
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
  state.SetLabel(hardware ? "sse4.2+pclmul" : "table");
}
BENCHMARK(BM_Crc32c)
    ->ArgNames({"hw", "bytes"})
    ->ArgsProduct({{1, 0}, {1 << 10, 16 << 10, 1 << 20}});

void BM_Validate(benchmark::State& state) {
  const Compression codec = static_cast<Compression>(state.range(1));
  int64_t records_bytes = 0;
  std::vector<uint8_t> batch =
      MakeBenchBatch(static_cast<int>(state.range(0)), 1 << 20, codec, &records_bytes);
  for (auto _ : state) {
    auto v = ValidateRecords(batch, {});
    if (!v.ok()) {
      state.SkipWithError(v.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(v);
  }
  // Rate in uncompressed record bytes (what the producer handed over), whatever the codec.
  state.SetBytesProcessed(state.iterations() * records_bytes);
  state.counters["wire_bytes"] = static_cast<double>(batch.size());
  state.SetLabel(std::string(CompressionName(codec)));
}
BENCHMARK(BM_Validate)
    ->ArgNames({"record", "codec"})
    ->ArgsProduct({{100, 1024}, {0, 1, 2, 3, 4}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace kbench::storage

int main(int argc, char** argv) {
  kbench::storage::RegisterAppendBenchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
