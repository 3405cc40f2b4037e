#include "core/broker/metadata_store.h"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <random>
#include <sstream>

#include "core/base/log.h"
#include "core/storage/checkpoint_file.h"

namespace kbench::broker {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kMagic = "kbench-cluster-metadata";
constexpr int kVersion = 1;

// Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding (22 characters).
std::string NewClusterId() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device rd;
  std::string id;
  for (int i = 0; i < 22; ++i) id.push_back(kAlphabet[rd() % 64]);
  return id;
}

std::string JoinIds(const std::vector<BrokerId>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i].value());
  }
  return out.empty() ? "-" : out;
}

// Reads one file line by line, with errors naming the file and line.
class LineParser {
 public:
  LineParser(std::string path, std::string_view text) : path_(std::move(path)), text_(text) {}

  bool Next(std::vector<std::string_view>* fields, std::string_view* line) {
    if (pos_ >= text_.size()) return false;
    size_t nl = text_.find('\n', pos_);
    *line = text_.substr(pos_, nl == std::string_view::npos ? std::string_view::npos : nl - pos_);
    pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
    ++line_no_;
    fields->clear();
    std::string_view rest = *line;
    while (!rest.empty()) {
      size_t sp = rest.find(' ');
      if (sp != 0) fields->push_back(rest.substr(0, sp));
      if (sp == std::string_view::npos) break;
      rest.remove_prefix(sp + 1);
    }
    return true;
  }

  Status Error(std::string_view what) const {
    return Status::Corruption(fmt::format("{} line {}: {}", path_, line_no_, what),
                              ErrorCode::kUnknownServerError);
  }

  template <typename T>
  Status Int(std::string_view text, T* out) const {
    typename T::rep_type v{};
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
      return Error(fmt::format("'{}' is not an integer", text));
    }
    *out = T(v);
    return Status::Ok();
  }
  Status Int64(std::string_view text, int64_t* out) const {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
      return Error(fmt::format("'{}' is not an integer", text));
    }
    return Status::Ok();
  }
  Status Ids(std::string_view text, std::vector<BrokerId>* out) const {
    out->clear();
    if (text == "-") return Status::Ok();
    while (!text.empty()) {
      size_t comma = text.find(',');
      BrokerId id;
      KB_RETURN_IF_ERROR(Int(text.substr(0, comma), &id));
      out->push_back(id);
      text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    }
    return Status::Ok();
  }

 private:
  std::string path_;
  std::string_view text_;
  size_t pos_ = 0;
  int line_no_ = 0;
};

struct ParsedFile {
  uint64_t generation = 0;
  int32_t controller_epoch = 0;
  std::string cluster_id;
  int64_t next_producer_id = 0;
  std::map<std::string, TopicRecord, std::less<>> topics;
};

Status ParseTopic(LineParser& p, const std::vector<std::string_view>& head, ParsedFile* out) {
  if (head.size() != 5) return p.Error("expected: topic <name> <internal> <partitions> <configs>");
  TopicRecord t;
  t.name = std::string(head[1]);
  t.internal = head[2] == "1";
  int64_t partitions = 0, configs = 0;
  KB_RETURN_IF_ERROR(p.Int64(head[3], &partitions));
  KB_RETURN_IF_ERROR(p.Int64(head[4], &configs));
  std::vector<std::string_view> f;
  std::string_view line;
  for (int64_t i = 0; i < configs; ++i) {
    if (!p.Next(&f, &line) || f.size() < 2 || f[0] != "config") {
      return p.Error("expected: config <key> <value>");
    }
    const size_t value_at = std::string_view("config ").size() + f[1].size() + 1;
    t.configs[std::string(f[1])] =
        value_at <= line.size() ? std::string(line.substr(value_at)) : std::string();
  }
  for (int64_t i = 0; i < partitions; ++i) {
    if (!p.Next(&f, &line) || (f.size() != 6 && f.size() != 7) || f[0] != "partition") {
      return p.Error(
          "expected: partition <index> <leader> <epoch> <replicas> <isr> [<partition epoch>]");
    }
    PartitionState s;
    KB_RETURN_IF_ERROR(p.Int(f[1], &s.partition));
    KB_RETURN_IF_ERROR(p.Int(f[2], &s.leader));
    KB_RETURN_IF_ERROR(p.Int(f[3], &s.leader_epoch));
    KB_RETURN_IF_ERROR(p.Ids(f[4], &s.replicas));
    KB_RETURN_IF_ERROR(p.Ids(f[5], &s.isr));
    if (f.size() == 7) {
      int64_t epoch = 0;
      KB_RETURN_IF_ERROR(p.Int64(f[6], &epoch));
      s.partition_epoch = static_cast<int32_t>(epoch);
    }
    if (s.partition.value() != i) return p.Error("partitions out of order");
    t.partitions.push_back(std::move(s));
  }
  out->topics[t.name] = std::move(t);
  return Status::Ok();
}

Result<ParsedFile> ParseFile(const std::string& path, std::string_view text) {
  LineParser p(path, text);
  ParsedFile out;
  std::vector<std::string_view> f;
  std::string_view line;
  if (!p.Next(&f, &line) || f.size() != 2 || f[0] != kMagic || f[1] != std::to_string(kVersion)) {
    return p.Error(fmt::format("expected '{} {}'", kMagic, kVersion));
  }
  bool ended = false;
  while (!ended && p.Next(&f, &line)) {
    if (f.empty()) return p.Error("empty line");
    if (f[0] == "generation" && f.size() == 2) {
      int64_t g = 0;
      KB_RETURN_IF_ERROR(p.Int64(f[1], &g));
      out.generation = static_cast<uint64_t>(g);
    } else if (f[0] == "controller-epoch" && f.size() == 2) {
      int64_t e = 0;
      KB_RETURN_IF_ERROR(p.Int64(f[1], &e));
      out.controller_epoch = static_cast<int32_t>(e);
    } else if (f[0] == "cluster-id" && f.size() == 2) {
      out.cluster_id = std::string(f[1]);
    } else if (f[0] == "next-producer-id" && f.size() == 2) {
      KB_RETURN_IF_ERROR(p.Int64(f[1], &out.next_producer_id));
    } else if (f[0] == "topic") {
      KB_RETURN_IF_ERROR(ParseTopic(p, f, &out));
    } else if (f[0] == "end" && f.size() == 1) {
      ended = true;
    } else {
      return p.Error(fmt::format("unexpected '{}'", line));
    }
  }
  if (!ended) return p.Error("missing 'end' (truncated file)");
  if (out.cluster_id.empty()) return p.Error("no cluster-id");
  return out;
}

}  // namespace

Result<std::unique_ptr<MetadataStore>> MetadataStore::Open(std::vector<std::string> dirs,
                                                           std::string_view file_name) {
  if (dirs.empty()) return Status::InvalidArgument("metadata store: no log dirs");
  std::unique_ptr<MetadataStore> store(new MetadataStore(std::move(dirs), std::string(file_name)));
  KB_RETURN_IF_ERROR(store->Load());
  return store;
}

std::unique_ptr<MetadataStore> MetadataStore::InMemory() {
  return std::unique_ptr<MetadataStore>(new MetadataStore({}, {}));
}

std::string MetadataStore::cluster_id() const {
  std::shared_lock lock(mu_);
  return cluster_id_;
}

void MetadataStore::SetClusterId(std::string id) {
  std::unique_lock lock(mu_);
  cluster_id_ = std::move(id);
}

int32_t MetadataStore::controller_epoch() const {
  std::shared_lock lock(mu_);
  return controller_epoch_;
}

Result<int32_t> MetadataStore::BumpControllerEpoch() {
  std::unique_lock lock(mu_);
  ++controller_epoch_;
  Status s = PersistLocked();
  if (!s.ok()) {
    --controller_epoch_;
    return s;
  }
  return controller_epoch_;
}

Status MetadataStore::Load() {
  std::optional<ParsedFile> newest;
  std::string newest_path;
  for (const std::string& dir : dirs_) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Status::FromErrno("create log dir " + dir, ec.value());
    const std::string path = dir + "/" + file_name_;
    Result<std::string> text = storage::ReadWholeFile(path);
    if (!text.ok()) {
      if (text.status().code() == StatusCode::kNotFound) continue;
      return text.status();
    }
    KB_ASSIGN_OR_RETURN(ParsedFile parsed, ParseFile(path, *text));
    if (newest && newest->cluster_id != parsed.cluster_id) {
      return Status::Corruption(
          fmt::format("{} belongs to cluster {} but {} to cluster {}: log dirs of two clusters",
                      path, parsed.cluster_id, newest_path, newest->cluster_id),
          ErrorCode::kUnknownServerError);
    }
    if (!newest || parsed.generation > newest->generation) {
      newest = std::move(parsed);
      newest_path = path;
    }
  }
  std::unique_lock lock(mu_);
  if (!newest) {
    cluster_id_ = NewClusterId();
    log::Info("broker.metadata", "new cluster metadata (cluster id {})", cluster_id_);
    return PersistLocked();
  }
  cluster_id_ = newest->cluster_id;
  controller_epoch_ = newest->controller_epoch;
  generation_ = newest->generation;
  next_producer_id_ = newest->next_producer_id;
  topics_ = std::move(newest->topics);
  log::Info("broker.metadata", "loaded {} (generation {}, {} topics)", newest_path, generation_,
            topics_.size());
  return Status::Ok();
}

std::string MetadataStore::SerializeLocked() const {
  std::string out = fmt::format("{} {}\ngeneration {}\ncluster-id {}\n", kMagic, kVersion,
                                generation_, cluster_id_);
  if (controller_epoch_ > 0) out += fmt::format("controller-epoch {}\n", controller_epoch_);
  out += fmt::format("next-producer-id {}\n", next_producer_id_);
  for (const auto& [name, t] : topics_) {
    out += fmt::format("topic {} {} {} {}\n", name, t.internal ? 1 : 0, t.partitions.size(),
                       t.configs.size());
    for (const auto& [key, value] : t.configs) out += fmt::format("config {} {}\n", key, value);
    for (const PartitionState& s : t.partitions) {
      out += fmt::format("partition {} {} {} {} {}", s.partition.value(), s.leader.value(),
                         s.leader_epoch.value(), JoinIds(s.replicas), JoinIds(s.isr));
      out += s.partition_epoch != 0 ? fmt::format(" {}\n", s.partition_epoch) : "\n";
    }
  }
  out += "end\n";
  return out;
}

Status MetadataStore::PersistLocked() {
  ++generation_;
  if (dirs_.empty()) return Status::Ok();
  const std::string text = SerializeLocked();
  for (const std::string& dir : dirs_) {
    KB_RETURN_IF_ERROR(storage::WriteFileAtomically(dir + "/" + file_name_, text));
  }
  return Status::Ok();
}

uint64_t MetadataStore::generation() const {
  std::shared_lock lock(mu_);
  return generation_;
}

Status MetadataStore::CreateTopic(TopicRecord topic) {
  for (const auto& [key, value] : topic.configs) {
    if (key.empty() || key.find_first_of(" \n") != std::string::npos ||
        value.find('\n') != std::string::npos) {
      return Status::InvalidArgument(
          fmt::format("config '{}': keys are one word and values one line", key),
          ErrorCode::kInvalidConfig);
    }
  }
  std::unique_lock lock(mu_);
  if (topics_.count(topic.name) != 0) {
    return Status::AlreadyExists(fmt::format("topic '{}' already exists", topic.name),
                                 ErrorCode::kTopicAlreadyExists);
  }
  const std::string name = topic.name;
  topics_[name] = std::move(topic);
  Status s = PersistLocked();
  if (!s.ok()) topics_.erase(name);
  return s;
}

Status MetadataStore::DeleteTopic(std::string_view name) {
  std::unique_lock lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) {
    return Status::NotFound(fmt::format("topic '{}' does not exist", name),
                            ErrorCode::kUnknownTopicOrPartition);
  }
  TopicRecord removed = std::move(it->second);
  topics_.erase(it);
  Status s = PersistLocked();
  if (!s.ok()) topics_[removed.name] = std::move(removed);
  return s;
}

Status MetadataStore::UpdatePartition(std::string_view topic, const PartitionState& state) {
  std::unique_lock lock(mu_);
  auto it = topics_.find(topic);
  const int32_t p = state.partition.value();
  if (it == topics_.end() || p < 0 || p >= static_cast<int32_t>(it->second.partitions.size())) {
    return Status::NotFound(fmt::format("partition {}-{} does not exist", topic, p),
                            ErrorCode::kUnknownTopicOrPartition);
  }
  PartitionState old = it->second.partitions[p];
  it->second.partitions[p] = state;
  Status s = PersistLocked();
  if (!s.ok()) it->second.partitions[p] = old;
  return s;
}

Status MetadataStore::UpdatePartitions(
    const std::vector<std::pair<std::string, PartitionState>>& changes) {
  std::unique_lock lock(mu_);
  std::vector<std::pair<PartitionState*, PartitionState>> old;
  old.reserve(changes.size());
  for (const auto& [topic, state] : changes) {
    auto it = topics_.find(topic);
    const int32_t p = state.partition.value();
    if (it == topics_.end() || p < 0 || p >= static_cast<int32_t>(it->second.partitions.size())) {
      for (auto& [slot, before] : old) *slot = before;
      return Status::NotFound(fmt::format("partition {}-{} does not exist", topic, p),
                              ErrorCode::kUnknownTopicOrPartition);
    }
    PartitionState* slot = &it->second.partitions[p];
    old.emplace_back(slot, *slot);
    *slot = state;
  }
  Status s = PersistLocked();
  if (!s.ok()) {
    for (auto it = old.rbegin(); it != old.rend(); ++it) *it->first = it->second;
  }
  return s;
}

Status MetadataStore::ReplaceTopics(std::vector<TopicRecord> topics) {
  std::unique_lock lock(mu_);
  std::map<std::string, TopicRecord, std::less<>> replaced;
  for (TopicRecord& t : topics) {
    std::string name = t.name;
    replaced[name] = std::move(t);
  }
  std::swap(topics_, replaced);
  Status s = PersistLocked();
  if (!s.ok()) std::swap(topics_, replaced);
  return s;
}

std::optional<TopicRecord> MetadataStore::GetTopic(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return std::nullopt;
  return it->second;
}

std::optional<PartitionState> MetadataStore::GetPartitionState(std::string_view topic,
                                                               PartitionId partition) const {
  std::shared_lock lock(mu_);
  auto it = topics_.find(topic);
  const int32_t p = partition.value();
  if (it == topics_.end() || p < 0 || p >= static_cast<int32_t>(it->second.partitions.size())) {
    return std::nullopt;
  }
  return it->second.partitions[p];
}

bool MetadataStore::HasTopic(std::string_view name) const {
  std::shared_lock lock(mu_);
  return topics_.find(name) != topics_.end();
}

std::vector<TopicRecord> MetadataStore::Topics() const {
  std::shared_lock lock(mu_);
  std::vector<TopicRecord> out;
  out.reserve(topics_.size());
  for (const auto& [name, t] : topics_) out.push_back(t);
  return out;
}

std::vector<std::string> MetadataStore::TopicNames() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, t] : topics_) out.push_back(name);
  return out;
}

Result<ProducerId> MetadataStore::ReserveProducerIds(int64_t count) {
  if (count < 1) return Status::InvalidArgument("ReserveProducerIds: count must be >= 1");
  std::unique_lock lock(mu_);
  const int64_t first = next_producer_id_;
  next_producer_id_ += count;
  Status s = PersistLocked();
  if (!s.ok()) {
    next_producer_id_ = first;
    return s;
  }
  return ProducerId(first);
}

void MetadataStore::SetBrokers(std::vector<BrokerEndpoint> brokers, BrokerId controller) {
  std::unique_lock lock(mu_);
  brokers_ = std::move(brokers);
  controller_ = controller;
}

std::vector<BrokerEndpoint> MetadataStore::Brokers() const {
  std::shared_lock lock(mu_);
  return brokers_;
}

std::optional<BrokerEndpoint> MetadataStore::GetBroker(BrokerId id) const {
  std::shared_lock lock(mu_);
  for (const BrokerEndpoint& b : brokers_) {
    if (b.id == id) return b;
  }
  return std::nullopt;
}

BrokerId MetadataStore::controller_id() const {
  std::shared_lock lock(mu_);
  return controller_;
}

}  // namespace kbench::broker
