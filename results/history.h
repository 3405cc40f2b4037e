// The nightly history: a directory of dated entries, each holding the runs of every profile that
// night (scripts/nightly writes it):
//
//   <history>/<entry>/<profile>/*.json     entry = <UTC date and time>-<revision>, e.g.
//                                          20250107T031500Z-1a2b3c4d5e6f; sorted by name = by time
//
// Only `<entry>/<profile>/*.json` files are read, and only their summaries
// (results/summary_document.h), so older entries keep loading as kbench evolves. A file that does
// not read is skipped and listed in `problems` (one bad night must not hide the rest of the trend).
//
// Plain values; one directory walk per call; any thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "results/summary_document.h"

namespace kbench::results {

struct HistoryEntry {
  std::string name;                                              // directory name
  std::map<std::string, std::vector<SummaryDocument>> profiles;  // profile id -> its runs
};

struct History {
  std::string dir;
  std::vector<HistoryEntry> entries;  // oldest first
  std::vector<std::string> profiles;  // every profile id seen, sorted
  std::vector<std::string> problems;  // "<file>: <why>" for files skipped
};

// Fails (NotFound / IoError naming the path) only when `dir` is not a readable directory.
Result<History> LoadHistory(const std::string& dir);

}  // namespace kbench::results
