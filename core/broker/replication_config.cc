#include "core/broker/replication_config.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

namespace kbench::broker {
namespace {

constexpr int64_t kI32 = std::numeric_limits<int32_t>::max();
constexpr int64_t kI64 = std::numeric_limits<int64_t>::max();

template <typename T>
Status Assign(T* out, std::string_view key, std::string_view value, int64_t min, int64_t max) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || v < min ||
      v > max) {
    return Status::InvalidArgument(
        fmt::format("{}: '{}' is not valid (expected an integer in [{}, {}])", key, value, min, max),
        ErrorCode::kInvalidConfig);
  }
  *out = static_cast<T>(v);
  return Status::Ok();
}

Status AssignBool(bool* out, std::string_view key, std::string_view value) {
  if (value != "true" && value != "false") {
    return Status::InvalidArgument(
        fmt::format("{}: '{}' is not valid (expected true or false)", key, value),
        ErrorCode::kInvalidConfig);
  }
  *out = value == "true";
  return Status::Ok();
}

}  // namespace

Result<bool> ReplicationConfig::Set(std::string_view key, std::string_view value) {
  Status s;
  if (key == "replica.lag.time.max.ms") {
    s = Assign(&replica_lag_time_max_ms, key, value, 1, kI64);
  } else if (key == "replica.fetch.wait.max.ms") {
    s = Assign(&replica_fetch_wait_max_ms, key, value, 0, kI32);
  } else if (key == "replica.fetch.min.bytes") {
    s = Assign(&replica_fetch_min_bytes, key, value, 1, kI32);
  } else if (key == "replica.fetch.max.bytes") {
    s = Assign(&replica_fetch_max_bytes, key, value, 1024, kI32);
  } else if (key == "replica.fetch.response.max.bytes") {
    s = Assign(&replica_fetch_response_max_bytes, key, value, 1024, kI32);
  } else if (key == "replica.fetch.backoff.ms") {
    s = Assign(&replica_fetch_backoff_ms, key, value, 0, kI32);
  } else if (key == "replica.socket.timeout.ms") {
    s = Assign(&replica_socket_timeout_ms, key, value, 1, kI32);
  } else if (key == "replica.high.watermark.checkpoint.interval.ms") {
    s = Assign(&replica_high_watermark_checkpoint_interval_ms, key, value, 1, kI64);
  } else if (key == "broker.heartbeat.interval.ms") {
    s = Assign(&broker_heartbeat_interval_ms, key, value, 1, kI32);
  } else if (key == "broker.session.timeout.ms") {
    s = Assign(&broker_session_timeout_ms, key, value, 1, kI32);
  } else if (key == "controlled.shutdown.enable") {
    s = AssignBool(&controlled_shutdown_enable, key, value);
  } else if (key == "controlled.shutdown.timeout.ms") {
    s = Assign(&controlled_shutdown_timeout_ms, key, value, 1, kI64);
  } else if (key == "auto.leader.rebalance.enable") {
    s = AssignBool(&auto_leader_rebalance_enable, key, value);
  } else if (key == "leader.imbalance.check.interval.seconds") {
    int64_t seconds = 0;
    s = Assign(&seconds, key, value, 1, kI32);
    leader_imbalance_check_interval_ms = seconds * 1000;
  } else if (key == "leader.imbalance.check.interval.ms") {
    s = Assign(&leader_imbalance_check_interval_ms, key, value, 1, kI64);
  } else if (key == "leader.imbalance.per.broker.percentage") {
    s = Assign(&leader_imbalance_per_broker_percentage, key, value, 0, 100);
  } else if (key == "broker.rack") {
    if (value.empty() || value.find_first_of(" \n,") != std::string_view::npos) {
      return Status::InvalidArgument(
          fmt::format("broker.rack: '{}' is not valid (one word, no commas)", value),
          ErrorCode::kInvalidConfig);
    }
    rack = std::string(value);
  } else {
    return false;
  }
  if (!s.ok()) return s;
  return true;
}

Status ReplicationConfig::Validate() const {
  if (replica_fetch_wait_max_ms >= replica_lag_time_max_ms) {
    return Status::InvalidArgument(
        fmt::format("replica.fetch.wait.max.ms ({}) must be below replica.lag.time.max.ms ({}): "
                    "an idle follower would drop out of the ISR between two fetches",
                    replica_fetch_wait_max_ms, replica_lag_time_max_ms),
        ErrorCode::kInvalidConfig);
  }
  if (broker_session_timeout_ms <= broker_heartbeat_interval_ms) {
    return Status::InvalidArgument(
        fmt::format("broker.session.timeout.ms ({}) must be above broker.heartbeat.interval.ms "
                    "({})",
                    broker_session_timeout_ms, broker_heartbeat_interval_ms),
        ErrorCode::kInvalidConfig);
  }
  return Status::Ok();
}

}  // namespace kbench::broker
