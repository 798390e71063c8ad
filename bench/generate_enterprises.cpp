// generate_enterprises — writes N synthetic (fictional) enterprises as a JSON array of candidates
// ({"id", "name", "facts"}), deterministic per seed: `generate_enterprises N SEED OUT.json`.
// The distributions are described in synthetic_enterprises.h.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "synthetic_enterprises.h"

namespace {

bool parse_count(const char* text, unsigned long long max, unsigned long long& out) {
  errno = 0;
  char* end = nullptr;
  out = std::strtoull(text, &end, 10);
  return errno == 0 && end != text && *end == '\0' && text[0] != '-' && out <= max;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: generate_enterprises N SEED OUT.json\n");
    return 2;
  }
  unsigned long long n = 0;
  unsigned long long seed = 0;
  if (!parse_count(argv[1], 10000000ULL, n)) {
    std::fprintf(stderr, "generate_enterprises: N must be a whole number from 0 to 10000000, got \"%s\"\n", argv[1]);
    return 2;
  }
  if (!parse_count(argv[2], ~0ULL, seed)) {
    std::fprintf(stderr, "generate_enterprises: SEED must be a non-negative whole number, got \"%s\"\n", argv[2]);
    return 2;
  }
  const auto candidates = assess::bench::synthetic_enterprises(static_cast<std::size_t>(n), seed);
  std::ofstream out(argv[3], std::ios::binary);
  if (!out) {
    std::fprintf(stderr, "generate_enterprises: cannot write %s\n", argv[3]);
    return 1;
  }
  out << assess::candidates_to_json(candidates).dump(1) << '\n';
  if (!out.flush()) {
    std::fprintf(stderr, "generate_enterprises: write to %s failed\n", argv[3]);
    return 1;
  }
  std::printf("%llu enterprises (seed %llu) written to %s\n", n, seed, argv[3]);
  return 0;
}
