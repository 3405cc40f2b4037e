// `kbench run PROFILE [--bootstrap HOSTS] [--data-dir DIR] [--driver kafka|direct] [--set
// key=value]...
//  [--variant NAME] [-o FILE.json]`: drives a workload profile and writes its results
//  (cli/run_command.cc).
#pragma once

#include "cli/command.h"

namespace kbench::cli {

Subcommand AddRunCommand(CLI::App& app);

}  // namespace kbench::cli
