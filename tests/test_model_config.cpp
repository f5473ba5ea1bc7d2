// Tests of ModelConfig: real Hugging Face config.json files (Qwen2.5-Math-1.5B,
// DeepSeek-R1-Distill-Qwen-1.5B, Llama) parse with the published parameter counts, defaults and
// derived fields, unknown keys round-trip, and bad or unsupported configs are refused with errors
// that name the file and the field.
#include <gtest/gtest.h>

#include <string>

#include "core/errors.h"
#include "model/model_config.h"

namespace dm = ds::model;

namespace {

const std::string kData = std::string(DS_SOURCE_DIR) + "/tests/data/model/";

ds::json minimal() {
  return {{"model_type", "qwen2"},   {"vocab_size", 100},      {"hidden_size", 32},
          {"intermediate_size", 64}, {"num_hidden_layers", 2}, {"num_attention_heads", 4}};
}

// Expects an Error (ConfigError or DataError) whose message contains each fragment.
template <class E = ds::Error>
void expect_error(const ds::json& j, std::vector<std::string> fragments) {
  try {
    dm::config_from_json(j, "dir/config.json");
    ADD_FAILURE() << "accepted: " << j.dump();
  } catch (const E& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("dir/config.json"), std::string::npos) << msg;
    for (const auto& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << msg;
  }
}

TEST(ModelConfig, QwenMath15B) {
  auto c = dm::load_config(kData + "qwen2.5-math-1.5b.config.json");
  EXPECT_EQ(c.model_type, "qwen2");
  EXPECT_EQ(c.hidden_size, 1536);
  EXPECT_EQ(c.num_hidden_layers, 28);
  EXPECT_EQ(c.num_key_value_heads, 2);
  EXPECT_EQ(c.head_dim, 128);  // derived: 1536 / 12
  EXPECT_EQ(c.kv_groups(), 6);
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_FALSE(c.o_bias);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_DOUBLE_EQ(c.rope_theta, 10000.0);
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-6);
  EXPECT_EQ(c.torch_dtype, "bfloat16");
  EXPECT_EQ(c.bos_token_id, 151643);
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{151643}));
  EXPECT_EQ(dm::count_parameters(c), 1543714304);
  // Unknown keys survive a round trip.
  EXPECT_EQ(c.extra.at("max_window_layers"), 21);
  ds::json out = dm::config_to_json(c);
  EXPECT_EQ(out.at("architectures")[0], "Qwen2ForCausalLM");
  EXPECT_EQ(out.at("sliding_window"), 4096);
  EXPECT_EQ(out.at("use_sliding_window"), false);
  auto back = dm::config_from_json(out, "roundtrip");
  EXPECT_EQ(dm::config_to_json(back), out);
}

TEST(ModelConfig, DeepSeekDistillUntied) {
  auto c = dm::load_config(kData + "deepseek-r1-distill-qwen-1.5b.config.json");
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_EQ(c.max_position_embeddings, 131072);
  EXPECT_EQ(dm::count_parameters(c), 1777088000);
}

TEST(ModelConfig, LlamaRopeScalingRefused) {
  try {
    dm::load_config(kData + "llama-3.2-1b.config.json");
    FAIL();
  } catch (const ds::ConfigError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("llama-3.2-1b.config.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("rope_scaling"), std::string::npos) << msg;
  }
}

TEST(ModelConfig, LlamaFields) {
  ds::json j = minimal();
  j["model_type"] = "llama";
  j["num_key_value_heads"] = 2;
  j["head_dim"] = 16;  // != hidden / heads, allowed
  j["attention_bias"] = true;
  j["eos_token_id"] = {5, 7};
  j["rope_scaling"] = nullptr;
  auto c = dm::config_from_json(j, "x");
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_TRUE(c.o_bias);
  EXPECT_FALSE(c.mlp_bias);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.max_position_embeddings, 2048);
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{5, 7}));
  EXPECT_EQ(c.bos_token_id, -1);
  auto out = dm::config_to_json(c);
  EXPECT_EQ(out.at("attention_bias"), true);
  EXPECT_EQ(out.at("eos_token_id"), ds::json({5, 7}));
  j.erase("attention_bias");
  EXPECT_FALSE(dm::config_from_json(j, "x").qkv_bias);
}

TEST(ModelConfig, DefaultsAndDerived) {
  auto c = dm::config_from_json(minimal(), "x");
  EXPECT_EQ(c.num_key_value_heads, 4);
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_EQ(c.torch_dtype, "float32");
  ds::json j = minimal();
  j["rope_scaling"] = {{"rope_type", "default"}};
  j["dtype"] = "bfloat16";  // newer transformers spell it "dtype"
  EXPECT_EQ(dm::config_from_json(j, "x").torch_dtype, "bfloat16");
}

TEST(ModelConfig, MissingAndMistypedFields) {
  for (const char* f : {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                        "num_attention_heads", "model_type"}) {
    ds::json j = minimal();
    j.erase(f);
    expect_error(j, {f, "missing"});
  }
  ds::json j = minimal();
  j["hidden_size"] = "32";
  expect_error(j, {"hidden_size", "integer"});
  j = minimal();
  j["tie_word_embeddings"] = 1;
  expect_error(j, {"tie_word_embeddings"});
  j = minimal();
  j["eos_token_id"] = "x";
  expect_error(j, {"eos_token_id"});
  expect_error(ds::json::array(), {"object"});
}

TEST(ModelConfig, UnsupportedAndInconsistent) {
  ds::json j = minimal();
  j["model_type"] = "gpt2";
  expect_error<ds::ConfigError>(j, {"model_type", "gpt2", "qwen2"});
  j = minimal();
  j["rope_scaling"] = {{"type", "yarn"}, {"factor", 4.0}};
  expect_error<ds::ConfigError>(j, {"rope_scaling", "yarn"});
  j = minimal();
  j["use_sliding_window"] = true;
  expect_error<ds::ConfigError>(j, {"use_sliding_window"});
  j = minimal();
  j["hidden_act"] = "gelu";
  expect_error<ds::ConfigError>(j, {"hidden_act", "gelu"});
  j = minimal();
  j["num_key_value_heads"] = 3;
  expect_error<ds::ConfigError>(j, {"num_key_value_heads", "divide"});
  j = minimal();
  j["hidden_size"] = 30;
  expect_error<ds::ConfigError>(j, {"hidden_size", "multiple"});
  j = minimal();
  j["head_dim"] = 7;
  expect_error<ds::ConfigError>(j, {"head_dim", "odd"});
  j = minimal();
  j["num_hidden_layers"] = 0;
  expect_error<ds::ConfigError>(j, {"num_hidden_layers", "positive"});
  j = minimal();
  j["eos_token_id"] = 100;
  expect_error<ds::ConfigError>(j, {"eos_token_id", "vocabulary"});
}

TEST(ModelConfig, LoadConfigFileErrors) {
  EXPECT_THROW(dm::load_config("/nonexistent/config.json"), ds::DataError);
}

TEST(ModelConfig, Builtins) {
  for (const auto& name : dm::builtin_config_names()) {
    auto c = dm::make_builtin_config(name);
    EXPECT_EQ(c.model_type, "qwen2") << name;
    EXPECT_LT(c.num_key_value_heads, c.num_attention_heads) << name;
    EXPECT_TRUE(c.qkv_bias) << name;
  }
  const int64_t tiny = dm::count_parameters(dm::make_builtin_config("tiny"));
  const int64_t small = dm::count_parameters(dm::make_builtin_config("small"));
  EXPECT_GT(tiny, 1000000);
  EXPECT_LT(tiny, 3000000);
  EXPECT_GT(small, 8000000);
  EXPECT_LT(small, 12000000);
  EXPECT_EQ(dm::count_parameters(dm::make_builtin_config("qwen2.5-0.5b")), 494032768);
  EXPECT_EQ(dm::make_builtin_config("tiny", 261).vocab_size, 261);
  try {
    dm::make_builtin_config("huge");
    FAIL();
  } catch (const ds::ConfigError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("huge"), std::string::npos);
    EXPECT_NE(msg.find("tiny"), std::string::npos) << "should list valid names: " << msg;
  }
}

}  // namespace
