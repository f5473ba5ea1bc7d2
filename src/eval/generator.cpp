// Per-sample seed derivation (see generator.h).
#include "eval/generator.h"

#include "core/rng.h"

namespace ds::eval {

namespace {
// FNV-1a over the bytes, with a separator so ("ab","c") and ("a","bc") differ.
uint64_t fnv1a(uint64_t h, const std::string& s) {
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 0x100000001B3ull;
  }
  h ^= 0xFF;
  h *= 0x100000001B3ull;
  return h;
}
}  // namespace

uint64_t sample_seed(uint64_t base_seed, const std::string& benchmark, const std::string& id,
                     int sample) {
  uint64_t h = 0xCBF29CE484222325ull;
  h = fnv1a(h, benchmark);
  h = fnv1a(h, id);
  h = fnv1a(h, std::to_string(sample));
  return Rng::derive(base_seed, h);
}

}  // namespace ds::eval
