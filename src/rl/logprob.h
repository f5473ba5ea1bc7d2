// Owns the recomputation of per-token log-probs (and entropies) of the response tokens of a padded
// batch with a policy: the training forward (no KV cache) used for the old log-probs before an
// update, for the new log-probs inside it, and for a frozen reference policy.
// Thread-safety: uses the policy; one caller at a time.
#pragma once

#include <torch/torch.h>

#include "rl/sample_batch.h"
#include "rl/trainable_policy.h"

namespace ds::rl {

struct TokenLogprobs {
  torch::Tensor logp;     // (B, R) float32, log p(response token j | prefix); 0 on padding
  torch::Tensor entropy;  // (B, R) float32 entropy of the next-token distribution; undefined
                          // unless requested; 0 on padding
};

// One forward over the whole batch; autograd records it unless the caller disabled grad mode.
TokenLogprobs response_logprobs(TrainablePolicy& policy, const SampleBatch& batch,
                                bool with_entropy);

// The same without autograd, in micro-batches of `micro_batch_size` rows (each trimmed to its own
// length), assembled into (B, R) tensors of the whole batch.
TokenLogprobs response_logprobs_no_grad(TrainablePolicy& policy, const SampleBatch& batch,
                                        int micro_batch_size, bool with_entropy);

}  // namespace ds::rl
