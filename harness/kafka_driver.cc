#include "harness/kafka_driver.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <thread>

#include "core/base/clock.h"
#include "harness/kafka_admin.h"
#include "harness/payload_format.h"

namespace kbench::harness {
namespace {

// librdkafka's error names are "Local: ..."/"Broker: ..." strings; results want Kafka's NAMES.
std::string ErrorName(rd_kafka_resp_err_t err) {
  std::string name = rd_kafka_err2name(err);
  while (!name.empty() && name.front() == '_') name.erase(name.begin());
  return name;
}

Status SetConfig(rd_kafka_conf_t* conf, const std::string& section, const std::string& key,
                 const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    return Status::InvalidArgument(fmt::format("{}.{}={}: {}", section, key, value, err));
  }
  return Status::Ok();
}

Result<rd_kafka_conf_t*> BuildConfig(const std::string& section, const std::string& bootstrap,
                                     const std::map<std::string, std::string>& defaults,
                                     const std::map<std::string, std::string>& config) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Status st = SetConfig(conf, section, "bootstrap.servers", bootstrap);
  for (const auto& [k, v] : defaults) {
    if (st.ok() && !config.count(k)) st = SetConfig(conf, section, k, v);
  }
  for (const auto& [k, v] : config) {
    if (st.ok()) st = SetConfig(conf, section, k, v);
  }
  if (!st.ok()) {
    rd_kafka_conf_destroy(conf);
    return st;
  }
  return conf;
}

}  // namespace

// ---- producer
// ------------------------------------------------------------------------------------

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::Create(const KafkaProducerOptions& options) {
  if (options.partitions == nullptr || options.clock == nullptr) {
    return Status::InvalidArgument("KafkaProducer needs a partition index and a clock mapping");
  }
  KB_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, BuildConfig("producerConfig", options.bootstrap,
                                                          {{"linger.ms", "5"}}, options.config));
  std::unique_ptr<KafkaProducer> p(new KafkaProducer(options));
  rd_kafka_conf_set_opaque(conf, p.get());
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
    OnDelivery(rk, m, opaque);
  });
  char err[512];
  p->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (p->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(fmt::format("producer: {}", err));
  }
  for (size_t t = 0; t < options.partitions->topics().size(); ++t) {
    // A copy of the default topic conf: topic-level properties given on the global conf (acks,
    // message.timeout.ms, partitioner, ...) live there, and a fresh rd_kafka_topic_conf_new() would
    // drop them.
    rd_kafka_topic_conf_t* tconf = rd_kafka_default_topic_conf_dup(p->rk_);
    rd_kafka_topic_conf_set_opaque(tconf, reinterpret_cast<void*>(t));
    p->topics_.push_back(
        rd_kafka_topic_new(p->rk_, options.partitions->topics()[t].c_str(), tconf));
  }
  return p;
}

KafkaProducer::~KafkaProducer() {
  if (rk_ == nullptr) return;
  rd_kafka_flush(rk_, 5000);
  for (rd_kafka_topic_t* t : topics_) rd_kafka_topic_destroy(t);
  rd_kafka_destroy(rk_);
}

void KafkaProducer::OnDelivery(rd_kafka_s* /*rk*/, const rd_kafka_message_s* m, void* opaque) {
  auto* self = static_cast<KafkaProducer*>(opaque);
  const int64_t now_wall = self->options_.clock->NowWall();
  auto header = DecodePayloadHeader(static_cast<const uint8_t*>(m->payload), m->len);
  const int32_t topic =
      static_cast<int32_t>(reinterpret_cast<intptr_t>(rd_kafka_topic_opaque(m->rkt)));
  if (!header.ok() || m->partition < 0) {
    self->errors_.Add(m->err ? ErrorName(m->err) : "UNDECODABLE_DELIVERY");
    return;
  }
  const uint32_t partition = self->options_.partitions->Index(topic, m->partition);
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->errors_.Add(ErrorName(m->err));
    for (DurabilityAudit* a : self->options_.audits)
      a->Failed(header->producer_id, partition, header->sequence);
    return;
  }
  self->acked_.fetch_add(1, std::memory_order_relaxed);
  self->acked_bytes_.fetch_add(static_cast<int64_t>(m->len), std::memory_order_relaxed);
  for (DurabilityAudit* a : self->options_.audits)
    a->Acked(header->producer_id, partition, header->sequence, m->offset);
  if (self->options_.publish_latency) {
    self->options_.publish_latency->Record(now_wall - header->intended_send_wall_ns);
  }
}

Status KafkaProducer::Send(const OutgoingMessage& m) {
  const int32_t topic = m.topic;
  const int32_t partition = m.partition;
  const std::string_view key = m.key;
  const std::span<const uint8_t> payload = m.payload;
  while (true) {
    const int rc =
        rd_kafka_produce(topics_[static_cast<size_t>(topic)], partition, RD_KAFKA_MSG_F_COPY,
                         const_cast<uint8_t*>(payload.data()), payload.size(),
                         key.empty() ? nullptr : key.data(), key.size(), nullptr);
    if (rc == 0) return Status::Ok();
    const rd_kafka_resp_err_t err = rd_kafka_last_error();
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      errors_.Add(ErrorName(err));
      return Status::Unavailable(fmt::format("produce to {}-{}: {}",
                                             rd_kafka_topic_name(topics_[topic]), partition,
                                             rd_kafka_err2str(err)));
    }
    rd_kafka_poll(rk_, 1);  // local queue full: serve deliveries until there is room
  }
}

void KafkaProducer::Poll(int timeout_ms) { rd_kafka_poll(rk_, timeout_ms); }

Status KafkaProducer::Flush(int timeout_ms) {
  if (rd_kafka_flush(rk_, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::TimedOut(
        fmt::format("{} messages still in flight after {} ms", rd_kafka_outq_len(rk_), timeout_ms));
  }
  return Status::Ok();
}

int64_t KafkaProducer::in_flight() const { return rd_kafka_outq_len(rk_); }

// ---- consumer
// ------------------------------------------------------------------------------------

Result<std::unique_ptr<KafkaConsumer>> KafkaConsumer::Create(const KafkaConsumerOptions& options) {
  if (options.partitions == nullptr || options.clock == nullptr) {
    return Status::InvalidArgument("KafkaConsumer needs a partition index and a clock mapping");
  }
  std::map<std::string, std::string> defaults = {{"group.id", options.group_id},
                                                 {"auto.offset.reset", "earliest"},
                                                 {"enable.partition.eof", "false"}};
  KB_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf,
                      BuildConfig("consumerConfig", options.bootstrap, defaults, options.config));
  std::unique_ptr<KafkaConsumer> c(new KafkaConsumer(options));
  rd_kafka_conf_set_opaque(conf, c.get());
  rd_kafka_conf_set_rebalance_cb(
      conf, [](rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
               void* opaque) { OnRebalance(rk, err, parts, opaque); });
  char err[512];
  c->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (c->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(fmt::format("consumer: {}", err));
  }
  rd_kafka_poll_set_consumer(c->rk_);
  rd_kafka_topic_partition_list_t* subs =
      rd_kafka_topic_partition_list_new(static_cast<int>(options.topics.size()));
  for (const std::string& t : options.topics)
    rd_kafka_topic_partition_list_add(subs, t.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t rc = rd_kafka_subscribe(c->rk_, subs);
  rd_kafka_topic_partition_list_destroy(subs);
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::InvalidArgument(fmt::format("subscribe: {}", rd_kafka_err2str(rc)));
  }
  return c;
}

KafkaConsumer::~KafkaConsumer() {
  if (rk_ == nullptr) return;
  (void)Close();
  rd_kafka_destroy(rk_);
}

void KafkaConsumer::Handle(const rd_kafka_message_s* m) {
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) errors_.Add(ErrorName(m->err));
    return;
  }
  const int64_t now_wall = options_.clock->NowWall();
  auto header = DecodePayloadHeader(static_cast<const uint8_t*>(m->payload), m->len);
  const auto partition = options_.partitions->Find(rd_kafka_topic_name(m->rkt), m->partition);
  if (!header.ok() || !partition) {
    foreign_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  consumed_.fetch_add(1, std::memory_order_relaxed);
  consumed_bytes_.fetch_add(static_cast<int64_t>(m->len), std::memory_order_relaxed);
  if (options_.audit)
    options_.audit->Consumed(header->producer_id, *partition, header->sequence, m->offset);
  if (options_.e2e_latency) options_.e2e_latency->Record(now_wall - header->intended_send_wall_ns);
  if (options_.processing_delay_ms > 0) {
    std::this_thread::sleep_for(
        std::chrono::duration<double, std::milli>(options_.processing_delay_ms));
  }
}

int KafkaConsumer::Poll(int timeout_ms) {
  const int64_t before = consumed();
  // Drain what is ready, but return within about timeout_ms so the caller can stop or report on
  // time (a slow consumer spends processing_delay_ms per message).
  const int64_t deadline = MonoNanos() + int64_t{std::max(timeout_ms, 1)} * 1'000'000;
  rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout_ms);
  while (m != nullptr) {
    Handle(m);
    rd_kafka_message_destroy(m);
    if (MonoNanos() >= deadline) break;
    m = rd_kafka_consumer_poll(rk_, 0);
  }
  return static_cast<int>(consumed() - before);
}

// What librdkafka does without a callback, plus: partitions assigned while paused start paused.
void KafkaConsumer::OnRebalance(rd_kafka_s* rk, int err, rd_kafka_topic_partition_list_s* parts,
                                void* opaque) {
  auto* self = static_cast<KafkaConsumer*>(opaque);
  const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts)) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, parts);
    }
    if (self->paused_) rd_kafka_pause_partitions(rk, parts);
    return;
  }
  if (cooperative) {
    if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

void KafkaConsumer::Pause(bool paused) {
  if (paused == paused_ || closed_) return;
  paused_ = paused;
  rd_kafka_topic_partition_list_t* assigned = nullptr;
  if (rd_kafka_assignment(rk_, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR || assigned == nullptr) {
    return;
  }
  if (paused) {
    rd_kafka_pause_partitions(rk_, assigned);
  } else {
    rd_kafka_resume_partitions(rk_, assigned);
  }
  rd_kafka_topic_partition_list_destroy(assigned);
}

Status KafkaConsumer::Commit() {
  const rd_kafka_resp_err_t rc = rd_kafka_commit(rk_, nullptr, 0);
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR && rc != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    return Status::Unavailable(fmt::format("commit: {}", rd_kafka_err2str(rc)));
  }
  return Status::Ok();
}

Status KafkaConsumer::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  const rd_kafka_resp_err_t rc = rd_kafka_consumer_close(rk_);
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR)
    return Status::Unavailable(fmt::format("close: {}", rd_kafka_err2str(rc)));
  return Status::Ok();
}

std::vector<PartitionPosition> KafkaConsumer::Positions() {
  std::vector<PartitionPosition> out;
  rd_kafka_topic_partition_list_t* assigned = nullptr;
  if (rd_kafka_assignment(rk_, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR || assigned == nullptr) {
    return out;
  }
  rd_kafka_position(rk_, assigned);
  for (int i = 0; i < assigned->cnt; ++i) {
    const rd_kafka_topic_partition_t& tp = assigned->elems[i];
    auto idx = options_.partitions->Find(tp.topic, tp.partition);
    if (!idx) continue;
    int64_t low = -1, high = -1;
    rd_kafka_get_watermark_offsets(rk_, tp.topic, tp.partition, &low, &high);
    out.push_back({*idx, tp.offset, high});
  }
  rd_kafka_topic_partition_list_destroy(assigned);
  return out;
}

// ---- driver
// --------------------------------------------------------------------------------------

Status KafkaDriver::PrepareTopics(const TopicSpec& spec) {
  KB_ASSIGN_OR_RETURN(brokers_, CountBrokers(options_.bootstrap));
  topics_ = spec.names;
  partitions_ = spec.partitions;
  return options_.create_topics ? CreateTopics(options_.bootstrap, spec)
                                : VerifyTopics(options_.bootstrap, spec);
}

Result<std::unique_ptr<ProducerClient>> KafkaDriver::NewProducer(const ProducerClientOptions& o) {
  KafkaProducerOptions po;
  po.bootstrap = options_.bootstrap;
  po.config = o.config;
  po.producer_id = o.producer_id;
  po.partitions = o.partitions;
  po.audits = o.audits;
  po.publish_latency = o.publish_latency;
  po.clock = o.clock;
  KB_ASSIGN_OR_RETURN(auto producer, KafkaProducer::Create(po));
  return std::unique_ptr<ProducerClient>(std::move(producer));
}

// Consumers join the group and let the cluster assign partitions (member/members are not needed).
Result<std::unique_ptr<ConsumerClient>> KafkaDriver::NewConsumer(const ConsumerClientOptions& o) {
  if (o.partitions == nullptr) return Status::InvalidArgument("consumer needs a partition index");
  KafkaConsumerOptions co;
  co.bootstrap = options_.bootstrap;
  co.group_id = o.group;
  co.topics = {o.partitions->topics()[static_cast<size_t>(o.topic)]};
  co.config = o.config;
  co.partitions = o.partitions;
  co.audit = o.audit;
  co.e2e_latency = o.e2e_latency;
  co.clock = o.clock;
  co.processing_delay_ms = o.processing_delay_ms;
  KB_ASSIGN_OR_RETURN(auto consumer, KafkaConsumer::Create(co));
  return std::unique_ptr<ConsumerClient>(std::move(consumer));
}

PartitionLogRanges KafkaDriver::LogRanges(const std::vector<uint32_t>& partitions,
                                          const PartitionIndex& index) {
  PartitionLogRanges ranges;
  if (partitions.empty()) return ranges;
  auto conf = BuildConfig("watermarks", options_.bootstrap, {}, {});
  if (!conf.ok()) return ranges;
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, *conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(*conf);
    return ranges;
  }
  const int64_t deadline = MonoNanos() + 10'000'000'000;
  for (uint32_t p : partitions) {
    const int64_t left_ms = (deadline - MonoNanos()) / 1'000'000;
    if (left_ms <= 0) break;
    const int32_t ppt = index.partitions_per_topic();
    const std::string& topic = index.topics()[p / static_cast<uint32_t>(ppt)];
    int64_t low = -1, high = -1;
    if (rd_kafka_query_watermark_offsets(
            rk, topic.c_str(), static_cast<int32_t>(p % ppt), &low, &high,
            static_cast<int>(std::min<int64_t>(left_ms, 5000))) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ranges[p] = {.log_start = low, .log_end = high};
    }
  }
  rd_kafka_destroy(rk);
  return ranges;
}

Result<PageCacheEviction> KafkaDriver::EvictPageCache() {
  if (options_.local_log_dirs.empty()) {
    return Status::Unsupported(
        "the brokers' log dirs are not on this host (--bootstrap): kbench cannot evict their page "
        "cache, so the backlog is read from wherever their OS keeps it");
  }
  std::vector<std::string> dirs;
  for (const std::string& dir : options_.local_log_dirs) {
    for (const std::string& topic : topics_) {
      for (int32_t p = 0; p < partitions_; ++p)
        dirs.push_back(fmt::format("{}/{}-{}", dir, topic, p));
    }
  }
  return EvictSegmentFiles(dirs);
}

void KafkaDriver::FillResult(const Workload& /*w*/, results::RunResult* r) const {
  r->target = {.kind = options_.kind,
               .bootstrap = options_.bootstrap,
               .brokers = brokers_,
               .data_dir = options_.data_dir};
  r->summary.brokers = brokers_;
}

}  // namespace kbench::harness
