// CONTRACT (written before the implementation so the engine and the trainer can code against it;
// the model owner may add members but must keep these signatures).
//
// Owns the decoder-only transformer of the Qwen2 / Llama family: token embedding, RMSNorm, rotary
// embeddings, grouped-query attention (optional q/k/v bias), SwiGLU MLP, tied or untied lm_head.
// Attention is written by hand (libtorch 1.13 has no fused kernel). The module holds weights only;
// KV caches, samplers and counters live in the engine (as llama.cpp separates model and context).
// Module parameter names are exactly the Hugging Face tensor names ("model.embed_tokens.weight",
// "model.layers.0.self_attn.q_proj.bias", "lm_head.weight" unless tied), so named_parameters()
// can feed an optimizer and a checkpoint alike. Every tensor the forward pass creates takes its
// device from the weights, so a CUDA libtorch build runs the same code.
// Thread-safety: forward() is const-safe for concurrent calls only under torch::NoGradGuard.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
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
  // In-place cache (decode loops), instead of `past`: per layer (size num_layers) K and V buffers
  // (B, kv_heads, cap, head_dim), views allowed (e.g. slices of one larger buffer), whose first
  // `kv_buffer_len` columns hold the past. The forward writes the new tokens' K/V into columns
  // [kv_buffer_len, kv_buffer_len + T) and attends over columns [0, kv_buffer_len + T), so no
  // per-step concatenation of the past happens. P = kv_buffer_len for `mask` and `positions`.
  const std::vector<KVBlock>* kv_buffer = nullptr;
  int64_t kv_buffer_len = 0;
  // Optional with kv_buffer (both size B, or both null): row b's buffer columns
  // [0, kv_shared_len[b]) are those of row kv_shared_from[b] (e.g. a sibling with the same
  // parent), so the caller stores a shared prefix once. Where the one-token CPU kernel runs
  // (decode_kernel_available) those columns of row b are never read; elsewhere the forward first
  // copies them into row b.
  const std::vector<int64_t>* kv_shared_from = nullptr;
  const std::vector<int64_t>* kv_shared_len = nullptr;
};

// Whether a one-token step with a kv_buffer runs attention through the CPU kernel of
// decode_attention.h (float32 on the CPU with autograd off), where kv_shared_* saves memory
// traffic and copies; elsewhere it runs torch::matmul.
bool decode_kernel_available(torch::Dtype dtype, const torch::Device& device);

// Passed to every layer when a one-token step runs attention through the CPU kernel (decided
// once per forward): the rows of the kv_buffer whose leading columns are read from another row
// (ForwardInput::kv_shared_*), or null pointers when none are.
struct DecodeKernel {
  const int64_t* shared_from = nullptr;  // (B)
  const int64_t* shared_len = nullptr;   // (B)
};
// Additions to the contract, by the model owner:
//  - `positions` may be left undefined: then every sequence uses P, P+1, ..., P+T-1.
//  - `ids` may be int32 or int64.
//  - float64 weights (reference checks only) compute everything in float64 and return float64.
//  - A query row whose mask is all false (a padding slot) yields finite garbage, never NaN.

// A linear map y = x W^T + b holding HF-named parameters "weight" (out, in) and optional "bias".
class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(int64_t in, int64_t out, bool bias, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);  // (..., in) -> (..., out)
  torch::Tensor weight, bias;                     // (out, in), (out) or undefined
};
TORCH_MODULE(Linear);

// A token embedding table holding the HF-named parameter "weight" (vocab, C).
class EmbeddingImpl : public torch::nn::Module {
 public:
  EmbeddingImpl(int64_t vocab, int64_t dim, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& ids);  // (B, T) -> (B, T, C)
  torch::Tensor weight;                             // (vocab, C)
};
TORCH_MODULE(Embedding);

// RMSNorm as Hugging Face computes it: normalize in float32, cast back, then scale.
class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t dim, double eps, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);  // (..., dim)
  torch::Tensor weight;                           // (dim)
  double eps;
};
TORCH_MODULE(RMSNorm);

class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(const ModelConfig& c, const torch::TensorOptions& options);
  // x (B, T, C); cos/sin (B, 1, T, head_dim); blocked (B|1, 1, 1, T, S) bool, true = may NOT
  // attend, or undefined (nothing blocked).
  // buffer (optional, exclusive with past): in-place cache whose first `buffer_len` columns are
  // the past (see ForwardInput::kv_buffer).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const KVBlock* past, const torch::Tensor& blocked, KVBlock* present,
                        const KVBlock* buffer = nullptr, int64_t buffer_len = 0,
                        const DecodeKernel* kernel = nullptr);
  Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  int64_t heads, kv_heads, head_dim;
};
TORCH_MODULE(Attention);

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(const ModelConfig& c, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);  // (B, T, C) -> (B, T, C)
  Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(Mlp);

class DecoderLayerImpl : public torch::nn::Module {
 public:
  DecoderLayerImpl(const ModelConfig& c, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const KVBlock* past, const torch::Tensor& blocked, KVBlock* present,
                        const KVBlock* buffer = nullptr, int64_t buffer_len = 0,
                        const DecodeKernel* kernel = nullptr);
  RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  Attention self_attn{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(DecoderLayer);

// The "model." part of a CausalLM: embeddings, layers, final norm.
class DecoderImpl : public torch::nn::Module {
 public:
  DecoderImpl(const ModelConfig& c, const torch::TensorOptions& options);
  Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers;
  RMSNorm norm{nullptr};
};
TORCH_MODULE(Decoder);

class TransformerImpl : public torch::nn::Module {
 public:
  // float32 on the CPU, initialized as Hugging Face does (normal(0, initializer_range) weights,
  // zero biases, unit norms) from seed 0.
  explicit TransformerImpl(const ModelConfig& config);
  // Parameters created directly with `options` (dtype, device). `init_seed` = nullopt leaves
  // them uninitialized (for loaders that overwrite every parameter).
  TransformerImpl(const ModelConfig& config, const torch::TensorOptions& options,
                  std::optional<uint64_t> init_seed);

  // Returns logits (B, T, vocab) in float32 (upcast if the weights are bf16/f16).
  torch::Tensor forward(const ForwardInput& in);
  // The same pass without the lm_head: final-normed hidden states (B, T, C) in the weights'
  // dtype, so callers can compute logits for a few positions or in chunks (vocab can be 152K).
  torch::Tensor forward_hidden(const ForwardInput& in);
  // (..., C) hidden states -> (..., vocab) float32 logits.
  torch::Tensor logits(const torch::Tensor& hidden);

  const ModelConfig& config() const { return config_; }

  // Hugging Face tensor names ("model.layers.0.self_attn.q_proj.weight", ...) -> parameters.
  std::vector<std::pair<std::string, torch::Tensor>> hf_named_parameters();

  // Re-initializes every parameter as Hugging Face does, deterministically from `seed` (the
  // numbers are drawn in float32 on the CPU, so they do not depend on the device or dtype).
  void init_weights(uint64_t seed);
  // Copies every parameter of `other` (same config) into this model, converting dtype/device.
  void copy_weights_from(TransformerImpl& other);

  torch::Dtype dtype() const;
  torch::Device device() const;
  int64_t num_parameters() const;

 private:
  ModelConfig config_;
  Decoder model_{nullptr};
  Linear lm_head_{nullptr};  // null when the embeddings are tied
};
TORCH_MODULE(Transformer);

// A new model with the same config and weights, converted to `options` (dtype/device).
Transformer clone_model(TransformerImpl& src, const torch::TensorOptions& options);

// Rotary tables for `positions` (B, T): cos and sin (B, 1, T, head_dim) in `dtype`, computed in
// float32 as Hugging Face does (inv_freq = 1 / theta^(2i/d), rotate-half layout).
std::pair<torch::Tensor, torch::Tensor> rope_tables(const torch::Tensor& positions,
                                                    int64_t head_dim, double theta,
                                                    torch::Dtype dtype);

// Causal mask for T new tokens after P visible past tokens: (1, 1, T, P + T) bool on `device`.
torch::Tensor causal_mask(int64_t past_len, int64_t new_len, torch::Device device);

}  // namespace ds::model
