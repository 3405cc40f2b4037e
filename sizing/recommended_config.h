// The settings a plan recommends (topic, broker, producer, consumer, controller, host, monitoring),
// each with the reason, derived from the requirements and the plan's numbers. Called by BuildPlan
// after the risks (which may raise the replica fetcher count).
#pragma once

#include "sizing/capacity.h"
#include "sizing/plan.h"
#include "sizing/requirements.h"

namespace kbench::sizing {

void AddRecommendedConfig(const ResolvedRequirements& req, const Capacity& cap, Plan* plan);

}  // namespace kbench::sizing
