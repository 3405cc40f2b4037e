#include "core/broker/embedded_cluster.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "core/base/clock.h"
#include "core/base/log.h"

namespace kbench::broker {
namespace {

namespace fs = std::filesystem;

void Add(storage::StorageCountersSnapshot& to, const storage::StorageCountersSnapshot& from) {
  to.bytes_appended += from.bytes_appended;
  to.fsyncs += from.fsyncs;
  to.bytes_truncated += from.bytes_truncated;
  to.recovery_bytes_truncated += from.recovery_bytes_truncated;
}

}  // namespace

std::string_view BrokerStatusName(BrokerStatus s) {
  switch (s) {
    case BrokerStatus::kRunning:
      return "running";
    case BrokerStatus::kPaused:
      return "paused";
    case BrokerStatus::kIsolated:
      return "isolated";
    case BrokerStatus::kCrashed:
      return "crashed";
    case BrokerStatus::kStopped:
      return "stopped";
  }
  return "unknown";
}

double ClusterStats::ElectionMsPercentile(double p) const {
  if (elections.empty()) return 0;
  std::vector<double> ms;
  for (const ElectionRecord& e : elections) ms.push_back((e.applied_ns - e.decided_ns) / 1e6);
  std::sort(ms.begin(), ms.end());
  const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(ms.size() - 1);
  return ms[static_cast<size_t>(rank + 0.5)];
}

Result<std::unique_ptr<EmbeddedCluster>> EmbeddedCluster::Start(EmbeddedClusterOptions options) {
  if (options.brokers < 1 || options.brokers > 64) {
    return Status::InvalidArgument(
        fmt::format("embedded cluster: {} brokers (1 to 64 are supported)", options.brokers));
  }
  if (!options.broker_dirs.empty() &&
      static_cast<int32_t>(options.broker_dirs.size()) != options.brokers) {
    return Status::InvalidArgument(fmt::format("embedded cluster: {} broker dirs for {} brokers",
                                               options.broker_dirs.size(), options.brokers));
  }
  if (!options.racks.empty() && static_cast<int32_t>(options.racks.size()) != options.brokers) {
    return Status::InvalidArgument(fmt::format("embedded cluster: {} racks for {} brokers",
                                               options.racks.size(), options.brokers));
  }
  if (options.data_dir.empty() && options.broker_dirs.empty()) {
    return Status::InvalidArgument("embedded cluster: no data dir");
  }
  if (options.data_dir.empty()) options.data_dir = options.broker_dirs.front() + "/..";
  std::unique_ptr<EmbeddedCluster> c(new EmbeddedCluster(std::move(options)));
  for (int32_t i = 1; i <= c->options_.brokers; ++i) {
    Node node;
    node.id = BrokerId(i);
    KB_ASSIGN_OR_RETURN(node.config, c->MakeBrokerConfig(i));
    c->nodes_.push_back(std::move(node));
  }
  KB_RETURN_IF_ERROR(c->StartController());
  for (Node& node : c->nodes_) KB_RETURN_IF_ERROR(c->StartNode(node));
  KB_RETURN_IF_ERROR(c->AwaitServing(c->options_.start_timeout_ms));
  log::Info("cluster", "embedded cluster of {} brokers serving at {}", c->nodes_.size(),
            c->bootstrap());
  return c;
}

EmbeddedCluster::~EmbeddedCluster() { Shutdown(); }

Result<BrokerConfig> EmbeddedCluster::MakeBrokerConfig(int32_t index) const {
  BrokerConfig config;
  for (const auto& [key, value] : options_.properties) {
    KB_RETURN_IF_ERROR(config.Set(key, value).WithContext("embedded cluster property " + key));
  }
  config.node_id = BrokerId(index);
  const uint16_t port =
      options_.base_port == 0 ? 0 : static_cast<uint16_t>(options_.base_port + index - 1);
  config.network.listener = ListenerAddress{options_.host, port};
  config.log_dirs = {options_.broker_dirs.empty()
                         ? options_.data_dir + "/broker-" + std::to_string(index)
                         : options_.broker_dirs[static_cast<size_t>(index - 1)]};
  if (!options_.racks.empty()) config.replication.rack = options_.racks[static_cast<size_t>(index - 1)];
  for (int32_t i = 1; i <= options_.brokers; ++i) {
    config.cluster.members.push_back(ClusterMember{BrokerId(i), {options_.host, 0}, std::nullopt});
  }
  KB_RETURN_IF_ERROR(config.Validate());
  return config;
}

Status EmbeddedCluster::StartController() {
  ControllerConfig c;
  for (const Node& n : nodes_) c.members.push_back(n.id);
  c.dir = options_.data_dir + "/controller";
  std::error_code ec;
  fs::create_directories(c.dir, ec);
  if (ec) return Status::FromErrno("create " + c.dir, ec.value());
  c.broker = nodes_.front().config;
  KB_ASSIGN_OR_RETURN(controller_, Controller::Create(std::move(c)));
  KB_RETURN_IF_ERROR(controller_->Start());
  controller_apis_ = std::make_unique<ControllerApis>(controller_.get());
  SocketServerConfig net;
  net.listener = ListenerAddress{
      options_.host,
      options_.base_port == 0 ? uint16_t{0}
                              : static_cast<uint16_t>(options_.base_port + options_.brokers)};
  net.network_threads = 1;
  net.name = "controller.net";
  controller_server_ = std::make_unique<SocketServer>(net, controller_apis_.get());
  KB_RETURN_IF_ERROR(controller_server_->Start().WithContext("controller listener"));
  for (Node& n : nodes_) {
    n.config.cluster.controller = controller_server_->bound_address();
  }
  return Status::Ok();
}

Status EmbeddedCluster::StartNode(Node& node) {
  KB_ASSIGN_OR_RETURN(node.broker, Broker::Create(node.config));
  Observe(*node.broker);
  Broker* b = node.broker.get();
  const BrokerId id = node.id;
  Status s = b->Start();
  if (!s.ok()) {
    b->Stop();
    node.broker.reset();
    return s.WithContext(fmt::format("broker {}", id.value()));
  }
  // Keep the port bound first for every restart (clients and peers know it).
  node.config.network.listener.port = b->port();
  node.status = BrokerStatus::kRunning;
  return Status::Ok();
}

void EmbeddedCluster::Observe(Broker& broker) {
  const BrokerId id = broker.id();
  broker.SetRoleObserver(
      [this, id](const TopicPartition& tp, bool leader, LeaderEpoch epoch, int64_t at_ns) {
        availability_.OnRole(id, tp, leader, epoch, at_ns);
      });
}

EmbeddedCluster::Node* EmbeddedCluster::Find(BrokerId id) {
  for (Node& n : nodes_) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

const EmbeddedCluster::Node* EmbeddedCluster::Find(BrokerId id) const {
  for (const Node& n : nodes_) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

Status EmbeddedCluster::AwaitServing(int64_t timeout_ms) {
  const int64_t deadline = MonoNanos() + timeout_ms * 1'000'000;
  for (Node& n : nodes_) {
    if (n.status != BrokerStatus::kRunning) continue;
    const int64_t left = std::max<int64_t>((deadline - MonoNanos()) / 1'000'000, 1);
    if (!n.broker->AwaitRegistration(left)) {
      return Status::TimedOut(fmt::format("broker {} did not register with the controller in {} ms",
                                          n.id.value(), timeout_ms));
    }
  }
  // Groups need every __consumer_offsets partition led (and its leader serving it).
  while (true) {
    bool ready = false;
    for (Node& n : nodes_) {
      if (n.status != BrokerStatus::kRunning) continue;
      std::optional<TopicRecord> offsets = n.broker->metadata().GetTopic(kConsumerOffsetsTopic);
      ready = offsets.has_value();
      for (const PartitionState& s : offsets ? offsets->partitions : std::vector<PartitionState>{}) {
        Node* leader = Find(s.leader);
        std::shared_ptr<Partition> p =
            leader && leader->broker
                ? leader->broker->replicas().GetPartition(
                      TopicPartition{std::string(kConsumerOffsetsTopic), s.partition})
                : nullptr;
        ready &= p != nullptr && p->is_leader();
      }
      break;
    }
    if (ready) return Status::Ok();
    if (MonoNanos() > deadline) {
      return Status::TimedOut(fmt::format("{} has no leaders after {} ms", kConsumerOffsetsTopic,
                                          timeout_ms));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string EmbeddedCluster::bootstrap() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const Node& n : nodes_) {
    if (!out.empty()) out += ',';
    out += ListenerAddress{n.config.network.listener.host, n.config.network.listener.port}.ToString();
  }
  return out;
}

std::vector<BrokerId> EmbeddedCluster::broker_ids() const {
  std::vector<BrokerId> ids;
  for (const Node& n : nodes_) ids.push_back(n.id);
  return ids;
}

std::string EmbeddedCluster::controller_address() const {
  return controller_server_ ? controller_server_->bound_address().ToString() : std::string();
}

Status EmbeddedCluster::Expect(const Node& node, std::initializer_list<BrokerStatus> allowed,
                               std::string_view action) const {
  for (BrokerStatus s : allowed) {
    if (node.status == s) return Status::Ok();
  }
  return Status::InvalidArgument(fmt::format("cannot {} broker {}: it is {}", action,
                                             node.id.value(), BrokerStatusName(node.status)));
}

void EmbeddedCluster::Retire(Node& node) {
  if (!node.broker) return;
  Add(node.retired, node.broker->logs().counters().Snapshot());
  if (ReplicaFetcherManager* f = node.broker->fetchers()) {
    node.retired_fetched += f->counters().bytes_fetched.load();
    node.retired_truncations += f->counters().truncations.load();
  }
  node.broker.reset();
}

Result<EmbeddedCluster::Node*> EmbeddedCluster::FindOrError(BrokerId id) {
  Node* node = Find(id);
  if (node == nullptr) {
    return Status::InvalidArgument(fmt::format("no broker {} in this cluster", id.value()));
  }
  return node;
}

Status EmbeddedCluster::Crash(BrokerId id) {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Node * node, FindOrError(id));
  KB_RETURN_IF_ERROR(Expect(*node, {BrokerStatus::kRunning, BrokerStatus::kPaused,
                                    BrokerStatus::kIsolated}, "crash"));
  availability_.BrokerDown(id, /*lost_leadership=*/true, MonoNanos());
  node->broker->Crash();
  node->status = BrokerStatus::kCrashed;
  return Status::Ok();
}

Status EmbeddedCluster::StopCleanly(BrokerId id) {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Node * node, FindOrError(id));
  KB_RETURN_IF_ERROR(Expect(*node, {BrokerStatus::kRunning}, "stop"));
  node->broker->Stop();  // controlled shutdown first: leaders resign one at a time
  availability_.BrokerDown(id, /*lost_leadership=*/true, MonoNanos());
  node->status = BrokerStatus::kStopped;
  return Status::Ok();
}

Status EmbeddedCluster::Restart(BrokerId id) {
  std::unique_lock<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Node * node, FindOrError(id));
  KB_RETURN_IF_ERROR(Expect(*node, {BrokerStatus::kCrashed, BrokerStatus::kStopped}, "restart"));
  Retire(*node);
  KB_ASSIGN_OR_RETURN(node->broker, Broker::Create(node->config));
  Observe(*node->broker);
  Status s = node->broker->Start();
  if (!s.ok()) {
    node->broker->Stop();
    node->broker.reset();
    return s.WithContext(fmt::format("restarting broker {}", id.value()));
  }
  node->status = BrokerStatus::kRunning;
  availability_.BrokerUp(id, MonoNanos());
  Broker* b = node->broker.get();
  lock.unlock();
  if (!b->AwaitRegistration(options_.start_timeout_ms)) {
    return Status::TimedOut(fmt::format("broker {} restarted but did not register in {} ms",
                                        id.value(), options_.start_timeout_ms));
  }
  return Status::Ok();
}

Status EmbeddedCluster::Pause(BrokerId id) {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Node * node, FindOrError(id));
  KB_RETURN_IF_ERROR(Expect(*node, {BrokerStatus::kRunning}, "pause"));
  availability_.BrokerDown(id, /*lost_leadership=*/false, MonoNanos());
  node->broker->Pause();
  node->status = BrokerStatus::kPaused;
  return Status::Ok();
}

Status EmbeddedCluster::Resume(BrokerId id) {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Node * node, FindOrError(id));
  KB_RETURN_IF_ERROR(Expect(*node, {BrokerStatus::kPaused}, "resume"));
  node->broker->Resume();
  node->status = BrokerStatus::kRunning;
  availability_.BrokerUp(id, MonoNanos());
  return Status::Ok();
}

Status EmbeddedCluster::Isolate(BrokerId id) {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Node * node, FindOrError(id));
  KB_RETURN_IF_ERROR(Expect(*node, {BrokerStatus::kRunning}, "isolate"));
  availability_.BrokerDown(id, /*lost_leadership=*/false, MonoNanos());
  node->broker->Isolate();
  node->status = BrokerStatus::kIsolated;
  return Status::Ok();
}

Status EmbeddedCluster::Heal(BrokerId id) {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Node * node, FindOrError(id));
  KB_RETURN_IF_ERROR(Expect(*node, {BrokerStatus::kIsolated}, "heal"));
  node->broker->Heal();
  node->status = BrokerStatus::kRunning;
  availability_.BrokerUp(id, MonoNanos());
  return Status::Ok();
}

Status EmbeddedCluster::HoldFollowerFetchers(BrokerId id, bool hold) {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Node * node, FindOrError(id));
  KB_RETURN_IF_ERROR(Expect(*node, {BrokerStatus::kRunning, BrokerStatus::kIsolated,
                                    BrokerStatus::kPaused}, "hold the fetchers of"));
  node->broker->HoldFetchers(hold);
  return Status::Ok();
}

BrokerStatus EmbeddedCluster::status(BrokerId id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Node* node = Find(id);
  return node == nullptr ? BrokerStatus::kStopped : node->status;
}

Broker* EmbeddedCluster::broker(BrokerId id) {
  std::lock_guard<std::mutex> lock(mu_);
  Node* node = Find(id);
  if (node == nullptr || node->status == BrokerStatus::kCrashed ||
      node->status == BrokerStatus::kStopped) {
    return nullptr;
  }
  return node->broker.get();
}

ClusterStats EmbeddedCluster::Stats() const {
  ClusterStats out;
  if (controller_) {
    ControllerStats c = controller_->Stats();
    out.isr_shrinks = c.isr_shrinks;
    out.isr_expands = c.isr_expands;
    out.leader_elections = c.leader_elections;
    out.unclean_leader_elections = c.unclean_leader_elections;
    out.offline_partitions = c.offline_partitions;
    out.brokers_fenced = c.brokers_fenced;
    out.controlled_shutdowns = c.controlled_shutdowns;
    out.elections = std::move(c.elections);
  }
  out.unavailability = availability_.Windows();
  std::lock_guard<std::mutex> lock(mu_);
  for (const Node& n : nodes_) {
    storage::StorageCountersSnapshot total = n.retired;
    int64_t fetched = n.retired_fetched, truncations = n.retired_truncations;
    if (n.broker) {
      Add(total, n.broker->logs().counters().Snapshot());
      if (const ReplicaFetcherManager* f = n.broker->fetchers()) {
        fetched += f->counters().bytes_fetched.load();
        truncations += f->counters().truncations.load();
      }
    }
    out.bytes_written += total.bytes_appended;
    out.fsyncs += total.fsyncs;
    out.bytes_truncated += total.bytes_truncated;
    out.recovery_bytes_truncated += total.recovery_bytes_truncated;
    out.follower_bytes_fetched += fetched;
    out.follower_truncations += truncations;
  }
  return out;
}

Status EmbeddedCluster::AwaitFullyReplicated(int64_t timeout_ms) {
  const int64_t deadline = MonoNanos() + timeout_ms * 1'000'000;
  std::string waiting;
  while (true) {
    waiting.clear();
    {
      std::lock_guard<std::mutex> lock(mu_);
      Broker* any = nullptr;
      for (Node& n : nodes_) {
        if (n.status == BrokerStatus::kRunning) any = n.broker.get();
      }
      if (any == nullptr) return Status::Unavailable("no broker is running");
      for (const TopicRecord& t : any->metadata().Topics()) {
        for (const PartitionState& s : t.partitions) {
          const TopicPartition tp{t.name, s.partition};
          Node* leader = Find(s.leader);
          std::shared_ptr<Partition> lp =
              leader && leader->broker && leader->status == BrokerStatus::kRunning
                  ? leader->broker->replicas().GetPartition(tp)
                  : nullptr;
          bool ok = lp != nullptr && lp->is_leader() && s.isr.size() == s.replicas.size();
          for (BrokerId r : s.replicas) {
            Node* rn = Find(r);
            std::shared_ptr<Partition> rp =
                ok && rn && rn->broker ? rn->broker->replicas().GetPartition(tp) : nullptr;
            ok = ok && rp != nullptr && rp->log_end_offset() == lp->log_end_offset();
          }
          if (!ok && waiting.empty()) {
            waiting = fmt::format("{} (leader {}, ISR of {} of {} replicas)", tp.ToString(),
                                  s.leader.value(), s.isr.size(), s.replicas.size());
          }
        }
      }
    }
    if (waiting.empty()) return Status::Ok();
    if (MonoNanos() > deadline) {
      return Status::TimedOut(
          fmt::format("not fully replicated after {} ms: {}", timeout_ms, waiting));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void EmbeddedCluster::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return;
  shut_down_ = true;
  for (Node& n : nodes_) {
    if (n.broker && n.status == BrokerStatus::kPaused) n.broker->Resume();
  }
  for (Node& n : nodes_) {
    if (n.broker && n.status != BrokerStatus::kCrashed && n.status != BrokerStatus::kStopped) {
      // The whole cluster goes down: moving leaders around first would only cost time.
      n.broker->Stop(/*controlled_shutdown=*/false);
      n.status = BrokerStatus::kStopped;
    }
  }
  if (controller_server_) controller_server_->Stop();
  if (controller_) controller_->Stop();
}

}  // namespace kbench::broker
