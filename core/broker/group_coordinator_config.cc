#include "core/broker/group_coordinator_config.h"

#include <fmt/format.h>

#include <charconv>
#include <string>

namespace kbench::broker {
namespace {

Result<int64_t> ParseInt(std::string_view key, std::string_view value, int64_t min, int64_t max) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size()) {
    return Status::InvalidArgument(fmt::format("{}: '{}' is not an integer", key, value),
                                   ErrorCode::kInvalidConfig);
  }
  if (v < min || v > max) {
    return Status::InvalidArgument(fmt::format("{}: {} is outside [{}, {}]", key, v, min, max),
                                   ErrorCode::kInvalidConfig);
  }
  return v;
}

template <typename T>
Status Assign(T* field, std::string_view key, std::string_view value, int64_t min,
              int64_t max = std::numeric_limits<T>::max()) {
  KB_ASSIGN_OR_RETURN(int64_t v, ParseInt(key, value, min, max));
  *field = static_cast<T>(v);
  return Status::Ok();
}

constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();

}  // namespace

Result<bool> GroupCoordinatorConfig::Set(std::string_view key, std::string_view value) {
  Status s;
  if (key == "broker.id" || key == "node.id") {
    int32_t id = 0;
    s = Assign(&id, key, value, 0);
    broker_id = BrokerId(id);
  } else if (key == "offsets.topic.num.partitions") {
    s = Assign(&offsets_topic_num_partitions, key, value, 1);
  } else if (key == "group.min.session.timeout.ms") {
    s = Assign(&group_min_session_timeout_ms, key, value, 0);
  } else if (key == "group.max.session.timeout.ms") {
    s = Assign(&group_max_session_timeout_ms, key, value, 0);
  } else if (key == "group.initial.rebalance.delay.ms") {
    s = Assign(&group_initial_rebalance_delay_ms, key, value, 0);
  } else if (key == "group.max.size") {
    s = Assign(&group_max_size, key, value, 1);
  } else if (key == "offsets.retention.ms") {
    s = Assign(&offsets_retention_ms, key, value, 1);
  } else if (key == "offsets.retention.minutes") {
    int64_t minutes = 0;
    s = Assign(&minutes, key, value, 1, kI32Max);
    offsets_retention_ms = minutes * 60000;
  } else if (key == "offsets.retention.check.interval.ms") {
    s = Assign(&offsets_retention_check_interval_ms, key, value, 1);
  } else if (key == "offset.metadata.max.bytes") {
    s = Assign(&offset_metadata_max_bytes, key, value, 0, 32767);
  } else {
    return false;
  }
  if (!s.ok()) return s;
  return true;
}

Status GroupCoordinatorConfig::Validate() const {
  if (offsets_topic_num_partitions <= 0) {
    return Status::InvalidArgument(
        fmt::format("offsets.topic.num.partitions must be positive, is {}",
                    offsets_topic_num_partitions),
        ErrorCode::kInvalidConfig);
  }
  if (group_min_session_timeout_ms > group_max_session_timeout_ms) {
    return Status::InvalidArgument(
        fmt::format("group.min.session.timeout.ms ({}) exceeds group.max.session.timeout.ms ({})",
                    group_min_session_timeout_ms, group_max_session_timeout_ms),
        ErrorCode::kInvalidConfig);
  }
  if (group_initial_rebalance_delay_ms < 0 || group_max_size <= 0 || offsets_retention_ms <= 0 ||
      offsets_retention_check_interval_ms <= 0 || offset_metadata_max_bytes < 0 ||
      new_member_join_timeout_ms <= 0) {
    return Status::InvalidArgument(
        "group coordinator config: delays, sizes and intervals must not be negative",
        ErrorCode::kInvalidConfig);
  }
  return Status::Ok();
}

}  // namespace kbench::broker
