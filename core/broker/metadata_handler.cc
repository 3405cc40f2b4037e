// Metadata (key 3): brokers, cluster id, controller, and the requested topics (null or, at v0, an
// empty list: every topic, internal ones included) with their partitions' leader, leader epoch,
// replicas, ISR and offline replicas, from the MetadataStore. An unknown topic is
// UNKNOWN_TOPIC_OR_PARTITION unless auto.create.topics.enable is on (off by default here) and the
// request allows it (v4+ allow_auto_topic_creation; always at v0-3): then it is created with the
// broker defaults on the admin executor and answered with its partitions.
#include <algorithm>

#include "core/broker/api_dispatch.h"

namespace kbench::broker {
namespace {

using protocol::MetadataRequest;
using protocol::MetadataResponse;

MetadataResponse::Topic DescribeTopic(const ApiContext& ctx, const std::string& name,
                                      const std::vector<BrokerId>& live, ErrorCode missing_error) {
  MetadataResponse::Topic out;
  out.name = name;
  std::optional<TopicRecord> topic = ctx.metadata->GetTopic(name);
  if (!topic) {
    out.error_code = missing_error;
    return out;
  }
  out.is_internal = topic->internal;
  for (const PartitionState& s : topic->partitions) {
    MetadataResponse::Partition& p = out.partitions.emplace_back();
    p.partition_index = s.partition;
    const bool leader_live = std::binary_search(live.begin(), live.end(), s.leader);
    p.error_code = leader_live ? ErrorCode::kNone : ErrorCode::kLeaderNotAvailable;
    p.leader_id = leader_live ? s.leader : kNoBroker;
    p.leader_epoch = s.leader_epoch;
    p.replica_nodes = s.replicas;
    p.isr_nodes = s.isr;
    for (BrokerId r : s.replicas) {
      if (!std::binary_search(live.begin(), live.end(), r)) p.offline_replicas.push_back(r);
    }
  }
  return out;
}

MetadataResponse Build(const ApiContext& ctx, const std::vector<std::string>& names,
                       const std::map<std::string, ErrorCode>& errors) {
  MetadataResponse resp;
  std::vector<BrokerId> live;
  for (const BrokerEndpoint& b : ctx.metadata->Brokers()) {
    resp.brokers.push_back(MetadataResponse::Broker{b.id, b.host, b.port, b.rack});
    live.push_back(b.id);
  }
  std::sort(live.begin(), live.end());
  resp.cluster_id = ctx.metadata->cluster_id();
  resp.controller_id = ctx.metadata->controller_id();
  for (const std::string& name : names) {
    ErrorCode missing = ErrorCode::kUnknownTopicOrPartition;
    if (auto it = errors.find(name); it != errors.end()) missing = it->second;
    if (!TopicAdmin::ValidateTopicName(name).ok()) missing = ErrorCode::kInvalidTopicException;
    resp.topics.push_back(DescribeTopic(ctx, name, live, missing));
  }
  return resp;
}

}  // namespace

void HandleMetadata(ApiContext& ctx, ApiCall call) {
  MetadataRequest& req = call.Body<MetadataRequest>();
  std::vector<std::string> names = req.topics ? *req.topics : ctx.metadata->TopicNames();
  const bool may_create = ctx.config->auto_create_topics_enable &&
                          (call.version() < 4 || req.allow_auto_topic_creation);
  std::vector<std::string> to_create;
  if (may_create) {
    for (const std::string& name : names) {
      if (!ctx.metadata->HasTopic(name) && TopicAdmin::ValidateTopicName(name).ok() &&
          std::find(to_create.begin(), to_create.end(), name) == to_create.end()) {
        to_create.push_back(name);
      }
    }
  }
  ResponseSlot slot(call);
  if (to_create.empty()) {
    slot.Send(Build(ctx, names, {}));
    return;
  }
  ctx.admin->Submit([&ctx, slot, names = std::move(names),
                     to_create = std::move(to_create)]() mutable {
    std::map<std::string, ErrorCode> errors;
    if (ctx.link != nullptr) {  // a cluster: the controller creates topics
      protocol::CreateTopicsRequest req;
      req.timeout_ms = 30000;
      for (const std::string& name : to_create) req.topics.push_back({name, -1, -1, {}, {}});
      Result<protocol::CreateTopicsResponse> r = ctx.link->CreateTopics(req);
      for (const std::string& name : to_create) {
        if (!r.ok()) errors[name] = ErrorCode::kLeaderNotAvailable;
      }
      if (r.ok()) {
        for (const auto& t : r->topics) {
          if (t.error_code != ErrorCode::kNone && t.error_code != ErrorCode::kTopicAlreadyExists)
            errors[t.name] = t.error_code;
        }
      }
    } else {
      for (const std::string& name : to_create) {
        NewTopic t;
        t.name = name;
        Result<TopicRecord> created = ctx.topics->Create(t);
        if (!created.ok() && created.status().kafka_error() != ErrorCode::kTopicAlreadyExists) {
          errors[name] = created.status().kafka_error();
        }
      }
    }
    slot.Send(Build(ctx, names, errors));
  });
}

}  // namespace kbench::broker
