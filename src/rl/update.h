// Owns one policy update on a collated batch, as veRL's actor does it:
//  1. old log-probs (and entropies) recomputed with the current policy, no grad, micro-batched;
//     their difference to the sampling log-probs is measured (the known mismatch detector);
//  2. optional reference log-probs for the KL penalty;
//  3. ppo_epochs x mini-batches: for each mini-batch, micro-batches of forward + loss + backward
//     (the loss scaled by the whole mini-batch's denominators, so accumulation is exact), then
//     gradient-norm clip and one optimizer step (skipped when the norm is not finite).
// The learning rate is set by the caller (see optimizer.h) before calling update().
// Data parallel (UpdateExtras::collective with world_size > 1): every rank passes its own rows;
// per mini-batch the loss denominators (tokens, sequences) are summed across ranks before the
// micro-batch losses (global token-mean, as veRL does) and the gradients are summed (one
// flattened all-reduce) before clipping, so every rank takes the same step as one process over
// the union of the rows. options.mini_batch_size is then the GLOBAL mini-batch: each rank uses
// mini_batch_size / world_size of its rows per step (it must divide evenly; 0 = the whole batch),
// global mini-batch k = local mini-batch k of every rank. Ranks with fewer rows run empty
// mini-batches that still join the collectives. Metrics are global (token sums, maxima).
// Thread-safety: mutates the policy's parameters and the optimizer; one caller.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

#include "core/rng.h"
#include "rl/collective.h"
#include "rl/policy_loss.h"
#include "rl/sample_batch.h"
#include "rl/trainable_policy.h"

namespace ds::rl {

struct UpdateOptions {
  int mini_batch_size = 256;
  int micro_batch_size = 8;
  int ppo_epochs = 1;
  bool shuffle = false;
  template <class V>
  void visit(V& v) {
    v("mini_batch_size", mini_batch_size,
      "samples per optimizer step ([R]: 32 prompts x 8 = 256); 0 = the whole batch");
    v("micro_batch_size", micro_batch_size, "rows per forward/backward (memory knob only)");
    v("ppo_epochs", ppo_epochs, "passes over the batch per training step");
    v("shuffle", shuffle, "shuffle rows before splitting into mini-batches (each epoch)");
  }
};

// Throws ConfigError naming the field (prefix "update.").
void validate(const UpdateOptions& options);

struct UpdateExtras {
  TrainablePolicy* reference = nullptr;  // frozen reference policy (required when loss.kl_coef > 0)
  Rng* shuffle_rng = nullptr;   // required when options.shuffle
  // Data-parallel group (see the header comment); nullptr or world size 1 = this process alone.
  // Every rank must call update() with the same options, and its parameters equal the others'.
  Collective* collective = nullptr;
};

// Runs the update and returns its metrics: loss, pg_loss, clip_frac_low/high, dual_clip_frac,
// approx_kl (k3, old -> new), approx_kl_k1, ratio_mean/max/min, entropy (of the policy before
// the update), grad_norm (mean over optimizer steps), grad_norm_max, lr, optimizer_steps,
// skipped_steps, tokens, loss_first_epoch / loss_last_epoch (mean loss of the first and last PPO
// epoch), logp_mismatch_abs_mean/abs_max/kl (sampling vs recomputed old
// log-probs, over samples that have sampling log-probs), ref_kl / kl_loss when the KL is on.
std::map<std::string, double> update(TrainablePolicy& policy, torch::optim::Optimizer& optimizer,
                                     const SampleBatch& batch, const UpdateOptions& options,
                                     const PolicyLossOptions& loss, double grad_clip,
                                     const UpdateExtras& extras = {});

}  // namespace ds::rl
