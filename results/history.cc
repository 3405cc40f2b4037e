#include "results/history.h"

#include <algorithm>
#include <filesystem>
#include <set>

namespace kbench::results {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> SortedChildren(const fs::path& dir, bool directories, std::error_code* ec) {
  std::vector<fs::path> out;
  for (fs::directory_iterator it(dir, *ec), end; !*ec && it != end; it.increment(*ec)) {
    std::error_code type_ec;
    const bool is_dir = it->is_directory(type_ec);
    if (directories ? is_dir : (it->is_regular_file(type_ec) && it->path().extension() == ".json"))
      out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void LoadProfile(const fs::path& dir, HistoryEntry* entry, History* h) {
  std::error_code ec;
  for (const fs::path& file : SortedChildren(dir, false, &ec)) {
    auto doc = ReadSummaryDocument(file.string());
    if (doc.ok())
      entry->profiles[dir.filename().string()].push_back(std::move(*doc));
    else
      h->problems.emplace_back(doc.status().message());
  }
  if (ec) h->problems.push_back(dir.string() + ": " + ec.message());
}

}  // namespace

Result<History> LoadHistory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Status::NotFound(dir + ": not a directory (expected a nightly history directory)");
  History h;
  h.dir = dir;
  std::set<std::string> profiles;
  const std::vector<fs::path> entries = SortedChildren(dir, true, &ec);
  if (ec) return Status::IoError(dir + ": " + ec.message());
  for (const fs::path& e : entries) {
    HistoryEntry entry;
    entry.name = e.filename().string();
    std::error_code pec;
    for (const fs::path& p : SortedChildren(e, true, &pec)) LoadProfile(p, &entry, &h);
    if (pec) h.problems.push_back(e.string() + ": " + pec.message());
    if (entry.profiles.empty()) continue;
    for (const auto& [id, runs] : entry.profiles) profiles.insert(id);
    h.entries.push_back(std::move(entry));
  }
  h.profiles.assign(profiles.begin(), profiles.end());
  return h;
}

}  // namespace kbench::results
