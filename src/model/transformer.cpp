// The Qwen2 / Llama decoder forward pass (see transformer.h). Numerics follow Hugging Face's eager
// implementation: RMSNorm in float32, rotary tables in float32 cast to the weights' dtype,
// attention probabilities in float32 cast back, logits upcast to float32.
#include "model/transformer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <limits>

#include "core/errors.h"
#include "model/decode_attention.h"

namespace ds::model {

namespace {

// bf16 / f16 compute their norms, softmax and logits in float32; f32 and f64 stay as they are.
bool is_half(torch::ScalarType t) {
  return t == torch::kBFloat16 || t == torch::kHalf;
}

torch::Tensor make_param(torch::nn::Module& m, const char* name, torch::IntArrayRef shape,
                         const torch::TensorOptions& options) {
  return m.register_parameter(name, torch::empty(shape, options));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Building blocks.

LinearImpl::LinearImpl(int64_t in, int64_t out, bool has_bias,
                       const torch::TensorOptions& options) {
  weight = make_param(*this, "weight", {out, in}, options);
  if (has_bias) bias = make_param(*this, "bias", {out}, options);
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  return torch::linear(x, weight, bias);
}

EmbeddingImpl::EmbeddingImpl(int64_t vocab, int64_t dim, const torch::TensorOptions& options) {
  weight = make_param(*this, "weight", {vocab, dim}, options);
}

torch::Tensor EmbeddingImpl::forward(const torch::Tensor& ids) {
  return torch::embedding(weight, ids);
}

RMSNormImpl::RMSNormImpl(int64_t dim, double eps_, const torch::TensorOptions& options)
    : eps(eps_) {
  weight = make_param(*this, "weight", {dim}, options);
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  const auto in_dtype = x.scalar_type();
  torch::Tensor h = is_half(in_dtype) ? x.to(torch::kFloat32) : x;  // (..., C) f32 (or f64)
  torch::Tensor var = h.pow(2).mean(-1, /*keepdim=*/true);          // (..., 1)
  h = h * torch::rsqrt(var + eps);
  if (is_half(in_dtype)) h = h.to(in_dtype);
  return weight * h;
}

// ---------------------------------------------------------------------------------------------
// Rotary embeddings and masks.

std::pair<torch::Tensor, torch::Tensor> rope_tables(const torch::Tensor& positions,
                                                    int64_t head_dim, double theta,
                                                    torch::Dtype dtype) {
  // float32 like HF; float64 only for float64 models (reference checks).
  const auto ct = dtype == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  auto i64 = torch::TensorOptions().dtype(torch::kInt64).device(positions.device());
  // inv_freq[i] = 1 / theta^(2i / d), i < d/2, exactly as HF computes it.
  torch::Tensor exponent = torch::arange(0, head_dim, 2, i64).to(ct) / head_dim;
  torch::Tensor inv_freq = 1.0 / torch::pow(theta, exponent);       // (d/2)
  torch::Tensor freqs = positions.to(ct).unsqueeze(-1) * inv_freq;  // (B, T, d/2)
  torch::Tensor emb = torch::cat({freqs, freqs}, -1);               // (B, T, d)
  torch::Tensor cos = emb.cos().unsqueeze(1);                       // (B, 1, T, d)
  // rotate_half(x) * sin == roll(x, d/2) * [-sin_lo, sin_hi]: folds the negation into the table.
  torch::Tensor sin_half = freqs.sin();
  torch::Tensor sin = torch::cat({-sin_half, sin_half}, -1).unsqueeze(1);  // (B, 1, T, d)
  if (dtype != ct) {
    cos = cos.to(dtype);
    sin = sin.to(dtype);
  }
  return {cos, sin};
}

torch::Tensor causal_mask(int64_t past_len, int64_t new_len, torch::Device device) {
  auto opts = torch::TensorOptions().dtype(torch::kInt64).device(device);
  torch::Tensor q = torch::arange(past_len, past_len + new_len, opts).unsqueeze(1);  // (T, 1)
  torch::Tensor k = torch::arange(0, past_len + new_len, opts).unsqueeze(0);         // (1, S)
  return (k <= q).view({1, 1, new_len, past_len + new_len});                         // (1,1,T,S)
}

namespace {

// x (B, H, T, d) with cos/sin (B, 1, T, d) from rope_tables().
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos,
                         const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  return x * cos + x.roll(half, -1) * sin;
}

// softmax(q K^T) V for one query token per row through the kernel; blocked is undefined or
// (B|1, 1, 1, 1, S) bool (true = may not attend). Returns (B, KV, G, d).
torch::Tensor decode_attention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& blocked,
                               const DecodeKernel& kernel) {
  const int64_t B = q.size(0), KV = q.size(1), G = q.size(2), d = q.size(3), S = k.size(2);
  torch::Tensor qc = q.contiguous();
  DecodeAttentionArgs a;
  a.kv_heads = KV, a.groups = G, a.columns = S, a.head_dim = d;
  a.q = qc.data_ptr<float>();
  a.k = k.data_ptr<float>(), a.k_row = k.stride(0), a.k_head = k.stride(1), a.k_col = k.stride(2);
  a.v = v.data_ptr<float>(), a.v_row = v.stride(0), a.v_head = v.stride(1), a.v_col = v.stride(2);
  a.shared_from = kernel.shared_from, a.shared_len = kernel.shared_len;
  torch::Tensor mask;
  if (blocked.defined()) {
    mask = blocked.reshape({blocked.size(0), S}).contiguous();  // (B|1, S) bool
    a.blocked = reinterpret_cast<const uint8_t*>(mask.data_ptr<bool>());
    a.blocked_row = mask.size(0) == 1 ? 0 : S;
  }
  torch::Tensor scores = torch::empty({B, KV, G, S}, qc.options());
  // Rows per task: enough work per thread that a small batch stays on one.
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, KV * G * S * d));
  float* sp = scores.data_ptr<float>();
  at::parallel_for(0, B, grain,
                   [&](int64_t b0, int64_t b1) { decode_attention_scores(a, b0, b1, sp); });
  torch::Tensor probs = torch::softmax(scores, -1);  // (B, KV, G, S)
  torch::Tensor out = torch::empty({B, KV, G, d}, qc.options());
  const float* pp = probs.data_ptr<float>();
  float* op = out.data_ptr<float>();
  at::parallel_for(0, B, grain,
                   [&](int64_t b0, int64_t b1) { decode_attention_values(a, b0, b1, pp, op); });
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Attention, MLP, layer.

AttentionImpl::AttentionImpl(const ModelConfig& c, const torch::TensorOptions& options)
    : heads(c.num_attention_heads), kv_heads(c.num_key_value_heads), head_dim(c.head_dim) {
  q_proj = register_module("q_proj", Linear(c.hidden_size, heads * head_dim, c.qkv_bias, options));
  k_proj =
      register_module("k_proj", Linear(c.hidden_size, kv_heads * head_dim, c.qkv_bias, options));
  v_proj =
      register_module("v_proj", Linear(c.hidden_size, kv_heads * head_dim, c.qkv_bias, options));
  o_proj = register_module("o_proj", Linear(heads * head_dim, c.hidden_size, c.o_bias, options));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                     const torch::Tensor& sin, const KVBlock* past,
                                     const torch::Tensor& blocked, KVBlock* present,
                                     const KVBlock* buffer, int64_t buffer_len,
                                     const DecodeKernel* kernel) {
  const int64_t B = x.size(0), T = x.size(1), G = heads / kv_heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
  torch::Tensor q = q_proj(x).view({B, T, heads, head_dim}).transpose(1, 2);     // (B, H, T, d)
  torch::Tensor k = k_proj(x).view({B, T, kv_heads, head_dim}).transpose(1, 2);  // (B, KV, T, d)
  torch::Tensor v = v_proj(x).view({B, T, kv_heads, head_dim}).transpose(1, 2);  // (B, KV, T, d)
  q = apply_rope(q, cos, sin) * scale;
  k = apply_rope(k, cos, sin);
  if (present) *present = KVBlock{k, v};
  if (buffer) {
    // In place: the new columns go after the past, attention reads a view of the buffer.
    buffer->k.narrow(2, buffer_len, T).copy_(k);
    buffer->v.narrow(2, buffer_len, T).copy_(v);
    k = buffer->k.narrow(2, 0, buffer_len + T);  // (B, KV, S, d), S = P + T
    v = buffer->v.narrow(2, 0, buffer_len + T);
  } else if (past && past->k.defined()) {
    k = torch::cat({past->k, k}, 2);  // (B, KV, S, d), S = P + T
    v = torch::cat({past->v, v}, 2);
  }
  const int64_t S = k.size(2);
  // Grouped-query attention without copying K/V: query head h uses kv head h / G, so the G
  // query heads of one kv head are stacked along the time axis.
  q = q.reshape({B, kv_heads, G * T, head_dim});  // (B, KV, G*T, d)
  if (kernel) {
    DS_CHECK(buffer && T == 1, "the decode kernel runs one-token steps over a kv_buffer");
    torch::Tensor out = decode_attention(q, k, v, blocked, *kernel);  // (B, KV, G, d)
    return o_proj(out.view({B, 1, heads * head_dim}));                // (B, 1, C)
  }
  torch::Tensor scores = torch::matmul(q, k.transpose(2, 3));  // (B, KV, G*T, S)
  if (is_half(scores.scalar_type())) scores = scores.to(torch::kFloat32);
  if (blocked.defined()) {
    // blocked (B|1, 1, 1, T, S): true = may NOT attend. Blocked scores get the lowest finite value
    // so a fully blocked (padding) row is uniform rather than NaN.
    scores = scores.view({B, kv_heads, G, T, S})
                 .masked_fill(blocked, scores.scalar_type() == torch::kFloat64
                                           ? std::numeric_limits<double>::lowest()
                                           : std::numeric_limits<float>::lowest())
                 .view({B, kv_heads, G * T, S});
  }
  torch::Tensor probs = torch::softmax(scores, -1);  // (B, KV, G*T, S) f32
  if (probs.scalar_type() != v.scalar_type()) probs = probs.to(v.scalar_type());
  torch::Tensor out = torch::matmul(probs, v);  // (B, KV, G*T, d)
  out = out.view({B, heads, T, head_dim}).transpose(1, 2).reshape({B, T, heads * head_dim});
  return o_proj(out);  // (B, T, C)
}

MlpImpl::MlpImpl(const ModelConfig& c, const torch::TensorOptions& options) {
  const int64_t h = c.hidden_size, f = c.intermediate_size;
  gate_proj = register_module("gate_proj", Linear(h, f, c.mlp_bias, options));
  up_proj = register_module("up_proj", Linear(h, f, c.mlp_bias, options));
  down_proj = register_module("down_proj", Linear(f, h, c.mlp_bias, options));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  return down_proj(torch::silu(gate_proj(x)) * up_proj(x));
}

DecoderLayerImpl::DecoderLayerImpl(const ModelConfig& c, const torch::TensorOptions& options) {
  self_attn = register_module("self_attn", Attention(c, options));
  mlp = register_module("mlp", Mlp(c, options));
  input_layernorm =
      register_module("input_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps, options));
  post_attention_layernorm =
      register_module("post_attention_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps, options));
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                        const torch::Tensor& sin, const KVBlock* past,
                                        const torch::Tensor& blocked, KVBlock* present,
                                        const KVBlock* buffer, int64_t buffer_len,
                                        const DecodeKernel* kernel) {
  torch::Tensor h = x + self_attn->forward(input_layernorm(x), cos, sin, past, blocked, present,
                                           buffer, buffer_len, kernel);
  return h + mlp(post_attention_layernorm(h));
}

DecoderImpl::DecoderImpl(const ModelConfig& c, const torch::TensorOptions& options) {
  embed_tokens = register_module("embed_tokens", Embedding(c.vocab_size, c.hidden_size, options));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(DecoderLayer(c, options));
  norm = register_module("norm", RMSNorm(c.hidden_size, c.rms_norm_eps, options));
}

// ---------------------------------------------------------------------------------------------
// The CausalLM.

TransformerImpl::TransformerImpl(const ModelConfig& config)
    : TransformerImpl(config, torch::TensorOptions().dtype(torch::kFloat32), uint64_t{0}) {}

TransformerImpl::TransformerImpl(const ModelConfig& config, const torch::TensorOptions& options,
                                 std::optional<uint64_t> init_seed)
    : config_(config) {
  config_.validate("model config");
  model_ = register_module("model", Decoder(config_, options));
  if (!config_.tie_word_embeddings)
    lm_head_ =
        register_module("lm_head", Linear(config_.hidden_size, config_.vocab_size, false, options));
  if (init_seed) init_weights(*init_seed);
}

torch::Tensor TransformerImpl::forward_hidden(const ForwardInput& in) {
  DS_CHECK(in.ids.defined() && in.ids.dim() == 2, "ids must be (B, T)");
  const int64_t B = in.ids.size(0), T = in.ids.size(1);
  const int64_t L = config_.num_hidden_layers;
  const torch::Device dev = device();
  DS_CHECK(in.ids.device() == dev, "ids must be on the model's device");
  DS_CHECK(!in.past || static_cast<int64_t>(in.past->size()) == L,
           "past needs one block per layer");
  DS_CHECK(!(in.past && in.kv_buffer), "give either past or kv_buffer, not both");
  int64_t P = in.past && L > 0 && (*in.past)[0].k.defined() ? (*in.past)[0].k.size(2) : 0;
  if (in.past && P > 0) DS_CHECK((*in.past)[0].k.size(0) == B, "past batch size differs from ids");
  if (in.kv_buffer) {
    DS_CHECK(static_cast<int64_t>(in.kv_buffer->size()) == L,
             "kv_buffer needs one block per layer");
    P = in.kv_buffer_len;
    if (L > 0) {
      const torch::Tensor& k0 = (*in.kv_buffer)[0].k;
      DS_CHECK(k0.dim() == 4 && k0.size(0) == B && P >= 0 && P + T <= k0.size(2),
               "kv_buffer must be (B, kv_heads, cap, head_dim) with cap >= kv_buffer_len + T");
    }
  }

  torch::Tensor ids = in.ids.scalar_type() == torch::kInt64 ? in.ids : in.ids.to(torch::kInt64);
  torch::Tensor positions = in.positions;
  if (!positions.defined()) {
    positions = torch::arange(P, P + T, torch::TensorOptions().dtype(torch::kInt64).device(dev))
                    .unsqueeze(0)
                    .expand({B, T});
  }
  DS_CHECK(positions.dim() == 2 && positions.size(0) == B && positions.size(1) == T,
           "positions must be (B, T) like ids");

  // (B|1, 1, 1, T, S) bool, true = may NOT attend; undefined when nothing is masked. Inverted once
  // here rather than in every layer.
  torch::Tensor blocked;
  if (in.mask.defined()) {
    DS_CHECK(in.mask.dim() == 4 && in.mask.size(1) == 1 && in.mask.size(2) == T &&
                 in.mask.size(3) == P + T && (in.mask.size(0) == B || in.mask.size(0) == 1),
             "mask must be (B, 1, T, P + T)");
    blocked = in.mask.scalar_type() == torch::kBool ? in.mask.logical_not() : in.mask.eq(0);
    blocked = blocked.unsqueeze(2);
  } else if (T > 1) {
    blocked = causal_mask(P, T, dev).logical_not().unsqueeze(2);
  }

  // One-token steps over a kv_buffer run attention through the CPU kernel where it applies
  // (decode_attention.h), decided once here for every layer.
  DecodeKernel kernel_storage;
  const DecodeKernel* kernel = nullptr;
  if (in.kv_buffer && T == 1 && decode_kernel_available(dtype(), dev)) {
    bool applies = true;
    for (const KVBlock& blk : *in.kv_buffer)
      for (const torch::Tensor* t : {&blk.k, &blk.v})
        applies = applies && t->scalar_type() == torch::kFloat32 && t->device().is_cpu() &&
                  !t->requires_grad() && t->stride(3) == 1;
    if (applies) kernel = &kernel_storage;
  }
  // Shared buffer columns: read in place by the kernel, else copied into each row once here.
  DS_CHECK(!in.kv_shared_from == !in.kv_shared_len,
           "give kv_shared_from and kv_shared_len together");
  if (in.kv_shared_from) {
    DS_CHECK(in.kv_buffer, "kv_shared_* needs kv_buffer");
    const auto& from = *in.kv_shared_from;
    const auto& len = *in.kv_shared_len;
    DS_CHECK(static_cast<int64_t>(from.size()) == B && static_cast<int64_t>(len.size()) == B,
             "kv_shared_from and kv_shared_len need one entry per row");
    for (int64_t b = 0; b < B; ++b)
      DS_CHECK(from[b] >= 0 && from[b] < B && len[b] >= 0 && len[b] <= P && len[from[b]] == 0,
               "kv_shared_*: a row must share from a row that shares nothing, within the past");
    if (kernel) {
      kernel_storage = {from.data(), len.data()};
    } else {
      for (int64_t b = 0; b < B; ++b)
        if (from[b] != b && len[b] > 0)
          for (const KVBlock& blk : *in.kv_buffer)
            for (const torch::Tensor* t : {&blk.k, &blk.v})
              t->select(0, b)
                  .narrow(1, 0, len[b])
                  .copy_(t->select(0, from[b]).narrow(1, 0, len[b]));
    }
  }

  torch::Tensor x = model_->embed_tokens(ids);  // (B, T, C)
  auto [cos, sin] = rope_tables(positions, config_.head_dim, config_.rope_theta, x.scalar_type());
  if (in.present) in.present->assign(L, KVBlock{});
  for (int64_t i = 0; i < L; ++i) {
    const KVBlock* past = in.past ? &(*in.past)[i] : nullptr;
    KVBlock* present = in.present ? &(*in.present)[i] : nullptr;
    const KVBlock* buffer = in.kv_buffer ? &(*in.kv_buffer)[i] : nullptr;
    x = model_->layers[i]->as<DecoderLayerImpl>()->forward(x, cos, sin, past, blocked, present,
                                                           buffer, in.kv_buffer_len, kernel);
  }
  return model_->norm(x);  // (B, T, C)
}

bool decode_kernel_available(torch::Dtype dtype, const torch::Device& device) {
  return dtype == torch::kFloat32 && device.is_cpu() && !torch::GradMode::is_enabled();
}

torch::Tensor TransformerImpl::logits(const torch::Tensor& hidden) {
  const torch::Tensor& w = lm_head_ ? lm_head_->weight : model_->embed_tokens->weight;
  torch::Tensor out = torch::linear(hidden, w);  // (..., vocab)
  return is_half(out.scalar_type()) ? out.to(torch::kFloat32) : out;
}

torch::Tensor TransformerImpl::forward(const ForwardInput& in) {
  return logits(forward_hidden(in));
}

std::vector<std::pair<std::string, torch::Tensor>> TransformerImpl::hf_named_parameters() {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& item : named_parameters(/*recurse=*/true))
    out.emplace_back(item.key(), item.value());
  return out;
}

void TransformerImpl::init_weights(uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (auto& [name, p] : hf_named_parameters()) {
    torch::Tensor v;
    const bool is_norm = name.find("norm.weight") != std::string::npos;
    const bool is_bias = name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    if (is_norm) {
      v = torch::ones(p.sizes(), torch::kFloat32);
    } else if (is_bias) {
      v = torch::zeros(p.sizes(), torch::kFloat32);
    } else {
      v = torch::empty(p.sizes(), torch::kFloat32);
      v.normal_(0.0, config_.initializer_range, gen);
    }
    p.copy_(v);
  }
}

void TransformerImpl::copy_weights_from(TransformerImpl& other) {
  torch::NoGradGuard no_grad;
  auto mine = hf_named_parameters();
  auto theirs = other.hf_named_parameters();
  DS_CHECK(mine.size() == theirs.size(), "copy_weights_from needs the same architecture");
  for (size_t i = 0; i < mine.size(); ++i) {
    DS_CHECK(mine[i].first == theirs[i].first && mine[i].second.sizes() == theirs[i].second.sizes(),
             "parameter mismatch: " + mine[i].first);
    mine[i].second.copy_(theirs[i].second);
  }
}

torch::Dtype TransformerImpl::dtype() const {
  return model_->embed_tokens->weight.scalar_type();
}

torch::Device TransformerImpl::device() const {
  return model_->embed_tokens->weight.device();
}

int64_t TransformerImpl::num_parameters() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

Transformer clone_model(TransformerImpl& src, const torch::TensorOptions& options) {
  Transformer out(src.config(), options, std::nullopt);
  out->copy_weights_from(src);
  return out;
}

}  // namespace ds::model
