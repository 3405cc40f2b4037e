// bench_replication: what replication costs a librdkafka producer, and how long a partition is
// unwritable when its leader crashes, on a 3-broker embedded cluster (core/broker/
// embedded_cluster.h) in this process, with loopback-tuned timings (tests/faults/fault_cluster.h).
// scripts/bench-replication runs it and prints the table.
//
//   bench_replication [--data-dir DIR] [--messages N] [--size B] [--partitions P] [--reps R]
//                     [--crashes C] [--linger-ms L]
//
// Throughput: in each of R repetitions, for each configuration side by side (the order rotates
// between repetitions) -- RF 1 acks=1, RF 3 acks=1, RF 3 acks=all with min.insync.replicas 2 --
// a fresh topic of P partitions gets N records of B bytes from one producer as fast as librdkafka
// accepts them (no idempotence, linger.ms L); measured from the first produce call until every
// record is acknowledged, with the CPU time the whole process (producer and cluster) used
// meanwhile. Each repetition runs on a fresh cluster, removed afterwards. One line each:
//   produce config=rf3_acksall rep=2 size=100 msgs=1000000 secs=2.10 msgs_per_s=476190
//           mb_per_s=47.6 cpu_secs=3.9
// Failover: one partition (RF 3, min.insync.replicas 2, auto leader rebalance off) gets a record
// every millisecond from an idempotent acks=all producer; C times its leader is crashed, and the
// failover time is from the Crash() call to the first acknowledgement of a record produced after
// Crash() returned (so acknowledged by the new leader). The producer refreshes its metadata every
// 100 ms (topic.metadata.refresh.interval.ms): librdkafka's fast refresh covers partitions without
// a leader, not a leader that is known but dead, and would otherwise add ~0.5 s. server_ms is the
// cluster's own window (crash -> new leader serving, availability_tracker.h).
// The crashed broker is restarted and the partition fully replicated before the next crash:
//   failover crash=3 broker=2 new_leader=3 ms=512.3
// Exit status 0, or 1 when a run failed (delivery errors, timeouts, cluster errors).
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "tests/faults/fault_cluster.h"

namespace kbench::broker::testing {
namespace {

struct Options {
  std::string data_dir;
  int64_t messages = 1'000'000;
  int size = 100;
  int partitions = 6;
  int reps = 3;
  int crashes = 10;
  int linger_ms = 5;
};

struct Setup {
  const char* name;
  int replication_factor;
  const char* acks;
};

constexpr Setup kSetups[] = {
    {"rf1_acks1", 1, "1"}, {"rf3_acks1", 3, "1"}, {"rf3_acksall", 3, "all"}};

// The running cluster's dir, removed by Die() (which skips destructors).
std::string g_cluster_dir;

[[noreturn]] void Die(const std::string& what) {
  fmt::print(stderr, "bench_replication: {}\n", what);
  if (!g_cluster_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(g_cluster_dir, ec);
  }
  std::fflush(stdout);
  std::_Exit(1);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value after " + a);
      return argv[++i];
    };
    auto number = [&]() -> int64_t {
      const std::string v = next();
      char* end = nullptr;
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || n < 0) Die(fmt::format("{} {}: not a count", a, v));
      return n;
    };
    if (a == "--data-dir") {
      o.data_dir = next();
    } else if (a == "--messages") {
      o.messages = number();
    } else if (a == "--size") {
      o.size = static_cast<int>(number());
    } else if (a == "--partitions") {
      o.partitions = static_cast<int>(number());
    } else if (a == "--reps") {
      o.reps = static_cast<int>(number());
    } else if (a == "--crashes") {
      o.crashes = static_cast<int>(number());
    } else if (a == "--linger-ms") {
      o.linger_ms = static_cast<int>(number());
    } else {
      Die("unknown argument " + a +
          " (usage: bench_replication [--data-dir DIR] [--messages N] [--size B] "
          "[--partitions P] [--reps R] [--crashes C] [--linger-ms L])");
    }
  }
  if (o.size < 1 || o.partitions < 1) Die("--size and --partitions must be >= 1");
  return o;
}

rd_kafka_t* NewProducer(const Config& config,
                        void (*dr)(rd_kafka_t*, const rd_kafka_message_t*, void*)) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : config) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      Die(fmt::format("producer config {}={}: {}", k, v, err));
    }
  }
  rd_kafka_conf_set_dr_msg_cb(conf, dr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) Die(fmt::format("rd_kafka_new: {}", err));
  return rk;
}

// ---- Throughput. ----

// CPU seconds (user + system) of this whole process so far: producer, brokers and controller.
double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

std::atomic<int64_t> g_delivered{0};
std::atomic<int64_t> g_failed{0};

void CountDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    g_delivered.fetch_add(1, std::memory_order_relaxed);
  } else if (g_failed.fetch_add(1) == 0) {
    fmt::print(stderr, "bench_replication: delivery failed: {}\n", rd_kafka_err2str(m->err));
  }
}

void MeasureThroughput(FaultCluster& f, const Options& o, const Setup& setup, int rep) {
  const std::string topic = fmt::format("{}-{}", setup.name, rep);
  Status created = CreateReplicatedTopic(f.bootstrap(), topic, o.partitions,
                                         setup.replication_factor, {{"min.insync.replicas", "2"}});
  if (!created.ok()) Die("create " + topic + ": " + created.ToString());
  Status led = AwaitPartitions(
      f.bootstrap(), topic,
      [&](const PartitionView& s) {
        return s.leader >= 0 && static_cast<int>(s.isr.size()) == setup.replication_factor;
      },
      30000);
  if (!led.ok()) Die(topic + ": " + led.ToString());
  rd_kafka_t* rk = NewProducer({{"bootstrap.servers", f.bootstrap()},
                                {"acks", setup.acks},
                                {"linger.ms", std::to_string(o.linger_ms)},
                                {"enable.idempotence", "false"},
                                {"queue.buffering.max.messages", "1000000"},
                                {"queue.buffering.max.kbytes", "1048576"},
                                {"message.timeout.ms", "120000"},
                                {"log_level", "3"}},
                               CountDelivery);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const std::string payload(static_cast<size_t>(o.size), 'x');
  g_delivered = 0;
  g_failed = 0;
  const int64_t start_ns = MonoNanos();
  const double start_cpu = ProcessCpuSeconds();
  int32_t partition = 0;
  for (int64_t sent = 0; sent < o.messages;) {
    // Chunks of 1000 per partition, round robin (librdkafka batches per partition).
    for (int i = 0; i < 1000 && sent < o.messages; ++i) {
      if (rd_kafka_produce(rkt, partition, 0, const_cast<char*>(payload.data()), payload.size(),
                           nullptr, 0, nullptr) != 0) {
        if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          Die(fmt::format("produce: {}", rd_kafka_err2str(rd_kafka_last_error())));
        }
        rd_kafka_poll(rk, 1);
        --i;
        continue;
      }
      ++sent;
    }
    partition = (partition + 1) % o.partitions;
    rd_kafka_poll(rk, 0);
  }
  if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) Die(topic + ": flush timed out");
  const double secs = static_cast<double>(MonoNanos() - start_ns) / 1e9;
  const double cpu_secs = ProcessCpuSeconds() - start_cpu;
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  if (g_failed.load() > 0 || g_delivered.load() != o.messages) {
    Die(fmt::format("{}: {} of {} delivered, {} failed", topic, g_delivered.load(), o.messages,
                    g_failed.load()));
  }
  const double rate = static_cast<double>(o.messages) / secs;
  fmt::print(
      "produce config={} rep={} size={} msgs={} secs={:.3f} msgs_per_s={:.0f} mb_per_s={:.1f} "
      "cpu_secs={:.3f}\n",
      setup.name, rep, o.size, o.messages, secs, rate, rate * o.size / 1e6, cpu_secs);
  std::fflush(stdout);
}

// ---- Failover. ----

// The producer's opaque per record is its produce time (MonoNanos); a delivery report of a
// record produced at or after g_crash_ns records the first acknowledgement after the crash.
std::atomic<int64_t> g_crash_ns{INT64_MAX};
std::atomic<int64_t> g_first_ack_after_ns{0};
std::atomic<int64_t> g_acked{0};

void OnFailoverDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    g_failed.fetch_add(1);
    return;
  }
  g_acked.fetch_add(1);
  const auto produced_ns = static_cast<int64_t>(reinterpret_cast<intptr_t>(m->_private));
  if (produced_ns >= g_crash_ns.load()) {
    int64_t expected = 0;
    g_first_ack_after_ns.compare_exchange_strong(expected, MonoNanos());
  }
}

bool WaitFor(const std::function<bool()>& done, int timeout_ms) {
  const int64_t deadline = MonoMillis() + timeout_ms;
  while (!done()) {
    if (MonoMillis() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

void MeasureFailover(FaultCluster& f, const Options& o) {
  const std::string topic = "failover";
  Status created =
      CreateReplicatedTopic(f.bootstrap(), topic, 1, 3, {{"min.insync.replicas", "2"}});
  if (!created.ok()) Die("create failover: " + created.ToString());
  if (Status s = f.cluster().AwaitFullyReplicated(30000); !s.ok()) Die(s.ToString());
  rd_kafka_t* rk = NewProducer(ProducerConfig(f.bootstrap(), "all",
                                              {{"linger.ms", "0"},
                                               {"request.timeout.ms", "2000"},
                                               {"topic.metadata.refresh.interval.ms", "100"}}),
                               OnFailoverDelivery);
  std::atomic<bool> stop{false};
  std::thread sender([&] {
    while (!stop.load()) {
      const int64_t now = MonoNanos();
      rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                        RD_KAFKA_V_VALUE(const_cast<char*>("f"), 1),
                        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<intptr_t>(now))),
                        RD_KAFKA_V_END);
      rd_kafka_poll(rk, 1);
    }
  });
  for (int crash = 1; crash <= o.crashes; ++crash) {
    auto described = DescribeTopic(f.bootstrap(), topic);
    if (!described.ok() || (*described)[0].leader < 0) Die("failover: no leader before a crash");
    const int32_t leader = (*described)[0].leader;
    const int64_t acked = g_acked.load();
    if (!WaitFor([&] { return g_acked.load() >= acked + 50; }, 30000)) {
      Die("failover: the producer is not being acknowledged before a crash");
    }
    g_first_ack_after_ns = 0;
    const int64_t crash_ns = MonoNanos();
    if (Status s = f.cluster().Crash(BrokerId(leader)); !s.ok()) Die(s.ToString());
    // Only records produced once the leader is gone count: earlier ones may still have been
    // acknowledged by it.
    g_crash_ns = MonoNanos();
    if (!WaitFor([&] { return g_first_ack_after_ns.load() != 0; }, 60000)) {
      Die(fmt::format("failover: nothing acknowledged within 60 s of crash {}", crash));
    }
    const double ms = static_cast<double>(g_first_ack_after_ns.load() - crash_ns) / 1e6;
    g_crash_ns = INT64_MAX;
    auto after = DescribeTopic(f.bootstrap(), topic);
    // The cluster's own view (availability_tracker.h): crash -> the new leader serving, without
    // the client's detection and metadata refresh.
    double server_ms = -1;
    for (const UnavailabilityWindow& w : WindowsOf(f.cluster().Stats(), topic)) {
      if (w.from_ns >= crash_ns && w.to_ns >= w.from_ns) {
        server_ms = static_cast<double>(w.to_ns - w.from_ns) / 1e6;
      }
    }
    fmt::print("failover crash={} broker={} new_leader={} ms={:.1f} server_ms={:.1f}\n", crash,
               leader, after.ok() ? (*after)[0].leader : -1, ms, server_ms);
    std::fflush(stdout);
    if (Status s = f.cluster().Restart(BrokerId(leader)); !s.ok()) Die(s.ToString());
    if (Status s = f.cluster().AwaitFullyReplicated(30000); !s.ok()) Die(s.ToString());
  }
  stop = true;
  sender.join();
  rd_kafka_flush(rk, 30000);
  rd_kafka_destroy(rk);
  if (g_failed.load() > 0) Die(fmt::format("failover: {} deliveries failed", g_failed.load()));
}

std::unique_ptr<FaultCluster> StartCluster(const Options& o) {
  auto fc = FaultCluster::Start(
      3, {{"auto.leader.rebalance.enable", "false"}, {"offsets.topic.num.partitions", "1"}},
      o.data_dir);
  if (!fc.ok()) Die("start the cluster: " + fc.status().ToString());
  fmt::print(stderr, "bench_replication: 3 brokers at {}, data in {}\n", (*fc)->bootstrap(),
             (*fc)->dir());
  g_cluster_dir = (*fc)->dir();
  return std::move(*fc);
}

int Run(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  log::SetLevel(log::Level::kError);
  // A fresh cluster per repetition, removed with its data afterwards: deleting topics through the
  // brokers instead stalls their heartbeats (the deletion runs on the heartbeat thread) long
  // enough to fence them with loopback timings.
  for (int rep = 1; rep <= o.reps; ++rep) {
    std::unique_ptr<FaultCluster> f = StartCluster(o);
    for (size_t i = 0; i < std::size(kSetups); ++i) {
      MeasureThroughput(*f, o, kSetups[(i + static_cast<size_t>(rep) - 1) % std::size(kSetups)],
                        rep);
    }
  }
  if (o.crashes > 0) MeasureFailover(*StartCluster(o), o);
  return 0;
}

}  // namespace
}  // namespace kbench::broker::testing

int main(int argc, char** argv) { return kbench::broker::testing::Run(argc, argv); }
