#include "core/broker/replica_placement.h"

#include <algorithm>
#include <map>
#include <set>

namespace kbench::broker {
namespace {

uint32_t NameHash(std::string_view name) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return h;
}

int32_t ReplicaIndex(int32_t first, int32_t shift, int32_t replica, int32_t n) {
  const int32_t s = 1 + (shift + replica) % (n - 1);
  return (first + s) % n;
}

// Kafka's getRackAlternatedBrokerList: racks in name order, brokers in id order within a rack.
std::vector<PlacementBroker> RackAlternated(const std::vector<PlacementBroker>& brokers) {
  std::map<std::string, std::vector<PlacementBroker>> by_rack;
  for (const PlacementBroker& b : brokers) by_rack[*b.rack].push_back(b);
  std::vector<std::vector<PlacementBroker>*> racks;
  for (auto& [rack, list] : by_rack) racks.push_back(&list);
  std::vector<PlacementBroker> out;
  std::vector<size_t> next(racks.size(), 0);
  for (size_t r = 0; out.size() < brokers.size(); r = (r + 1) % racks.size()) {
    if (next[r] < racks[r]->size()) out.push_back((*racks[r])[next[r]++]);
  }
  return out;
}

std::vector<BrokerId> RackAwareReplicas(const std::vector<PlacementBroker>& arranged,
                                        int32_t num_racks, int32_t first, int32_t shift,
                                        int32_t factor) {
  const int32_t n = static_cast<int32_t>(arranged.size());
  std::vector<BrokerId> replicas{arranged[first].id};
  std::set<std::string> racks{*arranged[first].rack};
  std::set<BrokerId> used{arranged[first].id};
  int32_t k = 0;
  for (int32_t r = 1; r < factor; ++r) {
    while (true) {
      const PlacementBroker& b = arranged[ReplicaIndex(first, shift * num_racks, k++, n)];
      const bool rack_ok = racks.count(*b.rack) == 0 || static_cast<int32_t>(racks.size()) == num_racks;
      const bool broker_ok = used.count(b.id) == 0 || static_cast<int32_t>(used.size()) == n;
      if (rack_ok && broker_ok) {
        replicas.push_back(b.id);
        racks.insert(*b.rack);
        used.insert(b.id);
        break;
      }
    }
  }
  return replicas;
}

}  // namespace

bool AllBrokersHaveRacks(const std::vector<PlacementBroker>& brokers) {
  return !brokers.empty() && std::all_of(brokers.begin(), brokers.end(), [](const auto& b) {
    return b.rack.has_value() && !b.rack->empty();
  });
}

std::vector<std::vector<BrokerId>> AssignReplicas(std::vector<PlacementBroker> brokers,
                                                  const PlacementOptions& o) {
  std::sort(brokers.begin(), brokers.end(),
            [](const PlacementBroker& a, const PlacementBroker& b) { return a.id < b.id; });
  const bool rack_aware = AllBrokersHaveRacks(brokers);
  std::set<std::string> rack_names;
  for (const PlacementBroker& b : brokers) {
    if (b.rack) rack_names.insert(*b.rack);
  }
  const std::vector<PlacementBroker> list = rack_aware ? RackAlternated(brokers) : brokers;
  const int32_t n = static_cast<int32_t>(list.size());
  const uint32_t hash = NameHash(o.topic);
  const int32_t start = o.fixed_start_index >= 0 ? o.fixed_start_index % n
                                                 : static_cast<int32_t>(hash % n);
  int32_t shift = o.fixed_start_index >= 0 ? o.fixed_start_index
                                           : static_cast<int32_t>((hash / 7919u) % n);
  std::vector<std::vector<BrokerId>> out;
  out.reserve(static_cast<size_t>(std::max(o.partitions, 0)));
  for (int32_t p = 0; p < o.partitions; ++p) {
    if (p > 0 && p % n == 0) ++shift;
    const int32_t first = (p + start) % n;
    if (rack_aware) {
      out.push_back(RackAwareReplicas(list, static_cast<int32_t>(rack_names.size()), first, shift,
                                      o.replication_factor));
      continue;
    }
    std::vector<BrokerId> replicas{list[first].id};
    for (int32_t r = 0; r + 1 < o.replication_factor; ++r) {
      replicas.push_back(list[ReplicaIndex(first, shift, r, n)].id);
    }
    out.push_back(std::move(replicas));
  }
  return out;
}

}  // namespace kbench::broker
