#include "harness/latency_recorder.h"

#include <thread>

namespace kbench::harness {

void WriterReaderPhaser::FlipPhase() {
  const bool next_phase_is_even = start_epoch_.load() < 0;
  // The end counter of the phase being started begins where its start counter will.
  const int64_t initial = next_phase_is_even ? 0 : INT64_MIN;
  (next_phase_is_even ? even_end_epoch_ : odd_end_epoch_).store(initial);
  const int64_t start_at_flip = start_epoch_.exchange(initial);
  std::atomic<int64_t>& old_end = next_phase_is_even ? odd_end_epoch_ : even_end_epoch_;
  // Every writer that entered the old phase exits it by bumping old_end up to start_at_flip.
  int spins = 0;
  while (old_end.load() != start_at_flip) {
    if (++spins > 64) std::this_thread::yield();
  }
}

LatencyRecorder::LatencyRecorder(const results::HdrHistogram& layout)
    : a_(std::make_unique<results::HdrHistogram>(layout)),
      b_(std::make_unique<results::HdrHistogram>(layout)),
      active_(a_.get()) {
  a_->Reset();
  b_->Reset();
}

void LatencyRecorder::TakeInterval(results::HdrHistogram* into) {
  std::lock_guard<std::mutex> lock(reader_mutex_);
  results::HdrHistogram* old = active_.load();
  results::HdrHistogram* fresh = old == a_.get() ? b_.get() : a_.get();
  active_.store(fresh, std::memory_order_release);
  phaser_.FlipPhase();    // after this no writer touches `old`
  (void)into->Add(*old);  // same layout: cannot fail
  old->Reset();
}

LatencyRecorder* LatencyRecorderSet::NewRecorder() {
  std::lock_guard<std::mutex> lock(mu_);
  return &recorders_.emplace_back(layout_);
}

void LatencyRecorderSet::CollectInterval(results::HdrHistogram* interval) {
  interval->Reset();
  std::lock_guard<std::mutex> lock(mu_);
  for (LatencyRecorder& r : recorders_) r.TakeInterval(interval);
}

}  // namespace kbench::harness
