// Writes the fuzz seed corpus (seed_corpus.h) into a directory, one file per seed:
//   request_decode_corpus DIR
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/fuzz/seed_corpus.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  std::filesystem::path dir(argv[1]);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "cannot create %s: %s\n", argv[1], ec.message().c_str());
    return 3;
  }
  int written = 0;
  for (const auto& seed : kbench::protocol::fuzz::SeedCorpus()) {
    std::ofstream out(dir / ("seed_" + seed.name), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(seed.frame.data()),
              static_cast<std::streamsize>(seed.frame.size()));
    if (!out) {
      std::fprintf(stderr, "cannot write %s: %s\n", (dir / seed.name).c_str(),
                   std::strerror(errno));
      return 3;
    }
    ++written;
  }
  std::printf("%d seeds written to %s\n", written, argv[1]);
  return 0;
}
