// bench_broker_clients: librdkafka producer and consumer throughput against a Kafka-protocol
// cluster: a running broker (--bootstrap HOST:PORT, e.g. `kbench broker`) or librdkafka's own
// in-process mock cluster (--mock N), in the same process and with the same client settings, so
// scripts/bench-broker can print the two side by side.
//
//   bench_broker_clients (--bootstrap HOST:PORT | --mock N) --messages N --size B
//       [--partitions P] [--acks A] [--linger-ms L] [--topic T] [--repeat R] [--no-consume]
//
// Each repetition creates a fresh topic (Admin API against a broker, rd_kafka_mock_topic_create on
// the mock), produces N records of B bytes as fast as librdkafka accepts them (in chunks of 1000
// per partition, round-robin, payload not copied; measured from the first produce call until every
// record is acknowledged), then one consumer reads them all back from the beginning with assign()
// (measured from the first fetched record to the last) and deletes the topic. One line per
// measurement on stdout:
//   produce size=100 msgs=5000000 secs=2.10 msgs_per_s=2380952 mb_per_s=227.1
//   consume size=100 msgs=5000000 secs=1.80 msgs_per_s=2777777 mb_per_s=264.9
// Exit status 0, or 1 when a run failed (delivery errors, records missing, timeouts).
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::string bootstrap;
  int mock_brokers = 0;
  int64_t messages = 1'000'000;
  int size = 100;
  int partitions = 6;
  int acks = 1;
  int linger_ms = 5;
  std::string topic = "bench";
  int repeat = 1;
  bool consume = true;
};

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

[[noreturn]] void Die(const std::string& what) {
  fmt::print(stderr, "bench_broker_clients: {}\n", what);
  std::exit(1);
}

bool Set(rd_kafka_conf_t* conf, const char* key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    fmt::print(stderr, "config {}={}: {}\n", key, value, err);
    return false;
  }
  return true;
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value after " + a);
      return argv[++i];
    };
    if (a == "--bootstrap") {
      o.bootstrap = next();
    } else if (a == "--mock") {
      o.mock_brokers = std::stoi(next());
    } else if (a == "--messages") {
      o.messages = std::stoll(next());
    } else if (a == "--size") {
      o.size = std::stoi(next());
    } else if (a == "--partitions") {
      o.partitions = std::stoi(next());
    } else if (a == "--acks") {
      o.acks = std::stoi(next());
    } else if (a == "--linger-ms") {
      o.linger_ms = std::stoi(next());
    } else if (a == "--topic") {
      o.topic = next();
    } else if (a == "--repeat") {
      o.repeat = std::stoi(next());
    } else if (a == "--no-consume") {
      o.consume = false;
    } else {
      Die("unknown argument " + a);
    }
  }
  if (o.bootstrap.empty() == (o.mock_brokers == 0)) Die("give exactly one of --bootstrap, --mock");
  return o;
}

// Admin-API topic creation and deletion against a real broker.
void AdminTopic(const std::string& bootstrap, const std::string& topic, int partitions,
                bool create) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Set(conf, "bootstrap.servers", bootstrap);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) Die(err);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  if (create) {
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err, sizeof(err));
    rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
    rd_kafka_NewTopic_destroy(nt);
  } else {
    rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(topic.c_str());
    rd_kafka_DeleteTopics(rk, &dt, 1, nullptr, q);
    rd_kafka_DeleteTopic_destroy(dt);
  }
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
  if (ev == nullptr) Die("admin request timed out");
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      create ? rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n)
             : rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
  if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) Die(rd_kafka_event_error_string(ev));
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Die(fmt::format("{} topic {}: {}", create ? "create" : "delete", topic, rd_kafka_err2str(e)));
    }
  }
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
}

// Delivery reports only for failures (delivery.report.only.error): success is "the output queue
// drained" (rd_kafka_flush), so no per-record callback runs on either target.
struct DeliveryState {
  std::atomic<int64_t> failed{0};
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* s = static_cast<DeliveryState*>(opaque);
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && s->failed.fetch_add(1) == 0) {
    fmt::print(stderr, "delivery: {}\n", rd_kafka_err2str(m->err));
  }
}

// Produces in chunks of kChunk records to one partition at a time (rd_kafka_produce_batch: one lock
// round per chunk instead of per record), round-robin over the partitions; the payload is not
// copied (it outlives every delivery).
double Produce(const Options& o, const std::string& bootstrap, const std::string& topic) {
  constexpr int kChunk = 1000;
  DeliveryState state;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Set(conf, "bootstrap.servers", bootstrap);
  Set(conf, "acks", std::to_string(o.acks));
  Set(conf, "linger.ms", std::to_string(o.linger_ms));
  Set(conf, "queue.buffering.max.messages", "2000000");
  Set(conf, "queue.buffering.max.kbytes", "2097151");
  Set(conf, "delivery.report.only.error", "true");
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_opaque(conf, &state);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) Die(err);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  std::vector<char> payload(static_cast<size_t>(o.size), 'x');
  std::vector<rd_kafka_message_t> chunk(kChunk);
  // Warm the connection and metadata before the clock starts.
  rd_kafka_metadata_t const* md = nullptr;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_metadata_destroy(md);
  }
  const double start = Now();
  int64_t sent = 0;
  int32_t partition = 0;
  while (sent < o.messages) {
    const int n = static_cast<int>(std::min<int64_t>(kChunk, o.messages - sent));
    for (int i = 0; i < n; ++i) {
      chunk[i] = rd_kafka_message_t{};
      chunk[i].payload = payload.data();
      chunk[i].len = payload.size();
    }
    int accepted = rd_kafka_produce_batch(rkt, partition, 0, chunk.data(), n);
    for (int i = accepted; i < n; ++i) {  // queue full: retry the rest after serving callbacks
      while (rd_kafka_produce(rkt, partition, 0, payload.data(), payload.size(), nullptr, 0,
                              nullptr) != 0) {
        if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          Die(fmt::format("produce: {}", rd_kafka_err2str(rd_kafka_last_error())));
        }
        rd_kafka_poll(rk, 1);
      }
    }
    sent += n;
    partition = (partition + 1) % o.partitions;
    rd_kafka_poll(rk, 0);
  }
  if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) Die("delivery timed out");
  const double secs = Now() - start;
  if (state.failed.load() > 0) Die(fmt::format("{} deliveries failed", state.failed.load()));
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return secs;
}

double Consume(const Options& o, const std::string& bootstrap, const std::string& topic) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Set(conf, "bootstrap.servers", bootstrap);
  Set(conf, "group.id", "bench-" + topic);  // required by the API; assign() uses no group
  Set(conf, "enable.auto.commit", "false");
  Set(conf, "enable.partition.eof", "false");
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (rk == nullptr) Die(err);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(o.partitions);
  for (int p = 0; p < o.partitions; ++p) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(rk);
  std::vector<rd_kafka_message_t*> batch(10000);
  int64_t received = 0;
  double first = 0;
  const double deadline = Now() + 120;
  while (received < o.messages && Now() < deadline) {
    ssize_t n = rd_kafka_consume_batch_queue(q, 100, batch.data(), batch.size());
    for (ssize_t i = 0; i < n; ++i) {
      if (batch[i]->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (received++ == 0) first = Now();
      } else {
        fmt::print(stderr, "consume: {}\n", rd_kafka_message_errstr(batch[i]));
      }
      rd_kafka_message_destroy(batch[i]);
    }
  }
  const double secs = Now() - first;
  if (received < o.messages) Die(fmt::format("consumed {} of {} records", received, o.messages));
  rd_kafka_queue_destroy(q);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return secs;
}

void Report(const char* what, const Options& o, double secs) {
  const double rate = static_cast<double>(o.messages) / secs;
  fmt::print("{} size={} msgs={} secs={:.3f} msgs_per_s={:.0f} mb_per_s={:.1f}\n", what, o.size,
             o.messages, secs, rate, rate * o.size / 1e6);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  rd_kafka_t* mock_owner = nullptr;
  rd_kafka_mock_cluster_t* mock = nullptr;
  std::string bootstrap = o.bootstrap;
  if (o.mock_brokers > 0) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    mock_owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (mock_owner == nullptr) Die(err);
    mock = rd_kafka_mock_cluster_new(mock_owner, o.mock_brokers);
    if (mock == nullptr) Die("cannot start the mock cluster");
    bootstrap = rd_kafka_mock_cluster_bootstraps(mock);
  }
  for (int r = 0; r < o.repeat; ++r) {
    const std::string topic = fmt::format("{}-{}-{}", o.topic, o.size, r);
    if (mock != nullptr) {
      if (rd_kafka_mock_topic_create(mock, topic.c_str(), o.partitions, 1) != 0) {
        Die("mock topic create failed");
      }
    } else {
      AdminTopic(bootstrap, topic, o.partitions, true);
    }
    Report("produce", o, Produce(o, bootstrap, topic));
    if (o.consume) Report("consume", o, Consume(o, bootstrap, topic));
    if (mock == nullptr) AdminTopic(bootstrap, topic, o.partitions, false);
  }
  if (mock != nullptr) {
    rd_kafka_mock_cluster_destroy(mock);
    rd_kafka_destroy(mock_owner);
  }
  return 0;
}
