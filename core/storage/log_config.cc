#include "core/storage/log_config.h"

#include <fmt/format.h>

#include <charconv>
#include <functional>

namespace kbench::storage {
namespace {

Status BadValue(std::string_view key, std::string_view value, std::string_view expected) {
  return Status::InvalidArgument(
      fmt::format("{}: '{}' is not valid (expected {})", key, value, expected),
      ErrorCode::kInvalidConfig);
}

bool ParseInt(std::string_view s, int64_t* out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

// One property: its topic name, broker synonyms with their unit multiplier, and how it is set and
// shown.
struct Synonym {
  std::string_view name;
  int64_t multiplier;
};

struct Property {
  std::string_view name;
  std::vector<Synonym> synonyms;
  std::function<Status(LogConfig*, std::string_view key, std::string_view value,
                       int64_t multiplier)>
      set;
  std::function<std::string(const LogConfig&)> get;
};

template <typename T>
Property IntProperty(std::string_view name, std::vector<Synonym> synonyms, T LogConfig::*field,
                     int64_t min, int64_t max, std::string_view unit) {
  return Property{name, std::move(synonyms),
                  [field, min, max, unit](LogConfig* c, std::string_view key,
                                          std::string_view value, int64_t mult) {
                    const std::string_view unit_text =
                        mult == 1 ? unit : (mult == 60 * 1000 ? "minutes" : "hours");
                    const int64_t lo = min == -1 ? -1 : (min + mult - 1) / mult;
                    const std::string expected =
                        fmt::format("an integer in [{}, {}] ({})", lo, max / mult, unit_text);
                    int64_t v;
                    if (!ParseInt(value, &v) || v < lo || v > max / mult)
                      return BadValue(key, value, expected);
                    if (v != -1) v *= mult;
                    c->*field = static_cast<T>(v);
                    return Status::Ok();
                  },
                  [field](const LogConfig& c) { return std::to_string(c.*field); }};
}

Status SetPolicy(LogConfig* c, std::string_view key, std::string_view value) {
  CleanupPolicy policy{false, false};
  std::string_view rest = value;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "delete") {
      policy.delete_segments = true;
    } else if (item == "compact") {
      policy.compact = true;
    } else {
      return BadValue(key, value, "delete, compact or compact,delete");
    }
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  if (!policy.delete_segments && !policy.compact)
    return BadValue(key, value, "delete, compact or compact,delete");
  c->cleanup_policy = policy;
  return Status::Ok();
}

std::string PolicyString(const CleanupPolicy& p) {
  if (p.compact && p.delete_segments) return "compact,delete";
  return p.compact ? "compact" : "delete";
}

const std::vector<Property>& Properties() {
  static const std::vector<Property> properties = [] {
    constexpr int64_t kMax = INT64_MAX;
    constexpr int64_t kIntMax = INT32_MAX;
    constexpr int64_t kHour = 3600 * 1000, kMinute = 60 * 1000;
    std::vector<Property> p;
    p.push_back(IntProperty("segment.bytes", {{"log.segment.bytes", 1}}, &LogConfig::segment_bytes,
                            14, kIntMax, "bytes"));
    p.push_back(IntProperty("segment.ms", {{"log.roll.ms", 1}, {"log.roll.hours", kHour}},
                            &LogConfig::segment_ms, 1, kMax, "milliseconds"));
    p.push_back(IntProperty("segment.index.bytes", {{"log.index.size.max.bytes", 1}},
                            &LogConfig::segment_index_bytes, 4 * 12, kIntMax, "bytes"));
    p.push_back(IntProperty("index.interval.bytes", {{"log.index.interval.bytes", 1}},
                            &LogConfig::index_interval_bytes, 0, kIntMax, "bytes"));
    p.push_back(IntProperty("retention.ms",
                            {{"log.retention.ms", 1},
                             {"log.retention.minutes", kMinute},
                             {"log.retention.hours", kHour}},
                            &LogConfig::retention_ms, -1, kMax, "milliseconds, -1 = forever"));
    p.push_back(IntProperty("retention.bytes", {{"log.retention.bytes", 1}},
                            &LogConfig::retention_bytes, -1, kMax, "bytes, -1 = unlimited"));
    p.push_back(IntProperty("flush.messages", {{"log.flush.interval.messages", 1}},
                            &LogConfig::flush_messages, 1, kMax, "records"));
    p.push_back(IntProperty("flush.ms", {{"log.flush.interval.ms", 1}}, &LogConfig::flush_ms, 0,
                            kMax, "milliseconds"));
    p.push_back(IntProperty("max.message.bytes", {{"message.max.bytes", 1}},
                            &LogConfig::max_message_bytes, 0, kIntMax, "bytes"));
    p.push_back(IntProperty("delete.retention.ms", {{"log.cleaner.delete.retention.ms", 1}},
                            &LogConfig::delete_retention_ms, 0, kMax, "milliseconds"));
    p.push_back(IntProperty("min.compaction.lag.ms", {{"log.cleaner.min.compaction.lag.ms", 1}},
                            &LogConfig::min_compaction_lag_ms, 0, kMax, "milliseconds"));
    p.push_back(Property{"cleanup.policy",
                         {{"log.cleanup.policy", 1}},
                         [](LogConfig* c, std::string_view key, std::string_view value, int64_t) {
                           return SetPolicy(c, key, value);
                         },
                         [](const LogConfig& c) { return PolicyString(c.cleanup_policy); }});
    p.push_back(Property{
        "min.cleanable.dirty.ratio",
        {{"log.cleaner.min.cleanable.ratio", 1}},
        [](LogConfig* c, std::string_view key, std::string_view value, int64_t) {
          double v = 0;
          auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
          if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || v < 0 ||
              v > 1) {
            return BadValue(key, value, "a number in [0, 1]");
          }
          c->min_cleanable_dirty_ratio = v;
          return Status::Ok();
        },
        [](const LogConfig& c) { return fmt::format("{}", c.min_cleanable_dirty_ratio); }});
    p.push_back(Property{"message.timestamp.type",
                         {{"log.message.timestamp.type", 1}},
                         [](LogConfig* c, std::string_view key, std::string_view value, int64_t) {
                           if (value == "CreateTime") {
                             c->message_timestamp_type = TimestampType::kCreateTime;
                           } else if (value == "LogAppendTime") {
                             c->message_timestamp_type = TimestampType::kLogAppendTime;
                           } else {
                             return BadValue(key, value, "CreateTime or LogAppendTime");
                           }
                           return Status::Ok();
                         },
                         [](const LogConfig& c) {
                           return std::string(c.message_timestamp_type ==
                                                      TimestampType::kLogAppendTime
                                                  ? "LogAppendTime"
                                                  : "CreateTime");
                         }});
    return p;
  }();
  return properties;
}

// The property and unit multiplier for a key, or nullptr.
const Property* Find(std::string_view key, int64_t* multiplier) {
  for (const Property& p : Properties()) {
    if (p.name == key) {
      *multiplier = 1;
      return &p;
    }
    for (const Synonym& s : p.synonyms) {
      if (s.name == key) {
        *multiplier = s.multiplier;
        return &p;
      }
    }
  }
  return nullptr;
}

}  // namespace

Status LogConfig::Set(std::string_view key, std::string_view value) {
  int64_t multiplier = 1;
  const Property* p = Find(key, &multiplier);
  if (p == nullptr)
    return Status::NotFound(fmt::format("'{}' is not a log property", key),
                            ErrorCode::kInvalidConfig);
  return p->set(this, key, value, multiplier);
}

bool LogConfig::IsLogProperty(std::string_view key) {
  int64_t multiplier;
  return Find(key, &multiplier) != nullptr;
}

Result<LogConfig> LogConfig::FromProperties(const std::map<std::string, std::string>& properties,
                                            const LogConfig& base) {
  LogConfig config = base;
  for (const auto& [key, value] : properties) {
    Status s = config.Set(key, value);
    if (s.code() == StatusCode::kNotFound) {
      std::string known;
      for (const Property& p : Properties())
        known += (known.empty() ? "" : ", ") + std::string(p.name);
      return Status::InvalidArgument(
          fmt::format("unknown log property '{}' (known: {})", key, known),
          ErrorCode::kInvalidConfig);
    }
    KB_RETURN_IF_ERROR(s);
  }
  return config;
}

std::map<std::string, std::string> LogConfig::ToProperties() const {
  std::map<std::string, std::string> out;
  for (const Property& p : Properties()) out.emplace(std::string(p.name), p.get(*this));
  return out;
}

ValidationOptions LogConfig::validation_options(AppendOrigin origin) const {
  ValidationOptions options;
  options.origin = origin;
  options.max_batch_bytes = origin == AppendOrigin::kClient ? max_message_bytes : INT32_MAX;
  options.require_keys = cleanup_policy.compact && origin == AppendOrigin::kClient;
  return options;
}

}  // namespace kbench::storage
