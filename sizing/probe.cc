#include "sizing/probe.h"

#include <time.h>

#include <algorithm>
#include <vector>

#include "core/base/build_info.h"
#include "sizing/probe_context.h"
#include "sizing/probe_cpu.h"
#include "sizing/probe_disk.h"
#include "sizing/probe_host.h"
#include "sizing/probe_network.h"
#include "sizing/probe_scratch.h"
#include "sizing/units.h"

namespace kbench::sizing {
namespace {

std::string NowIso8601() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  tm utc;
  gmtime_r(&ts.tv_sec, &utc);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

void FillHost(const HostFacts& h, const ProbeOptions& o, HardwareProfile* p) {
  p->host = h.host;
  p->probed_at = NowIso8601();
  p->kbench_version = std::string(BuildVersion()) + " (" + std::string(BuildRevision()) + ")";
  p->quick = o.quick;
  p->cpu_model = h.cpu_model;
  p->cores = h.cores;
  p->cores_source = h.cores_source;
  p->memory_bytes = h.memory_bytes;
  p->memory_available_bytes = h.memory_available_bytes;
  p->dir = o.dir;
  p->fs_type = h.fs_type;
  p->fs_capacity_bytes = h.fs_capacity_bytes;
  p->dirty_limit_bytes = h.dirty.limit;
  p->dirty_background_limit_bytes = h.dirty.background;
}

using Phase = std::function<Status()>;

}  // namespace

LatencySummaryMs SummarizeMs(std::vector<double>* s) {
  LatencySummaryMs l;
  if (s->empty()) return l;
  std::sort(s->begin(), s->end());
  auto at = [&](double q) { return (*s)[std::min(s->size() - 1, size_t(q * double(s->size())))]; };
  l.p50 = at(0.50);
  l.p99 = at(0.99);
  l.max = s->back();
  l.count = int64_t(s->size());
  return l;
}

Result<HardwareProfile> RunProbe(const ProbeOptions& options) {
  ProbeContext ctx(options, options.quick ? ProbeBudget::Quick() : ProbeBudget::Full());
  KB_ASSIGN_OR_RETURN(HostFacts host, ReadHostFacts(options.dir));
  HardwareProfile profile;
  FillHost(host, options, &profile);
  ctx.Progress("{} cores ({}), {} memory, {} on {} ({} free); vm.dirty_ratio {} -> limit {}",
               host.cores, host.cores_source, FormatBinaryBytes(host.memory_bytes), options.dir,
               host.fs_type, FormatBytes(host.fs_free_bytes),
               FormatNumber(host.dirty_settings.ratio), FormatBytes(host.dirty.limit));
  KB_ASSIGN_OR_RETURN(std::unique_ptr<ScratchDir> scratch, ScratchDir::Create(options.dir));
  // The buffered write runs last: it leaves the most writeback behind, which would disturb the
  // others.
  std::vector<std::pair<const char*, Phase>> phases = {
      {"cpu", [&] { return ProbeCpu(ctx, &profile); }},
      {"network", [&] { return ProbeNetwork(ctx, &profile); }},
      {"direct", [&] { return ProbeDirectWrite(ctx, *scratch, &profile); }},
      {"fsync", [&] { return ProbeFsyncLatency(ctx, *scratch, &profile); }},
      {"read", [&] { return ProbeReads(ctx, *scratch, &profile); }},
      {"buffered", [&] { return ProbeBufferedWrite(ctx, *scratch, host, &profile); }},
  };
  for (auto& [name, run] : phases) {
    if (ctx.cancelled())
      return Status::Aborted(fmt::format("probe interrupted before the {} phase", name));
    KB_RETURN_IF_ERROR(run().WithContext(std::string("probe ") + name));
  }
  if (ctx.cancelled()) return Status::Aborted("probe interrupted");
  profile.duration_s = ctx.Elapsed();
  ctx.Progress("done in {}", FormatDuration(profile.duration_s));
  return profile;
}

}  // namespace kbench::sizing
