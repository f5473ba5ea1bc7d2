// Owns the two decisions around the replay buffer (DEEPSEARCH.md, training loop steps 2 and 4),
// as pure functions on plain values (no torch, no SQLite):
//
//  Registration rule. After a problem's tree is searched, its correct trajectories are registered
//  in the buffer when the search found a correct answer and the problem is still hard:
//      correct > 0  and  register_min_fraction < correct / total <= register_max_fraction
//  ([R]: 0 < fraction <= 0.25).
//
//  Skip rule. A problem already in the buffer is not searched again. Its training group is B
//  direct rollouts of the current policy in which the first k = min(#cached, B) are replaced by
//  cached solutions: output[0..k) = cached solutions (SampleSource::kCached, reward +1, correct,
//  no sampling log-probs, no token rewards), output[k..B) = fresh direct rollouts. The group is
//  then scored and normalized like any other. Only B - k rollouts need generating
//  (fresh_rollouts()); make_skip_group also accepts the full B and then drops the first k.
//
//  Skip metrics. SkipMetrics counts what skipping saved: searches skipped, cached samples used,
//  and an estimate of the tokens not generated (see tokens_not_generated()).
// Thread-safety: pure functions / plain values.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rl/sample.h"
#include "train/replay_buffer.h"

namespace ds::train {

struct ReplayOptions {
  bool enable = true;                   // keep a buffer at all (register + skip)
  bool skip_search = true;              // problems in the buffer skip search
  double register_max_fraction = 0.25;  // register when fraction correct <= this ...
  double register_min_fraction = 0.0;   // ... and > this (exclusive)

  template <class V>
  void visit(V& v) {
    v("enable", enable,
      "keep a replay buffer of verified solutions (RUN_DIR/replay_buffer.sqlite): register "
      "correct trajectories of hard problems, reuse them instead of searching again");
    v("skip_search", skip_search,
      "problems in the buffer skip search: B direct rollouts whose first min(#cached, B) are "
      "replaced by cached solutions (false = always search, still register)");
    v("register_max_fraction", register_max_fraction,
      "register a searched problem's correct trajectories when its fraction of correct "
      "trajectories is <= this (the problem is still hard)");
    v("register_min_fraction", register_min_fraction,
      "... and > this (exclusive lower bound; 0 = at least one correct trajectory)");
  }
};

// ConfigError naming the field (prefixed by `where`) for fractions outside [0, 1] or min >= max.
void validate(const ReplayOptions& options, const std::string& where = "replay");

// The registration rule: options.enable, total > 0, correct > 0 and
// min < correct / total <= max.
bool should_register(int correct, int total, const ReplayOptions& options);

// The correct samples of a searched group as a buffer entry. `responses[i]` is the text of
// samples[i] (same length as samples). Solutions carry reward +1 and `step`.
CacheEntry make_cache_entry(const std::string& problem_id, const std::string& problem,
                            const std::string& answer, int64_t step,
                            const std::vector<rl::Sample>& samples,
                            const std::vector<std::string>& responses);

// k = min(#usable cached solutions, B); cached solutions with no token ids are not usable.
int cached_in_group(const std::vector<CachedSolution>& cached, int B);
// The direct rollouts to generate for a skipped problem: B - cached_in_group(cached, B).
int fresh_rollouts(const std::vector<CachedSolution>& cached, int B);

// The skip group (see above). `direct` holds either B - k rollouts (all used, in order) or B
// rollouts (the first k are dropped). Every output sample gets `group`; cached ones get
// `prompt_ids`. DS_CHECKs B >= 1, a non-empty prompt and the size of `direct`.
std::vector<rl::Sample> make_skip_group(const std::vector<CachedSolution>& cached,
                                        std::vector<rl::Sample> direct, int B,
                                        const std::vector<int32_t>& prompt_ids, int64_t group);

// What skipping saved in one step (or a whole run: add() merges).
struct SkipMetrics {
  int64_t searches_skipped = 0;  // groups served by the buffer instead of a tree
  int64_t cached_samples = 0;    // samples taken from the buffer
  int64_t fresh_samples = 0;     // direct rollouts generated for skipped problems
  int64_t cached_tokens = 0;     // response tokens of the cached samples (never generated)
  int64_t fresh_tokens = 0;      // response tokens generated for skipped problems

  // Counts one skip group (as made by make_skip_group).
  void add_group(const std::vector<rl::Sample>& group);
  void add(const SkipMetrics& other);

  // Estimated tokens not generated thanks to skipping. With `mean_search_tokens` > 0 (tokens one
  // search tree generated on average in the same step): searches_skipped * mean_search_tokens -
  // fresh_tokens, at least cached_tokens. Without a search to compare (<= 0): cached_tokens,
  // i.e. the rollouts the cached solutions stood in for.
  int64_t tokens_not_generated(double mean_search_tokens) const;

  // {"searches_skipped", "cached_samples", "fresh_samples_skipped", "tokens_not_generated"}.
  nlohmann::json to_json(double mean_search_tokens) const;
};

}  // namespace ds::train
