// Every default the sizing model uses when neither the user nor a measurement supplies a number,
// each with the source it comes from. docs/sizing.md ("Defaults") lists the same table with links;
// keep them in step. The `source` strings are printed next to the numbers they produce, so a plan
// built on defaults says so.
#pragma once

#include <cstdint>
#include <string_view>

namespace kbench::sizing::defaults {

struct Default {
  double value;
  std::string_view source;
};

// Requirements.
inline constexpr Default kRetentionSeconds{7 * 86400.0, "default: Kafka log.retention.hours=168"};
inline constexpr Default kPeakFactor{1.0, "default: ingress taken as the peak"};
inline constexpr Default kFanout{1.0, "default: one consumer group"};
inline constexpr Default kFailures{1, "default: tolerate one broker down (rolling restart)"};
inline constexpr Default kDirtyRatio{0.5, "default: Kafka min.cleanable.dirty.ratio"};
inline constexpr Default kHeapBytes{6.0 * (1 << 30), "default: broker JVM heap ~6 GB (seed 003)"};
inline constexpr Default kMaxDiskUtil{0.5,
                                      "default: half the disk bandwidth kept for recovery reads "
                                      "and re-replication (seed 003's NIC reasoning)"};
inline constexpr Default kMaxDiskFill{0.7,
                                      "default: 30% free for a failed broker's replicas, "
                                      "whole-segment deletion and growth"};
inline constexpr Default kMaxNicUtil{0.5, "default: NIC under 50% (seed 003)"};
inline constexpr Default kMaxCpuUtil{0.5, "default: CPU under 50% for failover and rebalancing"};
inline constexpr Default kLagWindowSeconds{300,
                                           "default: 5 min, a consumer restart or rolling deploy"};
inline constexpr Default kCompressionRatio{2.0, "default: 2x for compressed batches"};
inline constexpr Default kMaxReplicasPerBroker{
    4000,
    "default: 4,000 replicas per broker (Kafka 3.x guidance: KIP-578, Amazon MSK; seed 004 says "
    "2,000)"};
inline constexpr Default kMaxPartitionsPerCluster{
    1'000'000,
    "default: 1,000,000 partitions per KRaft cluster (Confluent: KRaft scales to millions; "
    "200,000 under ZooKeeper)"};

// Capacity (used only when no hardware profile, results file or flag gives the number).
inline constexpr Default kPartitionBytesPerSec{
    10e6, "default: 10 MB/s per partition (Jun Rao 2015: '10s of MB/s on a single partition')"};
inline constexpr Default kDiskWriteBytesPerSec{
    100e6,
    "default: 100 MB/s sustained sequential write per disk (a conservative SATA disk, seed 003)"};
inline constexpr Default kDiskColdReadBytesPerSec{100e6,
                                                  "default: 100 MB/s sequential read per disk"};
inline constexpr Default kDiskSizeBytes{4e12, "default: 4 TB disks (seed 003: >= 4 TB)"};
inline constexpr Default kMaxDisksPerBroker{10, "default: up to ~10 disks per broker (seed 003)"};
inline constexpr Default kNicBitsPerSec{10e9, "default: 10 GbE (seed 003)"};
inline constexpr Default kElectionMs{5, "default: 5 ms per leader election (seed 001)"};
inline constexpr Default kBrokerSessionTimeoutMs{
    9000, "default: KRaft broker.session.timeout.ms=9000 before a crashed broker is fenced"};
inline constexpr Default kRttMs{0.5, "default: 0.5 ms round trip inside a data centre"};
inline constexpr Default kCrcBytesPerSecPerCore{
    1e9, "default: 1 GB/s per core CRC-32C (software, slow)"};
// Decompression throughput per core, in uncompressed bytes/s (conservative ends of the codecs' own
// published figures: zlib, snappy, lz4 and zstd READMEs).
inline constexpr Default kGzipDecompressPerCore{250e6, "default: gzip 250 MB/s per core"};
inline constexpr Default kSnappyDecompressPerCore{1000e6, "default: snappy 1 GB/s per core"};
inline constexpr Default kLz4DecompressPerCore{2000e6, "default: lz4 2 GB/s per core"};
inline constexpr Default kZstdDecompressPerCore{800e6, "default: zstd 800 MB/s per core"};
inline constexpr Default kCpuOverhead{
    2.0, "default: x2 for request handling, network threads and GC beyond CRC and decompression"};

// Hardware choices the plan makes within these ranges.
inline constexpr double kMinMemoryBytes = 32.0 * (1ull << 30);   // seed 003: at least 32 GB
inline constexpr double kMaxMemoryBytes = 256.0 * (1ull << 30);  // seed 003: up to 256 GB
inline constexpr double kOsReserveBytes = 2.0 * (1ull << 30);
inline constexpr int64_t kMinCores = 8;  // Kafka's num.io.threads=8 default pool
inline constexpr int64_t kMaxCores = 64;
inline constexpr int64_t kMinBrokers = 1;
inline constexpr double kStandardSegmentBytes = 1073741824.0;  // segment.bytes default (1 GiB)
inline constexpr double kSegmentMs = 7 * 86400.0;              // segment.ms default (7 days)
inline constexpr double kReplicationMsPer1000Partitions = 20;  // Jun Rao 2015
inline constexpr int64_t kDefaultMaxMapCount = 65530;          // vm.max_map_count
inline constexpr double kProducerBufferMemory = 33554432;      // buffer.memory default (32 MiB)
inline constexpr double kMaxPartitionFetchBytes = 1048576;     // max.partition.fetch.bytes
inline constexpr double kFetchMaxBytes = 52428800;             // fetch.max.bytes
inline constexpr double kDefaultBatchSize = 16384;             // batch.size default

}  // namespace kbench::sizing::defaults
