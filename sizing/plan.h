// Plan: the answer of `kbench size`. Every number is a Decision that names the constraint that set
// it, the headroom applied, every bound considered (with its arithmetic) and the inputs it used
// with their sources. Recommended settings and risks complete it; a risk of severity kImpossible
// says a goal cannot be met, and why.
//
// BuildPlan is a pure function of resolved requirements and capacity; Plans are plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "sizing/capacity.h"
#include "sizing/requirements.h"
#include "sizing/rules.h"

namespace kbench::sizing {

// A number the plan used, and where it came from.
struct InputUsed {
  std::string name;
  std::string value;
  std::string source;
};

struct Decision {
  std::string key;    // JSON key: "partitions", "nic_bits_per_sec", ...
  std::string label;  // "partitions per topic"
  double value = 0;
  std::string unit;  // "partitions", "brokers", "disks", "bytes", "cores", "bits/s", "controllers"
  std::string display;        // "12", "4.00 TB", "10 Gbps"
  std::string constraint;     // the rule that set it, with its arithmetic
  std::string headroom;       // the margin applied
  std::vector<Bound> bounds;  // every rule considered
  std::vector<std::string>
      steps;  // what happened after the binding bound (rounding, standard sizes)
  std::vector<InputUsed> inputs;
};

enum class Severity { kInfo, kWarning, kImpossible };
std::string_view SeverityName(Severity s);

struct Risk {
  std::string key;  // "crash_unavailability", "open_files", ...
  Severity severity = Severity::kInfo;
  std::string summary;  // one line with the number
  std::string detail;   // the arithmetic and what to do
  double value = 0;
  std::string unit;
};

struct ConfigItem {
  std::string
      scope;  // "topic", "broker", "producer", "consumer", "controller", "host", "monitoring"
  std::string key;
  std::string value;
  std::string reason;
};

// Intermediate numbers shared by the decisions, risks and settings.
struct Derived {
  int64_t partitions = 0;
  int64_t brokers = 0;
  double stored_bytes = 0;  // retention data, all replicas, before segment overhead
  double stored_with_overhead = 0;
  double segment_bytes = 0;
  double partition_bytes_per_sec = 0;  // effective per-partition capacity used
  double disk_size = 0;
  double disk_write_per_disk = 0;
  double nic_bits = 0;
  double network_in = 0;  // cluster bytes/s
  double network_out = 0;
  double page_cache_total = 0;
  double cpu_cores_total = 0;
  double leaders_per_broker = 0;
  double replicas_per_broker = 0;
  double linger_ms = 0;
  double batch_size = 0;
  int64_t consumers = 0;
  int64_t replica_fetchers = 1;
};

struct Plan {
  Decision partitions;
  Decision brokers;
  Decision disks_per_broker;
  Decision disk_bytes_per_broker;
  Decision memory_bytes_per_broker;
  Decision cpu_cores_per_broker;
  Decision nic_bits_per_sec;
  Decision controllers;
  std::vector<ConfigItem> config;
  std::vector<Risk> risks;
  Derived derived;

  // The decisions in output order.
  std::vector<const Decision*> Decisions() const;
  bool Impossible() const;
};

Plan BuildPlan(const ResolvedRequirements& req, const Capacity& cap);

}  // namespace kbench::sizing
