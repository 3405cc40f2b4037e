#include "sizing/probe_disk.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "core/base/clock.h"
#include "core/base/file_handle.h"
#include "sizing/units.h"

namespace kbench::sizing {
namespace {

constexpr size_t kBlock =
    1 << 20;  // 1 MiB writes and reads: large sequential I/O, like segment appends
constexpr size_t kAlign = 4096;

struct FreeDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<uint8_t, FreeDeleter>;

// Incompressible bytes (xorshift), aligned for O_DIRECT.
AlignedBuffer MakeBuffer(size_t size) {
  void* p = nullptr;
  if (posix_memalign(&p, kAlign, size) != 0) return nullptr;
  uint64_t x = 0x9E3779B97F4A7C15ull;
  auto* b = static_cast<uint8_t*>(p);
  for (size_t i = 0; i + 8 <= size; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::memcpy(b + i, &x, 8);
  }
  return AlignedBuffer(b);
}

double Seconds(int64_t from_ns) { return double(MonoNanos() - from_ns) / 1e9; }

Status WriteFully(int fd, const uint8_t* data, size_t size, const std::string& path) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("write " + path, errno);
    done += size_t(n);
  }
  return Status::Ok();
}

Result<std::unique_ptr<FileHandle>> OpenForWrite(const std::string& path, int extra_flags) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | extra_flags, 0600);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  return std::make_unique<FileHandle>(fd, path);
}

// Fraction of the file's pages resident in the page cache (mincore), or -1 when it cannot be told.
double ResidentFraction(int fd, size_t size) {
  if (size == 0) return -1;
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return -1;
  size_t page = size_t(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> vec((size + page - 1) / page);
  double fraction = -1;
  if (::mincore(map, size, vec.data()) == 0) {
    size_t resident =
        size_t(std::count_if(vec.begin(), vec.end(), [](unsigned char c) { return (c & 1) != 0; }));
    fraction = double(resident) / double(vec.size());
  }
  ::munmap(map, size);
  return fraction;
}

// Reads the file sequentially for up to `seconds`; returns bytes/s.
Result<double> TimedRead(const ProbeContext& ctx, int fd, size_t size, uint8_t* buf, double seconds,
                         const std::string& path) {
  int64_t start = MonoNanos();
  size_t done = 0;
  while (done < size && Seconds(start) < seconds && !ctx.cancelled()) {
    ssize_t n = ::pread(fd, buf, std::min(kBlock, size - done), off_t(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("read " + path, errno);
    if (n == 0) break;
    done += size_t(n);
  }
  double t = Seconds(start);
  return t > 0 ? double(done) / t : 0.0;
}

}  // namespace

Status ProbeDirectWrite(const ProbeContext& ctx, ScratchDir& scratch, HardwareProfile* out) {
  std::string path = scratch.NewFile("direct.dat");
  auto file = OpenForWrite(path, O_DIRECT);
  if (!file.ok()) {
    out->notes.push_back(fmt::format("O_DIRECT not measured: {} (filesystem {} may not support it)",
                                     file.status().message(), out->fs_type));
    return Status::Ok();
  }
  AlignedBuffer buf = MakeBuffer(kBlock);
  if (!buf) return Status::Internal("cannot allocate an aligned buffer");
  double allow = ctx.Allow(ctx.budget().direct_s);
  int64_t start = MonoNanos();
  double bytes = 0;
  while (Seconds(start) < allow && bytes < ctx.budget().direct_max_bytes && !ctx.cancelled()) {
    Status s = WriteFully((*file)->fd(), buf.get(), kBlock, path);
    if (!s.ok()) {
      out->notes.push_back(fmt::format("O_DIRECT not measured: {}", s.message()));
      ::unlink(path.c_str());
      return Status::Ok();
    }
    bytes += kBlock;
  }
  ::fdatasync((*file)->fd());
  double t = Seconds(start);
  ::unlink(path.c_str());
  if (bytes > 0 && t > 0) out->direct_write_bytes_per_sec = bytes / t;
  ctx.Progress("O_DIRECT write: {} in {} = {}", FormatBytes(bytes), FormatDuration(t),
               FormatByteRate(out->direct_write_bytes_per_sec.value_or(0)));
  return Status::Ok();
}

Status ProbeFsyncLatency(const ProbeContext& ctx, ScratchDir& scratch, HardwareProfile* out) {
  std::vector<size_t> sizes = ctx.options().quick
                                  ? std::vector<size_t>{4096, 65536, 1 << 20}
                                  : std::vector<size_t>{4096, 16384, 65536, 262144, 1 << 20};
  AlignedBuffer buf = MakeBuffer(1 << 20);
  if (!buf) return Status::Internal("cannot allocate a buffer");
  std::string path = scratch.NewFile("fsync.dat");
  for (size_t size : sizes) {
    KB_ASSIGN_OR_RETURN(std::unique_ptr<FileHandle> file, OpenForWrite(path, 0));
    std::vector<double> samples;
    double allow = ctx.Allow(ctx.budget().fsync_s);
    int64_t start = MonoNanos();
    while (int(samples.size()) < ctx.budget().fsync_max_ops && Seconds(start) < allow &&
           !ctx.cancelled()) {
      int64_t t0 = MonoNanos();
      KB_RETURN_IF_ERROR(WriteFully(file->fd(), buf.get(), size, path));
      if (::fsync(file->fd()) != 0) return Status::FromErrno("fsync " + path, errno);
      samples.push_back(double(MonoNanos() - t0) / 1e6);
    }
    if (samples.empty()) break;
    FsyncLatency f{int64_t(size), SummarizeMs(&samples)};
    out->fsync.push_back(f);
    ctx.Progress("fsync after {} writes: p50 {} ms, p99 {} ms ({} ops)", FormatBytes(double(size)),
                 FormatNumber(f.latency.p50), FormatNumber(f.latency.p99), f.latency.count);
  }
  ::unlink(path.c_str());
  return Status::Ok();
}

Status ProbeReads(const ProbeContext& ctx, ScratchDir& scratch, HardwareProfile* out) {
  std::string path = scratch.NewFile("read.dat");
  AlignedBuffer buf = MakeBuffer(kBlock);
  if (!buf) return Status::Internal("cannot allocate a buffer");
  size_t size = 0;
  {
    KB_ASSIGN_OR_RETURN(std::unique_ptr<FileHandle> file, OpenForWrite(path, 0));
    double allow = ctx.Allow(ctx.budget().direct_s);
    int64_t start = MonoNanos();
    while (double(size) < ctx.budget().read_file_bytes && Seconds(start) < allow &&
           !ctx.cancelled()) {
      KB_RETURN_IF_ERROR(WriteFully(file->fd(), buf.get(), kBlock, path));
      size += kBlock;
    }
    if (::fsync(file->fd()) != 0)
      return Status::FromErrno("fsync " + path, errno);  // clean pages drop
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  FileHandle file(fd, path);
  double read_s = ctx.Allow(std::max(0.5, ctx.budget().direct_s));
  double before = ResidentFraction(fd, size);
  KB_ASSIGN_OR_RETURN(double cached, TimedRead(ctx, fd, size, buf.get(), read_s, path));
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  double after = ResidentFraction(fd, size);
  KB_ASSIGN_OR_RETURN(double cold, TimedRead(ctx, fd, size, buf.get(), read_s, path));
  ::unlink(path.c_str());
  if (cached > 0) out->page_cache_read_bytes_per_sec = cached;
  if (cold > 0) out->cold_read_bytes_per_sec = cold;
  if (after > 0.05) {
    out->notes.push_back(
        fmt::format("posix_fadvise(DONTNEED) left {:.0f}% of the read file cached; the cold read "
                    "is optimistic",
                    after * 100));
  }
  ctx.Progress(
      "read {}: page cache {} ({:.0f}% resident), cold {} ({:.0f}% resident after DONTNEED)",
      FormatBytes(double(size)), FormatByteRate(cached), before * 100, FormatByteRate(cold),
      after * 100);
  return Status::Ok();
}

namespace {

// The buffered-write run. The burst is the rate while the page cache absorbs everything (the first
// half of the background threshold); the run has passed the dirty limit once it wrote more than the
// limit (the cache cannot hold it all) or the kernel's dirty count reached the throttling point,
// whichever comes first.
struct BufferedRun {
  double bytes = 0;
  double seconds = 0;
  double burst_bytes = 0;
  double burst_seconds = 0;
  double bytes_at_pass = -1;  // < 0: never passed
  double seconds_at_pass = 0;
};

bool Passed(const HostFacts& host, double written, double dirty_now) {
  return written >= host.dirty.limit ||
         (dirty_now >= 0 && dirty_now >= 0.95 * host.dirty.freerun());
}

void Observe(const ProbeContext& ctx, const HostFacts& host, double t, BufferedRun* run,
             double* next_report) {
  if (run->burst_seconds == 0 && run->bytes >= host.dirty.background / 2) {
    run->burst_bytes = run->bytes;
    run->burst_seconds = t;
  }
  if (run->bytes_at_pass >= 0 && t < *next_report) return;
  double dirty = CurrentDirtyBytes();
  if (run->bytes_at_pass < 0 && Passed(host, run->bytes, dirty)) {
    run->bytes_at_pass = run->bytes;
    run->seconds_at_pass = t;
    ctx.Progress("buffered write: past the dirty limit at {} written ({} dirty, limit {})",
                 FormatBytes(run->bytes), FormatBytes(std::max(0.0, dirty)),
                 FormatBytes(host.dirty.limit));
  }
  if (t >= *next_report) {
    ctx.Progress("buffered write: {} in {} ({} dirty)", FormatBytes(run->bytes), FormatDuration(t),
                 FormatBytes(std::max(0.0, dirty)));
    *next_report += 2;
  }
}

Result<BufferedRun> WriteBuffered(const ProbeContext& ctx, const std::string& path,
                                  const HostFacts& host, double max_bytes) {
  AlignedBuffer buf = MakeBuffer(kBlock);
  if (!buf) return Status::Internal("cannot allocate a buffer");
  KB_ASSIGN_OR_RETURN(std::unique_ptr<FileHandle> file, OpenForWrite(path, 0));
  BufferedRun run;
  double allow = ctx.Allow(ctx.budget().buffered_s);
  int64_t start = MonoNanos();
  double next_report = 2;
  while (run.bytes < max_bytes && !ctx.cancelled()) {
    double t = Seconds(start);
    if (t >= allow) break;
    if (run.bytes_at_pass >= 0 && t - run.seconds_at_pass >= ctx.budget().buffered_sustain_s) break;
    KB_RETURN_IF_ERROR(WriteFully(file->fd(), buf.get(), kBlock, path));
    run.bytes += kBlock;
    if (int64_t(run.bytes) % (32 << 20) == 0)
      Observe(ctx, host, Seconds(start), &run, &next_report);
  }
  run.seconds = Seconds(start);
  if (run.burst_seconds == 0) {
    run.burst_bytes = run.bytes;
    run.burst_seconds = run.seconds;
  }
  return run;
}

}  // namespace

Status ProbeBufferedWrite(const ProbeContext& ctx, ScratchDir& scratch, const HostFacts& host,
                          HardwareProfile* out) {
  double needed =
      host.dirty.limit + 4.0 * (1 << 30);  // past the limit, then seconds of sustained writes
  double space_cap = host.fs_free_bytes * 0.5;
  double max_bytes = std::min(needed, space_cap);
  if (ctx.budget().buffered_max_bytes > 0)
    max_bytes = std::min(max_bytes, ctx.budget().buffered_max_bytes);
  ctx.Progress(
      "buffered write: dirty limit {} (background {}, throttling near {}); writing up to {}",
      FormatBytes(host.dirty.limit), FormatBytes(host.dirty.background),
      FormatBytes(host.dirty.freerun()), FormatBytes(max_bytes));
  std::string path = scratch.NewFile("buffered.dat");
  Result<BufferedRun> run = WriteBuffered(ctx, path, host, max_bytes);
  ::unlink(path.c_str());  // drops the dirty pages too
  KB_RETURN_IF_ERROR(run.status());
  const BufferedRun& r = *run;
  out->buffered_bytes_written = r.bytes;
  out->buffered_burst_bytes_per_sec = r.burst_bytes / std::max(1e-6, r.burst_seconds);
  if (r.bytes_at_pass >= 0 && r.seconds - r.seconds_at_pass > 0.2) {
    out->passed_dirty_limit = true;
    out->buffered_sustained_bytes_per_sec =
        (r.bytes - r.bytes_at_pass) / (r.seconds - r.seconds_at_pass);
  } else {
    std::string why = ctx.options().quick  ? "quick mode writes at most " + FormatBytes(max_bytes)
                      : max_bytes < needed ? "not enough free space under --dir"
                                           : "the time budget ran out first";
    out->notes.push_back(
        fmt::format("buffered write did not pass the dirty limit ({} written, throttling starts "
                    "near {}): {}; sustained rate not measured, O_DIRECT stands in for it",
                    FormatBytes(r.bytes), FormatBytes(host.dirty.freerun()), why));
  }
  ctx.Progress("buffered write: burst {}, sustained {} ({} in {})",
               FormatByteRate(*out->buffered_burst_bytes_per_sec),
               out->buffered_sustained_bytes_per_sec
                   ? FormatByteRate(*out->buffered_sustained_bytes_per_sec)
                   : std::string("not reached"),
               FormatBytes(r.bytes), FormatDuration(r.seconds));
  return Status::Ok();
}

}  // namespace kbench::sizing
