// Owns the order in which training problems are visited: a seeded permutation of the active
// problems per epoch (or dataset order without shuffling), a position (epoch, index) that is
// saved in every checkpoint, and the active subset (the hard-subset filter narrows it between
// rounds). A problem's key is its index in the full dataset, so seeds derived from it do not
// change when the active subset does.
// No torch. Thread-safety: plain value.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

namespace ds::train {

class TrainData {
 public:
  TrainData() = default;
  // `size` problems, all active; `seed` orders each epoch when shuffle is set.
  TrainData(size_t size, uint64_t seed, bool shuffle);

  // The next n problem indices (dataset indices), wrapping into new epochs as needed.
  // Throws UsageError when no problem is active.
  std::vector<size_t> next(size_t n);

  // Restricts the problems visited to `indices` (dataset indices) from the next epoch on; the
  // current epoch restarts with the new subset.
  void set_active(std::vector<size_t> indices);
  const std::vector<size_t>& active() const { return active_; }
  size_t size() const { return size_; }
  int64_t epoch() const { return epoch_; }

  // {"epoch", "index", "active"} and back (DataError naming `where` when malformed or not
  // matching the dataset size).
  nlohmann::json position() const;
  void restore(const nlohmann::json& position, const std::string& where);

 private:
  void build_order();
  size_t size_ = 0;
  uint64_t seed_ = 0;
  bool shuffle_ = true;
  std::vector<size_t> active_;
  std::vector<size_t> order_;
  int64_t epoch_ = 0;
  size_t index_ = 0;
};

}  // namespace ds::train
