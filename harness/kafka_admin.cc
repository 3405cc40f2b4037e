#include "harness/kafka_admin.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <memory>

namespace kbench::harness {
namespace {

struct RkDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using RkPtr = std::unique_ptr<rd_kafka_t, RkDeleter>;

Result<RkPtr> Client(const std::string& bootstrap) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof(err)) !=
      RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(fmt::format("--bootstrap {}: {}", bootstrap, err));
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(fmt::format("admin client: {}", err));
  }
  return RkPtr(rk);
}

Status CheckCreateResult(rd_kafka_event_t* ev) {
  if (ev == nullptr) return Status::TimedOut("CreateTopics: no answer from the cluster");
  if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable(fmt::format("CreateTopics: {}", rd_kafka_event_error_string(ev)));
  }
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
  for (size_t i = 0; i < n; ++i) {
    if (rd_kafka_topic_result_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Unavailable(
          fmt::format("create topic {}: {} ({})", rd_kafka_topic_result_name(results[i]),
                      rd_kafka_err2name(rd_kafka_topic_result_error(results[i])),
                      rd_kafka_topic_result_error_string(results[i])));
    }
  }
  return Status::Ok();
}

}  // namespace

Status CreateTopics(const std::string& bootstrap, const TopicSpec& spec, int timeout_ms) {
  KB_ASSIGN_OR_RETURN(RkPtr rk, Client(bootstrap));
  std::vector<rd_kafka_NewTopic_t*> topics;
  char err[512];
  Status st;
  for (const std::string& name : spec.names) {
    rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(name.c_str(), spec.partitions,
                                                   spec.replication_factor, err, sizeof(err));
    if (t == nullptr) {
      st = Status::InvalidArgument(fmt::format("topic {}: {}", name, err));
      break;
    }
    topics.push_back(t);
    for (const auto& [k, v] : spec.config) {
      if (rd_kafka_NewTopic_set_config(t, k.c_str(), v.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        st = Status::InvalidArgument(fmt::format("topicConfig.{}={}: refused", k, v));
      }
    }
  }
  if (st.ok()) {
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk.get());
    rd_kafka_AdminOptions_t* options =
        rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(options, timeout_ms, err, sizeof(err));
    rd_kafka_CreateTopics(rk.get(), topics.data(), topics.size(), options, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, timeout_ms + 5000);
    st = CheckCreateResult(ev);
    if (ev != nullptr) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_queue_destroy(q);
  }
  rd_kafka_NewTopic_destroy_array(topics.data(), topics.size());
  return st;
}

Status VerifyTopics(const std::string& bootstrap, const TopicSpec& spec, int timeout_ms) {
  KB_ASSIGN_OR_RETURN(RkPtr rk, Client(bootstrap));
  for (const std::string& name : spec.names) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), name.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t rc = rd_kafka_metadata(rk.get(), 0, rkt, &md, timeout_ms);
    Status st;
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
      st = Status::Unavailable(fmt::format("metadata for {}: {}", name, rd_kafka_err2str(rc)));
    } else if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      st = Status::NotFound(fmt::format(
          "topic {}: {}", name, md->topic_cnt ? rd_kafka_err2str(md->topics[0].err) : "not found"));
    } else if (md->topics[0].partition_cnt != spec.partitions) {
      st = Status::InvalidArgument(fmt::format("topic {} has {} partitions, the profile needs {}",
                                               name, md->topics[0].partition_cnt, spec.partitions));
    }
    if (md != nullptr) rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    KB_RETURN_IF_ERROR(st);
  }
  return Status::Ok();
}

Result<int32_t> CountBrokers(const std::string& bootstrap, int timeout_ms) {
  KB_ASSIGN_OR_RETURN(RkPtr rk, Client(bootstrap));
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t rc = rd_kafka_metadata(rk.get(), 0, nullptr, &md, timeout_ms);
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable(
        fmt::format("cluster metadata from {}: {}", bootstrap, rd_kafka_err2str(rc)));
  }
  const int32_t n = md->broker_cnt;
  rd_kafka_metadata_destroy(md);
  return n;
}

}  // namespace kbench::harness
