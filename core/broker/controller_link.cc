#include "core/broker/controller_link.h"

#include <fmt/format.h>
#include <pthread.h>

#include <random>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/broker/metadata_changes.h"

namespace kbench::broker {
namespace {

constexpr int kConnectTimeoutMs = 2000;

int64_t RandomIncarnation() {
  std::random_device rd;
  return (int64_t{rd()} << 31) ^ int64_t { rd() } ^ MonoNanos();
}

template <typename Req>
Result<protocol::EncodedMessage> EncodeCluster(int32_t id, const std::string& client,
                                               const Req& req) {
  return protocol::EncodeClusterRequest(id, client, req);
}

}  // namespace

ControllerLink::ControllerLink(const BrokerConfig& config, BrokerGates* gates,
                               ControllerLinkHooks hooks)
    : config_(config),
      gates_(gates),
      hooks_(std::move(hooks)),
      incarnation_(RandomIncarnation()),
      heartbeat_conn_(fmt::format("kbench-broker-{}-heartbeat", config.node_id.value())),
      isr_conn_(fmt::format("kbench-broker-{}-isr", config.node_id.value())),
      call_conn_(fmt::format("kbench-broker-{}", config.node_id.value())),
      shutdown_conn_(fmt::format("kbench-broker-{}-shutdown", config.node_id.value())) {}

ControllerLink::~ControllerLink() { Stop(); }

void ControllerLink::Start() {
  heartbeat_thread_ = std::thread([this] { HeartbeatLoop(); });
  apply_thread_ = std::thread([this] { ApplyLoop(); });
  isr_thread_ = std::thread([this] { IsrLoop(); });
  const std::string id = std::to_string(config_.node_id.value());
  pthread_setname_np(heartbeat_thread_.native_handle(), ("hb" + id).substr(0, 15).c_str());
  pthread_setname_np(apply_thread_.native_handle(), ("mdapply" + id).substr(0, 15).c_str());
  pthread_setname_np(isr_thread_.native_handle(), ("isr" + id).substr(0, 15).c_str());
}

void ControllerLink::Stop() {
  if (stopping_.exchange(true)) return;
  cv_.notify_all();
  {
    std::lock_guard<std::mutex> lock(apply_mu_);
    apply_cv_.notify_all();
  }
  Interrupt();
  if (heartbeat_thread_.joinable()) heartbeat_thread_.join();
  if (apply_thread_.joinable()) apply_thread_.join();
  if (isr_thread_.joinable()) isr_thread_.join();
  heartbeat_conn_.Close();
  isr_conn_.Close();
  call_conn_.Close();
  shutdown_conn_.Close();
}

void ControllerLink::Interrupt() {
  heartbeat_conn_.Interrupt();
  isr_conn_.Interrupt();
  call_conn_.Interrupt();
  shutdown_conn_.Interrupt();
}

void ControllerLink::Sleep(int64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_.load(); });
}

bool ControllerLink::Connect(PeerConnection& c) {
  if (c.connected()) return true;
  if (gates_->isolated()) return false;
  Status s = c.Connect(config_.cluster.controller.host, config_.cluster.controller.port,
                       kConnectTimeoutMs);
  if (!s.ok()) {
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
    log::Debug("broker.link", "broker {}: controller at {} unreachable: {}",
               config_.node_id.value(), config_.cluster.controller.ToString(), s.ToString());
  }
  return s.ok();
}

template <typename Resp, typename Req>
Result<Resp> ControllerLink::CallController(PeerConnection& c, const Req& req, int timeout_ms) {
  if (!Connect(c)) {
    return Status::Unavailable(
        fmt::format("controller at {} unreachable", config_.cluster.controller.ToString()),
        ErrorCode::kNetworkException);
  }
  return c.CallWith<Resp>(req, protocol::kClusterApiVersion, timeout_ms,
                          [](int32_t id, const std::string& client, const Req& r) {
                            return EncodeCluster(id, client, r);
                          });
}

bool ControllerLink::WaitUntilRegistered(int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    return registered_.load() || stopping_.load();
  }) && registered_.load();
}

// ---- Heartbeats. ----

void ControllerLink::HeartbeatLoop() {
  const int64_t backoff_ms =
      std::clamp<int64_t>(config_.replication.broker_heartbeat_interval_ms / 2, 10, 500);
  while (!stopping_.load() && !shut_down_.load()) {
    gates_->WaitWhilePaused();
    if (stopping_.load() || shut_down_.load()) break;
    if (!HeartbeatOnce()) Sleep(backoff_ms);
  }
}

bool ControllerLink::HeartbeatOnce() {
  const ListenerAddress self = hooks_.advertised();
  protocol::BrokerHeartbeatRequest req;
  req.broker_id = config_.node_id;
  req.incarnation = incarnation_;
  req.broker_epoch = broker_epoch_.load();
  req.host = self.host;
  req.port = self.port;
  req.rack = config_.replication.rack;
  req.controller_epoch = controller_epoch_.load();
  req.applied_version = applied_version_.load();
  req.max_wait_ms = config_.replication.broker_heartbeat_interval_ms;
  const int timeout = req.max_wait_ms + config_.replication.broker_session_timeout_ms;
  Result<protocol::BrokerHeartbeatResponse> resp =
      CallController<protocol::BrokerHeartbeatResponse>(heartbeat_conn_, req, timeout);
  if (!resp.ok()) {
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  counters_.heartbeats.fetch_add(1, std::memory_order_relaxed);
  if (resp->error_code == ErrorCode::kStaleBrokerEpoch && shutting_down_.load()) {
    shut_down_.store(true);
    return true;
  }
  if (resp->error_code == ErrorCode::kStaleBrokerEpoch) {
    log::Warn("broker.link",
              "broker {}: the controller fenced it (stale broker epoch {}); "
              "registering again",
              config_.node_id.value(), req.broker_epoch);
    broker_epoch_.store(-1);
    return true;
  }
  if (resp->error_code != ErrorCode::kNone) {
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
    log::Warn("broker.link", "broker {}: heartbeat refused: {}", config_.node_id.value(),
              ErrorName(resp->error_code));
    return false;
  }
  if (req.broker_epoch < 0) counters_.registrations.fetch_add(1, std::memory_order_relaxed);
  broker_epoch_.store(resp->broker_epoch);
  if (!resp->metadata) return true;
  {
    std::lock_guard<std::mutex> lock(apply_mu_);
    // A change computed against the version this request reported; ignored when an apply
    // finished meanwhile (the next heartbeat brings the changes since the new version).
    if (!applying_ && applied_version_.load() == req.applied_version) {
      to_apply_ = std::move(*resp->metadata);
      to_apply_controller_epoch_ = resp->controller_epoch;
      applying_ = true;
      apply_cv_.notify_all();
    }
  }
  // While the change is applied the controller answers every heartbeat at once (this broker is
  // behind): heartbeat at the interval until the apply is done.
  WaitForApply(config_.replication.broker_heartbeat_interval_ms);
  return true;
}

void ControllerLink::WaitForApply(int64_t ms) {
  std::unique_lock<std::mutex> lock(apply_mu_);
  apply_cv_.wait_for(lock, std::chrono::milliseconds(ms),
                     [&] { return !applying_ || stopping_.load(); });
}

void ControllerLink::ApplyLoop() {
  while (true) {
    protocol::MetadataDelta delta;
    int32_t controller_epoch = -1;
    {
      std::unique_lock<std::mutex> lock(apply_mu_);
      apply_cv_.wait(lock, [&] { return stopping_.load() || to_apply_.has_value(); });
      if (stopping_.load()) return;
      delta = std::move(*to_apply_);
      to_apply_.reset();
      controller_epoch = to_apply_controller_epoch_;
    }
    gates_->WaitWhilePaused();
    Status applied = stopping_.load() ? Status::Ok() : hooks_.apply_metadata(delta);
    if (!applied.ok()) {
      counters_.errors.fetch_add(1, std::memory_order_relaxed);
      log::Error("broker.link", "broker {}: applying metadata version {} failed: {}",
                 config_.node_id.value(), delta.version, applied.ToString());
    } else if (!stopping_.load()) {
      counters_.metadata_updates.fetch_add(1, std::memory_order_relaxed);
      controller_epoch_.store(controller_epoch);
      applied_version_.store(delta.version);
      if (!registered_.exchange(true)) {
        std::lock_guard<std::mutex> lock(mu_);
        cv_.notify_all();
      }
    }
    std::unique_lock<std::mutex> lock(apply_mu_);
    if (!applied.ok()) {  // the same change comes again: not at once
      apply_cv_.wait_for(lock,
                         std::chrono::milliseconds(std::clamp<int64_t>(
                             config_.replication.replica_fetch_backoff_ms, 10, 1000)),
                         [&] { return stopping_.load(); });
    }
    applying_ = false;
    apply_cv_.notify_all();
  }
}

// ---- ISR proposals. ----

void ControllerLink::ProposeIsr(IsrProposal proposal) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    TopicPartition tp = proposal.tp;
    proposals_[std::move(tp)] = std::move(proposal);
  }
  cv_.notify_all();
}

void ControllerLink::IsrLoop() {
  while (!stopping_.load()) {
    std::map<TopicPartition, IsrProposal> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_.load() || !proposals_.empty(); });
      if (stopping_.load()) return;
      batch.swap(proposals_);
    }
    gates_->WaitWhilePaused();
    if (SendIsr(batch)) continue;
    {
      std::lock_guard<std::mutex> lock(mu_);  // retry them, unless newer ones arrived meanwhile
      for (auto& [tp, p] : batch) proposals_.emplace(tp, std::move(p));
    }
    Sleep(std::clamp<int64_t>(config_.replication.replica_fetch_backoff_ms, 10, 1000));
  }
}

bool ControllerLink::SendIsr(std::map<TopicPartition, IsrProposal>& batch) {
  if (broker_epoch_.load() < 0) return false;
  protocol::AlterIsrRequest req;
  req.broker_id = config_.node_id;
  req.broker_epoch = broker_epoch_.load();
  for (const auto& [tp, p] : batch) {
    if (req.topics.empty() || req.topics.back().topic != tp.topic)
      req.topics.push_back({tp.topic, {}});
    req.topics.back().partitions.push_back(
        {tp.partition, p.leader_epoch, p.partition_epoch, p.new_isr});
  }
  counters_.alter_isr_requests.fetch_add(1, std::memory_order_relaxed);
  Result<protocol::AlterIsrResponse> resp = CallController<protocol::AlterIsrResponse>(
      isr_conn_, req, config_.replication.replica_socket_timeout_ms);
  if (!resp.ok()) {
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (resp->error_code != ErrorCode::kNone) {
    // Fenced: the proposals are moot; the metadata this broker gets next decides its roles.
    for (const auto& [tp, p] : batch) hooks_.isr_committed(tp, std::nullopt, ErrorCode::kNone);
    return true;
  }
  for (const auto& t : resp->topics) {
    for (const auto& p : t.partitions) {
      TopicPartition tp{t.topic, p.state.partition};
      if (p.error_code != ErrorCode::kNone) {
        log::Info("broker.link", "{}: ISR change refused: {}", tp.ToString(),
                  ErrorName(p.error_code));
      }
      hooks_.isr_committed(tp, FromWire(p.state), p.error_code);
    }
  }
  return true;
}

// ---- Blocking calls. ----

Result<protocol::CreateTopicsResponse> ControllerLink::CreateTopics(
    const protocol::CreateTopicsRequest& req) {
  std::lock_guard<std::mutex> lock(call_mu_);
  const int timeout = std::max(req.timeout_ms, 0) + config_.replication.replica_socket_timeout_ms;
  KB_ASSIGN_OR_RETURN(protocol::ForwardCreateTopicsResponse r,
                      CallController<protocol::ForwardCreateTopicsResponse>(
                          call_conn_, protocol::ForwardCreateTopicsRequest{req}, timeout));
  return std::move(r.body);
}

Result<protocol::DeleteTopicsResponse> ControllerLink::DeleteTopics(
    const protocol::DeleteTopicsRequest& req) {
  std::lock_guard<std::mutex> lock(call_mu_);
  const int timeout = std::max(req.timeout_ms, 0) + config_.replication.replica_socket_timeout_ms;
  KB_ASSIGN_OR_RETURN(protocol::ForwardDeleteTopicsResponse r,
                      CallController<protocol::ForwardDeleteTopicsResponse>(
                          call_conn_, protocol::ForwardDeleteTopicsRequest{req}, timeout));
  return std::move(r.body);
}

Result<std::pair<ProducerId, int64_t>> ControllerLink::AllocateProducerIds() {
  std::lock_guard<std::mutex> lock(call_mu_);
  protocol::AllocateProducerIdsRequest req{config_.node_id, broker_epoch_.load()};
  KB_ASSIGN_OR_RETURN(protocol::AllocateProducerIdsResponse r,
                      CallController<protocol::AllocateProducerIdsResponse>(
                          call_conn_, req, config_.replication.replica_socket_timeout_ms));
  if (r.error_code != ErrorCode::kNone || r.count <= 0) {
    return Status::Kafka(
        r.error_code == ErrorCode::kNone ? ErrorCode::kUnknownServerError : r.error_code,
        "the controller allocated no producer ids");
  }
  return std::make_pair(r.first_id, int64_t{r.count});
}

Result<protocol::ControlledShutdownResponse> ControllerLink::ControlledShutdown() {
  protocol::ControlledShutdownRequest req{config_.node_id, broker_epoch_.load()};
  if (req.broker_epoch < 0) return Status::Unavailable("not registered with the controller");
  // From now on a fencing (the controller answers parked heartbeats with STALE_BROKER_EPOCH as
  // the shutdown ends, possibly before this call returns) ends the heartbeats instead of
  // registering again; heartbeats go on until then, so the session does not expire mid-shutdown.
  shutting_down_.store(true);
  const int timeout = static_cast<int>(
      std::min<int64_t>(config_.replication.controlled_shutdown_timeout_ms + 5000, INT32_MAX));
  Result<protocol::ControlledShutdownResponse> r =
      CallController<protocol::ControlledShutdownResponse>(shutdown_conn_, req, timeout);
  // Answered: the controller fenced this broker. It must not register again while it stops (it
  // would be activated and handed leaderships back).
  if (r.ok() && r->error_code != ErrorCode::kStaleBrokerEpoch) shut_down_.store(true);
  return r;
}

}  // namespace kbench::broker
