// BrokerGates: the switches the embedded cluster's fault injection flips on one broker, checked by
// the broker's own threads (kbench's in-process stand-ins for SIGSTOP and a firewall):
//
//   paused    Pause()/Resume(): the broker stops serving and fetching without closing anything.
//             Its network loops stop reading and writing, its timer, admin thread, replica
//             fetchers and controller heartbeats stop, each at its next check; kernel socket
//             buffers fill up as they would for a stopped process. Resume() lets them all go on.
//   isolated  Isolate()/Heal(): the broker's network is cut. Its server closes every connection
//             and every new one at once (as a REJECT rule would; a DROP rule would leave clients
//             waiting for their timeouts), and its outgoing connections (fetchers, controller
//             heartbeats) are shut down and not reopened until Heal().
//
// Threads: any thread. Waiters block on a condition variable, not a spin.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace kbench::broker {

class BrokerGates {
 public:
  void SetPaused(bool paused) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      paused_ = paused;
    }
    paused_flag_.store(paused, std::memory_order_release);
    cv_.notify_all();
  }
  bool paused() const { return paused_flag_.load(std::memory_order_acquire); }
  // Blocks while paused (returns at once otherwise, or when `released` is set by a stop).
  void WaitWhilePaused() {
    if (!paused()) return;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !paused_ || released_; });
  }
  // Lets every waiter through for good (the broker is stopping or crashing).
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }

  void SetIsolated(bool isolated) { isolated_.store(isolated, std::memory_order_release); }
  bool isolated() const { return isolated_.load(std::memory_order_acquire); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool paused_ = false;    // guarded by mu_
  bool released_ = false;  // guarded by mu_
  std::atomic<bool> paused_flag_{false};
  std::atomic<bool> isolated_{false};
};

}  // namespace kbench::broker
