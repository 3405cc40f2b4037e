// The version and git revision this binary was built from (generated at build time).
#pragma once

#include <string_view>

namespace kbench {
std::string_view BuildVersion();
std::string_view BuildRevision();  // short sha, "-dirty" when built from uncommitted changes
}  // namespace kbench
