// kbench: one binary, one subcommand per product (see docs/architecture.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/base/build_info.h"

namespace kbench::cli {

namespace {

std::string VersionLine() {
  return fmt::format("kbench {} (revision {})", BuildVersion(), BuildRevision());
}

}  // namespace
}  // namespace kbench::cli

int main(int argc, char** argv) {
  using namespace kbench::cli;
  CLI::App app{"kbench: benchmark and hardware sizing for Kafka-style streaming"};
  app.set_version_flag("--version", VersionLine());
  app.require_subcommand(0, 1);

  std::vector<Subcommand> commands;
  // Subcommands are added here as the issue that makes each one real lands.
  commands.push_back(AddRunCommand(app));
  commands.push_back(AddSizeCommand(app));
  commands.push_back(AddProbeCommand(app));
  commands.push_back(AddCompareCommand(app));
  commands.push_back(AddReportCommand(app));
  commands.push_back(AddBrokerCommand(app));
  commands.push_back(AddClusterCommand(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);  // prints help/version/error as CLI11 does
    return rc == 0 ? kExitOk : kExitBadInput;
  }
  for (const Subcommand& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  fmt::print("{}", app.help());
  return kExitOk;
}
