#include "results/metric_catalog.h"

#include <array>

namespace kbench::results {
namespace {

using K = MetricKind;
using D = Direction;

std::optional<double> Count(int64_t v) { return static_cast<double>(v); }

constexpr MetricDef kMetrics[] = {
    {"produced.msgs_per_sec", "produced msgs/s", "msgs/s", K::kThroughput, D::kHigherIsBetter,
     [](const Summary& s) -> std::optional<double> { return s.produced.msgs_per_sec; }},
    {"produced.mb_per_sec", "produced MB/s", "MB/s", K::kThroughput, D::kHigherIsBetter,
     [](const Summary& s) -> std::optional<double> { return s.produced.mb_per_sec; }},
    {"consumed.msgs_per_sec", "consumed msgs/s", "msgs/s", K::kThroughput, D::kHigherIsBetter,
     [](const Summary& s) -> std::optional<double> { return s.consumed.msgs_per_sec; }},
    {"consumed.mb_per_sec", "consumed MB/s", "MB/s", K::kThroughput, D::kHigherIsBetter,
     [](const Summary& s) -> std::optional<double> { return s.consumed.mb_per_sec; }},
    {"publish_latency_ms.p50", "publish p50", "ms", K::kLatencyP50, D::kLowerIsBetter,
     [](const Summary& s) { return s.publish_latency_ms.p50; }},
    {"publish_latency_ms.p99", "publish p99", "ms", K::kLatencyP99, D::kLowerIsBetter,
     [](const Summary& s) { return s.publish_latency_ms.p99; }},
    {"publish_latency_ms.p999", "publish p99.9", "ms", K::kLatencyP999, D::kLowerIsBetter,
     [](const Summary& s) { return s.publish_latency_ms.p999; }},
    {"publish_latency_ms.max", "publish max", "ms", K::kLatencyMax, D::kLowerIsBetter,
     [](const Summary& s) { return s.publish_latency_ms.max; }},
    {"e2e_latency_ms.p50", "end-to-end p50", "ms", K::kLatencyP50, D::kLowerIsBetter,
     [](const Summary& s) { return s.e2e_latency_ms.p50; }},
    {"e2e_latency_ms.p99", "end-to-end p99", "ms", K::kLatencyP99, D::kLowerIsBetter,
     [](const Summary& s) { return s.e2e_latency_ms.p99; }},
    {"e2e_latency_ms.p999", "end-to-end p99.9", "ms", K::kLatencyP999, D::kLowerIsBetter,
     [](const Summary& s) { return s.e2e_latency_ms.p999; }},
    {"e2e_latency_ms.max", "end-to-end max", "ms", K::kLatencyMax, D::kLowerIsBetter,
     [](const Summary& s) { return s.e2e_latency_ms.max; }},
    {"publish_delay_ms.p99", "publish delay p99", "ms", K::kDelay, D::kLowerIsBetter,
     [](const Summary& s) { return s.publish_delay_ms.p99; }},
    {"publish_delay_ms.max", "publish delay max", "ms", K::kDelay, D::kLowerIsBetter,
     [](const Summary& s) { return s.publish_delay_ms.max; }},
    {"errors.produce", "produce errors", "errors", K::kErrors, D::kLowerIsBetter,
     [](const Summary& s) { return Count(s.errors.produce); }},
    {"errors.consume", "consume errors", "errors", K::kErrors, D::kLowerIsBetter,
     [](const Summary& s) { return Count(s.errors.consume); }},
    {"audit.lost", "lost messages", "messages", K::kLoss, D::kLowerIsBetter,
     [](const Summary& s) { return Count(s.audit.lost); }},
    {"audit.duplicated", "duplicated", "messages", K::kAudit, D::kLowerIsBetter,
     [](const Summary& s) { return Count(s.audit.duplicated); }},
    {"audit.out_of_order", "out of order", "messages", K::kAudit, D::kLowerIsBetter,
     [](const Summary& s) { return Count(s.audit.out_of_order); }},
    {"audit.acked", "acked (audit)", "messages", K::kInfo, D::kNone,
     [](const Summary& s) { return Count(s.audit.acked); }},
    {"audit.consumed", "consumed (audit)", "messages", K::kInfo, D::kNone,
     [](const Summary& s) { return Count(s.audit.consumed); }},
    {"audit.unacked_delivered", "unacked delivered", "messages", K::kInfo, D::kNone,
     [](const Summary& s) { return Count(s.audit.unacked_delivered); }},
    {"slo.met", "SLO met", "met", K::kSlo, D::kHigherIsBetter,
     [](const Summary& s) -> std::optional<double> {
       if (!s.slo) return std::nullopt;
       return s.slo->met ? 1.0 : 0.0;
     }},
};

constexpr std::array kKindNames = {
    std::pair{K::kThroughput, std::string_view("throughput")},
    std::pair{K::kLatencyP50, std::string_view("latency_p50")},
    std::pair{K::kLatencyP99, std::string_view("latency_p99")},
    std::pair{K::kLatencyP999, std::string_view("latency_p999")},
    std::pair{K::kLatencyMax, std::string_view("latency_max")},
    std::pair{K::kDelay, std::string_view("delay")},
    std::pair{K::kErrors, std::string_view("errors")},
    std::pair{K::kAudit, std::string_view("audit")},
    std::pair{K::kLoss, std::string_view("loss")},
    std::pair{K::kSlo, std::string_view("slo")},
    std::pair{K::kInfo, std::string_view("info")},
};

constexpr std::array kKinds = {K::kThroughput, K::kLatencyP50, K::kLatencyP99, K::kLatencyP999,
                               K::kLatencyMax, K::kDelay,      K::kErrors,     K::kAudit,
                               K::kLoss,       K::kSlo,        K::kInfo};

}  // namespace

std::span<const MetricDef> CompareMetrics() { return kMetrics; }

const MetricDef* FindMetric(std::string_view id) {
  for (const MetricDef& m : kMetrics) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

std::string_view MetricKindName(MetricKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<MetricKind> ParseMetricKind(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::span<const MetricKind> AllMetricKinds() { return kKinds; }

}  // namespace kbench::results
