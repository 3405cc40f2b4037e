// Harness hot paths: the harness must never be the bottleneck (issue 5: recording one latency < 50
// ns).
//   build/bench/bench_harness --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <atomic>
#include <random>
#include <thread>

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

}  // namespace
}  // namespace kbench

BENCHMARK_MAIN();
