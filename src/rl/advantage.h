// Owns the per-token advantages of every training algorithm, on plain vectors (no torch):
//
//  Tree-GRPO (DeepSearch, DEEPSEARCH.md "Tree-GRPO objective"):
//    token reward t = q~(node of the token) + overlong_j    (granularity "node")
//                   = reward_j + overlong_j                 (granularity "outcome", the ablation)
//    A = t - mu            (mean-only, the default)   or  (t - mu) / (sigma + eps)  (std_normalize)
//    mu, sigma over the final scores f_j = reward_j + overlong_j of the group's B trajectories
//    ([R], default) or of every terminal of the tree ([P], baseline "all_terminals").
//    Samples without token rewards (direct rollouts, cached solutions) use f_j for every token,
//    normalized the same way within their group.
//  GRPO:    A = (r - mean) / (std + eps) per group (outcome broadcast to all tokens; std with n-1
//           as veRL's torch.std).
//  Dr.GRPO: A = r - mean (no std; the loss uses constant length normalization).
//  DAPO:    GRPO's advantage on the overlong-shaped reward, dynamic sampling drops zero-variance
//           groups (the trainer refills the batch).
// All four are one computation with different options; advantage_preset() gives each algorithm's.
// A group of one sample uses mean 0 and std 1 (as [R] and veRL do).
//
// Uniform groups. In an all-wrong tree mu = -1, so intermediate chunks (q~ in (-1, 0)) get POSITIVE
// advantages; in an all-correct tree they get negative ones. That is [P]/[R] literally and the
// default ("mean"). The documented alternative ("zero") uses mu = 0 and no std division for such a
// group, so every token's advantage has the sign of its node's value: wrong paths are pushed down
// (less where the node was less clearly wrong), correct paths are pushed up. "drop" removes the
// group from the update. Note: with std_normalize, a group whose final scores are all equal divides
// by eps, as [R] does; the gradient-norm clip bounds the step.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "rl/algorithm.h"
#include "rl/sample.h"

namespace ds::rl {

// DAPO overlong reward shaping: expected = max_length - buffer;
// penalty = min(-(L - expected) / buffer * penalty_factor, 0).
struct OverlongOptions {
  bool enable = true;
  int max_length = 0;  // L_max; 0 = the rollout's response-token limit (filled in by the trainer)
  int buffer = 0;      // 0 = max_length / 4 ([R]: 4096 of 16384)
  double penalty_factor = 1.0;
  template <class V>
  void visit(V& v) {
    v("enable", enable, "add the DAPO overlong penalty to the reward (and to every token reward)");
    v("max_length", max_length, "L_max in tokens; 0 = the rollout's maximum response length");
    v("buffer", buffer, "soft-penalty zone before L_max, in tokens; 0 = max_length / 4");
    v("penalty_factor", penalty_factor, "penalty at L = L_max");
  }
};

struct DynamicSamplingOptions {
  bool enable = false;
  std::string metric = "correct";
  template <class V>
  void visit(V& v) {
    v("enable", enable, "drop groups whose metric has zero variance (DAPO); the trainer refills");
    v.one_of("metric", metric, {"correct", "reward"},
             "what must vary inside a group: the verdicts (DAPO's acc) or the shaped final score");
  }
};

struct AdvantageOptions {
  std::string granularity = "node";
  std::string baseline = "trajectories";
  bool std_normalize = false;
  bool unbiased_std = false;
  std::string all_wrong_baseline = "mean";
  std::string all_correct_baseline = "mean";
  double eps = 1e-6;
  OverlongOptions overlong;
  DynamicSamplingOptions dynamic_sampling;

  template <class V>
  void visit(V& v) {
    v.one_of("granularity", granularity, {"node", "outcome"},
             "token reward: the node's q~ (fine-grained, Tree-GRPO) or the outcome for all tokens");
    v.one_of("baseline", baseline, {"trajectories", "all_terminals"},
             "mu over the group's B trajectories ([R]) or over all terminals of the tree ([P])");
    v("std_normalize", std_normalize, "divide by the group's std of final scores (+eps)");
    v("unbiased_std", unbiased_std, "std with n-1 (torch.std, GRPO) instead of n ([R])");
    v.one_of("all_wrong_baseline", all_wrong_baseline, {"mean", "zero", "drop"},
             "baseline of a group with no correct sample: group mean (literal), 0, or drop it");
    v.one_of("all_correct_baseline", all_correct_baseline, {"mean", "zero", "drop"},
             "baseline of a group whose samples are all correct: group mean (literal), 0, or drop");
    v("eps", eps, "added to the std before dividing");
    v("overlong", overlong, "DAPO overlong reward shaping");
    v("dynamic_sampling", dynamic_sampling, "DAPO dynamic sampling");
  }
};

// The advantage options of `algorithm`.
AdvantageOptions advantage_preset(Algorithm algorithm);

// Throws ConfigError naming the field (prefix "advantage.") for invalid values, including an
// enabled overlong penalty without a max_length.
void validate(const AdvantageOptions& options);

// The (<= 0) overlong penalty of a response of `length` tokens (0 when disabled).
double overlong_penalty(int64_t length, const OverlongOptions& options);

// A terminal of a search tree, for the [P] baseline over all terminals.
struct TreeTerminal {
  double reward = 0.0;
  int64_t length = 0;  // response tokens of its root-to-leaf path
};

struct GroupSummary {
  int64_t group = 0;
  int size = 0;       // samples of the group in the batch
  double mean = 0.0;  // baseline mu actually used
  double std = 0.0;   // sigma of the baseline set (before the +eps)
  bool all_correct = false;
  bool all_wrong = false;
  bool zero_variance = false;  // by dynamic_sampling.metric, whether or not dynamic sampling is on
  bool dropped = false;
};

struct AdvantageResult {
  std::vector<std::vector<float>> advantages;  // [sample][response token]
  std::vector<double> final_scores;            // reward + overlong
  std::vector<double> overlong;                // per sample (<= 0)
  std::vector<char> keep;                      // 0: the sample's group was dropped
  std::vector<GroupSummary> groups;            // in order of first appearance
  int64_t zero_variance_groups = 0;
  int64_t dropped_groups = 0;
  double advantage_mean = 0.0;  // over the tokens of kept samples
  double advantage_std = 0.0;
};

// Computes the advantages of `samples` (any order; groups need not be contiguous).
// `tree_terminals` (group -> every terminal of that tree) is used by baseline "all_terminals";
// groups without an entry fall back to their trajectories.
AdvantageResult compute_advantages(
    const std::vector<Sample>& samples, const AdvantageOptions& options,
    const std::map<int64_t, std::vector<TreeTerminal>>* tree_terminals = nullptr);

}  // namespace ds::rl
