// Owns the rollout phase of a training step: turning problems into training samples (rl::Sample)
// with the current policy, either by DeepSearch trees (the forest driver over the engine: every
// tree's B backed-up trajectories with per-token node values q~) or by direct rollouts (n sampled
// responses per prompt, GRPO-style), scored by each problem's verifier (the problem's "task": a
// built-in task's own verifier, or "math" = the math verifier).
//
// Determinism: a problem's samples depend only on (step seed, problem key), never on which other
// problems share the batch or on how the batch is split across ranks: trees derive their seeds
// from (search seed, key, id), direct rollouts of a problem draw from Rng::derive(seed, key).
// No torch in this header (the engine is behind its pimpl).
// Thread-safety: one Rollouts per engine; one caller.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "rl/advantage.h"
#include "rl/sample.h"
#include "search/forest.h"
#include "search/options.h"
#include "search/trajectory.h"
#include "tasks/task.h"
#include "train/engine_policy.h"

namespace ds::engine {
class Engine;
}
namespace ds::tok {
class Tokenizer;
}

namespace ds::train {

// One problem to roll out in this step.
struct RolloutItem {
  const tasks::Problem* problem = nullptr;
  std::string prompt;  // the templated prompt text
  uint64_t key = 0;    // stable per problem (dataset index): seeds derive from it
  int64_t group = 0;   // group id of its samples
  int n = 0;           // direct rollouts of this item; 0 = DirectRolloutOptions::n
};

// Per-group outcome, for metrics, the replay buffer and the report.
struct RolloutGroupInfo {
  int64_t group = 0;
  std::string problem_id;
  bool searched = false;  // by a DeepSearch tree (else direct rollouts)
  bool skipped = false;   // served by the replay buffer instead of a tree (skip rule)
  int samples = 0;
  int correct = 0;      // correct samples handed to the trainer
  bool solved = false;  // some verified response was correct (search: any terminal)
  int terminals = 0;    // search: verified terminals found; direct: samples
  int terminals_correct = 0;
  int64_t generated_tokens = 0;
};

struct RolloutBatch {
  std::vector<rl::Sample> samples;
  std::vector<std::string> texts;  // response text of each sample (for filters and the cache)
  std::vector<RolloutGroupInfo> groups;
  std::map<int64_t, std::vector<rl::TreeTerminal>> tree_terminals;  // searched groups only
  std::vector<search::SearchResult> trees;  // the searched trees, when keep_trees
  int64_t generated_tokens = 0;
  int64_t prefill_tokens = 0;
  double seconds = 0.0;
  double bookkeeping_seconds = 0.0;  // search code outside the model (searched part)

  // Appends another batch (group ids must not collide).
  void append(RolloutBatch&& other);
};

struct DirectRolloutOptions {
  int n = 8;
  SamplingOptions sampling;
  int max_new_tokens = 256;
};

class Rollouts {
 public:
  // `engine` and `tokenizer` must outlive this object.
  Rollouts(engine::Engine& engine, const tok::Tokenizer& tokenizer,
           EnginePolicyOptions policy_options = {});

  // One DeepSearch tree per item, all advanced together (forest). `search.seed` is used as given
  // (the trainer sets it per step).
  RolloutBatch search(const std::vector<RolloutItem>& items, const search::SearchOptions& search,
                      const search::ForestOptions& forest, bool keep_trees = false);

  // options.n (or item.n) responses per item in one engine call; item i draws from
  // Rng::derive(seed, key). Items with item.n < 0 get an empty group.
  RolloutBatch direct(const std::vector<RolloutItem>& items, const DirectRolloutOptions& options,
                      uint64_t seed);

  // The response text the verifier sees: the tokens' bytes without the final EOS and without
  // special tokens (Hugging Face's skip_special_tokens).
  std::string response_text(const std::vector<int32_t>& tokens) const;

  // The prompt token ids of a templated prompt (as the engine encodes it).
  std::vector<int32_t> encode_prompt(const std::string& prompt) const;

 private:
  engine::Engine& engine_;
  const tok::Tokenizer& tokenizer_;
  EnginePolicyOptions policy_options_;
};

// Scores a response with the problem's own verifier (tasks::score_response).
bool score_correct(const tasks::Problem& problem, const std::string& response);

}  // namespace ds::train
