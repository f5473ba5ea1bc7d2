// Test helper (header-only): a tiny causal language model behind the trainer's TrainablePolicy
// interface, so the update, log-prob and checkpoint tests run in milliseconds without the
// Transformer. logits[b, t] = head(tanh(mean of the embeddings of ids[b, 0..t])): causal by
// construction.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "rl/sample.h"
#include "rl/trainable_policy.h"

namespace ds::rl::testing {

struct TinyLmImpl : torch::nn::Module {
  TinyLmImpl(int64_t vocab, int64_t dim) {
    emb = register_module("embed", torch::nn::Embedding(vocab, dim));
    head = register_module("head", torch::nn::Linear(dim, vocab));
  }
  torch::Tensor forward(const torch::Tensor& ids) {
    torch::Tensor e = emb(ids);  // (B, T, D)
    torch::Tensor n = torch::arange(1, ids.size(1) + 1, torch::kFloat32).view({1, -1, 1});
    return head(torch::tanh(e.cumsum(1) / n));  // (B, T, V)
  }
  torch::nn::Embedding emb{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(TinyLm);

inline constexpr int64_t kVocab = 13;

// A policy with deterministic initial weights from `seed`.
inline std::unique_ptr<ModulePolicy> make_tiny_policy(uint64_t seed, int64_t dim = 8) {
  torch::manual_seed(seed);
  TinyLm lm(kVocab, dim);
  auto fwd = [lm](const torch::Tensor& ids, const torch::Tensor&) mutable {
    return lm->forward(ids);
  };
  return std::make_unique<ModulePolicy>(lm.ptr(), fwd);
}

inline Sample make_sample(int64_t group, std::vector<int32_t> prompt, std::vector<int32_t> response,
                          double reward) {
  Sample s;
  s.group = group;
  s.prompt_ids = std::move(prompt);
  s.response_ids = std::move(response);
  s.reward = reward;
  s.correct = reward > 0;
  return s;
}

}  // namespace ds::rl::testing
