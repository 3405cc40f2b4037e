// ProducerIdManager: hands out producer ids for InitProducerId (idempotent producers). Ids come in
// blocks reserved durably from the MetadataStore (Kafka's ProducerIdManager with blocks from the
// controller), so an id is never given twice, even after a crash: at worst the rest of a block is
// skipped. Every idempotent producer gets a fresh id with epoch 0.
//
// Threads: any thread; Next() may fsync when a block runs out, so call it off the network threads.
#pragma once

#include <cstdint>
#include <mutex>

#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/broker/metadata_store.h"

namespace kbench::broker {

class ProducerIdManager {
 public:
  static constexpr int64_t kBlockSize = 1000;

  explicit ProducerIdManager(MetadataStore* metadata) : metadata_(metadata) {}  // not owned

  Result<ProducerId> Next();

 private:
  MetadataStore* const metadata_;
  std::mutex mu_;
  int64_t next_ = 0;  // guarded by mu_
  int64_t end_ = 0;   // guarded by mu_; exclusive
};

}  // namespace kbench::broker
