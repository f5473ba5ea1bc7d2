// Owns loading the model a command works on: a Hugging Face model directory (config.json,
// safetensors, tokenizer files) or "builtin:NAME" (a built-in config with random weights seeded by
// init_seed and the character tokenizer), in a dtype on a device, with errors that say what to
// pass. The one place every command and the trainer load a model through; the ids generation stops
// at are engine/stop_rules.h's stop_token_ids. Thread-safety: independent calls are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/transformer.h"
#include "tokenizer/tokenizer.h"

namespace ds::model {

// `model` settings starting with this name a built-in shape with random weights (builtin:tiny).
inline constexpr const char* kBuiltinModelPrefix = "builtin:";

// True when `model` names a built-in model (kBuiltinModelPrefix + NAME).
bool is_builtin_model(const std::string& model);

struct LoadedModel {
  Transformer model{nullptr};
  std::unique_ptr<tok::Tokenizer> tokenizer;
};

// `field` names the setting in errors (e.g. "model" or "--model").
LoadedModel load_model_or_builtin(const std::string& model, int64_t init_seed,
                                  const std::string& dtype, const std::string& device,
                                  const std::string& field = "model");

}  // namespace ds::model
