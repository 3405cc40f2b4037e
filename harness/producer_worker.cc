#include "harness/producer_worker.h"

namespace kbench::harness {

SendScheduleOptions ProducerSchedule(const Workload& w, uint32_t producer_id) {
  const double share = 1.0 / std::max(1, w.TotalProducers());
  SendScheduleOptions o;
  o.shape = w.rate_shape;
  o.rate = static_cast<double>(w.producer_rate) * share;
  for (RateStep s : w.rate_steps) {
    s.rate *= share;
    o.steps.push_back(s);
  }
  o.seed = w.seed * 1'000'003 + producer_id;
  return o;
}

Result<std::unique_ptr<ProducerWorker>> ProducerWorker::Create(const Workload& w,
                                                               const ProducerWorkerOptions& o) {
  if (o.sender == nullptr || o.clock == nullptr || o.pacer_clock == nullptr) {
    return Status::InvalidArgument(
        "ProducerWorker needs a sender, a clock mapping and a pacer clock");
  }
  KB_ASSIGN_OR_RETURN(PayloadGenerator payloads,
                      PayloadGenerator::Create(w, w.seed * 7919 + o.producer_id));
  return std::unique_ptr<ProducerWorker>(new ProducerWorker(w, o, std::move(payloads)));
}

ProducerWorker::ProducerWorker(const Workload& w, const ProducerWorkerOptions& o,
                               PayloadGenerator payloads)
    : options_(o),
      pacer_(SendSchedule(ProducerSchedule(w, o.producer_id), o.start_ns), o.pacer_clock),
      payloads_(std::move(payloads)),
      keys_(w.key_distributor, w.key_count, w.zipf_exponent, w.seed * 31 + o.producer_id),
      chooser_(w.partitions_per_topic,
               static_cast<int32_t>(o.producer_id) % w.partitions_per_topic),
      next_sequence_(static_cast<size_t>(w.partitions_per_topic), 0) {}

void ProducerWorker::Reschedule(const SendScheduleOptions& schedule, int64_t start_ns) {
  pacer_ = Pacer(SendSchedule(schedule, start_ns), options_.pacer_clock);
}

Status ProducerWorker::Run(int64_t end_ns) {
  PacedSend send;
  std::string key;
  while (!stop_.load(std::memory_order_relaxed) && pacer_.Next(end_ns, &send)) {
    int32_t partition;
    const int64_t key_index = keys_.NextIndex();
    if (key_index >= 0) {
      key = KeyGenerator::KeyName(key_index);
      partition = chooser_.ForKey(key);
    } else {
      key.clear();
      partition = chooser_.RoundRobin();
    }
    const PayloadHeader header{.producer_id = options_.producer_id,
                               .sequence = next_sequence_[static_cast<size_t>(partition)]++,
                               .intended_send_wall_ns = options_.clock->ToWall(send.intended_ns)};
    const auto payload = payloads_.Build(header, payloads_.NextSize());
    KB_RETURN_IF_ERROR(options_.sender->Send(options_.topic, partition, key, payload));
    if (options_.publish_delay) options_.publish_delay->Record(send.released_ns - send.intended_ns);
    sent_.fetch_add(1, std::memory_order_relaxed);
    sent_bytes_.fetch_add(static_cast<int64_t>(payload.size()), std::memory_order_relaxed);
    options_.sender->Poll(0);
  }
  return Status::Ok();
}

}  // namespace kbench::harness
