// One producer thread's open-loop send loop:
//   pacer (intended send time) -> key -> partition -> payload (producer id, per-partition sequence,
//   intended wall time) -> sender, recording publish delay (released - intended) per message.
// Publish latency (acknowledged - intended) is recorded by the sender's delivery reports, from the
// intended time the payload carries, so a stalled broker lengthens latency and never lowers the
// send rate. While it waits for the next intended time the loop serves the sender's own deadlines
// (a lingering batch of the direct driver), and when the schedule ends it waits them out, so no
// batch is left open between phases.
//
// Ownership: the worker owns its schedule, payload and key generators; the sender, clock mapping,
// pacer clock and delay recorder are borrowed. Threads: Run() on one thread; Stop() and the
// counters from any.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/base/result.h"
#include "harness/clock_mapping.h"
#include "harness/key_generator.h"
#include "harness/latency_recorder.h"
#include "harness/message_sender.h"
#include "harness/payload_generator.h"
#include "harness/send_scheduler.h"
#include "harness/workload_spec.h"

namespace kbench::harness {

struct ProducerWorkerOptions {
  uint32_t producer_id = 0;                  // the run's producer index (also in every payload)
  int32_t topic = 0;                         // the run's topic index this producer writes to
  int64_t start_ns = 0;                      // monotonic start of the schedule (the run's start)
  MessageSender* sender = nullptr;           // not owned
  const ClockMapping* clock = nullptr;       // not owned
  PacerClock* pacer_clock = nullptr;         // not owned; SystemPacerClock::Get() in runs
  LatencyRecorder* publish_delay = nullptr;  // not owned; may be null
};

// The schedule one of the run's producers follows: the profile's total rate split evenly.
SendScheduleOptions ProducerSchedule(const Workload& w, uint32_t producer_id);

class ProducerWorker {
 public:
  static Result<std::unique_ptr<ProducerWorker>> Create(const Workload& w,
                                                        const ProducerWorkerOptions& options);

  // Sends until the schedule's next intended time reaches end_ns (monotonic), Stop() is called or
  // the sender refuses a message (returned). Serves the sender's callbacks between sends.
  Status Run(int64_t end_ns);
  void Stop() { stop_.store(true, std::memory_order_relaxed); }
  // Replaces the schedule (between runs, not during one): the max-rate search holds one rate per
  // step. Sequences continue, so the audit sees one dense stream per (producer, partition).
  void Reschedule(const SendScheduleOptions& schedule, int64_t start_ns);

  int64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  int64_t sent_bytes() const { return sent_bytes_.load(std::memory_order_relaxed); }

 private:
  ProducerWorker(const Workload& w, const ProducerWorkerOptions& o, PayloadGenerator payloads);
  // Waits until `intended`, serving the sender's deadlines that fall before it; the release time.
  int64_t WaitServing(int64_t intended);
  // After the last send: serves the sender's remaining deadlines (open batches) as they fall due.
  void WaitOutDeadlines();

  ProducerWorkerOptions options_;
  Pacer pacer_;  // reassigned by Reschedule
  PayloadGenerator payloads_;
  KeyGenerator keys_;
  PartitionChooser chooser_;
  std::vector<uint64_t> next_sequence_;  // per partition of the topic
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> sent_{0}, sent_bytes_{0};
};

}  // namespace kbench::harness
