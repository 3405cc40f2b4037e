// kbench broker: runs one bundled broker (core/broker) until SIGTERM or SIGINT.
//
//   kbench broker --node-id N --listen HOST:PORT --log-dir DIR [--log-dir DIR]...
//                 [--config FILE.yaml] [--set key=value]...
//                 [--cluster 1@HOST:PORT,2@HOST:PORT,... | --cluster-file FILE] [--rack NAME]
//
// With --cluster (or --cluster-file: one `ID@HOST:PORT [rack=NAME]` per line) the broker is one
// member of a multi-process cluster; the member list must be identical on every member. It listens
// on its own member address unless --listen says otherwise; the member with the lowest id also
// runs the cluster's controller (on the same port). The ready line then comes once the broker has
// registered with the controller and serves clients.
//
// The YAML file is a flat map of Kafka property names (node.id, listeners, log.dirs as a list or a
// comma-separated string, num.partitions, log.segment.bytes, ...); flags override it, --set last.
// When ready it prints `kbench broker <id> listening on <host>:<port>` to stderr (port 0 resolved).
// SIGTERM/SIGINT stop it cleanly (checkpoints and the clean-shutdown marker written, exit 0); after
// SIGKILL the next start recovers the logs. Exit 2 for bad flags or config, 3 when the broker
// cannot start (port in use, log dir locked by another broker, unreadable files).
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <yaml-cpp/yaml.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/stop_signals.h"
#include "core/base/log.h"
#include "core/broker/broker.h"

namespace kbench::cli {
namespace {

struct BrokerCliOptions {
  std::optional<int32_t> node_id;
  std::string listen;
  std::vector<std::string> log_dirs;
  std::string config_file;
  std::vector<std::string> sets;
  std::string cluster;         // --cluster
  std::string cluster_file;    // --cluster-file
  bool cluster_given = false;  // --cluster or --cluster-file appeared (possibly empty)
  std::string rack;            // --rack
};

int BadInput(std::string_view message) {
  fmt::print(stderr, "kbench broker: {}\n", message);
  return kExitBadInput;
}

// One YAML scalar or list of scalars as the property's text value (lists joined with commas).
Result<std::string> YamlValue(const std::string& key, const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsSequence()) {
    std::string out;
    for (const YAML::Node& item : node) {
      if (!item.IsScalar()) break;
      if (!out.empty()) out += ',';
      out += item.Scalar();
    }
    if (!out.empty()) return out;
  }
  return Status::InvalidArgument(fmt::format("'{}': expected a value or a list of values (line {})",
                                             key, node.Mark().line + 1));
}

Status ApplyYaml(const std::string& path, broker::BrokerConfig* config) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Status::InvalidArgument(fmt::format("cannot read config file {}", path));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(fmt::format("{}: {}", path, e.what()));
  }
  if (root.IsNull()) return Status::Ok();
  if (!root.IsMap()) {
    return Status::InvalidArgument(fmt::format("{}: expected a map of property: value", path));
  }
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) {
      return Status::InvalidArgument(
          fmt::format("{} line {}: keys must be property names", path, kv.first.Mark().line + 1));
    }
    const std::string key = kv.first.Scalar();
    KB_ASSIGN_OR_RETURN(std::string value, YamlValue(key, kv.second));
    Status s = config->Set(key, value);
    if (!s.ok()) {
      return Status::InvalidArgument(
          fmt::format("{} line {}: {}", path, kv.first.Mark().line + 1, s.message()));
    }
  }
  return Status::Ok();
}

// --cluster / --cluster-file: this broker's membership, the controller's address, and (unless
// --listen was given) its own listener.
Status ApplyCluster(const BrokerCliOptions& o, broker::BrokerConfig* config) {
  if (!o.cluster_given) return Status::Ok();
  if (o.cluster.empty() && o.cluster_file.empty()) {
    return Status::InvalidArgument(
        "--cluster: the member list is empty (expected ID@HOST:PORT,...)");
  }
  if (!o.cluster.empty() && !o.cluster_file.empty()) {
    return Status::InvalidArgument("give either --cluster or --cluster-file, not both");
  }
  Result<std::vector<broker::ClusterMember>> members =
      o.cluster.empty() ? broker::ClusterConfig::ParseFile(o.cluster_file)
                        : broker::ClusterConfig::ParseMembers(o.cluster);
  if (!members.ok())
    return members.status().WithContext(o.cluster.empty() ? "--cluster-file" : "--cluster");
  KB_ASSIGN_OR_RETURN(broker::ClusterConfig cluster,
                      broker::ClusterConfig::ForMember(std::move(*members), config->node_id,
                                                       config->log_dirs.front()));
  const broker::ClusterMember* self = cluster.Find(config->node_id);
  if (o.listen.empty()) config->network.listener = self->address;
  if (!config->replication.rack && self->rack) config->replication.rack = self->rack;
  config->cluster = std::move(cluster);
  return Status::Ok();
}

Result<broker::BrokerConfig> BuildConfig(const BrokerCliOptions& o) {
  broker::BrokerConfig config;
  if (!o.config_file.empty()) KB_RETURN_IF_ERROR(ApplyYaml(o.config_file, &config));
  if (o.node_id) KB_RETURN_IF_ERROR(config.Set("node.id", std::to_string(*o.node_id)));
  if (!o.listen.empty()) KB_RETURN_IF_ERROR(config.Set("listeners", o.listen));
  if (!o.log_dirs.empty()) config.log_dirs = o.log_dirs;
  for (const std::string& assignment : o.sets) {
    KB_RETURN_IF_ERROR(config.SetAssignment(assignment).WithContext("--set " + assignment));
  }
  if (!o.node_id && o.config_file.empty()) {
    return Status::InvalidArgument("--node-id is required (or node.id in --config)");
  }
  if (config.log_dirs.empty()) {
    return Status::InvalidArgument("--log-dir is required (or log.dirs in --config)");
  }
  if (!o.rack.empty()) KB_RETURN_IF_ERROR(config.Set("broker.rack", o.rack));
  KB_RETURN_IF_ERROR(ApplyCluster(o, &config));
  KB_RETURN_IF_ERROR(config.Validate());
  return config;
}

int Run(const BrokerCliOptions& o) {
  Result<broker::BrokerConfig> config = BuildConfig(o);
  if (!config.ok()) return BadInput(config.status().message());

  // Before any thread starts: they inherit the mask (see stop_signals.h).
  const StopSignals stop = BlockStopSignals();

  Result<std::unique_ptr<broker::Broker>> created = broker::Broker::Create(*config);
  if (!created.ok()) return BadInput(created.status().message());
  std::unique_ptr<broker::Broker> broker = std::move(*created);
  Status started = broker->Start();
  if (!started.ok()) {
    fmt::print(stderr, "kbench broker: cannot start: {}\n", started.ToString());
    broker->Stop();
    return started.code() == StatusCode::kInvalidArgument ? kExitBadInput : kExitError;
  }
  if (broker->clustered()) {
    // Serving starts once the controller's metadata is applied: the ready line waits for it.
    while (!broker->AwaitRegistration(10000)) {
      fmt::print(stderr, "kbench broker {}: waiting for the controller at {}\n",
                 broker->id().value(), config->cluster.controller.ToString());
      std::fflush(stderr);
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT)) break;
    }
  }
  fmt::print(stderr, "kbench broker {} listening on {}\n", broker->id().value(),
             broker->bound_address().ToString());
  std::fflush(stderr);

  log::Info("broker", "received {}; stopping", stop.Await());
  broker->Stop();
  return kExitOk;
}

}  // namespace

Subcommand AddBrokerCommand(CLI::App& app) {
  auto opts = std::make_shared<BrokerCliOptions>();
  CLI::App* cmd =
      app.add_subcommand("broker", "run the bundled Kafka-protocol broker until SIGTERM/SIGINT");
  cmd->add_option("--node-id", opts->node_id, "broker id (node.id), >= 0");
  cmd->add_option("--listen", opts->listen,
                  "HOST:PORT to listen on (listeners); port 0 picks a free port");
  cmd->add_option("--log-dir", opts->log_dirs, "a log directory (log.dirs); repeat for several")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--config", opts->config_file,
                  "YAML file of Kafka property names (flags override it)");
  cmd->add_option("--cluster", opts->cluster,
                  "this broker is a member of a multi-process cluster: ID@HOST:PORT,... (the same "
                  "list on every member; the lowest id also runs the controller)")
      ->each([opts](const std::string&) { opts->cluster_given = true; });
  cmd->add_option("--cluster-file", opts->cluster_file,
                  "the member list as a file: one ID@HOST:PORT [rack=NAME] per line")
      ->each([opts](const std::string&) { opts->cluster_given = true; });
  cmd->add_option("--rack", opts->rack,
                  "this broker's rack (broker.rack), for rack-aware placement");
  cmd->add_option("--set", opts->sets,
                  "key=value for any broker or topic-default property by its Kafka name, e.g. "
                  "num.partitions=6; repeatable")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  return Subcommand{cmd, [opts] { return Run(*opts); }};
}

}  // namespace kbench::cli
