// Owns ModelConfig: the architecture hyper-parameters of a Qwen2 / Llama decoder, read from and
// written to a Hugging Face config.json, plus the built-in tiny configurations used by the CPU
// default. Unknown config.json keys are kept verbatim (`extra`) so a saved checkpoint round-trips.
// Does not touch torch (cheap to include). Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/jsonl.h"

namespace ds::model {

struct ModelConfig {
  std::string model_type = "qwen2";  // "qwen2" or "llama"
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;  // == num_attention_heads when absent (no GQA)
  int64_t head_dim = 0;             // hidden_size / num_attention_heads when absent
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  int64_t max_position_embeddings = 32768;
  bool tie_word_embeddings = false;
  bool qkv_bias = false;  // Qwen2: always true; Llama: `attention_bias`
  bool o_bias = false;    // Llama `attention_bias` also biases o_proj; Qwen2 never does
  bool mlp_bias = false;  // Llama `mlp_bias`
  double initializer_range = 0.02;
  std::string torch_dtype = "float32";  // dtype the weights were saved in
  int64_t bos_token_id = -1;            // -1 = none
  std::vector<int64_t> eos_token_ids;   // config.json allows an int or a list
  // config.json keys this struct does not interpret, written back unchanged by to_json().
  ds::json extra = ds::json::object();

  int64_t kv_groups() const { return num_attention_heads / num_key_value_heads; }
  // Validates internal consistency; throws ConfigError naming `source` and the field.
  void validate(const std::string& source) const;
};

// Parses a Hugging Face config.json object. `source` (the file path) names errors: missing
// required fields, unsupported model types, rope_scaling, sliding windows or activations.
ModelConfig config_from_json(const ds::json& j, const std::string& source);
// Reads and parses `path` (DataError when missing or not JSON).
ModelConfig load_config(const std::string& path);
// The config.json object Hugging Face transformers / vLLM load (architectures, model_type, ...).
ds::json config_to_json(const ModelConfig& c);

// Built-in configurations in the Qwen2 architecture (tied embeddings, GQA, q/k/v bias):
//   "micro" (~0.1M params, for unit tests), "tiny" (~1.2M), "small" (~9.6M),
//   "qwen2.5-0.5b" (the Qwen2.5-0.5B shape, 494M, for benchmarks with random weights).
// `vocab_size` > 0 overrides the default (512) so a tokenizer's vocabulary fits.
// Throws ConfigError listing the valid names.
ModelConfig make_builtin_config(const std::string& name, int64_t vocab_size = 0);
std::vector<std::string> builtin_config_names();

// Number of parameters a model with this config holds (tied lm_head counted once).
int64_t count_parameters(const ModelConfig& c);

}  // namespace ds::model
