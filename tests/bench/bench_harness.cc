// Harness hot paths: the harness must never be the bottleneck (issue 5: recording one latency < 50
// ns; the direct driver sustains >= 2 M msg/s of 100 B, shown end to end by tests/bench/
// direct-ceiling).
//   build/bench/bench_harness --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// The direct-driver benchmarks write logs under KBENCH_BENCH_DIR (default $TMPDIR or /tmp).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "core/storage/log_manager.h"
#include "harness/direct_consumer.h"
#include "harness/direct_producer.h"
#include "harness/durability_audit.h"
#include "harness/latency_recorder.h"
#include "harness/payload_generator.h"
#include "harness/producer_worker.h"
#include "harness/send_scheduler.h"
#include "results/hdr_encoding.h"
#include "results/hdr_histogram.h"

namespace kbench {
namespace {

// Latency-like values: mostly around 1-5 ms, a tail to seconds.
std::vector<int64_t> Values() {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> d(std::log(2e6), 1.0);
  std::vector<int64_t> v(4096);
  for (auto& x : v) x = static_cast<int64_t>(d(rng));
  return v;
}

void BM_HdrHistogramRecord(benchmark::State& state) {
  const auto values = Values();
  results::HdrHistogram h;
  size_t i = 0;
  for (auto _ : state) {
    h.Record(values[i++ & 4095]);
  }
  benchmark::DoNotOptimize(h.TotalCount());
  state.counters["records"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HdrHistogramRecord);

// The harness's path: a thread-owned recorder behind the writer-reader phaser.
void BM_LatencyRecorderRecord(benchmark::State& state) {
  const auto values = Values();
  harness::LatencyRecorder r;
  size_t i = 0;
  for (auto _ : state) {
    r.Record(values[i++ & 4095]);
  }
  state.counters["records"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LatencyRecorderRecord);

// Same, with a collector swapping intervals every millisecond (1000x more often than the harness
// does).
void BM_LatencyRecorderRecordWhileCollecting(benchmark::State& state) {
  const auto values = Values();
  harness::LatencyRecorderSet set;
  harness::LatencyRecorder* r = set.NewRecorder();
  std::atomic<bool> stop{false};
  std::thread collector([&] {
    results::HdrHistogram interval;
    while (!stop.load()) {
      set.CollectInterval(&interval);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  size_t i = 0;
  for (auto _ : state) {
    r->Record(values[i++ & 4095]);
  }
  stop = true;
  collector.join();
  state.counters["records"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LatencyRecorderRecordWhileCollecting)->UseRealTime();

// What the direct driver does per acknowledged or delivered batch: one writer section for all of
// its latencies.
void BM_LatencyRecorderBatchRecord(benchmark::State& state) {
  const auto values = Values();
  harness::LatencyRecorder r;
  const int64_t per_batch = state.range(0);
  size_t i = 0;
  for (auto _ : state) {
    harness::LatencyRecorder::Batch batch(&r);
    for (int64_t k = 0; k < per_batch; ++k) batch.Record(values[i++ & 4095]);
  }
  state.counters["records"] = benchmark::Counter(
      static_cast<double>(state.iterations() * per_batch), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LatencyRecorderBatchRecord)->Arg(1)->Arg(100)->Arg(5000);

void BM_AuditAckAndConsume(benchmark::State& state) {
  harness::DurabilityAudit audit;
  uint64_t seq = 0;
  for (auto _ : state) {
    audit.Acked(0, static_cast<uint32_t>(seq & 7), seq >> 3);
    audit.Consumed(0, static_cast<uint32_t>(seq & 7), seq >> 3);
    ++seq;
  }
  state.counters["messages"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AuditAckAndConsume);

// The direct driver's audit updates: one range per batch and stream (5000 messages per range).
void BM_AuditAckAndConsumeRanges(benchmark::State& state) {
  harness::DurabilityAudit audit;
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  uint64_t first = 0;
  for (auto _ : state) {
    audit.AckedRange(0, 0, first, n);
    audit.ConsumedRange(0, 0, first, n);
    first += n;
  }
  state.counters["messages"] =
      benchmark::Counter(static_cast<double>(state.iterations() * n), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AuditAckAndConsumeRanges)->Arg(5000);

void BM_PayloadBuild100B(benchmark::State& state) {
  harness::Workload w;
  w.message_size.size = 100;
  auto g = harness::PayloadGenerator::Create(w, 1);
  uint64_t seq = 0;
  for (auto _ : state) {
    auto msg =
        g->Build({.producer_id = 1, .sequence = seq++, .intended_send_wall_ns = 42}, g->NextSize());
    benchmark::DoNotOptimize(msg.data());
  }
  state.counters["messages"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 100);
}
BENCHMARK(BM_PayloadBuild100B);

void BM_ScheduleNextPoisson(benchmark::State& state) {
  harness::SendScheduleOptions o;
  o.shape = harness::RateShape::kPoisson;
  o.rate = 1e6;
  harness::SendSchedule s(o, 0);
  for (auto _ : state) benchmark::DoNotOptimize(s.Next());
  state.counters["sends"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ScheduleNextPoisson);

// Once per second per metric: encoding an interval histogram for the .hlog.
void BM_EncodeIntervalHistogram(benchmark::State& state) {
  results::HdrHistogram h;
  for (int64_t v : Values()) h.Record(v);
  for (auto _ : state) benchmark::DoNotOptimize(results::EncodeHdrV2Base64(h));
}
BENCHMARK(BM_EncodeIntervalHistogram);

// A sender that acknowledges at once: what a delivery report does (decode, audit, publish latency),
// with no network or broker, so the loop's rate is the harness's own ceiling per producer thread.
class InstantAckSender final : public harness::MessageSender {
 public:
  InstantAckSender(harness::DurabilityAudit* audit, harness::LatencyRecorder* latency,
                   const harness::ClockMapping* clock)
      : audit_(audit), latency_(latency), clock_(clock) {}
  Status Send(const harness::OutgoingMessage& m) override {
    auto h = harness::DecodePayloadHeader(m.payload.data(), m.payload.size());
    audit_->Acked(h->producer_id, static_cast<uint32_t>(m.partition), h->sequence);
    latency_->Record(clock_->NowWall() - h->intended_send_wall_ns);
    return Status::Ok();
  }
  void Poll(int) override {}

 private:
  harness::DurabilityAudit* audit_;
  harness::LatencyRecorder* latency_;
  const harness::ClockMapping* clock_;
};

// One producer thread of the open-loop send loop at a rate it cannot reach (always behind, never
// sleeping): 100 B messages over 6 partitions, publish delay, publish latency and the audit all
// recorded.
void BM_ProducerLoopInstantAck100B(benchmark::State& state) {
  harness::Workload w;
  w.message_size.size = 100;
  w.partitions_per_topic = 6;
  w.producer_rate = 1'000'000'000;
  harness::DurabilityAudit audit;
  harness::LatencyRecorder latency, delay;
  harness::ClockMapping clock;
  InstantAckSender sender(&audit, &latency, &clock);
  harness::ProducerWorkerOptions o;
  o.sender = &sender;
  o.clock = &clock;
  o.pacer_clock = harness::SystemPacerClock::Get();
  o.publish_delay = &delay;
  o.start_ns = MonoNanos();
  auto worker = harness::ProducerWorker::Create(w, o);
  int64_t sent = 0;
  for (auto _ : state) {
    const int64_t before = (*worker)->sent();
    (void)(*worker)->Run(MonoNanos() + 10'000'000);  // 10 ms slices
    sent += (*worker)->sent() - before;
  }
  state.counters["msgs"] =
      benchmark::Counter(static_cast<double>(sent), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ProducerLoopInstantAck100B)->UseRealTime();

// ---- direct driver: producer appends and consumer reads against real logs on disk

std::string BenchDir() {
  for (const char* var : {"KBENCH_BENCH_DIR", "TMPDIR"}) {
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0') return v;
  }
  return "/tmp";
}

// A LogManager with one topic of `partitions` partitions in a fresh directory (removed at the end).
class BenchLogs {
 public:
  BenchLogs(int32_t partitions, const std::map<std::string, std::string>& topic_config) {
    std::string pattern = BenchDir() + "/kbench-bench-direct-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern);
    dir_ = pattern;
    storage::LogManagerConfig mc;
    mc.log_dirs = {dir_};
    mc.background_thread = false;
    manager_ = std::move(storage::LogManager::Open(mc)).value();
    const storage::LogConfig config = storage::LogConfig::FromProperties(topic_config).value();
    for (int32_t p = 0; p < partitions; ++p) {
      logs_.push_back(manager_->GetOrCreateLog({"bench", PartitionId(p)}, config).value());
    }
  }
  ~BenchLogs() {
    logs_.clear();
    (void)manager_->Close();
    std::filesystem::remove_all(dir_);
  }
  const std::vector<std::shared_ptr<storage::PartitionLog>>& logs() const { return logs_; }
  storage::StorageCounters& counters() { return manager_->counters(); }

 private:
  std::string dir_;
  std::unique_ptr<storage::LogManager> manager_;
  std::vector<std::shared_ptr<storage::PartitionLog>> logs_;
};

// Sends `n` 100 B messages round-robin over the partitions as fast as the producer takes them.
int64_t SendAsFastAsPossible(harness::DirectProducer& p, int32_t partitions, int64_t n,
                             std::vector<uint64_t>* seq, const harness::ClockMapping& clock) {
  std::vector<uint8_t> msg(100, 0);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t partition = static_cast<int32_t>(i % partitions);
    const int64_t now = MonoNanos();
    harness::OutgoingMessage m;
    m.partition = partition;
    m.sequence = (*seq)[static_cast<size_t>(partition)]++;
    m.intended_wall_ns = clock.ToWall(now);
    m.released_mono_ns = now;
    harness::EncodePayloadHeader(
        {.producer_id = 0, .sequence = m.sequence, .intended_send_wall_ns = m.intended_wall_ns},
        msg.data(), msg.size());
    m.payload = msg;
    if (!p.Send(m).ok()) return i;
  }
  return p.Flush(0).ok() ? n : 0;
}

// The direct producer's whole path per 100 B message: batch building, validation, append (write
// into the page cache), acknowledgement (audit range, publish latency). Arg: flush.messages (0 =
// Kafka's default, never; 1 = fsync every append, i.e. every batch).
void BM_DirectProducerAppend100B(benchmark::State& state) {
  const int32_t kPartitions = 2;
  std::map<std::string, std::string> topic = {{"segment.bytes", "268435456"}};
  if (state.range(0) > 0) topic["flush.messages"] = std::to_string(state.range(0));
  BenchLogs logs(kPartitions, topic);
  harness::PartitionIndex index({"bench"}, kPartitions);
  harness::ClockMapping clock;
  harness::DurabilityAudit audit;
  harness::LatencyRecorder latency;
  harness::DirectProducerOptions o;
  o.client.partitions = &index;
  o.client.clock = &clock;
  o.client.audits = {&audit};
  o.client.publish_latency = &latency;
  o.config.batch_bytes = 1'000'000;
  o.config.linger_ns = 5'000'000;
  o.logs = logs.logs();
  auto producer = harness::DirectProducer::Create(o);
  std::vector<uint64_t> seq(kPartitions, 0);
  int64_t sent = 0;
  for (auto _ : state) {
    sent += SendAsFastAsPossible(**producer, kPartitions, 200'000, &seq, clock);
  }
  state.counters["msgs"] =
      benchmark::Counter(static_cast<double>(sent), benchmark::Counter::kIsRate);
  state.counters["fsyncs"] = static_cast<double>(logs.counters().fsyncs.load());
  state.SetBytesProcessed(sent * 100);
}
BENCHMARK(BM_DirectProducerAppend100B)
    ->Arg(0)
    ->Arg(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The direct consumer's whole path per 100 B message: Read -> pread of the slice -> record
// iteration -> payload header -> audit range, end-to-end latency. The logs are filled first (page
// cache hot), then read from the start by a fresh consumer in every iteration.
void BM_DirectConsumerRead100B(benchmark::State& state) {
  const int32_t kPartitions = 2;
  const int64_t kMessages = 2'000'000;
  BenchLogs logs(kPartitions, {{"segment.bytes", "268435456"}});
  harness::PartitionIndex index({"bench"}, kPartitions);
  harness::ClockMapping clock;
  {
    harness::DirectProducerOptions o;
    o.client.partitions = &index;
    o.client.clock = &clock;
    o.logs = logs.logs();
    auto producer = harness::DirectProducer::Create(o);
    std::vector<uint64_t> seq(kPartitions, 0);
    SendAsFastAsPossible(**producer, kPartitions, kMessages, &seq, clock);
  }
  int64_t consumed = 0;
  for (auto _ : state) {
    harness::DurabilityAudit audit;
    harness::LatencyRecorder latency;
    harness::DirectConsumerOptions o;
    o.client.partitions = &index;
    o.client.clock = &clock;
    o.client.audit = &audit;
    o.client.e2e_latency = &latency;
    o.logs = logs.logs();
    auto consumer = harness::DirectConsumer::Create(o);
    while ((*consumer)->consumed() < kMessages) (*consumer)->Poll(100);
    consumed += (*consumer)->consumed();
  }
  state.counters["msgs"] =
      benchmark::Counter(static_cast<double>(consumed), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(consumed * 100);
}
BENCHMARK(BM_DirectConsumerRead100B)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kbench

BENCHMARK_MAIN();
