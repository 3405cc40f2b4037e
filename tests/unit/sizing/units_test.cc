#include "sizing/units.h"

#include <gtest/gtest.h>

namespace kbench::sizing {
namespace {

TEST(UnitsTest, SizesUseDecimalAndBinaryPrefixes) {
  EXPECT_DOUBLE_EQ(*ParseBytes("--msg-size", "1KB"), 1000);
  EXPECT_DOUBLE_EQ(*ParseBytes("--msg-size", "1 KiB"), 1024);
  EXPECT_DOUBLE_EQ(*ParseBytes("--disk-size", "4TB"), 4e12);
  EXPECT_DOUBLE_EQ(*ParseBytes("--memory", "64GiB"), 64.0 * 1073741824.0);
  EXPECT_DOUBLE_EQ(*ParseBytes("--msg-size", "230B"), 230);
  EXPECT_DOUBLE_EQ(*ParseBytes("--msg-size", "1.5MB"), 1.5e6);
}

TEST(UnitsTest, SizeWithoutUnitIsAnErrorNamingTheField) {
  Result<double> r = ParseBytes("--msg-size", "300");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--msg-size"), std::string_view::npos);
  EXPECT_NE(r.status().message().find("no unit"), std::string_view::npos);
}

TEST(UnitsTest, UnknownUnitsAreErrors) {
  EXPECT_FALSE(ParseBytes("--disk-size", "4 parsecs").ok());
  Result<double> r = ParseByteRate("--ingress", "300MB/q");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--ingress"), std::string_view::npos);
  EXPECT_NE(r.status().message().find("/q"), std::string_view::npos);
}

TEST(UnitsTest, ByteRatesAcceptTimeUnitsAndBits) {
  EXPECT_DOUBLE_EQ(*ParseByteRate("--ingress", "300MB/s"), 300e6);
  EXPECT_DOUBLE_EQ(*ParseByteRate("--ingress", "300 MB/s"), 300e6);
  EXPECT_DOUBLE_EQ(*ParseByteRate("--ingress", "300MBps"), 300e6);
  EXPECT_DOUBLE_EQ(*ParseByteRate("--ingress", "86.4GB/d"), 1e6);
  EXPECT_DOUBLE_EQ(*ParseByteRate("--ingress", "3.6GB/h"), 1e6);
  EXPECT_DOUBLE_EQ(*ParseByteRate("--ingress", "8Gbps"), 1e9);
}

TEST(UnitsTest, AByteRateWithoutTimeIsAnError) {
  Result<double> r = ParseByteRate("--ingress", "300MB");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not a rate"), std::string_view::npos);
  EXPECT_FALSE(ParseByteRate("--ingress", "300").ok());
}

TEST(UnitsTest, MessageRatesTakeCountPrefixesAndWords) {
  EXPECT_DOUBLE_EQ(*ParseMessageRate("--ingress-msgs", "1000/s"), 1000);
  EXPECT_DOUBLE_EQ(*ParseMessageRate("--ingress-msgs", "1,000/s"), 1000);
  EXPECT_DOUBLE_EQ(*ParseMessageRate("--ingress-msgs", "3M/s"), 3e6);
  EXPECT_DOUBLE_EQ(*ParseMessageRate("--ingress-msgs", "100k msgs/s"), 1e5);
  EXPECT_DOUBLE_EQ(*ParseMessageRate("--ingress-msgs", "100 rec/s"), 100);
  EXPECT_DOUBLE_EQ(*ParseMessageRate("--ingress-msgs", "86.4G/d"), 1e6);
  EXPECT_FALSE(ParseMessageRate("--ingress-msgs", "1000").ok());
  EXPECT_FALSE(ParseMessageRate("--ingress-msgs", "10MB/s").ok());
}

TEST(UnitsTest, RateIsBytesOrMessages) {
  Rate bytes = *ParseRate("--consumer-rate", "10MB/s");
  EXPECT_EQ(bytes.kind, Rate::Kind::kBytes);
  EXPECT_DOUBLE_EQ(bytes.per_sec, 10e6);
  Rate msgs = *ParseRate("--consumer-rate", "100/s");
  EXPECT_EQ(msgs.kind, Rate::Kind::kMessages);
  EXPECT_DOUBLE_EQ(msgs.per_sec, 100);
  EXPECT_FALSE(ParseRate("--consumer-rate", "100").ok());
}

TEST(UnitsTest, DurationsNeedUnits) {
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("--retention", "7d"), 7 * 86400);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("--retention", "36h"), 36 * 3600);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("--lag-window", "5m"), 300);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("--lag-window", "30s"), 30);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("--x", "50ms"), 0.05);
  Result<double> r = ParseDurationSeconds("--retention", "7");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--retention"), std::string_view::npos);
}

TEST(UnitsTest, NegativeValuesAreRejected) {
  Result<double> r = ParseByteRate("--ingress", "-5MB/s");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("negative"), std::string_view::npos);
}

TEST(UnitsTest, BitRatesForLinks) {
  EXPECT_DOUBLE_EQ(*ParseBitRate("--nic", "10Gbps"), 10e9);
  EXPECT_DOUBLE_EQ(*ParseBitRate("--nic", "25 Gb/s"), 25e9);
  EXPECT_DOUBLE_EQ(*ParseBitRate("--nic", "1.25GB/s"), 10e9);
  EXPECT_FALSE(ParseBitRate("--nic", "10").ok());
}

TEST(UnitsTest, CountsFactorsAndFractions) {
  EXPECT_EQ(*ParseCount("--rf", "3"), 3);
  EXPECT_EQ(*ParseCount("--max-partitions-per-cluster", "1M"), 1000000);
  EXPECT_FALSE(ParseCount("--rf", "2.5").ok());
  EXPECT_FALSE(ParseCount("--rf", "three").ok());
  EXPECT_DOUBLE_EQ(*ParseFactor("--growth", "2x"), 2);
  EXPECT_DOUBLE_EQ(*ParseFactor("--peak-factor", "1.5"), 1.5);
  EXPECT_DOUBLE_EQ(*ParseFraction("--max-nic-util", "50%"), 0.5);
  EXPECT_DOUBLE_EQ(*ParseFraction("--max-nic-util", "0.4"), 0.4);
  EXPECT_FALSE(ParseFraction("--max-nic-util", "1.5").ok());
}

TEST(UnitsTest, LatencySloNamesPercentileAndTarget) {
  LatencySlo slo = *ParseLatencySlo("--latency-slo", "p99=50ms");
  EXPECT_EQ(slo.percentile, "p99");
  EXPECT_DOUBLE_EQ(slo.target_ms, 50);
  LatencySlo tail = *ParseLatencySlo("--latency-slo", "p99.9=0.2s");
  EXPECT_EQ(tail.percentile, "p99.9");
  EXPECT_DOUBLE_EQ(tail.target_ms, 200);
  EXPECT_EQ(ParseLatencySlo("--latency-slo", "20ms")->percentile, "p99");
  EXPECT_FALSE(ParseLatencySlo("--latency-slo", "p99=50").ok());
  EXPECT_FALSE(ParseLatencySlo("--latency-slo", "q99=50ms").ok());
}

TEST(UnitsTest, FormattingIsReadable) {
  EXPECT_EQ(FormatBytes(4e12), "4.00 TB");
  EXPECT_EQ(FormatBytes(1500), "1.50 KB");
  EXPECT_EQ(FormatBinaryBytes(32.0 * 1073741824.0), "32.0 GiB");
  EXPECT_EQ(FormatByteRate(300e6), "300 MB/s");
  EXPECT_EQ(FormatBitRate(10e9), "10.0 Gbps");
  EXPECT_EQ(FormatMessageRate(1000), "1,000 msg/s");
  EXPECT_EQ(FormatMessageRate(3e6), "3.00M msg/s");
  EXPECT_EQ(FormatCount(3000000), "3,000,000");
  EXPECT_EQ(FormatDuration(5), "5.0 s");
}

}  // namespace
}  // namespace kbench::sizing
