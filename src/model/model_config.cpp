// Parsing, validation and writing of Hugging Face config.json (see model_config.h), and the
// built-in configurations.
#include "model/model_config.h"

#include <algorithm>
#include <set>

#include "core/errors.h"
#include "core/fs_util.h"

namespace ds::model {

namespace {

// Keys interpreted (or regenerated) by this file; everything else goes to `extra`.
const std::set<std::string> kKnownKeys = {"model_type",
                                          "vocab_size",
                                          "hidden_size",
                                          "intermediate_size",
                                          "num_hidden_layers",
                                          "num_attention_heads",
                                          "num_key_value_heads",
                                          "head_dim",
                                          "rms_norm_eps",
                                          "rope_theta",
                                          "max_position_embeddings",
                                          "tie_word_embeddings",
                                          "attention_bias",
                                          "mlp_bias",
                                          "initializer_range",
                                          "torch_dtype",
                                          "dtype",
                                          "bos_token_id",
                                          "eos_token_id",
                                          "hidden_act",
                                          "rope_scaling",
                                          "architectures",
                                          "use_sliding_window"};

std::string json_type(const json& v) {
  return v.is_null() ? "null" : std::string(v.type_name());
}

[[noreturn]] void bad_field(const std::string& source, const std::string& field,
                            const std::string& problem, const std::string& hint) {
  throw ConfigError(source, "field '" + field + "' " + problem, hint);
}

bool has(const json& j, const char* key) {
  return j.contains(key) && !j.at(key).is_null();
}

int64_t get_int(const json& j, const char* key, const std::string& source, bool required,
                int64_t fallback) {
  if (!has(j, key)) {
    if (required)
      bad_field(source, key, "is missing",
                "a Hugging Face config.json of a Qwen2/Llama model must define '" +
                    std::string(key) + "'");
    return fallback;
  }
  const json& v = j.at(key);
  if (!v.is_number_integer())
    bad_field(source, key, "must be an integer, got " + json_type(v) + " " + v.dump(),
              "write a whole number");
  return v.get<int64_t>();
}

double get_double(const json& j, const char* key, const std::string& source, double fallback) {
  if (!has(j, key)) return fallback;
  const json& v = j.at(key);
  if (!v.is_number())
    bad_field(source, key, "must be a number, got " + json_type(v), "write a number");
  return v.get<double>();
}

bool get_bool(const json& j, const char* key, const std::string& source, bool fallback) {
  if (!has(j, key)) return fallback;
  const json& v = j.at(key);
  if (!v.is_boolean())
    bad_field(source, key, "must be true or false, got " + json_type(v), "write true or false");
  return v.get<bool>();
}

std::string get_string(const json& j, const char* key, const std::string& source,
                       const std::string& fallback) {
  if (!has(j, key)) return fallback;
  const json& v = j.at(key);
  if (!v.is_string())
    bad_field(source, key, "must be a string, got " + json_type(v), "write a string");
  return v.get<std::string>();
}

}  // namespace

void ModelConfig::validate(const std::string& source) const {
  auto positive = [&](const char* name, int64_t v) {
    if (v <= 0)
      bad_field(source, name, "must be positive, got " + std::to_string(v), "fix the value");
  };
  if (model_type != "qwen2" && model_type != "llama")
    bad_field(
        source, "model_type", "= '" + model_type + "' is not supported",
        "supported model types: qwen2, llama (Qwen2/Qwen2.5, DeepSeek-R1-Distill-Qwen, Llama)");
  positive("vocab_size", vocab_size);
  positive("hidden_size", hidden_size);
  positive("intermediate_size", intermediate_size);
  positive("num_hidden_layers", num_hidden_layers);
  positive("num_attention_heads", num_attention_heads);
  positive("num_key_value_heads", num_key_value_heads);
  positive("head_dim", head_dim);
  if (num_attention_heads % num_key_value_heads != 0)
    bad_field(source, "num_key_value_heads",
              "= " + std::to_string(num_key_value_heads) +
                  " does not divide num_attention_heads = " + std::to_string(num_attention_heads),
              "grouped-query attention needs heads to be a multiple of key/value heads");
  if (head_dim % 2 != 0)
    bad_field(source, "head_dim", "= " + std::to_string(head_dim) + " is odd",
              "rotary embeddings need an even head dimension");
  if (!(rms_norm_eps > 0)) bad_field(source, "rms_norm_eps", "must be > 0", "use e.g. 1e-6");
  if (!(rope_theta > 0))
    bad_field(source, "rope_theta", "must be > 0", "use e.g. 10000 or 1000000");
  if (!(initializer_range >= 0))
    bad_field(source, "initializer_range", "must be >= 0", "use e.g. 0.02");
  for (int64_t id : eos_token_ids)
    if (id < 0 || id >= vocab_size)
      bad_field(source, "eos_token_id", "= " + std::to_string(id) + " is outside the vocabulary",
                "use an id below vocab_size = " + std::to_string(vocab_size));
  if (bos_token_id >= vocab_size)
    bad_field(source, "bos_token_id",
              "= " + std::to_string(bos_token_id) + " is outside the vocabulary",
              "use an id below vocab_size = " + std::to_string(vocab_size));
}

ModelConfig config_from_json(const json& j, const std::string& source) {
  if (!j.is_object())
    throw ConfigError(source, "config.json must hold a JSON object, got " + json_type(j),
                      "use the config.json of a Hugging Face model directory");
  ModelConfig c;
  if (!has(j, "model_type"))
    bad_field(source, "model_type", "is missing", "add \"model_type\": \"qwen2\" (or \"llama\")");
  c.model_type = get_string(j, "model_type", source, "");
  if (c.model_type != "qwen2" && c.model_type != "llama")
    bad_field(
        source, "model_type", "= '" + c.model_type + "' is not supported",
        "supported model types: qwen2, llama (Qwen2/Qwen2.5, DeepSeek-R1-Distill-Qwen, Llama)");
  const bool qwen = c.model_type == "qwen2";

  c.vocab_size = get_int(j, "vocab_size", source, true, 0);
  c.hidden_size = get_int(j, "hidden_size", source, true, 0);
  c.intermediate_size = get_int(j, "intermediate_size", source, true, 0);
  c.num_hidden_layers = get_int(j, "num_hidden_layers", source, true, 0);
  c.num_attention_heads = get_int(j, "num_attention_heads", source, true, 0);
  c.num_key_value_heads = get_int(j, "num_key_value_heads", source, false, c.num_attention_heads);
  if (!has(j, "head_dim") && c.num_attention_heads > 0 &&
      c.hidden_size % c.num_attention_heads != 0)
    bad_field(
        source, "hidden_size",
        "= " + std::to_string(c.hidden_size) +
            " is not a multiple of num_attention_heads = " + std::to_string(c.num_attention_heads),
        "set 'head_dim' explicitly or fix the sizes");
  c.head_dim = get_int(j, "head_dim", source, false,
                       c.num_attention_heads > 0 ? c.hidden_size / c.num_attention_heads : 0);
  c.rms_norm_eps = get_double(j, "rms_norm_eps", source, 1e-6);
  c.rope_theta = get_double(j, "rope_theta", source, 10000.0);
  c.max_position_embeddings =
      get_int(j, "max_position_embeddings", source, false, qwen ? 32768 : 2048);
  c.tie_word_embeddings = get_bool(j, "tie_word_embeddings", source, false);
  if (qwen) {
    c.qkv_bias = true;  // Qwen2 hard-codes q/k/v bias and no o_proj bias
    c.o_bias = false;
    c.mlp_bias = false;
  } else {
    c.qkv_bias = c.o_bias = get_bool(j, "attention_bias", source, false);
    c.mlp_bias = get_bool(j, "mlp_bias", source, false);
  }
  c.initializer_range = get_double(j, "initializer_range", source, 0.02);
  c.torch_dtype = get_string(j, "torch_dtype", source, get_string(j, "dtype", source, "float32"));
  c.bos_token_id = get_int(j, "bos_token_id", source, false, -1);
  if (has(j, "eos_token_id")) {
    const json& e = j.at("eos_token_id");
    if (e.is_number_integer()) {
      c.eos_token_ids.push_back(e.get<int64_t>());
    } else if (e.is_array()) {
      for (const json& x : e) {
        if (!x.is_number_integer())
          bad_field(source, "eos_token_id", "must hold integers, got " + json_type(x),
                    "write an id or a list of ids");
        c.eos_token_ids.push_back(x.get<int64_t>());
      }
    } else {
      bad_field(source, "eos_token_id", "must be an integer or a list, got " + json_type(e),
                "write an id or a list of ids");
    }
  }

  std::string act = get_string(j, "hidden_act", source, "silu");
  if (act != "silu")
    bad_field(source, "hidden_act", "= '" + act + "' is not supported",
              "only the SwiGLU MLP with 'silu' of Qwen2/Llama is implemented");
  if (has(j, "rope_scaling")) {
    const json& rs = j.at("rope_scaling");
    std::string type;
    if (rs.is_object()) {
      if (rs.contains("rope_type") && rs.at("rope_type").is_string())
        type = rs.at("rope_type");
      else if (rs.contains("type") && rs.at("type").is_string())
        type = rs.at("type");
    }
    if (type != "default")
      bad_field(source, "rope_scaling", "= " + rs.dump() + " is not supported",
                "only plain RoPE (rope_scaling null) is implemented; remove the long-context "
                "scaling or use a model without it");
  }
  if (get_bool(j, "use_sliding_window", source, false))
    bad_field(source, "use_sliding_window", "= true is not supported",
              "only full attention is implemented; set use_sliding_window to false");

  for (auto it = j.begin(); it != j.end(); ++it)
    if (!kKnownKeys.count(it.key())) c.extra[it.key()] = it.value();
  if (j.contains("use_sliding_window")) c.extra["use_sliding_window"] = j.at("use_sliding_window");
  c.validate(source);
  return c;
}

ModelConfig load_config(const std::string& path) {
  std::string text = read_file(path);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw DataError(path, std::string("invalid JSON: ") + e.what(),
                    "restore the config.json of the model directory");
  }
  return config_from_json(j, path);
}

json config_to_json(const ModelConfig& c) {
  json j = c.extra;
  const bool qwen = c.model_type == "qwen2";
  j["architectures"] = json::array({qwen ? "Qwen2ForCausalLM" : "LlamaForCausalLM"});
  j["model_type"] = c.model_type;
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.hidden_size;
  j["intermediate_size"] = c.intermediate_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["num_key_value_heads"] = c.num_key_value_heads;
  j["head_dim"] = c.head_dim;
  j["rms_norm_eps"] = c.rms_norm_eps;
  j["rope_theta"] = c.rope_theta;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  if (!qwen) {
    DS_CHECK(c.qkv_bias == c.o_bias, "llama attention_bias covers q/k/v and o together");
    j["attention_bias"] = c.qkv_bias;
    j["mlp_bias"] = c.mlp_bias;
  } else {
    DS_CHECK(c.qkv_bias && !c.o_bias && !c.mlp_bias, "qwen2 has q/k/v bias only");
  }
  j["initializer_range"] = c.initializer_range;
  j["torch_dtype"] = c.torch_dtype;
  j["hidden_act"] = "silu";
  j["rope_scaling"] = nullptr;
  if (!j.contains("use_cache")) j["use_cache"] = true;
  if (c.bos_token_id >= 0) j["bos_token_id"] = c.bos_token_id;
  if (c.eos_token_ids.size() == 1)
    j["eos_token_id"] = c.eos_token_ids[0];
  else if (!c.eos_token_ids.empty())
    j["eos_token_id"] = c.eos_token_ids;
  return j;
}

std::vector<std::string> builtin_config_names() {
  return {"micro", "tiny", "small", "qwen2.5-0.5b"};
}

ModelConfig make_builtin_config(const std::string& name, int64_t vocab_size) {
  ModelConfig c;
  c.model_type = "qwen2";
  c.qkv_bias = true;
  c.tie_word_embeddings = true;
  c.vocab_size = 512;
  c.max_position_embeddings = 4096;
  c.rope_theta = 10000.0;
  c.rms_norm_eps = 1e-6;
  if (name == "micro") {
    c.hidden_size = 64, c.intermediate_size = 128, c.num_hidden_layers = 2;
    c.num_attention_heads = 4, c.num_key_value_heads = 2;
  } else if (name == "tiny") {
    c.hidden_size = 128, c.intermediate_size = 384, c.num_hidden_layers = 6;
    c.num_attention_heads = 4, c.num_key_value_heads = 2;
  } else if (name == "small") {
    c.hidden_size = 384, c.intermediate_size = 1024, c.num_hidden_layers = 6;
    c.num_attention_heads = 6, c.num_key_value_heads = 2;
  } else if (name == "qwen2.5-0.5b") {
    c.hidden_size = 896, c.intermediate_size = 4864, c.num_hidden_layers = 24;
    c.num_attention_heads = 14, c.num_key_value_heads = 2;
    c.vocab_size = 151936, c.rope_theta = 1000000.0, c.max_position_embeddings = 32768;
  } else {
    std::string list;
    for (const auto& n : builtin_config_names()) list += (list.empty() ? "" : ", ") + n;
    throw ConfigError("model", "unknown built-in model '" + name + "'", "use one of: " + list);
  }
  c.head_dim = c.hidden_size / c.num_attention_heads;
  if (vocab_size > 0) c.vocab_size = vocab_size;
  c.validate("built-in model '" + name + "'");
  return c;
}

int64_t count_parameters(const ModelConfig& c) {
  const int64_t h = c.hidden_size, d = c.head_dim, q = c.num_attention_heads * d,
                kv = c.num_key_value_heads * d, f = c.intermediate_size;
  int64_t layer = h * q + 2 * h * kv + q * h + 3 * h * f + 2 * h;
  if (c.qkv_bias) layer += q + 2 * kv;
  if (c.o_bias) layer += h;
  if (c.mlp_bias) layer += 2 * f + h;
  int64_t total = c.num_hidden_layers * layer + c.vocab_size * h + h;
  if (!c.tie_word_embeddings) total += c.vocab_size * h;
  return total;
}

}  // namespace ds::model
