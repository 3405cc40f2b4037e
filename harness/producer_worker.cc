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

int64_t ProducerWorker::WaitServing(int64_t intended) {
  MessageSender* sender = options_.sender;
  for (int64_t deadline = sender->NextDeadlineNs(); deadline < intended;
       deadline = sender->NextDeadlineNs()) {
    if (stop_.load(std::memory_order_relaxed)) break;
    if (options_.pacer_clock->Now() >= intended) break;
    options_.pacer_clock->SleepUntil(deadline);
    sender->ServeDue(options_.pacer_clock->Now());
  }
  return pacer_.WaitUntil(intended);
}

void ProducerWorker::WaitOutDeadlines() {
  MessageSender* sender = options_.sender;
  for (int64_t deadline = sender->NextDeadlineNs(); deadline != MessageSender::kNoDeadline;
       deadline = sender->NextDeadlineNs()) {
    if (stop_.load(std::memory_order_relaxed)) return;
    options_.pacer_clock->SleepUntil(deadline);
    sender->ServeDue(options_.pacer_clock->Now());
  }
}

Status ProducerWorker::Run(int64_t end_ns) {
  std::string key;
  int64_t intended;
  // Single writer: plain stores of the running totals (readers only need relaxed loads).
  int64_t sent = sent_.load(std::memory_order_relaxed);
  int64_t sent_bytes = sent_bytes_.load(std::memory_order_relaxed);
  while (!stop_.load(std::memory_order_relaxed) && pacer_.NextIntended(end_ns, &intended)) {
    const int64_t released = WaitServing(intended);
    OutgoingMessage m;
    const int64_t key_index = keys_.NextIndex();
    if (key_index >= 0) {
      key = KeyGenerator::KeyName(key_index);
      m.key = key;
      m.partition = chooser_.ForKey(key);
    } else {
      m.partition = chooser_.RoundRobin();
    }
    m.topic = options_.topic;
    m.sequence = next_sequence_[static_cast<size_t>(m.partition)]++;
    m.intended_wall_ns = options_.clock->ToWall(intended);
    m.released_mono_ns = released;
    const PayloadHeader header{.producer_id = options_.producer_id,
                               .sequence = m.sequence,
                               .intended_send_wall_ns = m.intended_wall_ns};
    m.payload = payloads_.Build(header, payloads_.NextSize());
    KB_RETURN_IF_ERROR(options_.sender->Send(m));
    if (options_.publish_delay) options_.publish_delay->Record(released - intended);
    sent_.store(++sent, std::memory_order_relaxed);
    sent_bytes += static_cast<int64_t>(m.payload.size());
    sent_bytes_.store(sent_bytes, std::memory_order_relaxed);
    options_.sender->ServeDue(released);
  }
  WaitOutDeadlines();
  return Status::Ok();
}

}  // namespace kbench::harness
