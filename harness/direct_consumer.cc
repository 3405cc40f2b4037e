#include "harness/direct_consumer.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <thread>

#include "core/base/clock.h"
#include "core/storage/record.h"
#include "core/storage/record_batch_format.h"
#include "harness/payload_format.h"

namespace kbench::harness {
namespace bf = storage::batch_format;

// What one fetch delivers: records -> payload headers -> end-to-end latency and audit ranges.
// Counters and the last sequence run are published when it ends.
class DirectConsumer::Delivery {
 public:
  Delivery(DirectConsumer& c, uint32_t index, int64_t receive_wall_ns)
      : c_(c),
        o_(c.options_.client),
        index_(index),
        receive_wall_ns_(receive_wall_ns),
        slow_(o_.processing_delay_ms > 0) {
    // A fast consumer records the fetch's latencies in one writer section; a slow one sleeps
    // between messages, which must not hold up the collector.
    if (o_.e2e_latency != nullptr && !slow_) batch_.emplace(o_.e2e_latency);
  }
  ~Delivery() {
    FlushRun();
    c_.foreign_ += foreign_;
    c_.consumed_.store(c_.consumed_.load(std::memory_order_relaxed) + delivered_,
                       std::memory_order_relaxed);
    c_.consumed_bytes_.store(c_.consumed_bytes_.load(std::memory_order_relaxed) + bytes_,
                             std::memory_order_relaxed);
  }
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  void Deliver(const std::optional<std::span<const uint8_t>>& value, int64_t offset) {
    if (!value || value->size() < kPayloadHeaderSize) {
      ++foreign_;
      return;
    }
    Result<PayloadHeader> h = DecodePayloadHeader(value->data(), value->size());
    if (!h.ok()) {
      ++foreign_;
      return;
    }
    AddToRun(h->producer_id, h->sequence, offset);
    ++delivered_;
    bytes_ += static_cast<int64_t>(value->size());
    if (batch_) {
      batch_->Record(receive_wall_ns_ - h->intended_send_wall_ns);
    } else if (o_.e2e_latency != nullptr) {
      o_.e2e_latency->Record(o_.clock->NowWall() - h->intended_send_wall_ns);
    }
    if (slow_) {
      std::this_thread::sleep_for(
          std::chrono::duration<double, std::milli>(o_.processing_delay_ms));
    }
  }
  int delivered() const { return static_cast<int>(delivered_); }

 private:
  void AddToRun(uint32_t producer, uint64_t sequence, int64_t offset) {
    if (run_.count > 0 && (producer != run_.producer || sequence != run_.first + run_.count)) {
      FlushRun();
    }
    if (run_.count == 0) {
      run_.producer = producer;
      run_.first = sequence;
    }
    ++run_.count;
    run_.last_offset = offset;
  }
  void FlushRun() {
    if (run_.count > 0 && o_.audit != nullptr)
      o_.audit->ConsumedRange(run_.producer, index_, run_.first, run_.count, run_.last_offset);
    run_.count = 0;
  }

  DirectConsumer& c_;
  const ConsumerClientOptions& o_;
  const uint32_t index_;
  const int64_t receive_wall_ns_;
  const bool slow_;
  std::optional<LatencyRecorder::Batch> batch_;
  SequenceRun run_;
  int64_t delivered_ = 0, bytes_ = 0, foreign_ = 0;
};

Result<std::unique_ptr<DirectConsumer>> DirectConsumer::Create(DirectConsumerOptions options) {
  const ConsumerClientOptions& c = options.client;
  if (c.partitions == nullptr || c.clock == nullptr) {
    return Status::InvalidArgument("DirectConsumer needs a partition index and a clock mapping");
  }
  if (c.members < 1 || c.member < 0 || c.member >= c.members) {
    return Status::InvalidArgument(
        fmt::format("DirectConsumer: member {} of a group of {}", c.member, c.members));
  }
  if (options.logs.size() != static_cast<size_t>(c.partitions->partitions_per_topic())) {
    return Status::InvalidArgument(
        fmt::format("DirectConsumer needs one log per partition ({}), got {}",
                    c.partitions->partitions_per_topic(), options.logs.size()));
  }
  for (const auto& log : options.logs) {
    if (!log) return Status::InvalidArgument("DirectConsumer: a partition has no log");
  }
  return std::unique_ptr<DirectConsumer>(new DirectConsumer(std::move(options)));
}

DirectConsumer::DirectConsumer(DirectConsumerOptions options) : options_(std::move(options)) {
  const ConsumerClientOptions& c = options_.client;
  for (size_t p = static_cast<size_t>(c.member); p < options_.logs.size();
       p += static_cast<size_t>(c.members)) {
    Assigned a;
    a.partition = static_cast<int32_t>(p);
    a.index = c.partitions->Index(c.topic, a.partition);
    a.log = options_.logs[p];
    a.position =
        (options_.config.start_at_end ? a.log->log_end_offset() : a.log->log_start_offset())
            .value();
    assigned_.push_back(std::move(a));
  }
  if (options_.signals != nullptr) {
    for (const Assigned& a : assigned_)
      options_.signals->Watch(static_cast<size_t>(a.partition), &doorbell_);
  }
}

DirectConsumer::~DirectConsumer() {
  if (options_.signals != nullptr) options_.signals->Unwatch(&doorbell_);
}

std::vector<int32_t> DirectConsumer::assignment() const {
  std::vector<int32_t> out;
  for (const Assigned& a : assigned_) out.push_back(a.partition);
  return out;
}

int DirectConsumer::Poll(int timeout_ms) {
  const int64_t deadline = MonoNanos() + int64_t{std::max(timeout_ms, 0)} * 1'000'000;
  if (closed_ || paused_ || assigned_.empty()) {
    // Nothing to read (paused, or an idle member of a group with more consumers than partitions).
    std::this_thread::sleep_for(std::chrono::milliseconds(std::max(timeout_ms, 0)));
    return 0;
  }
  while (true) {
    const uint64_t seen = doorbell_.generation();
    const int delivered = FetchRound(deadline);
    if (delivered > 0) return delivered;
    const int64_t now = MonoNanos();
    if (now >= deadline) return 0;
    // Caught up: park like a Fetch in the broker's purgatory until an append or fetch.wait.max.ms.
    const int64_t wait_until =
        std::min(deadline, now + options_.config.fetch_wait_max_ms * 1'000'000);
    if (options_.signals != nullptr) {
      doorbell_.WaitForChange(seen, wait_until);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // nobody rings: look again soon
    }
  }
}

int DirectConsumer::FetchRound(int64_t deadline_ns) {
  const DirectConsumerConfig& cfg = options_.config;
  const bool slow = options_.client.processing_delay_ms > 0;
  int delivered = 0;
  int64_t budget = cfg.fetch_max_bytes;
  const size_t n = assigned_.size();
  for (size_t i = 0; i < n && budget > 0; ++i) {
    Assigned& a = assigned_[(next_ + i) % n];
    int64_t read = 0;
    delivered +=
        FetchPartition(a, std::min(cfg.max_partition_fetch_bytes, budget), deadline_ns, &read);
    budget -= read;
    if (slow && MonoNanos() >= deadline_ns) break;
  }
  next_ = (next_ + 1) % n;
  return delivered;
}

int DirectConsumer::FetchPartition(Assigned& a, int64_t max_bytes, int64_t deadline_ns,
                                   int64_t* bytes_read) {
  storage::ReadOptions ro;
  ro.from = Offset(a.position);
  ro.max_bytes = max_bytes;
  Result<storage::ReadResult> r = a.log->Read(ro);
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kOutOfRange) {
      ResetPosition(a, r.status());
    } else {
      errors_.Add(ErrorName(r.status().kafka_error()));
    }
    return 0;
  }
  const FileSlice& slice = r->slice;
  if (slice.empty()) return 0;
  const size_t length = static_cast<size_t>(slice.length);
  if (buffer_.size() < length) buffer_.resize(length);
  // The bytes a consumer receives: what sendfile would put on the wire, read back from the file.
  size_t got = 0;
  while (got < length) {
    const ssize_t n = ::pread(slice.file->fd(), buffer_.data() + got, length - got,
                              static_cast<off_t>(slice.position + static_cast<int64_t>(got)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got < length) {
    errors_.Add(ErrorName(ErrorCode::kKafkaStorageError));  // a slice cut short under us
    return 0;
  }
  *bytes_read = static_cast<int64_t>(length);
  return DeliverBatches(a, length, options_.client.clock->NowWall(), deadline_ns);
}

int DirectConsumer::DeliverBatches(Assigned& a, size_t length, int64_t receive_wall_ns,
                                   int64_t deadline_ns) {
  Delivery d(*this, a.index, receive_wall_ns);
  size_t pos = 0;
  while (pos + bf::kHeaderSize <= length) {
    const storage::BatchHeader h = storage::DecodeBatchHeader(buffer_.data() + pos);
    const int64_t size = h.size_bytes();
    if (size < bf::kHeaderSize || pos + static_cast<size_t>(size) > length) {
      // Read() returns whole batches; a bad length is damage: skip what it claims to cover.
      errors_.Add(ErrorName(ErrorCode::kCorruptMessage));
      a.position = std::max(a.position + 1, h.next_offset().value());
      break;
    }
    const std::span<const uint8_t> batch(buffer_.data() + pos, static_cast<size_t>(size));
    pos += static_cast<size_t>(size);
    if (h.next_offset().value() <= a.position) continue;  // delivered by an earlier fetch
    if (!DeliverBatch(a, batch, h, d, deadline_ns)) break;
  }
  return d.delivered();
}

bool DirectConsumer::DeliverBatch(Assigned& a, std::span<const uint8_t> batch,
                                  const storage::BatchHeader& h, Delivery& d, int64_t deadline_ns) {
  const int64_t next = h.next_offset().value();
  storage::BatchHeader checked;
  Status st =
      options_.config.check_crcs ? storage::CheckBatchFraming(batch, &checked) : Status::Ok();
  std::span<const uint8_t> records = batch.subspan(bf::kRecordsPos);
  if (st.ok() && !h.is_control() && h.compression() != storage::Compression::kNone) {
    st = storage::Decompress(h.compression(), records, size_t{64} << 20, &scratch_);
    records = scratch_;
  }
  if (!st.ok() || h.is_control()) {  // damage is counted and skipped; control batches just skipped
    if (!st.ok()) errors_.Add(ErrorName(st.kafka_error()));
    a.position = next;
    return true;
  }
  const bool slow = options_.client.processing_delay_ms > 0;
  storage::RecordReader reader(h, records);
  storage::RecordView r;
  while (true) {
    Result<bool> more = reader.Next(&r);
    if (!more.ok()) {
      errors_.Add(ErrorName(more.status().kafka_error()));
      break;
    }
    if (!*more) break;
    if (r.offset.value() < a.position) continue;
    d.Deliver(r.value, r.offset.value());
    a.position = r.offset.value() + 1;
    if (slow && MonoNanos() >= deadline_ns) return false;  // the rest at the next poll
  }
  a.position = std::max(a.position, next);
  return true;
}

void DirectConsumer::ResetPosition(Assigned& a, const Status& why) {
  errors_.Add(ErrorName(why.kafka_error()));
  a.position =
      (options_.config.start_at_end ? a.log->log_end_offset() : a.log->log_start_offset()).value();
}

std::vector<PartitionPosition> DirectConsumer::Positions() {
  std::vector<PartitionPosition> out;
  out.reserve(assigned_.size());
  for (const Assigned& a : assigned_)
    out.push_back({a.index, a.position, a.log->log_end_offset().value()});
  return out;
}

Status DirectConsumer::Close() {
  closed_ = true;
  doorbell_.Interrupt();
  return Status::Ok();
}

}  // namespace kbench::harness
