#include "core/broker/broker_config.h"

#include <fmt/format.h>

#include <charconv>
#include <functional>
#include <limits>
#include <map>

namespace kbench::broker {
namespace {

Status Bad(std::string_view key, std::string_view value, std::string_view expected) {
  return Status::InvalidArgument(
      fmt::format("{}: '{}' is not valid (expected {})", key, value, expected),
      ErrorCode::kInvalidConfig);
}

template <typename T>
Status ParseInt(std::string_view key, std::string_view value, int64_t min, int64_t max, T* out) {
  int64_t v = 0;
  std::string_view s = value;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || v < min || v > max) {
    return Bad(key, value, fmt::format("an integer in [{}, {}]", min, max));
  }
  *out = static_cast<T>(v);
  return Status::Ok();
}

Status ParseBool(std::string_view key, std::string_view value, bool* out) {
  if (value == "true") {
    *out = true;
  } else if (value == "false") {
    *out = false;
  } else {
    return Bad(key, value, "true or false");
  }
  return Status::Ok();
}

// "HOST:PORT" or "PLAINTEXT://HOST:PORT" (one listener).
Result<ListenerAddress> ParseListener(std::string_view key, std::string_view value) {
  std::string_view v = value;
  if (v.find(',') != std::string_view::npos) {
    return Bad(key, value, "a single listener: kbench serves one PLAINTEXT listener");
  }
  if (size_t scheme = v.find("://"); scheme != std::string_view::npos) {
    if (v.substr(0, scheme) != "PLAINTEXT") {
      return Bad(key, value, "PLAINTEXT://HOST:PORT or HOST:PORT (no TLS or SASL listeners)");
    }
    v.remove_prefix(scheme + 3);
  }
  Result<ListenerAddress> address = ListenerAddress::Parse(v);
  if (!address.ok()) {
    return Status::InvalidArgument(fmt::format("{}: {}", key, address.status().message()),
                                   ErrorCode::kInvalidConfig);
  }
  return address;
}

std::vector<std::string> SplitCommas(std::string_view value) {
  std::vector<std::string> out;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
  }
  return out;
}

using Setter = std::function<Status(BrokerConfig&, std::string_view key, std::string_view value)>;

template <typename T>
Setter IntField(T BrokerConfig::*field, int64_t min, int64_t max) {
  return [=](BrokerConfig& c, std::string_view k, std::string_view v) {
    return ParseInt(k, v, min, max, &(c.*field));
  };
}

template <typename T>
Setter NetworkField(T SocketServerConfig::*field, int64_t min, int64_t max) {
  return [=](BrokerConfig& c, std::string_view k, std::string_view v) {
    return ParseInt(k, v, min, max, &(c.network.*field));
  };
}

Setter BoolField(bool BrokerConfig::*field) {
  return [=](BrokerConfig& c, std::string_view k, std::string_view v) {
    return ParseBool(k, v, &(c.*field));
  };
}

const std::map<std::string_view, Setter>& BrokerSetters() {
  constexpr int64_t kI32 = std::numeric_limits<int32_t>::max();
  constexpr int64_t kI64 = std::numeric_limits<int64_t>::max();
  static const std::map<std::string_view, Setter> setters = {
      {"node.id", [](BrokerConfig& c, std::string_view k,
                     std::string_view v) { return ParseInt(k, v, 0, kI32, &c.node_id); }},
      {"broker.id", [](BrokerConfig& c, std::string_view k,
                       std::string_view v) { return ParseInt(k, v, 0, kI32, &c.node_id); }},
      {"offsets.commit.timeout.ms", IntField(&BrokerConfig::offsets_commit_timeout_ms, 1, kI32)},
      {"listeners",
       [](BrokerConfig& c, std::string_view k, std::string_view v) -> Status {
         KB_ASSIGN_OR_RETURN(c.network.listener, ParseListener(k, v));
         return Status::Ok();
       }},
      {"advertised.listeners",
       [](BrokerConfig& c, std::string_view k, std::string_view v) -> Status {
         KB_ASSIGN_OR_RETURN(ListenerAddress a, ParseListener(k, v));
         if (a.host.empty() || a.port == 0) return Bad(k, v, "a concrete HOST:PORT (port > 0)");
         c.advertised_listener = a;
         return Status::Ok();
       }},
      {"log.dirs",
       [](BrokerConfig& c, std::string_view k, std::string_view v) -> Status {
         c.log_dirs = SplitCommas(v);
         if (c.log_dirs.empty()) return Bad(k, v, "a comma-separated list of directories");
         return Status::Ok();
       }},
      {"log.dir",
       [](BrokerConfig& c, std::string_view k, std::string_view v) -> Status {
         if (v.empty()) return Bad(k, v, "a directory");
         c.log_dirs = {std::string(v)};
         return Status::Ok();
       }},
      {"num.partitions", IntField(&BrokerConfig::num_partitions, 1, 10000)},
      {"default.replication.factor", IntField(&BrokerConfig::default_replication_factor, 1, 32767)},
      {"auto.create.topics.enable", BoolField(&BrokerConfig::auto_create_topics_enable)},
      {"socket.request.max.bytes", NetworkField(&SocketServerConfig::max_request_bytes, 8, kI32)},
      {"connections.max.idle.ms", NetworkField(&SocketServerConfig::idle_timeout_ms, 1, kI64)},
      {"num.network.threads", NetworkField(&SocketServerConfig::network_threads, 0, 64)},
      {"num.io.threads", NetworkField(&SocketServerConfig::handler_threads, 0, 256)},
      {"max.connections", NetworkField(&SocketServerConfig::max_connections, 1, kI32)},
      {"socket.send.buffer.bytes",
       NetworkField(&SocketServerConfig::socket_send_buffer_bytes, -1, kI32)},
      {"socket.receive.buffer.bytes",
       NetworkField(&SocketServerConfig::socket_receive_buffer_bytes, -1, kI32)},
      {"queued.max.requests",
       NetworkField(&SocketServerConfig::max_inflight_requests_per_connection, 1, kI32)},
      {"log.retention.check.interval.ms",
       IntField(&BrokerConfig::log_retention_check_interval_ms, 1, kI64)},
      {"log.flush.offset.checkpoint.interval.ms",
       IntField(&BrokerConfig::log_flush_offset_checkpoint_interval_ms, 1, kI64)},
      {"log.flush.scheduler.interval.ms",
       IntField(&BrokerConfig::log_flush_scheduler_interval_ms, 1, kI64)},
      {"log.cleaner.enable", BoolField(&BrokerConfig::log_cleaner_enable)},
      {"log.cleaner.backoff.ms", IntField(&BrokerConfig::log_cleaner_backoff_ms, 1, kI64)},
      {"producer.id.expiration.ms", IntField(&BrokerConfig::producer_id_expiration_ms, 1, kI64)},
      {"producer.state.snapshot.interval.ms",
       IntField(&BrokerConfig::producer_state_snapshot_interval_ms, 1, kI64)},
      {"offsets.topic.replication.factor",
       IntField(&BrokerConfig::offsets_topic_replication_factor, 1, 32767)},
      {"offsets.topic.segment.bytes",
       IntField(&BrokerConfig::offsets_topic_segment_bytes, 14, kI32)},
  };
  return setters;
}

// Broker names of topic defaults that are not storage properties.
std::string_view TopicDefaultName(std::string_view key) {
  if (key == "min.insync.replicas" || key == "unclean.leader.election.enable" ||
      key == "compression.type") {
    return key;
  }
  return {};
}

}  // namespace

Status BrokerConfig::Set(std::string_view key, std::string_view value) {
  const auto& setters = BrokerSetters();
  if (auto it = setters.find(key); it != setters.end()) return it->second(*this, key, value);
  if (!TopicDefaultName(key).empty()) return topic_defaults.Set(key, value);
  Result<bool> group = groups.Set(key, value);
  if (!group.ok()) return group.status();
  if (*group) return Status::Ok();
  Result<bool> replicated = replication.Set(key, value);
  if (!replicated.ok()) return replicated.status();
  if (*replicated) return Status::Ok();
  Status s = topic_defaults.log.Set(key, value);  // log.* broker names (and topic names)
  if (s.code() != StatusCode::kNotFound) return s;
  return Status::InvalidArgument(
      fmt::format("unknown broker property '{}' (kbench accepts Kafka's names: node.id, listeners, "
                  "log.dirs, num.partitions, log.segment.bytes, ...)",
                  key),
      ErrorCode::kInvalidConfig);
}

Status BrokerConfig::SetAssignment(std::string_view assignment) {
  size_t eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Status::InvalidArgument(
        fmt::format("'{}': expected key=value, e.g. num.partitions=6", assignment));
  }
  return Set(assignment.substr(0, eq), assignment.substr(eq + 1));
}

Status BrokerConfig::Validate() const {
  if (node_id.value() < 0) {
    return Status::InvalidArgument(fmt::format("node.id = {}: must be >= 0", node_id.value()));
  }
  if (log_dirs.empty()) return Status::InvalidArgument("log.dirs: at least one log directory");
  for (const std::string& dir : log_dirs) {
    if (dir.empty()) return Status::InvalidArgument("log.dirs: an empty directory name");
  }
  if (topic_defaults.min_insync_replicas < 1) {
    return Status::InvalidArgument("min.insync.replicas: must be >= 1");
  }
  KB_RETURN_IF_ERROR(groups.Validate());
  KB_RETURN_IF_ERROR(replication.Validate());
  if (cluster.enabled() && cluster.Find(node_id) == nullptr) {
    return Status::InvalidArgument(
        fmt::format("node.id {} is not a member of the cluster", node_id.value()));
  }
  return network.Validate();
}

ListenerAddress BrokerConfig::AdvertisedAddress(const ListenerAddress& bound) const {
  if (advertised_listener) return *advertised_listener;
  ListenerAddress a = bound;
  if (a.host.empty() || a.host == "0.0.0.0" || a.host == "::") a.host = "127.0.0.1";
  return a;
}

}  // namespace kbench::broker
