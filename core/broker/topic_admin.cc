#include "core/broker/topic_admin.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/base/log.h"
#include "core/broker/replica_placement.h"

namespace kbench::broker {
namespace {

Status Fail(ErrorCode code, std::string message) { return Status::Kafka(code, std::move(message)); }

std::string Canonical(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '.', '_');
  return out;
}

}  // namespace

TopicAdmin::TopicAdmin(const BrokerConfig* config, MetadataStore* metadata,
                       ReplicaManager* replicas, storage::LogManager* logs)
    : config_(config), metadata_(metadata), replicas_(replicas), logs_(logs) {}

Result<NewTopic> NewTopicFromRequest(const protocol::CreateTopicsRequest::Topic& t) {
  NewTopic out;
  out.name = t.name;
  out.num_partitions = t.num_partitions;
  out.replication_factor = t.replication_factor;
  for (const protocol::CreateTopicsRequest::Assignment& a : t.assignments) {
    if (!out.assignments.emplace(a.partition_index, a.broker_ids).second) {
      return Status::Kafka(
          ErrorCode::kInvalidReplicaAssignment,
          fmt::format("partition {} is assigned twice", a.partition_index.value()));
    }
  }
  for (const protocol::CreateTopicsRequest::Config& c : t.configs) {
    if (!c.value) {
      return Status::Kafka(ErrorCode::kInvalidConfig,
                           fmt::format("config '{}' has a null value", c.name));
    }
    out.configs[c.name] = *c.value;
  }
  return out;
}

Status TopicAdmin::ValidateTopicName(std::string_view name) {
  if (name.empty()) return Fail(ErrorCode::kInvalidTopicException, "topic name is empty");
  if (name == "." || name == "..") {
    return Fail(ErrorCode::kInvalidTopicException,
                fmt::format("topic name '{}' is not allowed", name));
  }
  if (name.size() > 249) {
    return Fail(ErrorCode::kInvalidTopicException,
                fmt::format("topic name is {} characters long (at most 249)", name.size()));
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Fail(ErrorCode::kInvalidTopicException,
                  fmt::format("topic name '{}' has characters outside [a-zA-Z0-9._-]", name));
    }
  }
  return Status::Ok();
}

std::vector<BrokerId> TopicAdmin::LiveBrokers() const {
  std::vector<BrokerId> ids;
  for (const BrokerEndpoint& b : metadata_->Brokers()) ids.push_back(b.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status TopicAdmin::CheckReplicationFactor(int32_t factor, size_t live) const {
  if (factor <= 0) {
    return Fail(ErrorCode::kInvalidReplicationFactor,
                fmt::format("replication factor must be larger than 0 (got {})", factor));
  }
  if (static_cast<size_t>(factor) > live) {
    return Fail(
        ErrorCode::kInvalidReplicationFactor,
        fmt::format("replication factor: {} larger than available brokers: {}", factor, live));
  }
  return Status::Ok();
}

Status TopicAdmin::AssignmentFromRequest(const NewTopic& t, TopicRecord* out) const {
  if (t.num_partitions != -1 || t.replication_factor != -1) {
    return Fail(ErrorCode::kInvalidRequest,
                "both num_partitions or replication_factor and a replica assignment were set");
  }
  const std::vector<BrokerId> live = LiveBrokers();
  if (t.assignments.size() > static_cast<size_t>(kMaxPartitionsPerTopic)) {
    return Fail(ErrorCode::kInvalidPartitions,
                fmt::format("{} partitions: kbench creates at most {} per topic",
                            t.assignments.size(), kMaxPartitionsPerTopic));
  }
  size_t factor = 0;
  int32_t expected = 0;
  for (const auto& [index, brokers] : t.assignments) {
    if (index.value() != expected++) {
      return Fail(ErrorCode::kInvalidReplicaAssignment,
                  "partitions in the assignment must be numbered 0, 1, ... without gaps");
    }
    if (brokers.empty() || (factor != 0 && brokers.size() != factor)) {
      return Fail(ErrorCode::kInvalidReplicaAssignment,
                  fmt::format("partition {}: every partition needs the same, non-zero number of "
                              "replicas",
                              index.value()));
    }
    factor = brokers.size();
    std::set<BrokerId> seen;
    for (BrokerId b : brokers) {
      if (!seen.insert(b).second) {
        return Fail(ErrorCode::kInvalidReplicaAssignment,
                    fmt::format("partition {}: broker {} listed twice", index.value(), b.value()));
      }
      if (!std::binary_search(live.begin(), live.end(), b)) {
        return Fail(
            ErrorCode::kInvalidReplicaAssignment,
            fmt::format("partition {}: broker {} is not a live broker", index.value(), b.value()));
      }
    }
    out->partitions.push_back(
        PartitionState{index, brokers, brokers, brokers.front(), LeaderEpoch(0)});
  }
  return Status::Ok();
}

void TopicAdmin::Assign(int32_t partitions, int16_t factor, TopicRecord* out) const {
  // Kafka's placement (replica_placement.h): round-robin with a growing follower shift, rack-aware
  // when every live broker has a rack; the first replica is the preferred leader and leads.
  std::vector<PlacementBroker> live;
  for (const BrokerEndpoint& b : metadata_->Brokers()) live.push_back({b.id, b.rack});
  const std::vector<std::vector<BrokerId>> assignment = AssignReplicas(
      std::move(live),
      PlacementOptions{.partitions = partitions, .replication_factor = factor, .topic = out->name});
  for (int32_t p = 0; p < partitions; ++p) {
    const std::vector<BrokerId>& replicas = assignment[static_cast<size_t>(p)];
    out->partitions.push_back(
        PartitionState{PartitionId(p), replicas, replicas, replicas.front(), LeaderEpoch(0)});
  }
}

Result<TopicRecord> TopicAdmin::Plan(const NewTopic& t) const {
  KB_RETURN_IF_ERROR(ValidateTopicName(t.name));
  if (metadata_->HasTopic(t.name)) {
    return Fail(ErrorCode::kTopicAlreadyExists, fmt::format("topic '{}' already exists", t.name));
  }
  for (const std::string& existing : metadata_->TopicNames()) {
    if (Canonical(existing) == Canonical(t.name)) {
      return Fail(ErrorCode::kInvalidTopicException,
                  fmt::format("topic '{}' collides with existing topic '{}' ('.' and '_' are "
                              "treated alike)",
                              t.name, existing));
    }
  }
  for (const auto& [key, value] : t.configs) {
    if (!TopicConfig::IsTopicProperty(key)) {
      return Fail(ErrorCode::kInvalidConfig, fmt::format("unknown topic config '{}'", key));
    }
  }
  TopicRecord record{t.name, t.internal, t.configs, {}};
  KB_RETURN_IF_ERROR(EffectiveConfig(record).status());
  if (!t.assignments.empty()) {
    KB_RETURN_IF_ERROR(AssignmentFromRequest(t, &record));
    return record;
  }
  const int32_t partitions = t.num_partitions == -1 ? config_->num_partitions : t.num_partitions;
  if (partitions <= 0) {
    return Fail(ErrorCode::kInvalidPartitions,
                fmt::format("number of partitions must be larger than 0 (got {})", partitions));
  }
  if (partitions > kMaxPartitionsPerTopic) {
    return Fail(ErrorCode::kInvalidPartitions,
                fmt::format("{} partitions: kbench creates at most {} per topic (each holds files "
                            "and memory maps)",
                            partitions, kMaxPartitionsPerTopic));
  }
  const int16_t factor =
      t.replication_factor == -1 ? config_->default_replication_factor : t.replication_factor;
  KB_RETURN_IF_ERROR(CheckReplicationFactor(factor, LiveBrokers().size()));
  Assign(partitions, factor, &record);
  return record;
}

Result<TopicConfig> TopicAdmin::EffectiveConfig(const TopicRecord& topic) const {
  return TopicConfig::Resolve(config_->topic_defaults, topic.configs);
}

Status TopicAdmin::LeadPartitions(const TopicRecord& topic) {
  KB_ASSIGN_OR_RETURN(TopicConfig config, EffectiveConfig(topic));
  const BrokerId local = replicas_->local_broker();
  for (const PartitionState& state : topic.partitions) {
    if (state.leader != local) continue;
    TopicPartition tp{topic.name, state.partition};
    KB_RETURN_IF_ERROR(replicas_->BecomeLeader(tp, state, config).WithContext(tp.ToString()));
  }
  return Status::Ok();
}

Result<TopicRecord> TopicAdmin::Create(const NewTopic& topic) {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(TopicRecord record, Plan(topic));
  KB_RETURN_IF_ERROR(metadata_->CreateTopic(record));
  KB_RETURN_IF_ERROR(LeadPartitions(record));
  log::Info(
      "broker.topics", "created topic {} ({} partitions, replication factor {}{})", record.name,
      record.partitions.size(),
      record.partitions.empty() ? 0 : record.partitions.front().replicas.size(),
      record.configs.empty() ? "" : fmt::format(", {} config overrides", record.configs.size()));
  return record;
}

Status TopicAdmin::Delete(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<TopicRecord> topic = metadata_->GetTopic(name);
  if (!topic) {
    return Fail(ErrorCode::kUnknownTopicOrPartition,
                fmt::format("topic '{}' does not exist", name));
  }
  if (topic->internal) {
    return Fail(ErrorCode::kInvalidRequest,
                fmt::format("topic '{}' is internal and cannot be deleted", name));
  }
  for (const PartitionState& state : topic->partitions) {
    KB_RETURN_IF_ERROR(replicas_->DeletePartition(TopicPartition{topic->name, state.partition}));
  }
  KB_RETURN_IF_ERROR(metadata_->DeleteTopic(name));
  log::Info("broker.topics", "deleted topic {}", name);
  return Status::Ok();
}

Status TopicAdmin::AdoptStrayLogs() {
  std::map<std::string, int32_t> strays;  // topic -> partition count
  for (const TopicPartition& tp : logs_->Partitions()) {
    if (metadata_->HasTopic(tp.topic)) continue;
    int32_t& n = strays[tp.topic];
    n = std::max(n, tp.partition.value() + 1);
  }
  const std::map<std::string, std::string> defaults = config_->topic_defaults.log.ToProperties();
  for (const auto& [name, partitions] : strays) {
    TopicRecord record{name, IsInternalTopic(name), {}, {}};
    std::shared_ptr<storage::PartitionLog> log =
        logs_->GetLog(TopicPartition{name, PartitionId(0)});
    if (log != nullptr) {
      for (const auto& [key, value] : log->config().ToProperties()) {
        auto it = defaults.find(key);
        if (it == defaults.end() || it->second != value) record.configs[key] = value;
      }
    }
    Assign(partitions, 1, &record);
    for (PartitionState& s : record.partitions) {
      s.replicas = s.isr = {replicas_->local_broker()};
      s.leader = replicas_->local_broker();
    }
    log::Warn("broker.topics",
              "adopting logs of topic {} ({} partitions) that the cluster metadata does not list",
              name, partitions);
    KB_RETURN_IF_ERROR(metadata_->CreateTopic(std::move(record)));
  }
  return Status::Ok();
}

Status TopicAdmin::LoadPartitions() {
  std::lock_guard<std::mutex> lock(mu_);
  KB_RETURN_IF_ERROR(AdoptStrayLogs());
  const BrokerId local = replicas_->local_broker();
  const std::vector<BrokerId> live = LiveBrokers();
  for (TopicRecord& topic : metadata_->Topics()) {
    for (PartitionState& state : topic.partitions) {
      const bool leader_live = std::binary_search(live.begin(), live.end(), state.leader);
      const bool local_replica =
          std::find(state.replicas.begin(), state.replicas.end(), local) != state.replicas.end();
      if (!leader_live && local_replica) {
        // Its leader is gone and this broker holds a replica: elect it (a lone broker is its own
        // ISR), as the controller does when the old leader does not come back.
        state.leader = local;
        state.leader_epoch = LeaderEpoch(state.leader_epoch.value() + 1);
        state.isr = {local};
        KB_RETURN_IF_ERROR(metadata_->UpdatePartition(topic.name, state));
      } else if (!leader_live) {
        log::Warn("broker.topics", "{}-{} is offline: its replicas are not live brokers",
                  topic.name, state.partition.value());
      }
    }
    KB_RETURN_IF_ERROR(LeadPartitions(topic));
  }
  return Status::Ok();
}

Status TopicAdmin::EnsureOffsetsTopic() {
  if (metadata_->HasTopic(kConsumerOffsetsTopic)) return Status::Ok();
  NewTopic t;
  t.name = std::string(kConsumerOffsetsTopic);
  t.internal = true;
  t.num_partitions = config_->groups.offsets_topic_num_partitions;
  t.replication_factor = static_cast<int16_t>(std::min<size_t>(
      config_->offsets_topic_replication_factor, std::max<size_t>(1, LiveBrokers().size())));
  t.configs["cleanup.policy"] = "compact";
  t.configs["segment.bytes"] = std::to_string(config_->offsets_topic_segment_bytes);
  return Create(t).status();
}

}  // namespace kbench::broker
