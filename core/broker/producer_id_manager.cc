#include "core/broker/producer_id_manager.h"

namespace kbench::broker {

Result<ProducerId> ProducerIdManager::Next() {
  std::lock_guard<std::mutex> lock(mu_);
  if (next_ >= end_) {
    KB_ASSIGN_OR_RETURN(ProducerId first, metadata_->ReserveProducerIds(kBlockSize));
    next_ = first.value();
    end_ = next_ + kBlockSize;
  }
  return ProducerId(next_++);
}

}  // namespace kbench::broker
