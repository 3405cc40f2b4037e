// ApiContext: the broker components a request handler may use. Plain pointers, none owned: the
// Broker owns every component and outlives every handler call (the socket server stops calling
// handlers before the broker tears anything down).
#pragma once

#include "core/base/strong_int.h"
#include "core/broker/admin_executor.h"
#include "core/broker/broker_config.h"
#include "core/broker/controller_link.h"
#include "core/broker/group_coordinator.h"
#include "core/broker/metadata_store.h"
#include "core/broker/producer_id_manager.h"
#include "core/broker/replica_manager.h"
#include "core/broker/topic_admin.h"

namespace kbench::broker {

struct ApiContext {
  const BrokerConfig* config = nullptr;
  MetadataStore* metadata = nullptr;
  ReplicaManager* replicas = nullptr;
  TopicAdmin* topics = nullptr;
  ProducerIdManager* producer_ids = nullptr;
  AdminExecutor* admin = nullptr;  // blocking work (topic changes, producer-id blocks)
  GroupCoordinator* groups = nullptr;
  // A cluster member's link to its controller (null on a lone broker): topic changes go there.
  ControllerLink* link = nullptr;
};

}  // namespace kbench::broker
