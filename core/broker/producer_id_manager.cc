#include "core/broker/producer_id_manager.h"

namespace kbench::broker {

ProducerIdManager::ProducerIdManager(MetadataStore* metadata)
    : reserve_([metadata]() -> Result<std::pair<ProducerId, int64_t>> {
        KB_ASSIGN_OR_RETURN(ProducerId first, metadata->ReserveProducerIds(kBlockSize));
        return std::make_pair(first, kBlockSize);
      }) {}

Result<ProducerId> ProducerIdManager::Next() {
  std::lock_guard<std::mutex> lock(mu_);
  if (next_ >= end_) {
    KB_ASSIGN_OR_RETURN(auto block, reserve_());
    next_ = block.first.value();
    end_ = next_ + block.second;
  }
  return ProducerId(next_++);
}

}  // namespace kbench::broker
