// Warm-start corpus, tokenization and row packing (see sft_data.h).
#include "sft/sft_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <utility>

#include "core/errors.h"
#include "tasks/task.h"
#include "tokenizer/tokenizer.h"

namespace ds::sft {

namespace {
constexpr uint64_t kCorpusShuffleKey = 0x5346542d636f7270ull;  // "SFT-corp"
}

void validate(const SftDataOptions& data) {
  if (data.tasks.empty())
    throw ConfigError("data.tasks", "is empty", "name at least one built-in task, e.g. [arith]");
  if (data.difficulties.empty())
    throw ConfigError("data.difficulties", "is empty", "list the corpus levels, e.g. [1, 2, 3]");
  if (data.per_level.size() != 1 && data.per_level.size() != data.difficulties.size())
    throw ConfigError("data.per_level",
                      fmt::format("has {} entries but data.difficulties has {}",
                                  data.per_level.size(), data.difficulties.size()),
                      "give one count per difficulty, or a single count for all of them");
  for (int c : data.per_level)
    if (c < 0)
      throw ConfigError("data.per_level", fmt::format("count {} is negative", c),
                        "use counts >= 0, e.g. [3000, 4000, 6000]");
  if (data.heldout_exclude < 0)
    throw ConfigError("data.heldout_exclude", "must be >= 0", "use e.g. 1000");
  for (const auto& name : data.tasks) {
    const tasks::Task* found = nullptr;
    try {
      found = &tasks::get_task(name);
    } catch (const ConfigError& e) {
      throw ConfigError("data.tasks", e.problem(), e.hint());
    }
    const tasks::Task& task = *found;
    if (task.max_difficulty() == 0)
      throw ConfigError("data.tasks", "task '" + name + "' has no problem generator",
                        "train on built-in generators such as arith or countdown");
    for (int d : data.difficulties)
      if (d < 1 || d > task.max_difficulty())
        throw ConfigError(
            "data.difficulties",
            fmt::format("level {} is outside 1..{} of task '{}'", d, task.max_difficulty(), name),
            fmt::format("use levels between 1 and {}", task.max_difficulty()));
  }
}

std::vector<tasks::SftExample> build_sft_corpus(const SftDataOptions& data) {
  validate(data);
  std::vector<tasks::Problem> exclude;
  for (const auto& name : data.tasks) {
    const tasks::Task& task = tasks::get_task(name);
    for (int d = 1; d <= task.max_difficulty() && data.heldout_exclude > 0; ++d) {
      auto held = tasks::generate_split(task, d, data.heldout_exclude,
                                        static_cast<uint64_t>(data.seed), tasks::Split::kHeldout);
      exclude.insert(exclude.end(), std::make_move_iterator(held.begin()),
                     std::make_move_iterator(held.end()));
    }
  }

  std::vector<tasks::SftExample> corpus;
  for (const auto& name : data.tasks) {
    for (size_t i = 0; i < data.difficulties.size(); ++i) {
      tasks::SftCorpusOptions co;
      co.tasks = {name};
      co.difficulties = {data.difficulties[i]};
      co.per_level = data.per_level.size() == 1 ? data.per_level[0] : data.per_level[i];
      co.seed = data.seed;
      // A text shared by two levels (possible at the low ones) appears once per level, with the
      // same solution; harmless, so it is not deduplicated across levels.
      for (auto& ex : tasks::make_sft_corpus(co, exclude)) corpus.push_back(std::move(ex));
    }
  }
  Rng rng(Rng::derive(static_cast<uint64_t>(data.seed), kCorpusShuffleKey));
  for (size_t k = corpus.size(); k > 1; --k) std::swap(corpus[k - 1], corpus[rng.below(k)]);
  return corpus;
}

std::vector<TokenizedExample> tokenize_corpus(const std::vector<tasks::SftExample>& corpus,
                                              const tok::Tokenizer& tokenizer) {
  const int32_t eos = tokenizer.eos_id();
  DS_CHECK(eos >= 0, "the SFT tokenizer needs an EOS token");
  std::vector<TokenizedExample> out;
  out.reserve(corpus.size());
  for (const auto& ex : corpus) {
    TokenizedExample t;
    t.ids = tokenizer.encode(ex.prompt);
    t.prompt_len = static_cast<int32_t>(t.ids.size());
    std::vector<int32_t> sol = tokenizer.encode(ex.completion);
    t.ids.insert(t.ids.end(), sol.begin(), sol.end());
    t.ids.push_back(eos);
    out.push_back(std::move(t));
  }
  return out;
}

SftBatcher::SftBatcher(const std::vector<TokenizedExample>& examples, int batch_size,
                       int32_t pad_id, uint64_t seed, bool repeat, int bucket)
    : examples_(examples),
      batch_size_(batch_size),
      pad_id_(pad_id),
      repeat_(repeat),
      bucket_(bucket),
      rng_(seed) {
  DS_CHECK(!examples_.empty(), "SftBatcher needs a non-empty corpus");
  DS_CHECK(batch_size_ > 0 && bucket_ > 0, "batch_size and bucket must be positive");
  order_.resize(examples_.size());
  std::iota(order_.begin(), order_.end(), 0u);
  if (repeat_) cursor_ = order_.size();  // the first next_index() shuffles
}

size_t SftBatcher::next_index() {
  if (cursor_ == order_.size()) {
    DS_CHECK(repeat_, "a one-pass SftBatcher has no more examples");
    for (size_t k = order_.size(); k > 1; --k) std::swap(order_[k - 1], order_[rng_.below(k)]);
    cursor_ = 0;
  }
  ++dealt_;
  return order_[cursor_++];
}

SftBatch SftBatcher::make_batch(const std::vector<uint32_t>& members) const {
  SftBatch b;
  b.rows = static_cast<int>(members.size());
  for (uint32_t m : members)
    b.seq_len = std::max(b.seq_len, static_cast<int>(examples_[m].ids.size()));
  const size_t T = static_cast<size_t>(b.seq_len);
  b.ids.assign(members.size() * T, pad_id_);
  b.targets.assign(members.size() * T, -1);
  for (size_t r = 0; r < members.size(); ++r) {
    const TokenizedExample& ex = examples_[members[r]];
    const size_t len = ex.ids.size();
    std::copy(ex.ids.begin(), ex.ids.end(), b.ids.begin() + r * T);
    // Token t predicts t + 1; the loss covers the solution tokens and the final EOS.
    for (size_t t = std::max<int32_t>(ex.prompt_len, 1) - 1; t + 1 < len; ++t) {
      b.targets[r * T + t] = ex.ids[t + 1];
      ++b.target_tokens;
    }
    b.tokens += static_cast<int64_t>(len);
  }
  return b;
}

SftBatch SftBatcher::next() {
  std::vector<uint32_t> members;
  if (!repeat_) {
    while (members.size() < static_cast<size_t>(batch_size_) && cursor_ < order_.size()) {
      members.push_back(order_[cursor_++]);
      ++dealt_;
    }
    return make_batch(members);
  }
  if (ready_.empty()) {
    std::vector<uint32_t> pool(static_cast<size_t>(batch_size_) * bucket_);
    for (auto& m : pool) m = static_cast<uint32_t>(next_index());
    std::stable_sort(pool.begin(), pool.end(), [&](uint32_t a, uint32_t b) {
      return examples_[a].ids.size() < examples_[b].ids.size();
    });
    for (int k = 0; k < bucket_; ++k)
      ready_.emplace_back(pool.begin() + static_cast<size_t>(k) * batch_size_,
                          pool.begin() + static_cast<size_t>(k + 1) * batch_size_);
    for (size_t k = ready_.size(); k > 1; --k) std::swap(ready_[k - 1], ready_[rng_.below(k)]);
  }
  members = std::move(ready_.back());
  ready_.pop_back();
  return make_batch(members);
}

double SftBatcher::epochs() const {
  return static_cast<double>(dealt_) / static_cast<double>(examples_.size());
}

}  // namespace ds::sft
