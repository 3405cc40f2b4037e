// BrokerConfig: everything one broker is told, by the Kafka property names it mirrors, so the
// `kbench broker` flags (--set key=value), its YAML file, the embedded cluster and the tests fill
// the same struct through Set(). A plain value; Validate() before handing it to Broker.
//
// Property groups (each name is Kafka's unless marked):
//   identity     node.id (broker.id), listeners, advertised.listeners, log.dirs (log.dir)
//   topics       num.partitions, default.replication.factor, auto.create.topics.enable (false here:
//                the sign-up outage in seed 002 came from an auto-created RF=1 topic),
//                min.insync.replicas, unclean.leader.election.enable, and every storage default by
//                its broker name (log.segment.bytes, log.retention.ms/.minutes/.hours,
//                log.retention.bytes, message.max.bytes, log.cleanup.policy, log.flush.*, ...)
//   network      socket.request.max.bytes, connections.max.idle.ms, num.network.threads,
//                num.io.threads, max.connections, socket.send.buffer.bytes,
//                socket.receive.buffer.bytes, queued.max.requests (applied per connection)
//   log manager  log.retention.check.interval.ms, log.flush.offset.checkpoint.interval.ms,
//                log.flush.scheduler.interval.ms, log.cleaner.enable, log.cleaner.backoff.ms
//   producers    producer.id.expiration.ms, producer.state.snapshot.interval.ms (kbench: how often
//                idempotence state is checkpointed; see docs/architecture.md "Broker")
//   offsets      offsets.topic.num.partitions, offsets.topic.replication.factor,
//                offsets.topic.segment.bytes, offsets.commit.timeout.ms (the internal
//                __consumer_offsets topic)
//   groups       group.initial.rebalance.delay.ms, group.min/max.session.timeout.ms,
//                group.max.size, offsets.retention.minutes (.ms),
//                offsets.retention.check.interval.ms, offset.metadata.max.bytes
//                (GroupCoordinatorConfig; node.id and offsets.topic.num.partitions are shared with
//                it)
//   replication  replica.lag.time.max.ms, replica.fetch.*, broker.heartbeat.interval.ms,
//                broker.session.timeout.ms, controlled.shutdown.*, auto.leader.rebalance.enable,
//                leader.imbalance.*, broker.rack (ReplicationConfig)
//   cluster      the member list and the controller's address (ClusterConfig: set by
//                `kbench broker --cluster` and the embedded cluster, not by a property)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/broker/cluster_config.h"
#include "core/broker/group_coordinator_config.h"
#include "core/broker/replication_config.h"
#include "core/broker/socket_server_config.h"
#include "core/broker/topic_config.h"

namespace kbench::broker {

struct BrokerConfig {
  BrokerId node_id{0};  // node.id / broker.id
  // listeners: one PLAINTEXT listener, "HOST:PORT" or "PLAINTEXT://HOST:PORT"; port 0 picks a free
  // port. It also carries the network settings above.
  SocketServerConfig network;
  // advertised.listeners: what Metadata and FindCoordinator tell clients; unset = the bound
  // listener (with 0.0.0.0 / :: / an empty host replaced by 127.0.0.1).
  std::optional<ListenerAddress> advertised_listener;
  std::vector<std::string> log_dirs;  // log.dirs

  int32_t num_partitions = 1;              // num.partitions
  int16_t default_replication_factor = 1;  // default.replication.factor
  bool auto_create_topics_enable = false;  // auto.create.topics.enable (Kafka: true)
  TopicConfig topic_defaults;              // min.insync.replicas, log.* defaults

  // LogManager schedule.
  int64_t log_retention_check_interval_ms = 5 * 60 * 1000;      // log.retention.check.interval.ms
  int64_t log_flush_offset_checkpoint_interval_ms = 60 * 1000;  // log.flush.offset.checkpoint...
  int64_t log_flush_scheduler_interval_ms = 1000;               // log.flush.scheduler.interval.ms
  bool log_cleaner_enable = true;                               // log.cleaner.enable
  int64_t log_cleaner_backoff_ms = 15 * 1000;                   // log.cleaner.backoff.ms

  int64_t producer_id_expiration_ms = 24LL * 3600 * 1000;   // producer.id.expiration.ms
  int64_t producer_state_snapshot_interval_ms = 60 * 1000;  // (kbench) idempotence checkpoints

  int16_t offsets_topic_replication_factor = 3;             // offsets.topic.replication.factor
  int32_t offsets_topic_segment_bytes = 100 * 1024 * 1024;  // offsets.topic.segment.bytes
  int32_t offsets_commit_timeout_ms = 5000;                 // offsets.commit.timeout.ms
  // The group coordinator's settings; its broker_id follows node.id (set by Broker::Create) and
  // offsets.topic.num.partitions (50) lives there.
  GroupCoordinatorConfig groups;
  ReplicationConfig replication;
  ClusterConfig cluster;  // no members: a lone broker

  // Sets one property. InvalidArgument naming the key and what is accepted for an unknown key or
  // a bad value.
  Status Set(std::string_view key, std::string_view value);
  // "key=value" (the --set form).
  Status SetAssignment(std::string_view assignment);
  // Checks the combination; the message names the property.
  Status Validate() const;

  // What Metadata advertises for this broker.
  ListenerAddress AdvertisedAddress(const ListenerAddress& bound) const;
};

}  // namespace kbench::broker
