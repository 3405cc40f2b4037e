// ReplicationConfig: the settings of replication and of the bundled cluster's controller, under
// the Kafka broker property names they mirror, so `kbench broker --set`, `kbench cluster --set`,
// a YAML file, the embedded cluster and the tests fill the same struct. A plain value.
//
// Defaults are Kafka 3.x's (KRaft's for heartbeats). For loopback tests and benchmarks the
// cluster is usually run with much shorter timeouts (tests/faults uses heartbeats of 50 ms, a
// session timeout of 400 ms, replica.lag.time.max.ms of 1-2 s; see docs/architecture.md).
//
//   replica.lag.time.max.ms              30000  a follower not caught up this long leaves the ISR
//   replica.fetch.wait.max.ms              500  follower long poll (must be < lag time)
//   replica.fetch.min.bytes                  1
//   replica.fetch.max.bytes            1048576  per partition
//   replica.fetch.response.max.bytes  10485760  per fetch
//   replica.fetch.backoff.ms              1000  after a fetch error
//   replica.socket.timeout.ms            30000  a fetch or epoch request without an answer
//   replica.high.watermark.checkpoint.interval.ms  5000
//   broker.heartbeat.interval.ms          2000  broker -> controller long poll
//   broker.session.timeout.ms             9000  no heartbeat this long: the broker is fenced
//   controlled.shutdown.enable            true  move leaders away before a clean stop
//   controlled.shutdown.timeout.ms       30000  (kbench) give up waiting for the controller
//   auto.leader.rebalance.enable          true  move leadership back to preferred replicas
//   leader.imbalance.check.interval.seconds 300 (also .ms, kbench)
//   leader.imbalance.per.broker.percentage   10
//   broker.rack                                 this broker's rack (rack-aware placement)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace kbench::broker {

struct ReplicationConfig {
  int64_t replica_lag_time_max_ms = 30000;
  int32_t replica_fetch_wait_max_ms = 500;
  int32_t replica_fetch_min_bytes = 1;
  int32_t replica_fetch_max_bytes = 1048576;
  int32_t replica_fetch_response_max_bytes = 10485760;
  int32_t replica_fetch_backoff_ms = 1000;
  int32_t replica_socket_timeout_ms = 30000;
  int64_t replica_high_watermark_checkpoint_interval_ms = 5000;
  int32_t broker_heartbeat_interval_ms = 2000;
  int32_t broker_session_timeout_ms = 9000;
  bool controlled_shutdown_enable = true;
  int64_t controlled_shutdown_timeout_ms = 30000;
  bool auto_leader_rebalance_enable = true;
  int64_t leader_imbalance_check_interval_ms = 300000;
  int32_t leader_imbalance_per_broker_percentage = 10;
  std::optional<std::string> rack;  // broker.rack

  // Sets the property `key`; false when it is not one of the names above (the caller offers it
  // elsewhere), InvalidArgument naming the key and the accepted range for a bad value.
  Result<bool> Set(std::string_view key, std::string_view value);
  // Checks the combination (fetch wait below the lag time, session timeout above the heartbeat
  // interval); the message names the properties.
  Status Validate() const;
};

}  // namespace kbench::broker
