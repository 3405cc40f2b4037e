// The shape of a kbench subcommand. Each lives in its own file (cli/<name>_command.cc), adds its
// options to the CLI11 app, and hands back the function main() runs when the user picked it.
// Subcommands parse and print; the work is done by the libraries (harness, sizing, results, core).
//
// Exit status convention for every subcommand: 0 success, 1 the command ran and found a problem it
// exists to report (a regression, lost messages), 2 bad input (flags, files), 3 an internal or
// environment error.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace kbench::cli {

constexpr int kExitOk = 0;
constexpr int kExitFinding = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitError = 3;

struct Subcommand {
  CLI::App* app = nullptr;   // owned by the parent app
  std::function<int()> run;  // called after a successful parse when this subcommand was chosen
};

// One per subcommand, each defined in cli/<name>_command.cc; main() registers them in this order.
Subcommand AddRunCommand(CLI::App& app);      // kbench run PROFILE ...
Subcommand AddSizeCommand(CLI::App& app);     // kbench size ...
Subcommand AddProbeCommand(CLI::App& app);    // kbench probe --dir DIR ...
Subcommand AddCompareCommand(CLI::App& app);  // kbench compare BASE... -- NEW...
Subcommand AddReportCommand(CLI::App& app);   // kbench report RESULTS... -o report.html
Subcommand AddBrokerCommand(CLI::App& app);   // kbench broker --node-id N --log-dir DIR ...
Subcommand AddClusterCommand(CLI::App& app);  // kbench cluster --brokers N --data-dir DIR ...

}  // namespace kbench::cli
