// Lock-free latency recording for many writer threads and one collector.
//
// Each producer or consumer thread owns one LatencyRecorder and calls Record() on it, never
// blocking and never sharing a cache line with another writer. Once per interval (a second) the
// collector thread calls TakeInterval(), which swaps the recorder's active histogram for an empty
// one and adds what was recorded since the previous swap into a histogram of the collector's
// (HdrHistogram's Recorder design: a writer-reader phaser makes the swap wait for any Record()
// still writing into the old histogram).
//
// LatencyRecorderSet hands out recorders (thread-safe) and merges all of them per interval: the
// interval histograms feed the per-second time series and the .hlog files; their sum is the run's
// histogram.
//
// Threads: Record() (or a Batch) from exactly one thread per recorder. TakeInterval()/
// CollectInterval() from any one thread at a time (serialised internally). Record() costs two
// uncontended atomic increments plus the histogram update; a Batch pays the two increments once
// for all the values it records (see tests/bench/bench_harness.cc).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

#include "results/hdr_histogram.h"

namespace kbench::harness {

// Writers enter and leave a critical section with two atomic increments; the reader flips the phase
// and waits until every writer that entered before the flip has left.
class WriterReaderPhaser {
 public:
  int64_t WriterEnter() { return start_epoch_.fetch_add(1); }
  void WriterExit(int64_t entered) {
    (entered < 0 ? odd_end_epoch_ : even_end_epoch_).fetch_add(1);
  }
  // Reader only, one at a time.
  void FlipPhase();

 private:
  alignas(64) std::atomic<int64_t> start_epoch_{0};
  alignas(64) std::atomic<int64_t> even_end_epoch_{0};
  alignas(64) std::atomic<int64_t> odd_end_epoch_{INT64_MIN};
};

class LatencyRecorder {
 public:
  explicit LatencyRecorder(const results::HdrHistogram& layout = results::HdrHistogram());
  LatencyRecorder(const LatencyRecorder&) = delete;
  LatencyRecorder& operator=(const LatencyRecorder&) = delete;

  // Writer thread only.
  void Record(int64_t value) {
    const int64_t e = phaser_.WriterEnter();
    active_.load(std::memory_order_acquire)->Record(value);
    phaser_.WriterExit(e);
  }

  // Records many values inside one writer critical section: a driver acknowledging or delivering
  // a batch of messages. Writer thread only; keep it short-lived (the collector's swap waits for
  // it) and record nothing through the recorder itself while it lives.
  class Batch {
   public:
    explicit Batch(LatencyRecorder* r)
        : r_(r),
          entered_(r->phaser_.WriterEnter()),
          h_(r->active_.load(std::memory_order_acquire)) {}
    ~Batch() { r_->phaser_.WriterExit(entered_); }
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    void Record(int64_t value) { h_->Record(value); }

   private:
    LatencyRecorder* r_;
    int64_t entered_;
    results::HdrHistogram* h_;
  };

  // Collector: adds everything recorded since the previous call into *into and starts a new
  // interval.
  void TakeInterval(results::HdrHistogram* into);

 private:
  std::unique_ptr<results::HdrHistogram> a_;
  std::unique_ptr<results::HdrHistogram> b_;
  std::atomic<results::HdrHistogram*> active_;
  WriterReaderPhaser phaser_;
  std::mutex reader_mutex_;
};

class LatencyRecorderSet {
 public:
  explicit LatencyRecorderSet(const results::HdrHistogram& layout = results::HdrHistogram())
      : layout_(layout) {
    layout_.Reset();
  }
  // A recorder for one writer thread; valid as long as the set. Thread-safe.
  LatencyRecorder* NewRecorder();
  // Resets *interval and fills it with every recorder's values since the previous call.
  void CollectInterval(results::HdrHistogram* interval);

 private:
  results::HdrHistogram layout_;
  std::mutex mu_;
  std::deque<LatencyRecorder> recorders_;  // deque: addresses stay valid as it grows
};

}  // namespace kbench::harness
