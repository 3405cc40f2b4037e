#include "results/summary_document.h"

#include <fmt/format.h>

namespace kbench::results {
namespace {

using nlohmann::json;

// A string at j[a][b] when present and a string; "" otherwise (labels are optional).
std::string OptionalString(const json& j, const char* a, const char* b) {
  auto o = j.find(a);
  if (o == j.end() || !o->is_object()) return "";
  auto v = o->find(b);
  return v != o->end() && v->is_string() ? v->get<std::string>() : "";
}

}  // namespace

std::string SummaryDocument::WorkloadLabel() const {
  return variant.empty() ? workload_name : workload_name + "/" + variant;
}

Result<SummaryDocument> SummaryDocumentFromJson(const nlohmann::json& j, std::string_view source) {
  KB_RETURN_IF_ERROR(CheckSchemaVersion(j, source));
  SummaryDocument d;
  d.source = std::string(source);
  auto w = j.find("workload");
  if (w == j.end() || w->is_null())
    return Status::InvalidArgument(fmt::format("{}: workload: missing (required)", source));
  if (!w->is_object()) {
    return Status::InvalidArgument(
        fmt::format("{}: workload: expected an object, got {}", source, w->type_name()));
  }
  auto name = w->find("name");
  if (name == w->end() || !name->is_string()) {
    return Status::InvalidArgument(
        fmt::format("{}: workload.name: missing or not a string (required)", source));
  }
  d.workload = *w;
  d.workload_name = name->get<std::string>();
  if (auto v = w->find("variant"); v != w->end() && v->is_string())
    d.variant = v->get<std::string>();
  auto s = j.find("summary");
  if (s == j.end() || s->is_null())
    return Status::InvalidArgument(fmt::format("{}: summary: missing (required)", source));
  KB_ASSIGN_OR_RETURN(d.summary, SummaryFromJson(*s, source));
  d.target_kind = OptionalString(j, "target", "kind");
  d.run_id = OptionalString(j, "run", "id");
  d.started_at = OptionalString(j, "run", "started_at");
  d.revision = OptionalString(j, "kbench", "revision");
  return d;
}

Result<SummaryDocument> ReadSummaryDocument(const std::string& path) {
  KB_ASSIGN_OR_RETURN(nlohmann::json j, ReadJsonFile(path));
  return SummaryDocumentFromJson(j, path);
}

}  // namespace kbench::results
