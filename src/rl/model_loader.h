// Owns loading the model a command works on: a Hugging Face model directory (config.json,
// safetensors, tokenizer files) or "builtin:NAME" (a built-in config with random weights seeded by
// init_seed and the character tokenizer), in a dtype on a device, with errors that say what to pass;
// and the token ids its generation stops at.
// Thread-safety: independent calls are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/transformer.h"
#include "tokenizer/tokenizer.h"

namespace ds::rl {

struct LoadedModel {
  model::Transformer model{nullptr};
  std::unique_ptr<tok::Tokenizer> tokenizer;
};

// `field` names the setting in errors (e.g. "model" or "--model").
LoadedModel load_model_or_builtin(const std::string& model, int64_t init_seed,
                                  const std::string& dtype, const std::string& device,
                                  const std::string& field = "model");

// The ids generation stops at: the tokenizer's EOS, the config's eos_token_ids and the prompt
// template's end-of-turn token (a chat model may end its answer with <|im_end|> while its config
// names <|endoftext|>). For EngineOptions::eos_ids.
std::vector<int> stop_token_ids(const LoadedModel& loaded, const std::string& template_name);

// A torch device from "cpu" / "cuda" / "cuda:N" (ConfigError / UsageError when unknown or absent).
torch::Device parse_torch_device(const std::string& name);

}  // namespace ds::rl
