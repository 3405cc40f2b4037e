#include "results/environment.h"

#include <gtest/gtest.h>

namespace kbench::results {
namespace {

TEST(Environment, ParsesProcAndEtcFiles) {
  EXPECT_EQ(CpuModelFromCpuinfo(
                "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) "
                "Gold 6130 CPU @ 2.10GHz\n"),
            "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz");
  EXPECT_EQ(MemTotalFromMeminfo("MemTotal:       24576000 kB\nMemFree: 1 kB\n"),
            int64_t{24576000} * 1024);
  EXPECT_EQ(PrettyNameFromOsRelease(
                "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"),
            "Debian GNU/Linux 12 (bookworm)");
}

TEST(Environment, MountForPicksTheLongestMountPointPrefix) {
  const std::string mounts =
      "/dev/sda1 / ext4 rw 0 0\n"
      "/dev/nvme0n1p1 /data xfs rw 0 0\n"
      "tmpfs /data2 tmpfs rw 0 0\n";
  EXPECT_EQ(MountFor(mounts, "/data/kafka").second, "xfs");
  EXPECT_EQ(MountFor(mounts, "/data2/x").first, "tmpfs");
  EXPECT_EQ(MountFor(mounts, "/database").second, "ext4");  // /data is not a prefix of /database
  EXPECT_EQ(MountFor(mounts, "/data").first, "/dev/nvme0n1p1");
}

TEST(Environment, CaptureDescribesThisMachine) {
  const Environment e = CaptureEnvironment("/tmp/kbench-not-yet-created/sub");
  EXPECT_FALSE(e.host.empty());
  EXPECT_GT(e.cores, 0);
  EXPECT_GT(e.memory_bytes, 0);
  EXPECT_NE(e.kernel.find("Linux"), std::string::npos);
  EXPECT_EQ(e.disk.path, "/tmp/kbench-not-yet-created/sub");
  EXPECT_FALSE(e.disk.fs.empty());  // found through the existing parent /tmp
  const Environment back = EnvironmentFromJson(EnvironmentToJson(e));
  EXPECT_EQ(EnvironmentToJson(back), EnvironmentToJson(e));
}

}  // namespace
}  // namespace kbench::results
