// Capacity: what the hardware and the software can do, each number with the source it came from.
// Built from, in increasing priority: documented defaults (sizing/defaults.h), a probe's hardware
// profile
// (--hardware), and results of measured runs (--from). Requirement flags that fix hardware (--nic,
// --disk-throughput, --partition-rate, ...) override capacity later, in the plan, and say so.
//
// Plain values; BuildCapacity is a pure function.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sizing/hardware_profile.h"
#include "sizing/measured_capacity.h"
#include "sizing/requirements.h"
#include "sizing/units.h"

namespace kbench::sizing {

// A number and where it came from: "default: ...", "hardware.json: disk sustained write",
// "results/a.json: max_rate step ...", "--nic".
struct Sourced {
  double value = 0;
  std::string source;
};

struct Capacity {
  Sourced partition_bytes_per_sec;                // produce rate one partition holds at the SLO
  std::optional<Sourced> partition_msgs_per_sec;  // the same in messages, when measured
  std::optional<Sourced>
      broker_write_bytes_per_sec;        // replicated bytes/s one broker wrote at the SLO
  Sourced disk_write_bytes_per_sec;      // one disk, sustained
  Sourced disk_cold_read_bytes_per_sec;  // one disk, data not in the page cache
  std::optional<Sourced> page_cache_read_bytes_per_sec;
  Sourced nic_bits_per_sec;
  Sourced election_ms;         // one leader election
  Sourced session_timeout_ms;  // until a crashed broker is declared dead
  Sourced rtt_ms;              // broker-to-broker round trip
  Sourced crc_bytes_per_sec_per_core;
  std::map<Codec, Sourced> decompress_bytes_per_sec_per_core;  // uncompressed bytes/s
  std::optional<Sourced> host_cores;  // the probed host as the candidate broker
  std::optional<Sourced> host_memory_bytes;
  std::optional<Sourced> fsync_p99_ms;  // the probe's largest fsync write size

  // A max-rate search in which no step met the SLO: the SLO is out of reach on that setup.
  struct Unreachable {
    std::string path;
    double best_p99_ms = 0;
    double at_msgs_per_sec = 0;
    int64_t partitions = 0;
  };
  std::optional<Unreachable> slo_unreachable;

  std::vector<std::string> notes;  // inputs that contributed nothing, and why
};

struct CapacityInputs {
  std::optional<HardwareProfile> hardware;
  std::string hardware_path;
  std::vector<MeasuredRun> runs;
};

Capacity DefaultCapacity();
void ApplyHardware(const HardwareProfile& hw, const std::string& path, Capacity* cap);
// Several runs: the most conservative (lowest) per-partition and per-broker rate wins.
void ApplyMeasuredRuns(const std::vector<MeasuredRun>& runs, const std::optional<LatencySlo>& slo,
                       Capacity* cap);
Capacity BuildCapacity(const CapacityInputs& in, const std::optional<LatencySlo>& slo);

}  // namespace kbench::sizing
