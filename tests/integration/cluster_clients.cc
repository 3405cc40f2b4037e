#include "tests/integration/cluster_clients.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <set>

#include "core/base/clock.h"

namespace kbench::broker::testing {
namespace {

Result<rd_kafka_t*> NewClient(rd_kafka_type_t type, const Config& config,
                              void (*dr)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr,
                              void* opaque = nullptr) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : config) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument(fmt::format("{}={}: {}", k, v, err));
    }
  }
  if (dr != nullptr) rd_kafka_conf_set_dr_msg_cb(conf, dr);
  if (opaque != nullptr) rd_kafka_conf_set_opaque(conf, opaque);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::Internal(fmt::format("rd_kafka_new: {}", err));
  }
  return rk;
}

}  // namespace

Result<std::map<int32_t, int32_t>> PartitionLeaders(const std::string& bootstrap,
                                                    const std::string& topic) {
  KB_ASSIGN_OR_RETURN(rd_kafka_t * rk,
                      NewClient(RD_KAFKA_PRODUCER, {{"bootstrap.servers", bootstrap}}));
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, t, &md, 10000);
  std::map<int32_t, int32_t> out;
  Status s;
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    s = Status::Internal(fmt::format("metadata: {}", rd_kafka_err2str(e)));
  } else {
    for (int i = 0; i < md->topic_cnt; ++i) {
      for (int p = 0; p < md->topics[i].partition_cnt; ++p) {
        out[md->topics[i].partitions[p].id] = md->topics[i].partitions[p].leader;
      }
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(t);
  rd_kafka_destroy(rk);
  if (!s.ok()) return s;
  return out;
}

// ---- StreamProducer. ----

StreamProducer::StreamProducer(Config config, std::string topic, int partitions, std::string prefix,
                               int max_in_flight, int pause_us)
    : config_(std::move(config)),
      topic_(std::move(topic)),
      partitions_(partitions),
      prefix_(std::move(prefix)),
      max_in_flight_(max_in_flight),
      pause_us_(pause_us) {}

StreamProducer::~StreamProducer() { (void)Stop(1000); }

void StreamProducer::OnDelivery(void* rk, const void* msg, void* opaque) {
  (void)rk;
  auto* self = static_cast<StreamProducer*>(opaque);
  const auto* m = static_cast<const rd_kafka_message_t*>(msg);
  const size_t i = reinterpret_cast<uintptr_t>(m->_private);
  {
    std::lock_guard<std::mutex> lock(self->mu_);
    SentMessage& s = self->sent_[i];
    s.error = m->err;
    s.offset = m->offset;
    s.reported_ms = MonoMillis();
  }
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) self->acked_.fetch_add(1);
  self->reported_.fetch_add(1);
}

Status StreamProducer::Start() {
  auto dr = [](rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
    OnDelivery(rk, m, opaque);
  };
  KB_ASSIGN_OR_RETURN(rd_kafka_t * rk, NewClient(RD_KAFKA_PRODUCER, config_, dr, this));
  rk_ = rk;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void StreamProducer::SendBudget(int64_t n) {
  const int64_t queued = queued_.load();
  budget_.store(queued + n);
}

void StreamProducer::Run() {
  auto* rk = static_cast<rd_kafka_t*>(rk_);
  while (!stop_.load()) {
    const int64_t budget = budget_.load();
    const int64_t queued = queued_.load();
    if ((budget >= 0 && queued >= budget) || queued - reported_.load() >= max_in_flight_) {
      rd_kafka_poll(rk, 1);
      continue;
    }
    SentMessage s;
    s.value = fmt::format("{}-{}", prefix_, queued);
    s.partition = static_cast<int32_t>(queued % partitions_);
    size_t index;
    {
      std::lock_guard<std::mutex> lock(mu_);
      index = sent_.size();
      sent_.push_back(s);
    }
    rd_kafka_resp_err_t e = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic_.c_str()), RD_KAFKA_V_PARTITION(s.partition),
        RD_KAFKA_V_VALUE(s.value.data(), s.value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(index))), RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::lock_guard<std::mutex> lock(mu_);
      sent_.pop_back();
      rd_kafka_poll(rk, 5);
      continue;
    }
    queued_.fetch_add(1);
    rd_kafka_poll(rk, 0);
    if (pause_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(pause_us_));
  }
}

bool StreamProducer::WaitForAcked(int64_t n, int timeout_ms) {
  const int64_t deadline = MonoMillis() + timeout_ms;
  while (acked_.load() < n) {
    if (MonoMillis() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

bool StreamProducer::WaitForReports(int timeout_ms) {
  const int64_t deadline = MonoMillis() + timeout_ms;
  while (reported_.load() < queued_.load()) {
    if (MonoMillis() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

Status StreamProducer::Stop(int timeout_ms) {
  if (rk_ == nullptr) return Status::Ok();
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  auto* rk = static_cast<rd_kafka_t*>(rk_);
  const int64_t deadline = MonoMillis() + timeout_ms;
  while (reported_.load() < queued_.load() && MonoMillis() < deadline) rd_kafka_poll(rk, 10);
  rd_kafka_destroy(rk);  // reports what is still pending (as errors) before returning
  rk_ = nullptr;
  if (reported_.load() < queued_.load()) {
    return Status::TimedOut(
        fmt::format("{} of {} deliveries reported", reported_.load(), queued_.load()));
  }
  return Status::Ok();
}

std::vector<SentMessage> StreamProducer::messages() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sent_;
}

std::map<int, int64_t> StreamProducer::errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<int, int64_t> out;
  for (const SentMessage& s : sent_) ++out[s.error];
  return out;
}

// ---- Reading back. ----

Result<std::vector<Record>> ReadAll(const std::string& bootstrap, const std::string& topic,
                                    int partitions, int timeout_ms) {
  Config config = {{"bootstrap.servers", bootstrap},
                   {"group.id", "kbench-cluster-reader"},
                   {"enable.auto.commit", "false"},
                   {"enable.partition.eof", "true"},
                   {"fetch.wait.max.ms", "50"}};
  KB_ASSIGN_OR_RETURN(rd_kafka_t * rk, NewClient(RD_KAFKA_CONSUMER, config));
  const int64_t deadline = MonoMillis() + timeout_ms;
  std::map<int32_t, int64_t> high;
  for (int p = 0; p < partitions; ++p) {
    int64_t lo = -1, hi = -1;
    while (true) {
      rd_kafka_resp_err_t e =
          rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 2000);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (MonoMillis() > deadline) {
        rd_kafka_destroy(rk);
        return Status::TimedOut(
            fmt::format("watermarks of {}-{}: {}", topic, p, rd_kafka_err2str(e)));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    high[p] = hi;
  }
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<Record> out;
  std::map<int32_t, int64_t> next;  // next offset to read per partition
  std::set<int32_t> done;
  while (static_cast<int>(done.size()) < partitions && MonoMillis() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      Record r{m->partition, m->offset, {}};
      if (m->payload != nullptr) r.value.assign(static_cast<const char*>(m->payload), m->len);
      out.push_back(std::move(r));
      next[m->partition] = m->offset + 1;
    } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (m->offset >= high[m->partition]) done.insert(m->partition);
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  if (static_cast<int>(done.size()) < partitions) {
    return Status::TimedOut(
        fmt::format("read {} records of {}; {} of {} partitions reached their "
                    "high watermark",
                    out.size(), topic, done.size(), partitions));
  }
  return out;
}

AuditCounts Audit(const std::vector<SentMessage>& sent, const std::vector<Record>& read) {
  AuditCounts a;
  std::map<std::string, int64_t> copies;
  for (const Record& r : read) ++copies[r.value];
  a.read = static_cast<int64_t>(read.size());
  for (const SentMessage& s : sent) {
    auto it = copies.find(s.value);
    const int64_t n = it == copies.end() ? 0 : it->second;
    if (s.error == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++a.acked;
      if (n == 0) {
        ++a.acked_lost;
        a.lost_values.push_back(s.value);
      }
    } else if (n > 0) {
      ++a.unacked_present;
    }
    if (n > 1) a.duplicated += n - 1;
  }
  return a;
}

}  // namespace kbench::broker::testing
