// Loading a model directory or a built-in random model (see model_loader.h).
#include "rl/model_loader.h"

#include <algorithm>
#include <filesystem>
#include <string_view>

#include "core/errors.h"
#include "eval/prompt_template.h"
#include "model/checkpoint.h"
#include "model/model_config.h"
#include "rl/model_search.h"
#include "tokenizer/char_tokenizer.h"

namespace ds::rl {

torch::Device parse_torch_device(const std::string& name) {
  torch::Device device(torch::kCPU);
  try {
    device = torch::Device(name);
  } catch (const std::exception&) {
    throw ConfigError("device", "unknown device '" + name + "'", "use cpu, cuda or cuda:N");
  }
  if (device.is_cuda() && !torch::cuda::is_available())
    throw UsageError("device", "CUDA is not available in this build or on this machine",
                     "use device cpu");
  return device;
}

std::vector<int> stop_token_ids(const LoadedModel& m, const std::string& template_name) {
  std::vector<int> ids;
  auto add = [&ids](int64_t id) {
    if (id >= 0 && std::find(ids.begin(), ids.end(), static_cast<int>(id)) == ids.end())
      ids.push_back(static_cast<int>(id));
  };
  add(m.tokenizer->eos_id());
  for (int64_t id : m.model->config().eos_token_ids) add(id);
  if (std::string eot = eval::prompt_template_end_of_turn(template_name); !eot.empty())
    if (auto id = m.tokenizer->token_id(eot)) add(*id);
  return ids;
}

LoadedModel load_model_or_builtin(const std::string& model, int64_t init_seed,
                                  const std::string& dtype_name, const std::string& device_name,
                                  const std::string& field) {
  if (model.empty())
    throw ConfigError(field, "no model given",
                      "pass a Hugging Face model directory, or builtin:tiny for random weights");
  const torch::Dtype dtype = model::parse_dtype(dtype_name);
  const torch::Device device = parse_torch_device(device_name);
  LoadedModel out;
  const std::string_view prefix = kBuiltinModelPrefix;
  if (std::string_view(model).substr(0, prefix.size()) == prefix) {
    // Random weights in a built-in shape, with the character tokenizer (its vocabulary sizes
    // the embedding): a self-contained model for smoke runs, tests and benchmarks.
    const std::string name = model.substr(prefix.size());
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

}  // namespace ds::rl
