// Owns the PPO policy-gradient loss of every algorithm: ratio = exp(logp - old_logp) per token,
// decoupled clip [1 - clip_low, 1 + clip_high] ("clip-higher", DAPO), dual clip c for negative
// advantages only, the three aggregation modes, an optional KL penalty to a frozen reference
// (k1 / k2 / k3 estimators) and an optional entropy bonus. Also the per-token diagnostics (clip
// fractions, approximate KL old->new, ratio stats, entropy) as token sums, so micro-batches of one
// mini-batch combine exactly.
//
// Per token with advantage A and ratio p:
//   pg = max(-A p, -A clip(p, 1 - clip_low, 1 + clip_high))
//   if A < 0 and dual_clip > 0:  pg = min(pg, -A c)          (bounds the loss of a huge ratio)
// Aggregation over the mini-batch (x = per-token term, m = response mask):
//   token_mean               sum(x m) / (tokens in the mini-batch)          (DAPO, Tree-GRPO)
//   seq_mean_token_mean      mean over sequences of (sum_t x m / len)       (GRPO)
//   seq_mean_token_sum_norm  sum(x m) / (norm_length * sequences)           (Dr. GRPO)
// Thread-safety: pure functions over tensors.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

#include "rl/algorithm.h"

namespace ds::rl {

struct PolicyLossOptions {
  double clip_low = 0.2;
  double clip_high = 0.28;
  double dual_clip = 10.0;
  std::string aggregation = "token_mean";
  int norm_length = 0;
  double kl_coef = 0.0;
  std::string kl_estimator = "k3";
  double entropy_coef = 0.0;
  double log_ratio_clamp = 20.0;

  template <class V>
  void visit(V& v) {
    v("clip_low", clip_low, "eps_low: ratio clipped below at 1 - clip_low");
    v("clip_high", clip_high, "eps_high: ratio clipped above at 1 + clip_high (clip-higher)");
    v("dual_clip", dual_clip, "dual-clip constant c (> 1) for negative advantages; 0 = off");
    v.one_of("aggregation", aggregation,
             {"token_mean", "seq_mean_token_mean", "seq_mean_token_sum_norm"},
             "loss aggregation over the mini-batch");
    v("norm_length", norm_length,
      "constant length of seq_mean_token_sum_norm; 0 = the rollout's max response tokens");
    v("kl_coef", kl_coef, "weight of the KL penalty to the frozen reference policy; 0 = off");
    v.one_of("kl_estimator", kl_estimator, {"k1", "k2", "k3"},
             "KL estimator: k1 = log-ratio, k2 = squared/2, k3 = low-variance (clamped to +-10)");
    v("entropy_coef", entropy_coef, "entropy bonus weight (subtracted from the loss); 0 = off");
    v("log_ratio_clamp", log_ratio_clamp, "logp - old_logp is clamped to +-this before exp");
  }
};

// The loss options of `algorithm`.
PolicyLossOptions policy_loss_preset(Algorithm algorithm);

// Throws ConfigError naming the field (prefix "loss.").
void validate(const PolicyLossOptions& options);

struct LossInputs {
  torch::Tensor logp;        // (B, R) current policy (with grad)
  torch::Tensor old_logp;    // (B, R) policy before the update
  torch::Tensor advantages;  // (B, R)
  torch::Tensor mask;        // (B, R) float 0/1
  torch::Tensor ref_logp;    // (B, R) frozen reference; needed when kl_coef > 0
  torch::Tensor entropy;     // (B, R) with grad; needed when entropy_coef > 0 (else optional)
};

// Denominators of the whole mini-batch, so the losses of its micro-batches add up to the
// mini-batch loss. Zero = take them from this call's own inputs.
struct LossScale {
  double tokens = 0.0;     // response tokens of the mini-batch
  double sequences = 0.0;  // sequences of the mini-batch
};

// Token sums of the diagnostics; add() combines micro-batches; metrics() turns them into means.
struct LossStats {
  double tokens = 0.0;
  double clipped_low = 0.0, clipped_high = 0.0, dual_clipped = 0.0;
  double kl_k1 = 0.0, kl_k3 = 0.0;  // approximate KL(old || new): sums of k1 and k3
  double ratio_sum = 0.0, ratio_max = 0.0, ratio_min = 0.0;
  double entropy = 0.0, entropy_tokens = 0.0;
  double ref_kl = 0.0;  // sum of the chosen estimator (kl_coef > 0)
  double pg_loss = 0.0, kl_loss = 0.0, entropy_loss = 0.0, loss = 0.0;  // aggregated values

  void add(const LossStats& other);
  // clip_frac_low/high, dual_clip_frac, approx_kl (k3), approx_kl_k1, ratio_mean/max/min,
  // entropy, ref_kl, pg_loss, kl_loss, loss.
  std::map<std::string, double> metrics() const;
};

struct LossResult {
  torch::Tensor loss;  // scalar, differentiable
  LossStats stats;
};

LossResult policy_loss(const LossInputs& in, const PolicyLossOptions& options,
                       const LossScale& scale = {});

// The aggregation alone (exposed for tests and for the KL/entropy terms).
torch::Tensor aggregate(const torch::Tensor& x, const torch::Tensor& mask,
                        const PolicyLossOptions& options, const LossScale& scale = {});

// KL estimator between the current and the reference log-probs, per token (B, R).
torch::Tensor kl_penalty(const torch::Tensor& logp, const torch::Tensor& ref_logp,
                         const std::string& estimator);

}  // namespace ds::rl
