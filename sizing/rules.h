// The sizing rules, one small function each. A rule turns requirement and capacity numbers into a
// Bound: the smallest value one constraint allows, with the arithmetic written out. The plan
// (plan.h) takes the largest bound for each number, so the winning bound's name is "the constraint
// that set it".
//
// docs/sizing.md derives every rule and cites its source; the unit tests
// (tests/unit/sizing/rules_test.cc) pin each one. All functions are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sizing/capacity.h"
#include "sizing/requirements.h"

namespace kbench::sizing {

struct Bound {
  std::string constraint;  // short name: "consumer rate", "network", "replication factor", ...
  double value = 0;        // whole quantities are already rounded up
  std::string arithmetic;  // "1,000 msg/s peak / 100 msg/s per consumer = 10"
};

// The bound with the largest value (the first one on ties); `bounds` must not be empty.
const Bound& Binding(const std::vector<Bound>& bounds);

// ---- Partitions
// ---------------------------------------------------------------------------------------

// Throughput one partition (or one consumer) must carry. `load` is the peak in the unit of
// `per_unit`; `growth` multiplies it (keyed topics are sized for the horizon). With a hot key
// carrying `hot_share` of the traffic, the partition holding it carries hot_share x load + its
// share of the rest: P >= (1 - h) x load / (per_unit - h x load). `what` names the constraint
// ("produce rate").
Bound PartitionsForThroughput(const std::string& what, double load, double growth, double hot_share,
                              double per_unit, Rate::Kind kind, const std::string& per_label);
// Seed 001: consumers in a group should equal partitions; with fewer partitions some consumers
// idle.
Bound PartitionsForConsumers(int64_t consumers);
// The hottest key alone exceeds what one partition (or consumer) handles: no partition count helps.
std::optional<std::string> HotKeyOverflow(double load, double growth, double hot_share,
                                          double per_unit, Rate::Kind kind,
                                          const std::string& per_label);
// Partitions rounded up to a multiple of the brokers, so leaders spread evenly.
int64_t RoundUpToMultiple(int64_t value, int64_t multiple);

// ---- Storage
// ------------------------------------------------------------------------------------------

// Bytes kept by the cluster before overhead: ingress x retention x RF (delete; retention.bytes caps
// it), or live bytes / (1 - min.cleanable.dirty.ratio) x RF (compact).
Bound StoredBytes(const ResolvedRequirements& r);
// segment.bytes so that the segment retention keeps beyond its limit is <= 10% of a partition's
// data, between 16 MiB and Kafka's 1 GiB default, a power of two.
double SegmentBytes(double stored_bytes, int64_t partitions, int64_t rf);
// Whole-segment deletion keeps up to one extra segment per replica, plus the active segment.
double SegmentOverheadBytes(int64_t partitions, int64_t rf, double segment_bytes);

// ---- Brokers
// ------------------------------------------------------------------------------------------

Bound BrokersForReplicationFactor(int64_t rf);
Bound BrokersForRacks(int64_t racks);
// Disk write per broker = ingress x RF / brokers, kept under max_util of the broker's disk
// bandwidth.
Bound BrokersForDiskBandwidth(double peak_bytes, int64_t rf, double broker_disk_bytes_per_sec,
                              double max_util);
// A broker's measured replicated-write capacity at the SLO; `failures` brokers may be down.
Bound BrokersForMeasuredWrite(double peak_bytes, int64_t rf, double broker_write_bytes_per_sec,
                              int64_t failures);
// Network in = ingress x RF (producers + replication in); out = ingress x (fanout + RF - 1)
// (consumers + replication out). The busier direction, spread over brokers - failures, under
// max_util.
Bound BrokersForNetwork(double peak_bytes, int64_t rf, double fanout, double nic_bits_per_sec,
                        double max_util, int64_t failures);
Bound BrokersForStorage(double stored_bytes, double broker_disk_bytes, double max_fill);
// Replicas (partitions x RF) per broker under the cap.
Bound BrokersForReplicaCap(int64_t partitions, int64_t rf, int64_t max_replicas_per_broker);
// The page cache must hold what was written in the lag window: ingress x RF x window / brokers.
Bound BrokersForMemory(double page_cache_bytes_total, double memory_per_broker, double heap_bytes);
Bound BrokersForCpu(double cores_total, double cores_per_broker, double max_util);

// Network bytes/s per direction for the whole cluster (see BrokersForNetwork).
double NetworkInBytes(double peak_bytes, int64_t rf);
double NetworkOutBytes(double peak_bytes, int64_t rf, double fanout);

// ---- Per-broker hardware
// ------------------------------------------------------------------------------

// Page cache the cluster needs: peak ingress x RF x lag window (followers' writes occupy cache
// too).
double PageCacheBytesTotal(double peak_bytes, int64_t rf, double lag_window_s);
// Cores of compute for the cluster: every replica checks CRC-32C; the leader decompresses
// compressed batches to validate them; x overhead for what is not measured (request handling, GC).
double CpuCoresTotal(double peak_bytes, int64_t rf, double crc_bytes_per_core, Codec codec,
                     double compression_ratio, double decompress_bytes_per_core, double overhead);
// Smallest standard size >= need: memory 32, 48, 64, 96, 128, 192, 256, ... GiB; cores 8, 12, 16,
// ...
double StandardMemoryBytes(double need_bytes);
int64_t StandardCores(double need_cores);
// Disks per broker: enough space (under max_fill) and enough bandwidth (under max_util).
Bound DisksForSpace(double stored_per_broker, double disk_size, double max_fill);
Bound DisksForBandwidth(double write_per_broker, double disk_write_bytes_per_sec, double max_util);

// ---- Availability
// -------------------------------------------------------------------------------------

// Seed 003: 3 controllers tolerate 1 failure, 5 tolerate 2; 5 for a central, busy pipeline.
Bound ControllersForFailures(int64_t failures);
Bound ControllersForScale(int64_t brokers);
// Smallest rack count such that losing one whole rack keeps min.insync.replicas replicas of every
// partition (replicas spread evenly): RF - ceil(RF / racks) >= min_isr. nullopt when impossible.
std::optional<int64_t> RacksToSurviveRackLoss(int64_t rf, int64_t min_isr);
// Seed 001: a crash makes all of a broker's leaders unavailable until re-elected one by one, after
// the broker is declared dead: session timeout + leaders x election time.
double CrashUnavailabilitySeconds(double leaders_per_broker, double election_ms,
                                  double session_timeout_ms);
// Seed 001: a clean shutdown moves leaders one at a time; each partition is unavailable only
// briefly.
double ControlledShutdownSeconds(double leaders_per_broker, double election_ms);
// Jun Rao 2015: replicating 1,000 partitions between two brokers adds ~20 ms with one fetcher
// thread.
double ReplicationLatencyMs(double partitions_per_broker_pair, int64_t fetchers, double rtt_ms);
// Files a broker keeps open: 3 per segment (.log, .index, .timeindex) for every replica it holds.
double SegmentsPerReplica(double bytes_per_replica, double segment_bytes, double retention_s);
double OpenFilesPerBroker(double replicas_per_broker, double segments_per_replica);
double MmapsPerBroker(double replicas_per_broker, double segments_per_replica);

// ---- Client settings
// ----------------------------------------------------------------------------------

// linger.ms: a tenth of the latency SLO, at most 100 ms; 5 ms without an SLO.
double LingerMs(const std::optional<LatencySlo>& slo);
// batch.size: room for what one partition receives during linger.ms (x2), 16 KiB..1 MiB, a power of
// two.
double BatchSizeBytes(double partition_bytes_per_sec, double linger_ms);
// buffer.memory: a batch for every partition a producer writes, x2, at least Kafka's 32 MiB.
double ProducerBufferBytes(int64_t partitions, double batch_size);
// A consumer's fetch memory: max.partition.fetch.bytes for each assigned partition, capped by
// fetch.max.bytes per request.
double ConsumerFetchBytes(int64_t partitions, int64_t consumers);

}  // namespace kbench::sizing
