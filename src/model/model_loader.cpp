// Loading a model directory or a built-in random model (see model_loader.h).
#include "model/model_loader.h"

#include <algorithm>
#include <filesystem>
#include <string_view>

#include "core/errors.h"
#include "model/checkpoint.h"
#include "model/model_config.h"
#include "tokenizer/char_tokenizer.h"

namespace ds::model {

bool is_builtin_model(const std::string& model) {
  return std::string_view(model).substr(0, std::string_view(kBuiltinModelPrefix).size()) ==
         kBuiltinModelPrefix;
}

LoadedModel load_model_or_builtin(const std::string& model, int64_t init_seed,
                                  const std::string& dtype_name, const std::string& device_name,
                                  const std::string& field) {
  if (model.empty())
    throw ConfigError(field, "no model given",
                      "pass a Hugging Face model directory, or builtin:tiny for random weights");
  const torch::Dtype dtype = model::parse_dtype(dtype_name);
  const torch::Device device = parse_device(device_name);
  LoadedModel out;
  if (is_builtin_model(model)) {
    // Random weights in a built-in shape, with the character tokenizer (its vocabulary sizes
    // the embedding): a self-contained model for smoke runs, tests and benchmarks.
    const std::string name = model.substr(std::string_view(kBuiltinModelPrefix).size());
    out.tokenizer = tok::make_char_tokenizer();
    model::ModelConfig config = model::make_builtin_config(name, out.tokenizer->vocab_size());
    out.model = model::Transformer(config, torch::TensorOptions().dtype(dtype).device(device),
                                   static_cast<uint64_t>(init_seed));
  } else {
    if (!std::filesystem::is_directory(model))
      throw DataError(model, "model directory not found",
                      "pass the directory holding config.json and model.safetensors, or "
                      "builtin:tiny for a random built-in model");
    out.tokenizer = tok::load_tokenizer(model);
    out.model = model::load_model(model, dtype, device);
  }
  out.model->eval();
  return out;
}

}  // namespace ds::model
