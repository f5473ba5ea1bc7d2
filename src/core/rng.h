// Owns the project's seeded random numbers: a small, serializable generator so that searches,
// samplers and data order are reproducible and can be saved in a checkpoint and restored exactly.
// Thread-safety: one Rng per thread/consumer.
#pragma once

#include <cstdint>
#include <string>

namespace ds {

// SplitMix64-seeded xoshiro256**: fast, good quality, 32 bytes of state.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { reseed(seed); }
  void reseed(uint64_t seed);
  uint64_t next_u64();
  // Uniform in [0, 1).
  double uniform();
  // Uniform integer in [0, n) (n > 0).
  uint64_t below(uint64_t n);
  // Derives an independent stream (e.g. per tree) from this seed and a key, without advancing.
  static uint64_t derive(uint64_t seed, uint64_t key);
  // State as a hex string and back (for checkpoints). Throws DataError on a malformed string.
  std::string state() const;
  void set_state(const std::string& hex);

 private:
  uint64_t s_[4];
};

}  // namespace ds
