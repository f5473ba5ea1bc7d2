// Warm-start corpus, tokenization and row packing (see sft_data.h).
#include "rl/sft_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <utility>

#include "core/errors.h"
#include "tasks/task.h"
#include "tokenizer/tokenizer.h"

namespace ds::rl {

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

SftPacker::SftPacker(const std::vector<TokenizedExample>& examples, int seq_len, int32_t pad_id,
                     uint64_t seed, bool repeat)
    : examples_(examples), seq_len_(seq_len), pad_id_(pad_id), repeat_(repeat), rng_(seed) {
  DS_CHECK(!examples_.empty(), "SftPacker needs a non-empty corpus");
  DS_CHECK(seq_len_ > 0, "seq_len must be positive");
  size_t longest = 0;
  for (const auto& e : examples_) longest = std::max(longest, e.ids.size());
  if (longest > static_cast<size_t>(seq_len_))
    throw ConfigError("seq_len",
                      fmt::format("{} is shorter than the longest example ({} tokens: prompt + "
                                  "solution + EOS)",
                                  seq_len_, longest),
                      fmt::format("set seq_len to at least {}", longest));
  order_.resize(examples_.size());
  reshuffle();
}

void SftPacker::reshuffle() {
  std::iota(order_.begin(), order_.end(), 0u);
  cursor_ = 0;
  if (!repeat_) return;
  for (size_t k = order_.size(); k > 1; --k) std::swap(order_[k - 1], order_[rng_.below(k)]);
}

PackedBatch SftPacker::next(int rows) {
  DS_CHECK(rows > 0, "rows must be positive");
  PackedBatch b;
  b.rows = rows;
  b.seq_len = seq_len_;
  const size_t total = static_cast<size_t>(rows) * seq_len_;
  b.ids.assign(total, pad_id_);
  b.positions.assign(total, 0);
  b.segments.assign(total, -1);
  b.targets.assign(total, -1);
  for (int r = 0; r < rows; ++r) {
    size_t used = 0;
    int32_t segment = 0;
    while (true) {
      if (cursor_ == order_.size()) {
        if (!repeat_) break;
        reshuffle();
      }
      const TokenizedExample& ex = examples_[order_[cursor_]];
      if (used + ex.ids.size() > static_cast<size_t>(seq_len_)) break;  // row full: next row
      const size_t base = static_cast<size_t>(r) * seq_len_ + used;
      const size_t len = ex.ids.size();
      for (size_t t = 0; t < len; ++t) {
        b.ids[base + t] = ex.ids[t];
        b.positions[base + t] = static_cast<int32_t>(t);
        b.segments[base + t] = segment;
        // Token t predicts t + 1; the loss covers the solution tokens and the final EOS.
        if (t + 1 < len && static_cast<int32_t>(t + 1) >= ex.prompt_len) {
          b.targets[base + t] = ex.ids[t + 1];
          ++b.target_tokens;
        }
      }
      used += len;
      b.tokens += static_cast<int64_t>(len);
      ++segment;
      ++b.examples;
      ++cursor_;
      ++consumed_;
    }
  }
  return b;
}

double SftPacker::epochs() const {
  return static_cast<double>(consumed_) / static_cast<double>(examples_.size());
}

}  // namespace ds::rl
