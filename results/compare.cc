#include "results/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "results/number_format.h"
#include "results/workload_match.h"

namespace kbench::results {
namespace {

std::optional<SampleStats> SideStats(const MetricDef& m, const std::vector<SummaryDocument>& docs) {
  std::vector<double> values;
  for (const SummaryDocument& d : docs) {
    if (auto v = m.get(d.summary)) values.push_back(*v);
  }
  if (values.empty()) return std::nullopt;
  return Summarize(values);
}

// Any lost message in a new run is a regression, whatever the thresholds say.
void JudgeLoss(const std::vector<SummaryDocument>& next, MetricComparison* c) {
  int64_t lost = 0;
  int runs = 0;
  for (const SummaryDocument& d : next) {
    if (d.summary.audit.lost > 0) {
      lost += d.summary.audit.lost;
      ++runs;
    }
  }
  if (lost > 0) {
    c->verdict = Verdict::kRegressed;
    c->reason = fmt::format("{} messages lost in {} of {} new runs (any loss is a regression)",
                            lost, runs, next.size());
  } else if (c->base && c->base->max > 0) {
    c->verdict = Verdict::kImproved;
    c->reason = "no loss (the base lost messages)";
  } else {
    c->verdict = Verdict::kSame;
    c->reason = "no loss";
  }
}

// The gates of compare_thresholds.h, in order; the first that holds the shift names the reason. The
// spread gate uses the base runs only: a regression that makes runs erratic (fsync stalls, lock
// contention) widens the new runs' spread, and gating on that would hide exactly such regressions.
void JudgeShift(const MetricDef& m, MetricComparison* c) {
  const Threshold& t = c->threshold;
  const double a = std::fabs(c->shift);
  const bool relative_ok = c->relative ? std::fabs(*c->relative) > t.relative : a > 0;
  if (a == 0) {
    c->verdict = Verdict::kSame;
    c->reason = "no change";
  } else if (!relative_ok) {
    c->verdict = Verdict::kSame;
    c->reason = fmt::format("within the {}% threshold", FormatNumber(t.relative * 100));
  } else if (a <= t.absolute) {
    c->verdict = Verdict::kSame;
    c->reason = fmt::format("below the absolute floor of {} {}", FormatNumber(t.absolute), m.unit);
  } else if (a <= c->noise) {
    c->verdict = Verdict::kSame;
    c->reason = fmt::format("within the base runs' noise (±{} {})", FormatNumber(c->noise), m.unit);
  } else if (c->next->median >= c->base->min && c->next->median <= c->base->max) {
    c->verdict = Verdict::kSame;
    c->reason = fmt::format("inside the base runs' range ({} to {} {})", FormatNumber(c->base->min),
                            FormatNumber(c->base->max), m.unit);
  } else {
    const bool worse = m.direction == Direction::kLowerIsBetter ? c->shift > 0 : c->shift < 0;
    c->verdict = worse ? Verdict::kRegressed : Verdict::kImproved;
    c->reason = fmt::format(
        "shift {}{} {} beyond the {}% threshold{}", c->shift > 0 ? "+" : "", FormatNumber(c->shift),
        m.unit, FormatNumber(t.relative * 100),
        c->noise > 0 ? fmt::format(" and noise ±{}", FormatNumber(c->noise)) : std::string());
  }
}

// Mismatches between `ref` and `doc` ("a.json vs b.json: partitionsPerTopic: 6 vs 12") and the
// tuning notes, deduplicated by what differs.
void CheckSameWorkload(const SummaryDocument& ref, const SummaryDocument& doc,
                       std::vector<std::string>* mismatches, std::vector<std::string>* notes,
                       std::set<std::string>* seen) {
  auto add = [&](std::vector<std::string>* out, const std::string& what) {
    if (seen->insert(what).second)
      out->push_back(fmt::format("{} ({} vs {})", what, ref.source, doc.source));
  };
  if (ref.workload_name != doc.workload_name) {
    add(mismatches,
        fmt::format("workload.name: \"{}\" vs \"{}\"", ref.workload_name, doc.workload_name));
  }
  if (!ref.target_kind.empty() && !doc.target_kind.empty() && ref.target_kind != doc.target_kind)
    add(mismatches, fmt::format("target.kind: {} vs {}", ref.target_kind, doc.target_kind));
  const WorkloadDiff d = DiffWorkloads(ref.workload, doc.workload);
  for (const std::string& m : d.mismatches) {
    if (!m.starts_with("name:")) add(mismatches, "workload." + m);
  }
  for (const std::string& n : d.notes) add(notes, "workload." + n);
}

Status RefuseMismatch(const std::vector<std::string>& mismatches) {
  std::string msg = "cannot compare runs of different workloads:";
  const size_t shown = std::min<size_t>(mismatches.size(), 10);
  for (size_t i = 0; i < shown; ++i) msg += "\n  " + mismatches[i];
  if (mismatches.size() > shown)
    msg += fmt::format("\n  ... and {} more", mismatches.size() - shown);
  msg += "\n(--allow-different-workloads compares them anyway)";
  return Status::InvalidArgument(msg);
}

}  // namespace

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kSame:
      return "same";
    case Verdict::kImproved:
      return "improved";
    case Verdict::kRegressed:
      return "regressed";
    case Verdict::kNotAvailable:
      return "n/a";
    case Verdict::kInfo:
      return "info";
  }
  return "?";
}

int Comparison::Count(Verdict v) const {
  return static_cast<int>(std::count_if(metrics.begin(), metrics.end(),
                                        [v](const MetricComparison& m) { return m.verdict == v; }));
}

MetricComparison CompareMetric(const MetricDef& metric, const std::vector<SummaryDocument>& base,
                               const std::vector<SummaryDocument>& next,
                               const CompareThresholds& thresholds) {
  MetricComparison c;
  c.metric = &metric;
  c.threshold = thresholds.For(metric);
  c.base = SideStats(metric, base);
  c.next = SideStats(metric, next);
  if (c.base && c.next) {
    c.shift = c.next->median - c.base->median;
    if (c.base->median != 0) c.relative = c.shift / std::fabs(c.base->median);
    c.noise = thresholds.spread_factor() * c.base->mad;
  }
  if (metric.kind == MetricKind::kLoss && !c.threshold.ignore) {
    JudgeLoss(next, &c);
  } else if (c.threshold.ignore || metric.direction == Direction::kNone) {
    c.verdict = Verdict::kInfo;
    c.reason = c.threshold.ignore && metric.kind != MetricKind::kInfo ? "ignored" : "not judged";
  } else if (!c.base || !c.next) {
    c.verdict = Verdict::kNotAvailable;
    c.reason = fmt::format("no value in the {} runs", !c.base ? "base" : "new");
  } else {
    JudgeShift(metric, &c);
  }
  return c;
}

Result<Comparison> Compare(const std::vector<SummaryDocument>& base,
                           const std::vector<SummaryDocument>& next,
                           const CompareOptions& options) {
  if (base.empty() || next.empty()) {
    return Status::InvalidArgument(
        fmt::format("nothing to compare: {} base and {} new results", base.size(), next.size()));
  }
  Comparison out;
  out.workload = base.front().WorkloadLabel();
  out.spread_factor = options.thresholds.spread_factor();
  std::vector<std::string> mismatches;
  std::set<std::string> seen;
  for (const std::vector<SummaryDocument>* side : {&base, &next}) {
    for (const SummaryDocument& d : *side) {
      (side == &base ? out.base_sources : out.new_sources).push_back(d.source);
      if (&d != &base.front()) CheckSameWorkload(base.front(), d, &mismatches, &out.notes, &seen);
    }
  }
  if (!mismatches.empty()) {
    if (!options.allow_different_workloads) return RefuseMismatch(mismatches);
    for (const std::string& m : mismatches) out.notes.push_back("compared anyway: " + m);
  }
  for (const MetricDef& m : CompareMetrics())
    out.metrics.push_back(CompareMetric(m, base, next, options.thresholds));
  return out;
}

}  // namespace kbench::results
