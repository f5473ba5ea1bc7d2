// Owns Hugging Face model directories: config.json + model.safetensors, or shards
// model-0000i-of-0000n.safetensors listed by model.safetensors.index.json (+ generation_config.json
// and the tokenizer files on save). Loading checks that the files hold exactly the tensors the
// config implies, with the right shapes (errors name the tensor and the file), converting
// f32/bf16/f16/f64 on disk to the requested dtype and device. Saving writes the whole directory
// into a temporary sibling and renames it over the target, so a crash leaves the old or the new
// checkpoint, never a mix. Also the torch <-> safetensors helpers other modules reuse (optimizer
// state, tensors of a training checkpoint).
// Thread-safety: free functions; do not save and load the same directory concurrently.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/safetensors.h"
#include "model/transformer.h"
#include "tokenizer/tokenizer.h"

namespace ds::model {

inline constexpr const char* kConfigFile = "config.json";
inline constexpr const char* kWeightsFile = "model.safetensors";
inline constexpr const char* kWeightsIndexFile = "model.safetensors.index.json";
inline constexpr const char* kGenerationConfigFile = "generation_config.json";

struct SaveOptions {
  std::string dtype = "auto";   // dtype written to disk; "auto" keeps the model's
  int64_t max_shard_bytes = 0;  // 0 = one model.safetensors; else shards of at most this size

  template <class V>
  void visit(V& v) {
    v.one_of("dtype", dtype, {"auto", "float32", "bfloat16", "float16"},
             "dtype of the saved weights (auto = the model's)");
    v("max_shard_bytes", max_shard_bytes,
      "split the weights into shards of at most this many bytes (0 = one file)");
  }
};

// Loads a Hugging Face model directory as `dtype` on `device`. Throws DataError / ConfigError
// naming the file (and tensor) for a missing directory, config or weights, unsupported
// architectures, missing / extra / wrong-shape tensors and corrupt safetensors files.
Transformer load_model(const std::string& dir, torch::Dtype dtype = torch::kFloat32,
                       torch::Device device = torch::kCPU);

// Writes `model` (and `tokenizer`'s files when given) as a Hugging Face directory at `dir`,
// replacing whatever `dir` held.
void save_model(TransformerImpl& model, const std::string& dir,
                const ds::tok::Tokenizer* tokenizer = nullptr, const SaveOptions& options = {});

// "float32"/"f32"/"fp32", "bfloat16"/"bf16", "float16"/"f16"/"fp16"/"half", "float64"
// (ConfigError listing them otherwise).
torch::Dtype parse_dtype(const std::string& name);
// Hugging Face's torch_dtype spelling: "float32", "bfloat16", "float16", "float64".
std::string dtype_name(torch::Dtype dtype);

// "cpu", "cuda", "cuda:N" -> a device; ConfigError for other strings, UsageError when CUDA is
// requested but this libtorch build / machine has none, or names a GPU index that does not exist.
// `field` names the setting in errors (e.g. "engine.device" or "--device").
torch::Device parse_device(const std::string& name, const std::string& field = "device");

// safetensors dtype <-> torch dtype (U16/U32/U64 have no torch 1.13 type: DataError).
torch::Dtype to_torch_dtype(StDtype d, const std::string& source = "");
StDtype to_st_dtype(torch::Dtype d);

// A CPU tensor holding a copy of one validated safetensors tensor.
torch::Tensor read_tensor(const SafetensorsFile& file, const StTensorInfo& info);
// Every tensor of a safetensors file as CPU tensors, by name.
std::map<std::string, torch::Tensor> load_tensors(const std::string& path);
// Writes tensors (any device/dtype representable in safetensors) atomically.
void save_tensors(const std::string& path,
                  const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                  const std::map<std::string, std::string>& metadata = {});

}  // namespace ds::model
