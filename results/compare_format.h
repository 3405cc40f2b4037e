// How a Comparison (results/compare.h) reads: an aligned text table for a terminal, a markdown
// table for a CI comment or a GitHub step summary, and JSON for programs (format in
// docs/compare.md).
//
// Pure functions; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "results/compare.h"

namespace kbench::results {

std::string ComparisonTable(const Comparison& c);
std::string ComparisonMarkdown(const Comparison& c);
nlohmann::json ComparisonJson(const Comparison& c);

// "-18.0%", "25x" (from 10 times the base up), "+3" (a change from 0 has no relative form), "0".
std::string FormatChange(const MetricComparison& m);
// "5000 ±0.3%" (median and MAD relative to it; the MAD left out for a single run or when 0; an
// absolute MAD around a median of 0), "-" for no value.
std::string FormatSide(const std::optional<SampleStats>& s);

}  // namespace kbench::results
