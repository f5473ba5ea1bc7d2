// Tests of Hugging Face model directories: save -> load gives identical logits (tied, untied,
// Llama-style), bf16 round trips, sharded checkpoints with an index, the files transformers needs,
// tokenizer files, and errors naming the tensor and file for missing / extra / wrong-shape
// tensors, bad indexes and pickle-only directories.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/errors.h"
#include "core/fs_util.h"
#include "model/checkpoint.h"
#include "tokenizer/char_tokenizer.h"

namespace dm = ds::model;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) {
  auto p = fs::temp_directory_path() / ("ds_ckpt_" + std::to_string(::getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p.parent_path());
  return p;
}

dm::ModelConfig small_config(bool tied, const std::string& type = "qwen2") {
  dm::ModelConfig c = dm::make_builtin_config("micro", 83);
  c.model_type = type;
  c.qkv_bias = type == "qwen2";
  c.tie_word_embeddings = tied;
  c.num_hidden_layers = 2;
  c.eos_token_ids = {1};
  c.bos_token_id = 2;
  return c;
}

torch::Tensor logits_of(dm::TransformerImpl& m) {
  torch::NoGradGuard g;
  dm::ForwardInput in;
  in.ids = torch::tensor({{3, 1, 4, 1, 5, 9, 2, 6}, {2, 7, 1, 8, 2, 8, 1, 8}}, torch::kInt64);
  return m.forward(in);
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ds::Error& e) {
    return e.what();
  }
  return "";
}

TEST(ModelCheckpoint, SaveLoadIdenticalLogits) {
  for (bool tied : {true, false}) {
    for (const std::string type : {"qwen2", "llama"}) {
      dm::Transformer m(small_config(tied, type), torch::TensorOptions(), 11);
      auto dir = temp_dir("rt_" + type + std::to_string(tied));
      dm::save_model(*m, dir.string());
      EXPECT_TRUE(fs::exists(dir / "config.json"));
      EXPECT_TRUE(fs::exists(dir / "model.safetensors"));
      EXPECT_TRUE(fs::exists(dir / "generation_config.json"));
      dm::Transformer back = dm::load_model(dir.string());
      EXPECT_EQ(back->config().tie_word_embeddings, tied);
      EXPECT_EQ(back->config().model_type, type);
      EXPECT_TRUE(torch::equal(logits_of(*m), logits_of(*back))) << type << tied;
      auto tensors = dm::load_tensors((dir / "model.safetensors").string());
      EXPECT_EQ(tensors.count("lm_head.weight"), tied ? 0u : 1u);
      EXPECT_EQ(tensors.count("model.layers.1.self_attn.k_proj.bias"), type == "qwen2" ? 1u : 0u);
    }
  }
}

TEST(ModelCheckpoint, ConfigAndGenerationConfigForTransformers) {
  dm::Transformer m(small_config(true), torch::TensorOptions(), 1);
  auto dir = temp_dir("cfg");
  dm::save_model(*m, dir.string());
  auto cfg = ds::json::parse(ds::read_file((dir / "config.json").string()));
  EXPECT_EQ(cfg["architectures"][0], "Qwen2ForCausalLM");
  EXPECT_EQ(cfg["model_type"], "qwen2");
  EXPECT_EQ(cfg["torch_dtype"], "float32");
  EXPECT_EQ(cfg["tie_word_embeddings"], true);
  EXPECT_EQ(cfg["num_key_value_heads"], 2);
  EXPECT_EQ(cfg["eos_token_id"], 1);
  auto gen = ds::json::parse(ds::read_file((dir / "generation_config.json").string()));
  EXPECT_EQ(gen["eos_token_id"], 1);
  EXPECT_EQ(gen["bos_token_id"], 2);
  // Overwriting an existing directory replaces it; no staging directories are left behind.
  dm::save_model(*m, dir.string());
  for (const auto& e : fs::directory_iterator(dir.parent_path()))
    EXPECT_EQ(e.path().string().find(".staging."), std::string::npos) << e.path();
}

TEST(ModelCheckpoint, Bf16RoundTrip) {
  dm::Transformer m(small_config(false), torch::TensorOptions(), 5);
  auto dir = temp_dir("bf16");
  dm::SaveOptions opts;
  opts.dtype = "bfloat16";
  dm::save_model(*m, dir.string(), nullptr, opts);
  auto cfg = ds::json::parse(ds::read_file((dir / "config.json").string()));
  EXPECT_EQ(cfg["torch_dtype"], "bfloat16");
  auto st = dm::SafetensorsFile::open((dir / "model.safetensors").string());
  EXPECT_EQ(st.find("model.embed_tokens.weight")->dtype, dm::StDtype::kBF16);

  // Loaded as f32: exactly the bf16-rounded weights.
  dm::Transformer f32 = dm::load_model(dir.string(), torch::kFloat32);
  auto want = m->hf_named_parameters();
  auto got = f32->hf_named_parameters();
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_TRUE(
        torch::equal(want[i].second.to(torch::kBFloat16).to(torch::kFloat32), got[i].second))
        << want[i].first;
  // Loaded as bf16: bf16 weights, bf16 saves are bit-identical.
  dm::Transformer bf = dm::load_model(dir.string(), torch::kBFloat16);
  EXPECT_EQ(bf->dtype(), torch::kBFloat16);
  auto dir2 = temp_dir("bf16b");
  dm::save_model(*bf, dir2.string());
  EXPECT_EQ(ds::read_file((dir / "model.safetensors").string()),
            ds::read_file((dir2 / "model.safetensors").string()));
  torch::Tensor a = logits_of(*f32), b = logits_of(*bf);
  EXPECT_LT((a - b).abs().max().item<double>(), 0.05 * a.abs().max().item<double>() + 1e-3);
  // f16 as well.
  opts.dtype = "float16";
  dm::save_model(*m, dir.string(), nullptr, opts);
  dm::Transformer h = dm::load_model(dir.string(), torch::kFloat32);
  EXPECT_LT((logits_of(*h) - logits_of(*m)).abs().max().item<double>(), 1e-3);
}

TEST(ModelCheckpoint, ShardedSaveAndLoad) {
  dm::Transformer m(small_config(false), torch::TensorOptions(), 9);
  auto dir = temp_dir("sharded");
  dm::SaveOptions opts;
  const int64_t total = dm::count_parameters(m->config()) * 4;
  opts.max_shard_bytes = total / 3;
  dm::save_model(*m, dir.string(), nullptr, opts);
  EXPECT_FALSE(fs::exists(dir / "model.safetensors"));
  auto index = ds::json::parse(ds::read_file((dir / "model.safetensors.index.json").string()));
  std::set<std::string> shards;
  for (auto& [name, file] : index["weight_map"].items()) shards.insert(file.get<std::string>());
  ASSERT_GE(shards.size(), 3u);
  const std::string n = std::to_string(shards.size());
  EXPECT_TRUE(shards.count("model-00001-of-0000" + n + ".safetensors")) << *shards.begin();
  for (const auto& f : shards) {
    EXPECT_TRUE(fs::exists(dir / f)) << f;
    EXPECT_LE(static_cast<int64_t>(fs::file_size(dir / f)), total / 3 + 4096) << f;
  }
  EXPECT_EQ(index["metadata"]["total_size"], dm::count_parameters(m->config()) * 4);
  EXPECT_EQ(index["weight_map"].size(), m->hf_named_parameters().size());
  dm::Transformer back = dm::load_model(dir.string());
  EXPECT_TRUE(torch::equal(logits_of(*m), logits_of(*back)));
}

TEST(ModelCheckpoint, HandWrittenTwoShardCheckpoint) {
  // Shards split differently from our writer (interleaved layers), as other tools write them.
  dm::Transformer m(small_config(true), torch::TensorOptions(), 21);
  auto dir = temp_dir("hand");
  fs::create_directories(dir);
  std::vector<std::pair<std::string, torch::Tensor>> s1, s2;
  ds::json map = ds::json::object();
  int i = 0;
  for (auto& [name, p] : m->hf_named_parameters()) {
    bool first = (i++ % 2) == 0;
    (first ? s1 : s2).emplace_back(name, p.to(torch::kBFloat16));
    map[name] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  dm::save_tensors((dir / "model-00001-of-00002.safetensors").string(), s1);
  dm::save_tensors((dir / "model-00002-of-00002.safetensors").string(), s2);
  ds::atomic_write_file((dir / "model.safetensors.index.json").string(),
                        ds::json({{"metadata", {{"total_size", 0}}}, {"weight_map", map}}).dump());
  auto cfg = dm::config_to_json(m->config());
  cfg["torch_dtype"] = "bfloat16";
  ds::atomic_write_file((dir / "config.json").string(), cfg.dump());
  dm::Transformer back = dm::load_model(dir.string(), torch::kFloat32);
  for (auto& [name, p] : back->hf_named_parameters()) {
    (void)name;
    EXPECT_EQ(p.scalar_type(), torch::kFloat32);
  }
  torch::Tensor a = logits_of(*m), b = logits_of(*back);
  EXPECT_LT((a - b).abs().max().item<double>(), 0.05 * a.abs().max().item<double>() + 1e-3);

  // The index names the wrong shard for a tensor.
  auto bad = map;
  bad[s1[0].first] = "model-00002-of-00002.safetensors";
  ds::atomic_write_file((dir / "model.safetensors.index.json").string(),
                        ds::json({{"weight_map", bad}}).dump());
  std::string msg = error_of([&] { dm::load_model(dir.string()); });
  EXPECT_NE(msg.find(s1[0].first), std::string::npos) << msg;
  EXPECT_NE(msg.find("model.safetensors.index.json"), std::string::npos) << msg;
  // The index points outside the directory.
  bad = map;
  bad[s1[0].first] = "../x.safetensors";
  ds::atomic_write_file((dir / "model.safetensors.index.json").string(),
                        ds::json({{"weight_map", bad}}).dump());
  msg = error_of([&] { dm::load_model(dir.string()); });
  EXPECT_NE(msg.find("../x.safetensors"), std::string::npos) << msg;
  // A tensor stored in both shards.
  s2.push_back(s1[0]);
  dm::save_tensors((dir / "model-00002-of-00002.safetensors").string(), s2);
  ds::atomic_write_file((dir / "model.safetensors.index.json").string(),
                        ds::json({{"weight_map", map}}).dump());
  msg = error_of([&] { dm::load_model(dir.string()); });
  EXPECT_NE(msg.find("also stored"), std::string::npos) << msg;
  // Invalid index JSON.
  ds::atomic_write_file((dir / "model.safetensors.index.json").string(), "{\"weight_map\": ");
  EXPECT_THROW(dm::load_model(dir.string()), ds::DataError);
}

// Rewrites model.safetensors of `dir` after `edit` changed the tensor list.
void rewrite(const fs::path& dir,
             const std::function<void(std::map<std::string, torch::Tensor>&)>& edit) {
  auto path = (dir / "model.safetensors").string();
  auto tensors = dm::load_tensors(path);
  edit(tensors);
  std::vector<std::pair<std::string, torch::Tensor>> list(tensors.begin(), tensors.end());
  dm::save_tensors(path, list);
}

TEST(ModelCheckpoint, MismatchedTensorsNameTensorAndFile) {
  dm::Transformer m(small_config(false), torch::TensorOptions(), 3);
  auto dir = temp_dir("mismatch");
  auto fresh = [&] { dm::save_model(*m, dir.string()); };

  fresh();
  rewrite(dir, [](auto& t) { t.erase("model.layers.1.mlp.up_proj.weight"); });
  std::string msg = error_of([&] { dm::load_model(dir.string()); });
  EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
  EXPECT_NE(msg.find("model.layers.1.mlp.up_proj.weight"), std::string::npos) << msg;

  fresh();
  rewrite(dir, [](auto& t) { t["model.layers.7.mlp.up_proj.weight"] = torch::zeros({2, 2}); });
  msg = error_of([&] { dm::load_model(dir.string()); });
  EXPECT_NE(msg.find("model.layers.7.mlp.up_proj.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("model.safetensors"), std::string::npos) << msg;

  fresh();
  rewrite(dir, [](auto& t) {
    t["model.layers.0.self_attn.k_proj.weight"] = torch::zeros({5, 64});
  });
  msg = error_of([&] { dm::load_model(dir.string()); });
  EXPECT_NE(msg.find("model.layers.0.self_attn.k_proj.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[5, 64]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[32, 64]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("model.safetensors"), std::string::npos) << msg;

  fresh();
  rewrite(dir, [](auto& t) { t["model.norm.weight"] = t["model.norm.weight"].to(torch::kInt64); });
  msg = error_of([&] { dm::load_model(dir.string()); });
  EXPECT_NE(msg.find("model.norm.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("I64"), std::string::npos) << msg;

  // Untied config but the checkpoint has no lm_head.
  fresh();
  rewrite(dir, [](auto& t) { t.erase("lm_head.weight"); });
  msg = error_of([&] { dm::load_model(dir.string()); });
  EXPECT_NE(msg.find("lm_head.weight"), std::string::npos) << msg;

  // Tied config with a stored lm_head and old RoPE buffers: tolerated like transformers does.
  dm::Transformer t(small_config(true), torch::TensorOptions(), 3);
  dm::save_model(*t, dir.string());
  rewrite(dir, [](auto& x) {
    x["lm_head.weight"] = x["model.embed_tokens.weight"].clone();
    x["model.layers.0.self_attn.rotary_emb.inv_freq"] = torch::ones({8});
  });
  EXPECT_TRUE(torch::equal(logits_of(*dm::load_model(dir.string())), logits_of(*t)));

  // Corrupt weights file.
  fresh();
  auto path = (dir / "model.safetensors").string();
  std::string bytes = ds::read_file(path);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
  msg = error_of([&] { dm::load_model(dir.string()); });
  EXPECT_NE(msg.find("model.safetensors"), std::string::npos) << msg;
}

TEST(ModelCheckpoint, MissingFiles) {
  std::string msg = error_of([] { dm::load_model("/nonexistent/model"); });
  EXPECT_NE(msg.find("/nonexistent/model"), std::string::npos) << msg;
  auto dir = temp_dir("empty");
  fs::create_directories(dir);
  msg = error_of([&] { dm::load_model(dir.string()); });
  EXPECT_NE(msg.find("config.json"), std::string::npos) << msg;
  dm::Transformer m(small_config(true), torch::TensorOptions(), 3);
  ds::atomic_write_file((dir / "config.json").string(), dm::config_to_json(m->config()).dump());
  msg = error_of([&] { dm::load_model(dir.string()); });
  EXPECT_NE(msg.find("model.safetensors"), std::string::npos) << msg;
  ds::atomic_write_file((dir / "pytorch_model.bin").string(), "x");
  msg = error_of([&] { dm::load_model(dir.string()); });
  EXPECT_NE(msg.find("pytorch_model.bin"), std::string::npos) << msg;
  ds::atomic_write_file((dir / "config.json").string(), "{\"model_type\": \"bert\"}");
  EXPECT_THROW(dm::load_model(dir.string()), ds::ConfigError);
}

TEST(ModelCheckpoint, SavesTokenizerFiles) {
  ds::tok::CharTokenizer tok{ds::tok::CharTokenizerOptions{}};
  dm::Transformer m(dm::make_builtin_config("micro", tok.vocab_size()), torch::TensorOptions(), 2);
  auto dir = temp_dir("tok");
  dm::save_model(*m, dir.string(), &tok);
  auto back = ds::tok::load_tokenizer(dir.string());
  EXPECT_EQ(back->vocab_size(), tok.vocab_size());
  EXPECT_EQ(back->encode("2+2=4"), tok.encode("2+2=4"));
  EXPECT_EQ(dm::load_model(dir.string())->config().vocab_size, tok.vocab_size());
}

TEST(ModelCheckpoint, RealQwenShapesLoad) {
  // The Qwen2.5-Math-1.5B / DeepSeek-R1-Distill-Qwen-1.5B layer shapes (hidden 1536, 12 heads,
  // 2 kv heads, intermediate 8960, q/k/v bias), one layer and a small vocabulary to stay fast.
  for (const char* file :
       {"qwen2.5-math-1.5b.config.json", "deepseek-r1-distill-qwen-1.5b.config.json"}) {
    auto c = dm::load_config(std::string(DS_SOURCE_DIR) + "/tests/data/model/" + file);
    c.num_hidden_layers = 1;
    c.vocab_size = 151936 / 64;
    c.bos_token_id = -1;
    c.eos_token_ids.clear();
    dm::Transformer m(c, torch::TensorOptions(), 4);
    auto dir = temp_dir(std::string("real_") + file);
    dm::save_model(*m, dir.string());
    dm::Transformer back = dm::load_model(dir.string());
    EXPECT_EQ(back->num_parameters(), dm::count_parameters(c));
    EXPECT_TRUE(torch::equal(logits_of(*m), logits_of(*back))) << file;
    EXPECT_EQ(back->config().extra.at("max_window_layers"), 21);
  }
}

TEST(ModelCheckpoint, DtypeNames) {
  EXPECT_EQ(dm::parse_dtype("bf16"), torch::kBFloat16);
  EXPECT_EQ(dm::parse_dtype("float32"), torch::kFloat32);
  EXPECT_EQ(dm::parse_dtype("fp16"), torch::kHalf);
  EXPECT_EQ(dm::dtype_name(torch::kBFloat16), "bfloat16");
  EXPECT_THROW(dm::parse_dtype("int8"), ds::ConfigError);
}

}  // namespace
