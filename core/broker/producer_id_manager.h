// ProducerIdManager: hands out producer ids for InitProducerId (idempotent producers). Ids come in
// blocks reserved durably (Kafka's ProducerIdManager with blocks from the controller): on a lone
// broker from its MetadataStore, in a cluster from the controller (AllocateProducerIds), so an id
// is never given twice, even after a crash or by two brokers: at worst the rest of a block is
// skipped. Every idempotent producer gets a fresh id with epoch 0.
//
// Threads: any thread; Next() may fsync when a block runs out, so call it off the network threads.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>

#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/broker/metadata_store.h"

namespace kbench::broker {

class ProducerIdManager {
 public:
  static constexpr int64_t kBlockSize = 1000;

  // A block source: (first id, count).
  using Reserve = std::function<Result<std::pair<ProducerId, int64_t>>()>;

  explicit ProducerIdManager(MetadataStore* metadata);  // not owned; blocks of kBlockSize
  explicit ProducerIdManager(Reserve reserve) : reserve_(std::move(reserve)) {}

  Result<ProducerId> Next();

 private:
  Reserve reserve_;
  std::mutex mu_;
  int64_t next_ = 0;  // guarded by mu_
  int64_t end_ = 0;   // guarded by mu_; exclusive
};

}  // namespace kbench::broker
