// Loading and saving Hugging Face model directories (see checkpoint.h).
#include "model/checkpoint.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

#include "core/errors.h"
#include "core/fs_util.h"
#include "core/jsonl.h"
#include "core/log.h"

namespace fs = std::filesystem;

namespace ds::model {

// ---------------------------------------------------------------------------------------------
// dtypes.

torch::Dtype parse_dtype(const std::string& name) {
  if (name == "float32" || name == "f32" || name == "fp32" || name == "float")
    return torch::kFloat32;
  if (name == "bfloat16" || name == "bf16") return torch::kBFloat16;
  if (name == "float16" || name == "f16" || name == "fp16" || name == "half") return torch::kHalf;
  if (name == "float64" || name == "f64" || name == "double") return torch::kFloat64;
  throw ConfigError("dtype", "unknown dtype '" + name + "'",
                    "use one of: float32 (f32), bfloat16 (bf16), float16 (f16), float64");
}

std::string dtype_name(torch::Dtype dtype) {
  switch (dtype) {
    case torch::kFloat32:
      return "float32";
    case torch::kBFloat16:
      return "bfloat16";
    case torch::kHalf:
      return "float16";
    case torch::kFloat64:
      return "float64";
    default:
      DS_CHECK(false, "model weights must be a floating dtype");
  }
  return "";
}

torch::Device parse_device(const std::string& name, const std::string& field) {
  if (name == "cpu") return torch::kCPU;
  const bool cuda = name == "cuda" || name.rfind("cuda:", 0) == 0;
  if (!cuda) throw ConfigError(field, "unknown device '" + name + "'", "use cpu, cuda or cuda:N");
  int index = -1;
  if (name.size() > 5) {
    const std::string num = name.substr(5);
    if (num.empty() || num.size() > 3 || num.find_first_not_of("0123456789") != std::string::npos)
      throw ConfigError(field, "unknown device '" + name + "'", "use cpu, cuda or cuda:N");
    index = std::stoi(num);
  }
  if (!torch::cuda::is_available())
    throw UsageError(field, "CUDA requested ('" + name + "') but none is available",
                     "use device cpu, or a CUDA build of libtorch on a machine with a GPU");
  if (index >= static_cast<int>(torch::cuda::device_count()))
    throw UsageError(field,
                     "'" + name + "' does not exist (" +
                         std::to_string(torch::cuda::device_count()) + " GPU(s))",
                     "pick an index below the GPU count");
  return index < 0 ? torch::Device(torch::kCUDA) : torch::Device(torch::kCUDA, index);
}

torch::Dtype to_torch_dtype(StDtype d, const std::string& source) {
  switch (d) {
    case StDtype::kBool:
      return torch::kBool;
    case StDtype::kU8:
      return torch::kUInt8;
    case StDtype::kI8:
      return torch::kInt8;
    case StDtype::kI16:
      return torch::kInt16;
    case StDtype::kF16:
      return torch::kHalf;
    case StDtype::kBF16:
      return torch::kBFloat16;
    case StDtype::kI32:
      return torch::kInt32;
    case StDtype::kF32:
      return torch::kFloat32;
    case StDtype::kF64:
      return torch::kFloat64;
    case StDtype::kI64:
      return torch::kInt64;
    default:
      throw DataError(source, std::string("dtype ") + st_dtype_name(d) + " has no torch equivalent",
                      "store the tensor as a signed or floating type");
  }
}

StDtype to_st_dtype(torch::Dtype d) {
  switch (d) {
    case torch::kBool:
      return StDtype::kBool;
    case torch::kUInt8:
      return StDtype::kU8;
    case torch::kInt8:
      return StDtype::kI8;
    case torch::kInt16:
      return StDtype::kI16;
    case torch::kHalf:
      return StDtype::kF16;
    case torch::kBFloat16:
      return StDtype::kBF16;
    case torch::kInt32:
      return StDtype::kI32;
    case torch::kFloat32:
      return StDtype::kF32;
    case torch::kFloat64:
      return StDtype::kF64;
    case torch::kInt64:
      return StDtype::kI64;
    default:
      DS_CHECK(false, "tensor dtype not representable in safetensors");
  }
  return StDtype::kF32;
}

// ---------------------------------------------------------------------------------------------
// Tensors <-> safetensors.

torch::Tensor read_tensor(const SafetensorsFile& file, const StTensorInfo& info) {
  torch::Tensor t = torch::empty(
      info.shape, torch::TensorOptions().dtype(to_torch_dtype(info.dtype, file.path())));
  auto bytes = file.bytes(info);
  DS_CHECK(bytes.size() == static_cast<size_t>(t.nbytes()), "validated size mismatch");
  if (!bytes.empty()) std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t;
}

std::map<std::string, torch::Tensor> load_tensors(const std::string& path) {
  SafetensorsFile f = SafetensorsFile::open(path);
  std::map<std::string, torch::Tensor> out;
  for (const auto& info : f.tensors()) out[info.name] = read_tensor(f, info);
  return out;
}

namespace {

// CPU contiguous copies (or views) kept alive while their bytes are written.
struct HostTensors {
  std::vector<torch::Tensor> keep;
  std::vector<StTensorView> views;
  void add(const std::string& name, const torch::Tensor& t, std::optional<torch::Dtype> dtype) {
    torch::Tensor h = t.detach();
    if (dtype && h.scalar_type() != *dtype) h = h.to(*dtype);
    h = h.to(torch::kCPU).contiguous();
    keep.push_back(h);
    StTensorView v;
    v.name = name;
    v.dtype = to_st_dtype(h.scalar_type());
    v.shape = h.sizes().vec();
    v.data = h.data_ptr();
    v.nbytes = h.nbytes();
    views.push_back(std::move(v));
  }
};

}  // namespace

void save_tensors(const std::string& path,
                  const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                  const std::map<std::string, std::string>& metadata) {
  HostTensors host;
  for (const auto& [name, t] : tensors) host.add(name, t, std::nullopt);
  write_safetensors(path, host.views, metadata);
}

// ---------------------------------------------------------------------------------------------
// Loading a model directory.

namespace {

bool ignorable_extra(const std::string& name, const ModelConfig& c) {
  // Tied checkpoints sometimes also store the head; old Llama checkpoints store RoPE tables.
  if (name == "lm_head.weight" && c.tie_word_embeddings) return true;
  const std::string suffix = "rotary_emb.inv_freq";
  return name.size() >= suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string shape_str(torch::IntArrayRef s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

std::string list_some(const std::vector<std::string>& names, size_t max = 5) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < max; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > max) out += " and " + std::to_string(names.size() - max) + " more";
  return out;
}

// Weight file names from model.safetensors.index.json: name -> file (plain names in `dir`).
std::map<std::string, std::string> read_index(const std::string& path) {
  json j;
  try {
    j = json::parse(read_file(path));
  } catch (const json::parse_error& e) {
    throw DataError(path, std::string("invalid JSON: ") + e.what(),
                    "restore the index file of the sharded checkpoint");
  }
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
    throw DataError(path, "missing object 'weight_map'",
                    "the index must map every tensor name to its shard file");
  std::map<std::string, std::string> out;
  for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
    if (!it.value().is_string())
      throw DataError(path, "weight_map entry '" + it.key() + "' is not a file name",
                      "map every tensor name to a shard file name");
    std::string file = it.value().get<std::string>();
    if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..")
      throw DataError(path,
                      "weight_map entry '" + it.key() + "' names '" + file +
                          "', not a file in the model directory",
                      "shards must be plain file names next to the index");
    out[it.key()] = file;
  }
  return out;
}

}  // namespace

Transformer load_model(const std::string& dir, torch::Dtype dtype, torch::Device device) {
  if (!fs::is_directory(dir))
    throw DataError(dir, "model directory not found",
                    "pass a Hugging Face model directory (config.json + model.safetensors)");
  const fs::path d(dir);
  ModelConfig config = load_config((d / kConfigFile).string());

  // Which files hold the weights.
  std::map<std::string, std::string> claimed;  // index: tensor -> file (empty when unsharded)
  std::vector<std::string> files;
  const fs::path index_path = d / kWeightsIndexFile;
  if (fs::exists(index_path)) {
    claimed = read_index(index_path.string());
    std::set<std::string> uniq;
    for (const auto& [name, file] : claimed) uniq.insert(file);
    files.assign(uniq.begin(), uniq.end());
  } else if (fs::exists(d / kWeightsFile)) {
    files.push_back(kWeightsFile);
  } else if (fs::exists(d / "pytorch_model.bin") ||
             fs::exists(d / "pytorch_model.bin.index.json")) {
    throw DataError(dir, "only pickle weights (pytorch_model.bin) found",
                    "convert the checkpoint to safetensors (e.g. transformers' save_pretrained("
                    "safe_serialization=True))");
  } else {
    throw DataError(dir, std::string("no ") + kWeightsFile + " or " + kWeightsIndexFile,
                    "the directory must hold the model weights in safetensors format");
  }

  std::vector<std::unique_ptr<SafetensorsFile>> opened;
  struct Where {
    const SafetensorsFile* file;
    const StTensorInfo* info;
  };
  std::map<std::string, Where> found;
  for (const std::string& file : files) {
    opened.push_back(std::make_unique<SafetensorsFile>(SafetensorsFile::open((d / file).string())));
    const SafetensorsFile& f = *opened.back();
    for (const auto& info : f.tensors()) {
      auto [it, fresh] = found.emplace(info.name, Where{&f, &info});
      if (!fresh)
        throw DataError(f.path(),
                        "tensor '" + info.name + "' is also stored in " + it->second.file->path(),
                        "each tensor must live in exactly one shard");
    }
  }
  for (const auto& [name, file] : claimed) {
    auto it = found.find(name);
    const std::string want = (d / file).string();
    if (it != found.end() && it->second.file->path() != want)
      throw DataError(index_path.string(),
                      "tensor '" + name + "' is listed in " + file + " but stored in " +
                          fs::path(it->second.file->path()).filename().string(),
                      "regenerate the index file");
  }

  Transformer model(config, torch::TensorOptions().dtype(dtype).device(device), std::nullopt);
  torch::NoGradGuard no_grad;
  std::vector<std::string> missing;
  std::set<std::string> used;
  for (auto& [name, param] : model->hf_named_parameters()) {
    auto it = found.find(name);
    if (it == found.end()) {
      missing.push_back(name);
      continue;
    }
    const SafetensorsFile& f = *it->second.file;
    const StTensorInfo& info = *it->second.info;
    if (info.shape != param.sizes().vec())
      throw DataError(f.path(),
                      "tensor '" + name + "' has shape " + shape_str(info.shape) +
                          " but the config implies " + shape_str(param.sizes()),
                      "the weights do not match config.json; use the config saved with them");
    if (info.dtype != StDtype::kF32 && info.dtype != StDtype::kBF16 &&
        info.dtype != StDtype::kF16 && info.dtype != StDtype::kF64)
      throw DataError(f.path(), "tensor '" + name + "' has dtype " + st_dtype_name(info.dtype),
                      "model weights must be F32, BF16, F16 or F64");
    param.copy_(read_tensor(f, info));
    used.insert(name);
  }
  if (!missing.empty())
    throw DataError(dir,
                    std::to_string(missing.size()) +
                        " tensor(s) missing from the weights: " + list_some(missing),
                    "the safetensors files do not match config.json (model_type '" +
                        config.model_type + "', " + std::to_string(config.num_hidden_layers) +
                        " layers, tie_word_embeddings " +
                        (config.tie_word_embeddings ? "true" : "false") + ")");
  std::vector<std::string> extra;
  std::string extra_file;
  for (const auto& [name, where] : found)
    if (!used.count(name) && !ignorable_extra(name, config)) {
      extra.push_back(name);
      if (extra_file.empty()) extra_file = where.file->path();
    }
  if (!extra.empty())
    throw DataError(extra_file,
                    std::to_string(extra.size()) + " tensor(s) not used by a " + config.model_type +
                        " model with this config: " + list_some(extra),
                    "the weights do not match config.json (layer count, biases, tied embeddings?)");
  return model;
}

// ---------------------------------------------------------------------------------------------
// Saving a model directory.

void save_model(TransformerImpl& model, const std::string& dir, const ds::tok::Tokenizer* tokenizer,
                const SaveOptions& options) {
  const torch::Dtype dtype = options.dtype == "auto" ? model.dtype() : parse_dtype(options.dtype);
  fs::path target = fs::path(dir).lexically_normal();
  if (target.has_filename() == false) target = target.parent_path();  // "a/b/" -> "a/b"
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  static std::atomic<unsigned> counter{0};
  const fs::path staging =
      target.string() + ".staging." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  fs::remove_all(staging);
  fs::create_directories(staging);
  try {
    HostTensors host;
    for (auto& [name, p] : model.hf_named_parameters()) host.add(name, p, dtype);
    std::sort(host.views.begin(), host.views.end(),
              [](const StTensorView& a, const StTensorView& b) { return a.name < b.name; });
    uint64_t total = 0;
    for (const auto& v : host.views) total += v.nbytes;

    // Shards: consecutive tensors (in name order) up to max_shard_bytes each.
    std::vector<std::vector<StTensorView>> shards(1);
    uint64_t in_shard = 0;
    for (const auto& v : host.views) {
      if (options.max_shard_bytes > 0 && in_shard > 0 &&
          in_shard + v.nbytes > static_cast<uint64_t>(options.max_shard_bytes)) {
        shards.emplace_back();
        in_shard = 0;
      }
      shards.back().push_back(v);
      in_shard += v.nbytes;
    }
    if (shards.size() == 1) {
      write_safetensors((staging / kWeightsFile).string(), shards[0]);
    } else {
      json weight_map = json::object();
      for (size_t i = 0; i < shards.size(); ++i) {
        char name[64];
        std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", i + 1, shards.size());
        write_safetensors((staging / name).string(), shards[i]);
        for (const auto& v : shards[i]) weight_map[v.name] = name;
      }
      json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
      atomic_write_file((staging / kWeightsIndexFile).string(), index.dump(2) + "\n");
    }

    ModelConfig c = model.config();
    c.torch_dtype = dtype_name(dtype);
    atomic_write_file((staging / kConfigFile).string(), config_to_json(c).dump(2) + "\n");
    json gen = {{"_from_model_config", true}};
    if (c.bos_token_id >= 0) gen["bos_token_id"] = c.bos_token_id;
    if (c.eos_token_ids.size() == 1)
      gen["eos_token_id"] = c.eos_token_ids[0];
    else if (!c.eos_token_ids.empty())
      gen["eos_token_id"] = c.eos_token_ids;
    atomic_write_file((staging / kGenerationConfigFile).string(), gen.dump(2) + "\n");
    if (tokenizer) tokenizer->save(staging.string());
    fsync_dir(staging.string());
    atomic_replace_dir(staging.string(), target.string());
  } catch (...) {
    std::error_code ec;
    fs::remove_all(staging, ec);
    throw;
  }
}

}  // namespace ds::model
