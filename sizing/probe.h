// `kbench probe`: measures the host a broker would run on and returns a HardwareProfile
// (hardware_profile.h): cores and memory; sequential buffered writes (the burst into the page
// cache, and the sustained rate once the kernel throttles writers past the dirty-page limit);
// O_DIRECT writes; fsync latency by write size; page-cache reads against cold reads (cache dropped
// with posix_fadvise); TCP bandwidth and round trip over loopback or to a peer running `kbench
// probe --serve`; CRC-32C and gzip/snappy/lz4/zstd throughput on one core.
//
// Bounded in time (under 60 s, under 10 s with quick) and in space (at most half the free space of
// --dir). Test files live in a ScratchDir under --dir and are removed before RunProbe returns, also
// when cancelled. Progress lines go to `progress` (the CLI prints them on stderr).
//
// RunProbe runs on the calling thread (the network phase starts a server thread for loopback and
// joins it).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "sizing/hardware_profile.h"

namespace kbench::sizing {

struct ProbeOptions {
  std::string dir;   // the filesystem to measure (a Kafka log.dirs entry)
  std::string peer;  // "host:port" of `kbench probe --serve`; empty: loopback
  bool quick = false;
  const std::atomic<bool>* cancel = nullptr;  // set (e.g. by SIGINT) to stop early; not owned
  std::function<void(std::string_view)> progress;
};

// Errors: --dir missing or unwritable, --peer unreachable (InvalidArgument/IoError); Aborted if
// cancelled.
Result<HardwareProfile> RunProbe(const ProbeOptions& options);

}  // namespace kbench::sizing
