// Clean stop of a long-running subcommand (`kbench broker`, `kbench cluster`) on SIGTERM or SIGINT.
//
//   StopSignals stop = BlockStopSignals();   // before any thread starts: they inherit the mask
//   ... start the server ...
//   const char* name = stop.Await();         // blocks until SIGTERM or SIGINT arrives
//
// BlockStopSignals blocks SIGTERM and SIGINT in the calling thread (and so in every thread it
// starts later), which makes Await's sigwait the only receiver, and ignores SIGPIPE (a peer closing
// a socket must not kill the process). Call it from the main thread.
#pragma once

#include <csignal>

namespace kbench::cli {

struct StopSignals {
  sigset_t set;
  // Waits for SIGTERM or SIGINT and returns its name.
  const char* Await() const;
};

StopSignals BlockStopSignals();

}  // namespace kbench::cli
