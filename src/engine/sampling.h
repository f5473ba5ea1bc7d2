// Owns token sampling as a chain of small transforms on a batch of logits, in the style of
// llama.cpp's sampler chain: full logits -> temperature -> top-k -> top-p -> draw. Each transform
// works on `Candidates` (a (B, K) slice of the vocabulary) and is tested alone on tiny vectors.
// Randomness comes from one uniform number per sequence supplied by the caller (drawn from that
// sequence's own ds::Rng), so a sequence's sample never depends on what else is in the batch.
// From the same logits it also returns the raw model's log-prob of the drawn token and the
// model's entropy (the trainer needs the former, the search the NLL; no second forward pass).
// Thread-safety: pure functions of their tensor arguments.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "core/rng.h"
#include "engine/types.h"

namespace ds::engine {

// A (B, K) slice of each row's distribution: K candidate logits and their token ids.
struct Candidates {
  torch::Tensor logits;  // (B, K) float32; -inf = removed
  torch::Tensor ids;     // (B, K) int64 token ids; undefined = identity (K == vocab, id order)
  bool sorted = false;   // rows in descending logit order
};

// All tokens of `logits` (B, V), in id order.
Candidates full_candidates(const torch::Tensor& logits);

// Divides the logits by `temperature` (> 0).
void apply_temperature(Candidates& c, double temperature);

// Keeps the k most likely candidates (k > 0), sorted. No-op when k >= K. Ties at the k-th value
// are broken by torch::topk (no extra tokens are kept).
void apply_top_k(Candidates& c, int k);

// Nucleus: keeps, in descending order, each candidate whose preceding mass (the sum of the more
// likely ones) is < p, so the most likely token always stays and the kept mass is >= p.
// Removed candidates get -inf. No-op when p >= 1. Sorts only as many candidates as needed.
void apply_top_p(Candidates& c, double p);

struct Drawn {
  torch::Tensor ids;       // (B) int64 token ids
  torch::Tensor logprobs;  // (B) float32 log-prob under the (shaped) candidate distribution
};

// Inverse-CDF draw with one uniform in [0, 1) per row: uniforms (B) float64 on any device.
Drawn draw(const Candidates& c, const torch::Tensor& uniforms);

// Argmax of each row (first index on ties); log-prob 0 (the greedy distribution is a point mass).
Drawn greedy(const torch::Tensor& logits);

// Raw model statistics at the chosen ids: log-prob under softmax(logits) and entropy (nats).
struct ModelStats {
  torch::Tensor logprobs;  // (B) float32
  torch::Tensor entropy;   // (B) float32
};
ModelStats model_stats(const torch::Tensor& logits, const torch::Tensor& ids);

// The whole chain for one decode step.
struct StepSample {
  torch::Tensor ids;              // (B) int64
  torch::Tensor sample_logprobs;  // (B) float32
  torch::Tensor model_logprobs;   // (B) float32
  torch::Tensor entropy;          // (B) float32
};
// logits (B, V) float32; uniforms (B) float64 (ignored when greedy; may be undefined then).
StepSample sample_step(const torch::Tensor& logits, const SamplingOptions& params,
                       const torch::Tensor& uniforms);

// Draws one uniform from each generator (rngs[i] for row i) as a (B) float64 tensor on `device`.
torch::Tensor next_uniforms(const std::vector<Rng*>& rngs, const torch::Device& device);

}  // namespace ds::engine
