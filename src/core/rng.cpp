// xoshiro256** generator (see rng.h).
#include "core/rng.h"

#include <cstdio>

#include "core/errors.h"

namespace ds {

namespace {
uint64_t splitmix(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

void Rng::reseed(uint64_t seed) {
  uint64_t x = seed;
  for (auto& s : s_) s = splitmix(x);
}

uint64_t Rng::next_u64() {
  uint64_t result = rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

uint64_t Rng::below(uint64_t n) {
  DS_CHECK(n > 0, "Rng::below(0)");
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t v;
  do v = next_u64();
  while (v >= limit);
  return v % n;
}

uint64_t Rng::derive(uint64_t seed, uint64_t key) {
  uint64_t x = seed ^ (key * 0xD1B54A32D192ED03ull);
  splitmix(x);
  return splitmix(x);
}

std::string Rng::state() const {
  char buf[80];
  std::snprintf(buf, sizeof buf, "%016llx%016llx%016llx%016llx", (unsigned long long)s_[0],
                (unsigned long long)s_[1], (unsigned long long)s_[2], (unsigned long long)s_[3]);
  return buf;
}

void Rng::set_state(const std::string& hex) {
  if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos)
    throw DataError("rng state", "malformed RNG state '" + hex + "'", "the checkpoint is corrupt; resume from an earlier one");
  for (int i = 0; i < 4; ++i) s_[i] = std::stoull(hex.substr(i * 16, 16), nullptr, 16);
}

}  // namespace ds
