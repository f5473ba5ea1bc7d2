// Owns the supervised training loop of the warm start over an in-memory model: length-bucketed,
// right-padded batches (sft/sft_data.h) -> one causal forward -> cross-entropy on the solution
// tokens + EOS only (the output layer is applied at those positions only) -> AdamW with decoupled
// weight decay on matrices, global-norm clipping and the warmup + cosine schedule of
// rl/optimizer.h. Also the model config an SftModelOptions describes. Thread-safety: trains one
// model from one thread.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "model/model_config.h"
#include "model/transformer.h"
#include "sft/sft.h"
#include "sft/sft_data.h"

namespace ds::sft {

// The preset of `m` with its overrides, for a vocabulary of `vocab_size` ids ending with `eos_id`.
// Throws ConfigError ("model.<field>") for an unknown preset or inconsistent dimensions.
model::ModelConfig sft_model_config(const SftModelOptions& m, int64_t vocab_size, int32_t eos_id);

// The seed the weights of a run with `seed` are initialized from (TransformerImpl::init_weights).
uint64_t sft_init_seed(int64_t seed);

// Trains `model` in place on `examples` for options.steps steps (or until options.max_seconds).
// Uses options.batch_size, steps, max_seconds, optim, seed (data order) and log_every;
// `show_progress` draws a progress bar on stderr. The result has no dir and no accuracy.
SftResult train_sft(model::TransformerImpl& model, const std::vector<TokenizedExample>& examples,
                    int32_t pad_id, const SftOptions& options, bool show_progress = true);

// Mean token loss of `model` on the solution tokens + EOS of `examples` (no gradient), in
// batches of `batch_size`; for tests and reports.
double sft_eval_loss(model::TransformerImpl& model, const std::vector<TokenizedExample>& examples,
                     int32_t pad_id, int batch_size = 16);

}  // namespace ds::sft
