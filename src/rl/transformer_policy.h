// Owns the adapter that trains the Qwen2/Llama Transformer (model/transformer.h) through the
// trainer's TrainablePolicy interface: causal forward of a right-padded batch (positions 0..T-1, no
// mask needed), the output layer applied only at the requested columns (no (B, T, V) tensor), HF
// parameter names for the optimizer state, and checkpoints as Hugging Face model directories
// (config.json + safetensors + tokenizer files) through the model module.
// Thread-safety: as the wrapped model (one training thread).
#pragma once

#include "model/transformer.h"
#include "rl/trainable_policy.h"
#include "tokenizer/tokenizer.h"

namespace ds::rl {

class TransformerPolicy : public TrainablePolicy {
 public:
  // `tokenizer` (optional, not owned) is saved with every checkpoint.
  explicit TransformerPolicy(ds::model::Transformer model,
                             const ds::tok::Tokenizer* tokenizer = nullptr)
      : model_(std::move(model)), tokenizer_(tokenizer) {}

  torch::Tensor logits(const torch::Tensor& ids, const torch::Tensor& positions) override;
  torch::Tensor logits_at(const torch::Tensor& ids, const torch::Tensor& positions,
                          const torch::Tensor& at) override;
  NamedTensors named_parameters() override { return model_->hf_named_parameters(); }
  // A Hugging Face model directory at `dir` (replaced).
  void save(const std::string& dir) override;
  // Copies the weights of the Hugging Face directory `dir` (same config) into the model.
  void load(const std::string& dir) override;

  ds::model::Transformer& model() { return model_; }

 private:
  ds::model::Transformer model_;
  const ds::tok::Tokenizer* tokenizer_;
};

}  // namespace ds::rl
