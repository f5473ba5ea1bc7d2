// Owns the collated, padded tensor form of a list of samples that the policy update consumes.
// Sequences are prompt + response, RIGHT-padded, so a plain causal mask is correct for every real
// token and positions are 0..T-1 for every row. Per-token training quantities are "response
// aligned": column j of a (B, R) tensor is response token j of the row, whose id sits at
// ids[b, prompt_len_b + j] and is predicted by the logits at prompt_len_b + j - 1.
// Thread-safety: plain values (tensors are shared by reference when copied).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "rl/sample.h"

namespace ds::rl {

struct SampleBatch {
  torch::Tensor ids;                // (B, T) int64, prompt + response, right-padded with pad_id
  torch::Tensor positions;          // (B, T) int64, 0..T-1
  torch::Tensor attention_mask;     // (B, T) bool, true on real tokens
  torch::Tensor response_ids;       // (B, R) int64, response tokens (pad_id beyond the length)
  torch::Tensor response_index;     // (B, R) int64, column of each response token in ids
  torch::Tensor response_mask;      // (B, R) float32, 1 on real response tokens (the loss mask)
  torch::Tensor advantages;         // (B, R) float32, 0 on padding
  torch::Tensor sampling_logp;      // (B, R) float32, 0 where unknown
  torch::Tensor has_sampling_logp;  // (B) bool
  // Host copies (cheap, used for slicing and metrics).
  std::vector<int64_t> prompt_lens, response_lens, groups;

  int64_t size() const { return static_cast<int64_t>(prompt_lens.size()); }
  int64_t num_response_tokens() const;
  // Rows `rows` (in that order), trimmed to their own longest sequence / response.
  SampleBatch select(const std::vector<int64_t>& rows) const;
  SampleBatch to(const torch::Device& device) const;
};

// Collates samples with their per-token advantages (advantages[i].size() == response length of
// sample i). Tensors are created on `device`.
SampleBatch collate(const std::vector<Sample>& samples,
                    const std::vector<std::vector<float>>& advantages, int64_t pad_id,
                    const torch::Device& device = torch::kCPU);

}  // namespace ds::rl
