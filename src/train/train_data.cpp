// The visiting order of training problems (see train_data.h).
#include "train/train_data.h"

#include <numeric>
#include <string>

#include "core/errors.h"
#include "core/rng.h"

namespace ds::train {

TrainData::TrainData(size_t size, uint64_t seed, bool shuffle)
    : size_(size), seed_(seed), shuffle_(shuffle), active_(size) {
  std::iota(active_.begin(), active_.end(), size_t{0});
  build_order();
}

void TrainData::build_order() {
  order_ = active_;
  if (shuffle_ && order_.size() > 1) {
    Rng rng(Rng::derive(seed_, static_cast<uint64_t>(epoch_)));
    for (size_t i = order_.size() - 1; i > 0; --i)
      std::swap(order_[i], order_[rng.below(static_cast<uint64_t>(i + 1))]);
  }
}

std::vector<size_t> TrainData::next(size_t n) {
  if (active_.empty())
    throw UsageError("training data", "no training problem is left",
                     "the hard-subset filter removed every problem: lower "
                     "hard_filter.threshold's strictness, disable it, or add harder problems");
  std::vector<size_t> out;
  out.reserve(n);
  while (out.size() < n) {
    if (index_ >= order_.size()) {
      ++epoch_;
      index_ = 0;
      build_order();
    }
    out.push_back(order_[index_++]);
  }
  return out;
}

void TrainData::set_active(std::vector<size_t> indices) {
  for (size_t i : indices) DS_CHECK(i < size_, "active problem index out of range");
  active_ = std::move(indices);
  index_ = 0;
  build_order();
}

nlohmann::json TrainData::position() const {
  return {{"epoch", epoch_}, {"index", index_}, {"size", size_}, {"active", active_}};
}

void TrainData::restore(const nlohmann::json& p, const std::string& where) {
  try {
    const size_t size = p.at("size").get<size_t>();
    if (size != size_)
      throw DataError(where,
                      "the checkpoint was trained on " + std::to_string(size) +
                          " problems, the data now has " + std::to_string(size_),
                      "resume with the same data (data.path / data.* settings) as the run");
    std::vector<size_t> active = p.at("active").get<std::vector<size_t>>();
    for (size_t i : active)
      if (i >= size_) throw DataError(where, "active problem index out of range", "");
    active_ = std::move(active);
    epoch_ = p.at("epoch").get<int64_t>();
    build_order();
    index_ = p.at("index").get<size_t>();
    if (index_ > order_.size())
      throw DataError(where, "data position beyond the epoch", "the checkpoint is corrupt");
  } catch (const nlohmann::json::exception& e) {
    throw DataError(where, std::string("malformed data position: ") + e.what(),
                    "the checkpoint is corrupt; resume from an older one");
  }
}

}  // namespace ds::train
