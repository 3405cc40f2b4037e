// The risks a plan carries, computed from its numbers: unavailability when a broker crashes,
// controlled shutdown time, open files and memory maps per broker, producer and consumer memory,
// replication latency, NIC use after losing brokers, rack loss, durability settings, and goals that
// cannot be met at all (Severity::kImpossible) with the reason. Called by BuildPlan once the
// decisions are made; may raise plan->derived.replica_fetchers when replication latency needs more
// fetcher threads.
#pragma once

#include "sizing/capacity.h"
#include "sizing/plan.h"
#include "sizing/requirements.h"

namespace kbench::sizing {

void AddRisks(const ResolvedRequirements& req, const Capacity& cap, Plan* plan);

}  // namespace kbench::sizing
