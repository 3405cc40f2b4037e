// Test-only: run a shell command (the kbench binary, chromium) and collect its exit status and
// output. Commands are built by the tests from fixed strings and temp paths.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace kbench::results::testing {

struct CommandResult {
  int exit_code = -1;  // -1: did not exit normally
  std::string output;  // stdout (and stderr when the command redirects it)
};

inline CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) r.output.append(buf, n);
  const int status = pclose(p);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

// The kbench binary of this build (KBENCH_BINARY_DIR is set by kbench_test).
inline std::string KbenchBinary() {
  const char* dir = std::getenv("KBENCH_BINARY_DIR");
  return std::string(dir != nullptr ? dir : ".") + "/kbench";
}

}  // namespace kbench::results::testing
