// Owns the training-sample representation the policy update consumes: one response (trajectory)
// with its prompt, its sampling log-probs, its per-token reward input and its outcome, independent
// of where it came from (a search tree, direct rollouts, a cached verified solution). Grouping
// (a tree, or the n responses of one prompt for GRPO) is by `group`.
// No torch here (the advantage code uses plain vectors); sample_batch.h collates into tensors.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ds::rl {

// Where a sample came from; cached solutions were not sampled by the current policy, so they have
// no sampling log-probs.
enum class SampleSource { kSearch, kDirect, kCached };

const char* to_string(SampleSource source);

struct Sample {
  int64_t group = 0;                  // tree id or GRPO group id (any integer, equal = same group)
  std::vector<int32_t> prompt_ids;    // the full prompt (chat template applied), >= 1 token
  std::vector<int32_t> response_ids;  // the generated response (EOS included when produced)
  // Log-prob of each response token under the policy that generated it; empty = unknown (cached).
  std::vector<float> sampling_logprobs;
  // Tree-GRPO: the soft-clipped node value q~ of the node each token belongs to (the terminal's
  // tokens carry the terminal reward). Empty for outcome-only samples (direct / cached rollouts).
  std::vector<float> token_rewards;
  double reward = 0.0;     // terminal / outcome reward (+1 correct, -1 incorrect or incomplete)
  bool correct = false;    // verifier verdict
  bool truncated = false;  // stopped by the length limit (no EOS)
  SampleSource source = SampleSource::kDirect;

  int64_t response_length() const { return static_cast<int64_t>(response_ids.size()); }
  int64_t total_length() const {
    return static_cast<int64_t>(prompt_ids.size() + response_ids.size());
  }
  bool has_sampling_logprobs() const { return !sampling_logprobs.empty(); }
  bool has_token_rewards() const { return !token_rewards.empty(); }
};

// DS_CHECKs the per-sample invariants (non-empty prompt, per-token vectors empty or as long as
// the response, finite values). Samples are produced by our own code, so violations are bugs.
void check_sample(const Sample& sample);

}  // namespace ds::rl
