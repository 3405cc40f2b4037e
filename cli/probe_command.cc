// kbench probe: measure this host (disk, page cache, network, CPU) and write a hardware profile
// JSON that `kbench size --hardware` reads; `kbench probe --serve PORT` is the peer for --peer
// network measurements. Parsing, signals and printing only; the measurements are in sizing/probe*.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "sizing/hardware_profile.h"
#include "sizing/probe.h"
#include "sizing/probe_network.h"
#include "sizing/probe_scratch.h"

namespace kbench::cli {
namespace {

using namespace kbench::sizing;

struct ProbeCliOptions {
  std::string dir;
  std::string peer;
  bool quick = false;
  std::string output;
  int serve_port = -1;
  std::string bind = "0.0.0.0";
};

// First SIGINT/SIGTERM asks the probe to stop (it removes its files on the way out); a second one
// removes the files from the handler and exits at once.
std::atomic<bool> g_stop{false};

void OnSignal(int) {
  if (g_stop.exchange(true)) {
    RemoveScratchFilesFromSignal();
    static const char kMsg[] = "kbench probe: interrupted twice; removed probe files\n";
    (void)!::write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
    ::_exit(kExitError);
  }
}

// Installs the handlers for the lifetime of the object and restores the previous ones.
class SignalGuard {
 public:
  SignalGuard() {
    g_stop.store(false);
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

int Fail(const Status& s) {
  fmt::print(stderr, "kbench probe: {}\n", s.message());
  if (s.code() == StatusCode::kInvalidArgument) return kExitBadInput;
  return kExitError;
}

int Serve(const ProbeCliOptions& o) {
  SignalGuard guard;
  Status s = ServeProbe(o.bind, uint16_t(o.serve_port), g_stop, [&](uint16_t port) {
    fmt::print("kbench probe: serving on {}:{} (Ctrl-C to stop)\n", o.bind, port);
    std::fflush(stdout);
  });
  return s.ok() ? kExitOk : Fail(s);
}

int Probe(const ProbeCliOptions& o) {
  SignalGuard guard;
  ProbeOptions opts;
  opts.dir = o.dir;
  opts.peer = o.peer;
  opts.quick = o.quick;
  opts.cancel = &g_stop;
  opts.progress = [](std::string_view line) { fmt::print(stderr, "{}\n", line); };
  Result<HardwareProfile> profile = RunProbe(opts);
  if (!profile.ok()) {
    if (profile.status().code() == StatusCode::kAborted) {
      fmt::print(stderr, "kbench probe: interrupted; its files under {} were removed\n", o.dir);
      return kExitError;
    }
    return Fail(profile.status());
  }
  std::string json = HardwareProfileToJson(*profile);
  if (o.output.empty() || o.output == "-") {
    std::cout << json;
    return kExitOk;
  }
  std::ofstream out(o.output);
  out << json;
  if (!out.flush())
    return Fail(Status::IoError(fmt::format("-o {}: cannot write the profile", o.output)));
  fmt::print(stderr, "kbench probe: wrote {} (use it with kbench size --hardware {})\n", o.output,
             o.output);
  return kExitOk;
}

int Run(const ProbeCliOptions& o) {
  if (o.serve_port >= 0) return Serve(o);
  if (o.dir.empty()) {
    fmt::print(stderr,
               "kbench probe: --dir is required (the filesystem a broker's log.dirs would use)\n");
    return kExitBadInput;
  }
  return Probe(o);
}

}  // namespace

Subcommand AddProbeCommand(CLI::App& app) {
  auto opts = std::make_shared<ProbeCliOptions>();
  CLI::App* cmd =
      app.add_subcommand("probe", "measure this host's disk, page cache, network and CPU");
  cmd->footer(
      "Runs under 60 s (under 10 s with --quick), removes its files (also on Ctrl-C) and writes "
      "the hardware "
      "profile JSON documented in docs/sizing.md. Progress goes to stderr.");
  cmd->add_option("--dir", opts->dir,
                  "directory on the disk to measure (a broker's log.dirs entry)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--peer", opts->peer,
                  "HOST:PORT of `kbench probe --serve` for network bandwidth and RTT");
  cmd->add_flag("--quick", opts->quick, "a coarse probe in under 10 s");
  cmd->add_option("-o,--output", opts->output,
                  "write the hardware profile JSON here (default: stdout)");
  auto* serve = cmd->add_option("--serve", opts->serve_port,
                                "act as the --peer of another probe on PORT (0: any)")
                    ->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", opts->bind, "address --serve listens on")->needs(serve);
  serve->excludes("--dir")->excludes("--peer");
  return Subcommand{cmd, [opts] { return Run(*opts); }};
}

}  // namespace kbench::cli
