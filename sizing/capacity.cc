#include "sizing/capacity.h"

#include <fmt/format.h>

#include <algorithm>

#include "sizing/defaults.h"

namespace kbench::sizing {
namespace {

Sourced FromDefault(const defaults::Default& d) { return Sourced{d.value, std::string(d.source)}; }

std::optional<Codec> CodecByName(const std::string& name) {
  for (Codec c : {Codec::kGzip, Codec::kSnappy, Codec::kLz4, Codec::kZstd}) {
    if (CodecName(c) == name) return c;
  }
  return std::nullopt;
}

void ApplyHardwareDisk(const HardwareProfile& hw, const std::string& path, Capacity* cap) {
  if (hw.buffered_sustained_bytes_per_sec && hw.passed_dirty_limit) {
    cap->disk_write_bytes_per_sec = {*hw.buffered_sustained_bytes_per_sec,
                                     path + ": buffered write sustained past the dirty limit"};
  } else if (hw.direct_write_bytes_per_sec) {
    cap->disk_write_bytes_per_sec = {
        *hw.direct_write_bytes_per_sec,
        path +
            ": O_DIRECT write (the buffered run did not pass the dirty "
            "limit)"};
  } else {
    cap->notes.push_back(path + ": no sustained disk write figure; using the default");
  }
  if (hw.cold_read_bytes_per_sec) {
    cap->disk_cold_read_bytes_per_sec = {*hw.cold_read_bytes_per_sec, path + ": cold read"};
  }
  if (hw.page_cache_read_bytes_per_sec) {
    cap->page_cache_read_bytes_per_sec =
        Sourced{*hw.page_cache_read_bytes_per_sec, path + ": page-cache read"};
  }
  if (!hw.fsync.empty()) {
    const FsyncLatency& f = hw.fsync.back();
    cap->fsync_p99_ms = Sourced{f.latency.p99, fmt::format("{}: fsync after {} writes, p99", path,
                                                           FormatBytes(double(f.write_bytes)))};
  }
}

void ApplyHardwareCpu(const HardwareProfile& hw, const std::string& path, Capacity* cap) {
  if (hw.crc32c_bytes_per_sec) {
    cap->crc_bytes_per_sec_per_core = {
        *hw.crc32c_bytes_per_sec,
        fmt::format("{}: CRC-32C ({}) on one core", path, hw.crc32c_impl)};
  }
  for (const auto& [name, t] : hw.codecs) {
    std::optional<Codec> c = CodecByName(name);
    if (c && t.decompress_bytes_per_sec > 0) {
      cap->decompress_bytes_per_sec_per_core[*c] = {
          t.decompress_bytes_per_sec, fmt::format("{}: {} decompress on one core", path, name)};
    }
  }
  cap->host_cores = Sourced{double(hw.cores), fmt::format("{}: cores of the probed host", path)};
  if (hw.memory_bytes > 0) {
    cap->host_memory_bytes =
        Sourced{hw.memory_bytes, fmt::format("{}: memory of the probed host", path)};
  }
}

}  // namespace

Capacity DefaultCapacity() {
  using namespace defaults;
  Capacity c;
  c.partition_bytes_per_sec = FromDefault(kPartitionBytesPerSec);
  c.disk_write_bytes_per_sec = FromDefault(kDiskWriteBytesPerSec);
  c.disk_cold_read_bytes_per_sec = FromDefault(kDiskColdReadBytesPerSec);
  c.nic_bits_per_sec = FromDefault(kNicBitsPerSec);
  c.election_ms = FromDefault(kElectionMs);
  c.session_timeout_ms = FromDefault(kBrokerSessionTimeoutMs);
  c.rtt_ms = FromDefault(kRttMs);
  c.crc_bytes_per_sec_per_core = FromDefault(kCrcBytesPerSecPerCore);
  c.decompress_bytes_per_sec_per_core[Codec::kGzip] = FromDefault(kGzipDecompressPerCore);
  c.decompress_bytes_per_sec_per_core[Codec::kSnappy] = FromDefault(kSnappyDecompressPerCore);
  c.decompress_bytes_per_sec_per_core[Codec::kLz4] = FromDefault(kLz4DecompressPerCore);
  c.decompress_bytes_per_sec_per_core[Codec::kZstd] = FromDefault(kZstdDecompressPerCore);
  return c;
}

void ApplyHardware(const HardwareProfile& hw, const std::string& path, Capacity* cap) {
  ApplyHardwareDisk(hw, path, cap);
  ApplyHardwareCpu(hw, path, cap);
  if (hw.network_mode == "peer" && hw.tcp_bytes_per_sec) {
    cap->nic_bits_per_sec = {*hw.tcp_bytes_per_sec * 8,
                             fmt::format("{}: TCP to peer {} (measured)", path, hw.peer)};
  } else if (hw.tcp_bytes_per_sec) {
    cap->notes.push_back(path +
                         ": loopback TCP measures the kernel, not the NIC; NIC speed not taken "
                         "from it (probe with --peer)");
  }
  if (hw.network_mode == "peer" && hw.rtt_ms) {
    cap->rtt_ms = {hw.rtt_ms->p50, fmt::format("{}: round trip to peer {}, p50", path, hw.peer)};
  }
}

void ApplyMeasuredRuns(const std::vector<MeasuredRun>& runs, const std::optional<LatencySlo>& slo,
                       Capacity* cap) {
  std::optional<RunCapacity> lowest;
  std::optional<RunCapacity> lowest_broker;
  std::optional<Capacity::Unreachable> unreachable;
  for (const MeasuredRun& run : runs) {
    RunCapacity rc = CapacityAtSlo(run, slo);
    if (run.election_ms_p50) {
      cap->election_ms = {*run.election_ms_p50, run.path + ": cluster.election_ms.p50"};
    }
    if (!rc.usable) {
      cap->notes.push_back(fmt::format("{}: no capacity derived ({})", run.path, rc.how));
      if (rc.best_latency_ms && (!unreachable || run.partitions < unreachable->partitions)) {
        unreachable = Capacity::Unreachable{run.path, *rc.best_latency_ms,
                                            rc.best_latency_at_msgs_per_sec, run.partitions};
      }
      continue;
    }
    if (!lowest || rc.partition_bytes_per_sec < lowest->partition_bytes_per_sec) lowest = rc;
    if (!lowest_broker ||
        rc.broker_write_bytes_per_sec < lowest_broker->broker_write_bytes_per_sec) {
      lowest_broker = rc;
    }
  }
  if (lowest) {
    cap->partition_bytes_per_sec = {lowest->partition_bytes_per_sec,
                                    lowest->path + ": " + lowest->how};
    if (lowest->partition_msgs_per_sec > 0) {
      cap->partition_msgs_per_sec =
          Sourced{lowest->partition_msgs_per_sec, lowest->path + ": " + lowest->how};
    }
  }
  if (lowest_broker) {
    cap->broker_write_bytes_per_sec = Sourced{lowest_broker->broker_write_bytes_per_sec,
                                              lowest_broker->path + ": " + lowest_broker->how};
  }
  if (!lowest && unreachable) cap->slo_unreachable = unreachable;
}

Capacity BuildCapacity(const CapacityInputs& in, const std::optional<LatencySlo>& slo) {
  Capacity cap = DefaultCapacity();
  if (in.hardware) ApplyHardware(*in.hardware, in.hardware_path, &cap);
  ApplyMeasuredRuns(in.runs, slo, &cap);
  return cap;
}

}  // namespace kbench::sizing
