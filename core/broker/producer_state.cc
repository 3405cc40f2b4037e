#include "core/broker/producer_state.h"

#include <fmt/format.h>

#include <charconv>
#include <climits>
#include <vector>

#include "core/base/log.h"
#include "core/storage/checkpoint_file.h"

namespace kbench::broker {
namespace {

constexpr std::string_view kMagic = "kbench-producer-state";
constexpr int kVersion = 1;

bool InSequence(int32_t last_seq, int32_t next_seq) {
  return int64_t{next_seq} == int64_t{last_seq} + 1 || (last_seq == INT32_MAX && next_seq == 0);
}

Status OutOfOrder(const storage::BatchHeader& b, std::string_view why) {
  return Status::Kafka(
      ErrorCode::kOutOfOrderSequenceNumber,
      fmt::format("producer {} epoch {}: batch with sequences {}..{} {}", b.producer_id.value(),
                  b.producer_epoch.value(), b.base_sequence, b.last_sequence(), why));
}

// Whitespace-separated integers of a checkpoint file, with errors naming the file.
class Tokens {
 public:
  Tokens(std::string path, std::string_view text) : path_(std::move(path)), text_(text) {}
  Status Next(int64_t* out) {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n')) ++pos_;
    size_t end = pos_;
    while (end < text_.size() && text_[end] != ' ' && text_[end] != '\n') ++end;
    std::string_view tok = text_.substr(pos_, end - pos_);
    pos_ = end;
    auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), *out);
    if (tok.empty() || ec != std::errc() || ptr != tok.data() + tok.size()) {
      return Status::Corruption(
          fmt::format("{}: '{}' at byte {} is not an integer", path_, tok, pos_ - tok.size()),
          ErrorCode::kUnknownServerError);
    }
    return Status::Ok();
  }

 private:
  std::string path_;
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<SequenceCheck> ProducerStateManager::Check(const storage::BatchHeader& b) const {
  if (!b.has_producer_id()) return SequenceCheck{};
  auto it = entries_.find(b.producer_id);
  if (it == entries_.end()) return SequenceCheck{};  // unknown producer: any first sequence
  const ProducerEntry& e = it->second;
  if (b.producer_epoch < e.epoch) {
    return Status::Kafka(
        ErrorCode::kInvalidProducerEpoch,
        fmt::format("producer {}: epoch {} is older than the current epoch {}",
                    b.producer_id.value(), b.producer_epoch.value(), e.epoch.value()));
  }
  if (b.producer_epoch > e.epoch) {
    if (b.base_sequence != 0) return OutOfOrder(b, "starts a new epoch at a sequence other than 0");
    return SequenceCheck{};
  }
  const int32_t last_seq = b.last_sequence();
  for (const ProducerBatch& cached : e.batches) {
    if (cached.first_seq == b.base_sequence && cached.last_seq == last_seq) {
      return SequenceCheck{true, cached};
    }
  }
  const int32_t current = e.batches.empty() ? -1 : e.batches.back().last_seq;
  if (!InSequence(current, b.base_sequence)) {
    return OutOfOrder(b, fmt::format("does not follow the last sequence {}", current));
  }
  return SequenceCheck{};
}

void ProducerStateManager::Record(const storage::BatchHeader& b, int64_t now_ms) {
  if (!b.has_producer_id() || b.is_control()) return;
  ProducerEntry& e = entries_[b.producer_id];
  if (b.producer_epoch != e.epoch) {
    e.epoch = b.producer_epoch;
    e.batches.clear();
  }
  e.batches.push_back(
      ProducerBatch{b.base_sequence, b.last_sequence(), b.base_offset, b.last_offset()});
  while (e.batches.size() > kProducerBatchesRetained) e.batches.pop_front();
  e.last_write_ms = now_ms;
}

std::optional<ProducerEntry> ProducerStateManager::Find(ProducerId id) const {
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

size_t ProducerStateManager::RemoveExpired(int64_t now_ms, int64_t expiration_ms) {
  return std::erase_if(
      entries_, [&](const auto& kv) { return now_ms - kv.second.last_write_ms >= expiration_ms; });
}

Status ProducerStateManager::WriteCheckpoint(const std::string& dir, Offset end_offset,
                                             const Entries& entries) {
  std::string out =
      fmt::format("{} {}\n{}\n{}\n", kMagic, kVersion, end_offset.value(), entries.size());
  for (const auto& [id, e] : entries) {
    out +=
        fmt::format("{} {} {} {}", id.value(), e.epoch.value(), e.last_write_ms, e.batches.size());
    for (const ProducerBatch& b : e.batches) {
      out += fmt::format(" {} {} {} {}", b.first_seq, b.last_seq, b.first_offset.value(),
                         b.last_offset.value());
    }
    out += '\n';
  }
  return storage::WriteFileAtomically(dir + "/" + std::string(kProducerStateFileName), out);
}

Status ProducerStateManager::LoadCheckpoint(const std::string& path, Offset* end_offset) {
  KB_ASSIGN_OR_RETURN(std::string text, storage::ReadWholeFile(path));
  const std::string header = fmt::format("{} {}\n", kMagic, kVersion);
  if (!std::string_view(text).starts_with(header)) {
    return Status::Corruption(fmt::format("{}: expected '{} {}' first", path, kMagic, kVersion),
                              ErrorCode::kUnknownServerError);
  }
  Tokens t(path, std::string_view(text).substr(header.size()));
  int64_t end = 0, count = 0;
  KB_RETURN_IF_ERROR(t.Next(&end));
  KB_RETURN_IF_ERROR(t.Next(&count));
  Entries loaded;
  for (int64_t i = 0; i < count; ++i) {
    int64_t id = 0, epoch = 0, last_write = 0, n = 0;
    KB_RETURN_IF_ERROR(t.Next(&id));
    KB_RETURN_IF_ERROR(t.Next(&epoch));
    KB_RETURN_IF_ERROR(t.Next(&last_write));
    KB_RETURN_IF_ERROR(t.Next(&n));
    if (n < 0 || n > kProducerBatchesRetained || epoch < 0 || epoch > INT16_MAX) {
      return Status::Corruption(fmt::format("{}: producer {} has an invalid entry", path, id),
                                ErrorCode::kUnknownServerError);
    }
    ProducerEntry e{ProducerEpoch(static_cast<int16_t>(epoch)), {}, last_write};
    for (int64_t j = 0; j < n; ++j) {
      int64_t v[4];
      for (int64_t& x : v) KB_RETURN_IF_ERROR(t.Next(&x));
      e.batches.push_back(ProducerBatch{static_cast<int32_t>(v[0]), static_cast<int32_t>(v[1]),
                                        Offset(v[2]), Offset(v[3])});
    }
    loaded[ProducerId(id)] = std::move(e);
  }
  entries_ = std::move(loaded);
  *end_offset = Offset(end);
  return Status::Ok();
}

Result<int64_t> ProducerStateManager::Load(const storage::PartitionLog& log) {
  entries_.clear();
  const Offset leo = log.log_end_offset();
  Offset from = log.log_start_offset();
  Offset checkpoint_end{0};
  const std::string path = log.dir() + "/" + std::string(kProducerStateFileName);
  Status s = LoadCheckpoint(path, &checkpoint_end);
  if (s.ok() && checkpoint_end <= leo) {
    from = std::max(from, checkpoint_end);
  } else {
    if (s.ok()) {
      log::Info("broker.producers", "{}: checkpoint at {} is beyond the log end {}; replaying",
                log.topic_partition().ToString(), checkpoint_end.value(), leo.value());
    } else if (s.code() != StatusCode::kNotFound) {
      log::Warn("broker.producers", "{}: ignoring the producer-state checkpoint: {}",
                log.topic_partition().ToString(), s.ToString());
    }
    entries_.clear();
  }
  int64_t replayed = 0;
  KB_RETURN_IF_ERROR(log.ForEachBatch(
      from, [&](const storage::BatchHeader& h, std::span<const uint8_t>) -> Result<bool> {
        if (h.has_producer_id()) {
          Record(h, h.max_timestamp);
          ++replayed;
        }
        return true;
      }));
  return replayed;
}

}  // namespace kbench::broker
