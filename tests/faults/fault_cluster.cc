#include "tests/faults/fault_cluster.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "core/base/clock.h"

namespace kbench::broker::testing {

std::map<std::string, std::string> LoopbackTimings() {
  return {{"broker.heartbeat.interval.ms", "50"},      {"broker.session.timeout.ms", "400"},
          {"replica.lag.time.max.ms", "2000"},         {"replica.fetch.wait.max.ms", "100"},
          {"replica.fetch.backoff.ms", "50"},          {"replica.socket.timeout.ms", "2000"},
          {"controlled.shutdown.timeout.ms", "20000"}, {"offsets.topic.num.partitions", "3"},
          {"group.initial.rebalance.delay.ms", "0"}};
}

Config ProducerConfig(const std::string& bootstrap, const std::string& acks, const Config& extra) {
  Config c = {{"bootstrap.servers", bootstrap},
              {"acks", acks},
              {"linger.ms", "2"},
              {"enable.idempotence", acks == "all" ? "true" : "false"},
              {"retry.backoff.ms", "20"},
              {"reconnect.backoff.ms", "20"},
              {"reconnect.backoff.max.ms", "200"},
              {"topic.metadata.refresh.fast.interval.ms", "50"},
              {"message.timeout.ms", "30000"},
              {"log_level", "3"}};
  for (const auto& [k, v] : extra) c[k] = v;
  return c;
}

// ---- FaultCluster. ----

Result<std::unique_ptr<FaultCluster>> FaultCluster::Start(
    int brokers, const std::map<std::string, std::string>& overrides, const std::string& parent) {
  std::unique_ptr<FaultCluster> f(new FaultCluster());
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = (!parent.empty()                  ? parent
                         : tmp != nullptr && *tmp != '\0' ? std::string(tmp)
                                                          : std::string("/tmp")) +
                        "/kbench-faults-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return Status::FromErrno("mkdtemp " + pattern, errno);
  f->dir_ = pattern;
  EmbeddedClusterOptions o;
  o.brokers = brokers;
  o.data_dir = f->dir_;
  o.properties = LoopbackTimings();
  for (const auto& [k, v] : overrides) o.properties[k] = v;
  KB_ASSIGN_OR_RETURN(f->cluster_, EmbeddedCluster::Start(o));
  return f;
}

FaultCluster::~FaultCluster() {
  if (cluster_) cluster_->Shutdown();
  cluster_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string FaultCluster::live_bootstrap() const {
  // bootstrap() lists every broker in id order.
  const std::string all = cluster_->bootstrap();
  const std::vector<BrokerId> ids = cluster_->broker_ids();
  std::string out;
  size_t begin = 0;
  for (size_t i = 0; i < ids.size() && begin <= all.size(); ++i) {
    size_t end = all.find(',', begin);
    if (end == std::string::npos) end = all.size();
    if (cluster_->status(ids[i]) == BrokerStatus::kRunning) {
      if (!out.empty()) out.push_back(',');
      out.append(all, begin, end - begin);
    }
    begin = end + 1;
  }
  return out;
}

std::string FaultCluster::broker_dir(BrokerId id) const {
  return fmt::format("{}/broker-{}", dir_, id.value());
}

// ---- Metadata. ----

namespace {

Result<rd_kafka_t*> NewProducer(const Config& config) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : config) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument(fmt::format("{}={}: {}", k, v, err));
    }
  }
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    auto* report = static_cast<std::pair<bool, SentMessage>*>(m->_private);
    report->first = true;
    report->second.error = m->err;
    report->second.offset = m->offset;
    report->second.reported_ms = MonoMillis();
  });
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::Internal(fmt::format("rd_kafka_new: {}", err));
  }
  return rk;
}

PartitionView ToState(const rd_kafka_metadata_partition_t& p) {
  PartitionView s;
  s.leader = p.leader;
  s.error = p.err;
  s.replicas.assign(p.replicas, p.replicas + p.replica_cnt);
  s.isr.assign(p.isrs, p.isrs + p.isr_cnt);
  return s;
}

}  // namespace

Result<std::map<int32_t, PartitionView>> DescribeTopic(const std::string& bootstrap,
                                                       const std::string& topic) {
  KB_ASSIGN_OR_RETURN(rd_kafka_t * rk, NewProducer({{"bootstrap.servers", bootstrap},
                                                    {"reconnect.backoff.ms", "20"},
                                                    {"reconnect.backoff.max.ms", "200"},
                                                    {"log_level", "3"}}));
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, t, &md, 5000);
  std::map<int32_t, PartitionView> out;
  Status s;
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    s = Status::Internal(fmt::format("metadata of {}: {}", topic, rd_kafka_err2str(e)));
  } else {
    for (int i = 0; i < md->topic_cnt; ++i) {
      for (int p = 0; p < md->topics[i].partition_cnt; ++p) {
        out[md->topics[i].partitions[p].id] = ToState(md->topics[i].partitions[p]);
      }
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(t);
  rd_kafka_destroy(rk);
  if (!s.ok()) return s;
  return out;
}

Status AwaitPartitions(const std::string& bootstrap, const std::string& topic,
                       const std::function<bool(const PartitionView&)>& done, int timeout_ms,
                       const std::vector<int32_t>& partitions) {
  const int64_t deadline = MonoMillis() + timeout_ms;
  std::string last = "no Metadata answer";
  while (true) {
    auto described = DescribeTopic(bootstrap, topic);
    if (described.ok() && !described->empty()) {
      std::vector<int32_t> wanted = partitions;
      if (wanted.empty()) {
        for (const auto& [p, s] : *described) wanted.push_back(p);
      }
      bool all = true;
      for (int32_t p : wanted) {
        auto it = described->find(p);
        if (it == described->end() || !done(it->second)) {
          last = it == described->end()
                     ? fmt::format("{}-{} missing", topic, p)
                     : fmt::format("{}-{}: leader {}, isr [{}]", topic, p, it->second.leader,
                                   fmt::join(it->second.isr, ","));
          all = false;
          break;
        }
      }
      if (all) return Status::Ok();
    } else if (!described.ok()) {
      last = described.status().ToString();
    }
    if (MonoMillis() > deadline) {
      return Status::TimedOut(fmt::format("after {} ms: {}", timeout_ms, last));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::vector<UnavailabilityWindow> WindowsOf(const ClusterStats& stats, const std::string& topic) {
  std::vector<UnavailabilityWindow> out;
  for (const UnavailabilityWindow& w : stats.unavailability) {
    if (w.tp.topic == topic) out.push_back(w);
  }
  return out;
}

std::vector<ElectionRecord> ElectionsOf(const ClusterStats& stats, const std::string& topic) {
  std::vector<ElectionRecord> out;
  for (const ElectionRecord& e : stats.elections) {
    if (e.tp.topic == topic) out.push_back(e);
  }
  return out;
}

// ---- ProbeProducer. ----

Result<std::unique_ptr<ProbeProducer>> ProbeProducer::Create(const Config& config) {
  std::unique_ptr<ProbeProducer> p(new ProbeProducer());
  KB_ASSIGN_OR_RETURN(rd_kafka_t * rk, NewProducer(config));
  p->rk_ = rk;
  return p;
}

ProbeProducer::~ProbeProducer() {
  if (rk_ != nullptr) rd_kafka_destroy(static_cast<rd_kafka_t*>(rk_));
}

Result<int> ProbeProducer::Send(const std::string& topic, int32_t partition,
                                const std::string& value, int timeout_ms) {
  auto* rk = static_cast<rd_kafka_t*>(rk_);
  std::pair<bool, SentMessage> report{false, SentMessage{value, partition, -1, -1, 0}};
  rd_kafka_resp_err_t e = rd_kafka_producev(
      rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
      RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&report), RD_KAFKA_V_END);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Internal(fmt::format("produce {}: {}", value, rd_kafka_err2str(e)));
  }
  const int64_t deadline = MonoMillis() + timeout_ms;
  while (!report.first && MonoMillis() < deadline) rd_kafka_poll(rk, 10);
  if (!report.first) {
    // The message stays queued; purge it so its report (and &report) cannot outlive this call.
    rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    while (!report.first) rd_kafka_poll(rk, 10);
    sent_.push_back(report.second);
    return Status::TimedOut(
        fmt::format("no delivery report for {} in {} ms (purged: {})", value, timeout_ms,
                    rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(report.second.error))));
  }
  sent_.push_back(report.second);
  return report.second.error;
}

Result<int> ProbeUntil(ProbeProducer& producer, const std::string& topic, int32_t partition,
                       const std::string& prefix, const std::function<bool(int)>& accept,
                       int timeout_ms, int probe_timeout_ms) {
  const int64_t deadline = MonoMillis() + timeout_ms;
  std::string last = "none";
  while (MonoMillis() < deadline) {
    const std::string value = fmt::format("{}-{}", prefix, producer.sent().size());
    Result<int> r = producer.Send(topic, partition, value, probe_timeout_ms);
    if (r.ok() && accept(*r)) return *r;
    last = r.ok() ? fmt::format("error {} ({})", *r,
                                rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(*r)))
                  : r.status().ToString();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::TimedOut(
      fmt::format("probing {}-{} for {} ms; last: {}", topic, partition, timeout_ms, last));
}

}  // namespace kbench::broker::testing
