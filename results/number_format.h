// Numbers for people, the same way in compare tables, HTML reports and chart axes: whole numbers
// above 100 (or when whole), otherwise three significant digits ("0.0123", "4.56", "12.3").
//
// Pure functions; any thread.
#pragma once

#include <string>

namespace kbench::results {

std::string FormatNumber(double v);

}  // namespace kbench::results
