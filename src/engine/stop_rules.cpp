// Stop rules: EOS id set and incremental delimiter matching (see stop_rules.h).
#include "engine/stop_rules.h"

#include <algorithm>

#include "model/model_config.h"
#include "tokenizer/tokenizer.h"

namespace ds::engine {

std::vector<int> stop_token_ids(const tok::Tokenizer& tokenizer, const model::ModelConfig& config,
                                const std::string& end_of_turn) {
  std::vector<int> ids;
  auto add = [&ids](int64_t id) {
    if (id >= 0 && std::find(ids.begin(), ids.end(), static_cast<int>(id)) == ids.end())
      ids.push_back(static_cast<int>(id));
  };
  add(tokenizer.eos_id());
  for (int64_t id : config.eos_token_ids) add(id);
  if (!end_of_turn.empty())
    if (auto id = tokenizer.token_id(end_of_turn)) add(*id);
  return ids;
}

EosSet::EosSet(std::vector<int32_t> ids) : ids_(std::move(ids)) {
  std::sort(ids_.begin(), ids_.end());
  ids_.erase(std::unique(ids_.begin(), ids_.end()), ids_.end());
}

bool EosSet::contains(int32_t id) const {
  return std::binary_search(ids_.begin(), ids_.end(), id);
}

bool DelimiterMatcher::feed(std::string_view token_bytes) {
  if (matched_ || delimiter_.empty()) return matched_;
  // A match ending in the new bytes starts at most delimiter.size() - 1 bytes before them.
  tail_.append(token_bytes.data(), token_bytes.size());
  if (tail_.find(delimiter_) != std::string::npos) {
    matched_ = true;
    tail_.clear();
    return true;
  }
  size_t keep = delimiter_.size() - 1;
  if (tail_.size() > keep) tail_.erase(0, tail_.size() - keep);
  return false;
}

}  // namespace ds::engine
