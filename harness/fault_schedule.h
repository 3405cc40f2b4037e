// FaultSchedule: executes a profile's fault schedule (`faults:`: at 30 s crash broker 2, at 60 s
// restart it; pause/resume; clean stop; isolate/heal) on an embedded cluster while the run goes on.
//
// Start(start_ns) starts one thread that sleeps until start_ns + at_s of each event in turn
// (events are sorted by time; the runner's clock, warm-up included) and calls the cluster's fault
// method for it. Each executed event is recorded (results `faults`: the time it was executed, the
// action, the broker, whether the cluster accepted it and a detail: the signal it stands for, or
// the cluster's error). A failed event does not stop the schedule. Events not reached when Stop()
// is called are not executed (and not recorded).
//
// Owns its thread; borrows the cluster (which must outlive Stop()). Start/Stop/records from any
// thread; Stop is idempotent and joins.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "core/base/status.h"
#include "core/broker/embedded_cluster.h"
#include "harness/workload_spec.h"
#include "results/run_result.h"

namespace kbench::harness {

class FaultSchedule {
 public:
  FaultSchedule(broker::EmbeddedCluster* cluster, std::vector<FaultEvent> events)
      : cluster_(cluster), events_(std::move(events)) {}
  ~FaultSchedule() { Stop(); }
  FaultSchedule(const FaultSchedule&) = delete;
  FaultSchedule& operator=(const FaultSchedule&) = delete;

  // start_ns: MonoNanos of the run's start, the origin of every event's at_s. Once.
  void Start(int64_t start_ns);
  void Stop();
  std::vector<results::FaultRecord> records() const;

  // Executes one event on the cluster now (what the thread does at its time).
  static Status Execute(broker::EmbeddedCluster& cluster, const FaultEvent& event);
  // What the action stands for ("SIGKILL", "SIGSTOP", "connections cut", ...).
  static const char* Detail(FaultAction action);

 private:
  void Loop(int64_t start_ns);

  broker::EmbeddedCluster* cluster_;
  const std::vector<FaultEvent> events_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<results::FaultRecord> records_;
  std::thread thread_;
};

}  // namespace kbench::harness
