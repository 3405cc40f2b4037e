// ScratchDir: the probe's private directory under --dir (DIR/.kbench-probe-<pid>-XXXXXX) holding
// its test files. The destructor removes every file and the directory, so a probe leaves DIR as it
// found it.
//
// Ctrl-C: the CLI's signal handler may call RemoveScratchFilesFromSignal(), which unlinks the files
// of every live ScratchDir using only async-signal-safe calls (unlink, rmdir) on paths registered
// in fixed buffers; this is the fallback when the probe cannot stop in time (a blocked write),
// otherwise the probe notices cancellation and the destructor cleans up.
//
// One ScratchDir at a time per process (the registry has one slot); NewFile is called from one
// thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace kbench::sizing {

class ScratchDir {
 public:
  static Result<std::unique_ptr<ScratchDir>> Create(const std::string& parent);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // A path inside the directory, registered for removal ("buffered.dat" -> ".../buffered.dat").
  std::string NewFile(std::string_view name);

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Async-signal-safe: unlinks the registered files and removes the scratch directory.
void RemoveScratchFilesFromSignal();

}  // namespace kbench::sizing
