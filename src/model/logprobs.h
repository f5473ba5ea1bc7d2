// Owns scoring a token sequence with a model: the log-probability of each token given the ones
// before it (teacher forcing), without materializing all (T, vocab) logits at once. Used by
// `deepsearch logprobs` and by anything that needs per-token log-likelihoods without gradients.
// Thread-safety: runs under its own NoGradGuard; concurrent calls on one model are fine.
#pragma once

#include <cstdint>
#include <vector>

#include "model/transformer.h"

namespace ds::model {

// logprob[t] = log p(ids[t] | ids[0..t-1]) for t = 1..n-1 (n-1 values; empty when n < 2). Logits
// are computed `chunk` positions at a time (in float32, log-softmax over the full vocabulary).
std::vector<double> sequence_logprobs(TransformerImpl& model, const std::vector<int32_t>& ids,
                                      int64_t chunk = 256);

}  // namespace ds::model
