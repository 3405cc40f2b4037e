// The disk phases of `kbench probe`, all on files in the ScratchDir under --dir:
//   - O_DIRECT sequential writes (the device without the page cache),
//   - fsync latency after writes of several sizes (what forcing flush.messages would cost),
//   - sequential reads of a file in the page cache, then cold after posix_fadvise(DONTNEED),
//   - sequential buffered writes: the burst into the page cache, then past the dirty limit, where
//   the kernel
//     throttles writers to the writeback rate; sized from vm.dirty_* so it goes past them (full
//     mode).
// Each fills its part of the HardwareProfile and adds a note when it cannot measure something.
#pragma once

#include "core/base/status.h"
#include "sizing/hardware_profile.h"
#include "sizing/probe_context.h"
#include "sizing/probe_host.h"
#include "sizing/probe_scratch.h"

namespace kbench::sizing {

Status ProbeDirectWrite(const ProbeContext& ctx, ScratchDir& scratch, HardwareProfile* out);
Status ProbeFsyncLatency(const ProbeContext& ctx, ScratchDir& scratch, HardwareProfile* out);
Status ProbeReads(const ProbeContext& ctx, ScratchDir& scratch, HardwareProfile* out);
Status ProbeBufferedWrite(const ProbeContext& ctx, ScratchDir& scratch, const HostFacts& host,
                          HardwareProfile* out);

}  // namespace kbench::sizing
