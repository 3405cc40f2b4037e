// kbench cluster: runs the embedded cluster (core/broker/embedded_cluster.h) until SIGTERM or
// SIGINT: N bundled brokers in this process on loopback ports, each with its own log dir under
// --data-dir, one controller, replication over TCP.
//
//   kbench cluster --brokers N --data-dir DIR [--base-port P] [--racks r1,r2,r3]
//                  [--host HOST] [--set key=value]...
//
// When every broker serves it prints `bootstrap: host:port,host:port,...` on stdout (one line,
// flushed) for clients. --set applies a broker property (Kafka's names) to every broker and the
// controller, e.g. --set min.insync.replicas=2 --set broker.session.timeout.ms=1000. Exit 0 after a
// signal and a clean stop, 2 for bad flags, 3 when the cluster cannot start (ports in use, dirs
// locked).
#include <fmt/format.h>
#include <pthread.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/stop_signals.h"
#include "core/base/log.h"
#include "core/broker/embedded_cluster.h"

namespace kbench::cli {
namespace {

struct ClusterCliOptions {
  int32_t brokers = 3;
  std::string data_dir;
  int32_t base_port = 0;
  std::string racks;
  std::string host = "127.0.0.1";
  std::vector<std::string> sets;
};

int BadInput(std::string_view message) {
  fmt::print(stderr, "kbench cluster: {}\n", message);
  return kExitBadInput;
}

Result<broker::EmbeddedClusterOptions> BuildOptions(const ClusterCliOptions& o) {
  broker::EmbeddedClusterOptions out;
  out.brokers = o.brokers;
  out.data_dir = o.data_dir;
  out.host = o.host;
  if (o.base_port < 0 || o.base_port + o.brokers > 65535) {
    return Status::InvalidArgument(
        fmt::format("--base-port {}: the ports must fit below 65536", o.base_port));
  }
  out.base_port = static_cast<uint16_t>(o.base_port);
  std::string_view racks = o.racks;
  while (!racks.empty()) {
    const size_t comma = racks.find(',');
    out.racks.emplace_back(racks.substr(0, comma));
    racks = comma == std::string_view::npos ? std::string_view() : racks.substr(comma + 1);
  }
  if (!out.racks.empty() && static_cast<int32_t>(out.racks.size()) != o.brokers) {
    return Status::InvalidArgument(
        fmt::format("--racks lists {} racks for {} brokers", out.racks.size(), o.brokers));
  }
  broker::BrokerConfig check;  // every --set must be a known broker property with a valid value
  for (const std::string& assignment : o.sets) {
    const size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument(fmt::format("--set {}: expected key=value", assignment));
    }
    KB_RETURN_IF_ERROR(check.SetAssignment(assignment).WithContext("--set " + assignment));
    out.properties[assignment.substr(0, eq)] = assignment.substr(eq + 1);
  }
  return out;
}

int Run(const ClusterCliOptions& o) {
  if (o.brokers < 1 || o.brokers > 64) return BadInput("--brokers must be between 1 and 64");
  if (o.data_dir.empty()) return BadInput("--data-dir is required");
  Result<broker::EmbeddedClusterOptions> options = BuildOptions(o);
  if (!options.ok()) return BadInput(options.status().message());

  // Before any thread starts: they inherit the mask (see stop_signals.h).
  const StopSignals stop = BlockStopSignals();

  Result<std::unique_ptr<broker::EmbeddedCluster>> cluster =
      broker::EmbeddedCluster::Start(std::move(*options));
  if (!cluster.ok()) {
    fmt::print(stderr, "kbench cluster: cannot start: {}\n", cluster.status().ToString());
    return cluster.status().code() == StatusCode::kInvalidArgument ? kExitBadInput : kExitError;
  }
  fmt::print("bootstrap: {}\n", (*cluster)->bootstrap());
  std::fflush(stdout);

  log::Info("cluster", "received {}; stopping", stop.Await());
  (*cluster)->Shutdown();
  return kExitOk;
}

}  // namespace

Subcommand AddClusterCommand(CLI::App& app) {
  auto opts = std::make_shared<ClusterCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "cluster", "run N bundled brokers in this process, replicating over loopback, until SIGTERM");
  cmd->add_option("--brokers", opts->brokers, "number of brokers (ids 1..N)")->default_val(3);
  cmd->add_option("--data-dir", opts->data_dir,
                  "directory for the brokers' log dirs (broker-<id>/) and the controller's")
      ->required();
  cmd->add_option("--base-port", opts->base_port,
                  "broker i listens on P+i-1, the controller on P+N (default: ephemeral ports)");
  cmd->add_option("--racks", opts->racks,
                  "one rack per broker, comma-separated (rack-aware placement)");
  cmd->add_option("--host", opts->host, "the loopback (or other) address to listen on")
      ->default_val("127.0.0.1");
  cmd->add_option("--set", opts->sets,
                  "key=value for any broker property by its Kafka name, for every broker; "
                  "repeatable")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  return Subcommand{cmd, [opts] { return Run(*opts); }};
}

}  // namespace kbench::cli
