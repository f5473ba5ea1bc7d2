// CONTRACT (written before the implementation so the engine and the trainer can code against it;
// the model owner may add members but must keep these signatures).
//
// Owns the decoder-only transformer of the Qwen2 / Llama family: token embedding, RMSNorm, rotary
// embeddings, grouped-query attention (optional q/k/v bias), SwiGLU MLP, tied or untied lm_head.
// Attention is written by hand (libtorch 1.13 has no fused kernel). The module holds weights only;
// KV caches, samplers and counters live in the engine (as llama.cpp separates model and context).
// Thread-safety: forward() is const-safe for concurrent calls only under torch::NoGradGuard.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "model/model_config.h"

namespace ds::model {

// Keys and values of some tokens for one layer, rotary embedding already applied to k.
struct KVBlock {
  torch::Tensor k;  // (B, kv_heads, T, head_dim)
  torch::Tensor v;  // (B, kv_heads, T, head_dim)
};

struct ForwardInput {
  torch::Tensor ids;        // (B, T) int64 token ids
  torch::Tensor positions;  // (B, T) int64 absolute positions (RoPE), per sequence
  // Optional cache of P earlier tokens per layer (size num_layers), or nullptr. Padded slots
  // are excluded through `mask`.
  const std::vector<KVBlock>* past = nullptr;
  // (B, 1, T, P + T) bool, true = may attend. Undefined tensor = plain causal mask with no past
  // padding (then past, if given, is fully visible).
  torch::Tensor mask;
  // If non-null, receives per layer the K/V of the T new tokens: (B, kv_heads, T, head_dim).
  std::vector<KVBlock>* present = nullptr;
};

class TransformerImpl : public torch::nn::Module {
 public:
  explicit TransformerImpl(const ModelConfig& config);

  // Returns logits (B, T, vocab) in float32 (upcast if the weights are bf16/f16).
  torch::Tensor forward(const ForwardInput& in);

  const ModelConfig& config() const { return config_; }

  // Hugging Face tensor names ("model.layers.0.self_attn.q_proj.weight", ...) -> parameters.
  std::vector<std::pair<std::string, torch::Tensor>> hf_named_parameters();

 private:
  ModelConfig config_;
  // (implementation-defined submodules)
};
TORCH_MODULE(Transformer);

}  // namespace ds::model
