#include "harness/fault_schedule.h"

#include <fmt/format.h>

#include <chrono>

#include "core/base/clock.h"
#include "core/base/log.h"

namespace kbench::harness {

Status FaultSchedule::Execute(broker::EmbeddedCluster& cluster, const FaultEvent& event) {
  const BrokerId id(event.broker);
  switch (event.action) {
    case FaultAction::kCrash:
      return cluster.Crash(id);
    case FaultAction::kRestart:
      return cluster.Restart(id);
    case FaultAction::kStop:
      return cluster.StopCleanly(id);
    case FaultAction::kPause:
      return cluster.Pause(id);
    case FaultAction::kResume:
      return cluster.Resume(id);
    case FaultAction::kIsolate:
      return cluster.Isolate(id);
    case FaultAction::kHeal:
      return cluster.Heal(id);
  }
  return Status::InvalidArgument(fmt::format("unknown fault action {}", int(event.action)));
}

const char* FaultSchedule::Detail(FaultAction action) {
  switch (action) {
    case FaultAction::kCrash:
      return "SIGKILL (nothing flushed)";
    case FaultAction::kRestart:
      return "restarted over the same log dir";
    case FaultAction::kStop:
      return "SIGTERM (controlled shutdown)";
    case FaultAction::kPause:
      return "SIGSTOP";
    case FaultAction::kResume:
      return "SIGCONT";
    case FaultAction::kIsolate:
      return "network cut";
    case FaultAction::kHeal:
      return "network restored";
  }
  return "";
}

void FaultSchedule::Start(int64_t start_ns) {
  if (events_.empty() || thread_.joinable()) return;
  thread_ = std::thread([this, start_ns] { Loop(start_ns); });
}

void FaultSchedule::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<results::FaultRecord> FaultSchedule::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

void FaultSchedule::Loop(int64_t start_ns) {
  for (const FaultEvent& e : events_) {
    const auto due = std::chrono::steady_clock::time_point(
        std::chrono::nanoseconds(start_ns + static_cast<int64_t>(e.at_s * 1e9)));
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_until(lock, due, [&] { return stop_; })) return;
    }
    const double t_s = static_cast<double>(MonoNanos() - start_ns) / 1e9;
    const Status st = Execute(*cluster_, e);
    results::FaultRecord rec{
        .t_s = t_s,
        .action = std::string(FaultActionName(e.action)),
        .broker = e.broker,
        .ok = st.ok(),
        .detail = st.ok() ? std::string(Detail(e.action)) : std::string(st.message())};
    log::Warn("faults", "t={:.2f}s {} broker {}: {}", t_s, rec.action, e.broker,
              st.ok() ? "done" : st.ToString());
    std::lock_guard lock(mu_);
    records_.push_back(std::move(rec));
  }
}

}  // namespace kbench::harness
