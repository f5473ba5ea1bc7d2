// Parity of our transformer with an independent float64 PyTorch implementation
// (tests/python/ref_transformer.py, run with /usr/bin/python3): logits, the cross-entropy loss,
// the gradient of every parameter and the loss after one SGD step, to 1e-4 absolute. Cases cover
// Qwen2 (q/k/v bias, GQA, tied and untied head, MQA) and Llama (no bias; attention + MLP bias with
// a left-padded batch, explicit positions and mask). The checkpoint goes through save_model, so the
// reference also checks our safetensors writer. Skips when python3-torch is missing.
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/fs_util.h"
#include "core/jsonl.h"
#include "model/checkpoint.h"

namespace dm = ds::model;
namespace fs = std::filesystem;

namespace {

const char* kPython = "/usr/bin/python3";

struct Case {
  std::string name;
  dm::ModelConfig config;
  torch::Tensor ids, positions, mask, labels;  // positions/mask undefined = default causal
  double lr = 0.05;
};

dm::ModelConfig base_config(const std::string& type, bool tied, int64_t heads, int64_t kv,
                            int64_t head_dim) {
  dm::ModelConfig c = dm::make_builtin_config("micro", 61);
  c.model_type = type;
  c.hidden_size = 40;
  c.intermediate_size = 72;
  c.num_hidden_layers = 2;
  c.num_attention_heads = heads;
  c.num_key_value_heads = kv;
  c.head_dim = head_dim;
  c.tie_word_embeddings = tied;
  c.qkv_bias = type == "qwen2";
  c.o_bias = c.mlp_bias = false;
  c.rms_norm_eps = 1e-5;
  return c;
}

// Random weights far from HF's init: std 0.1 weights, biases and norm scales that matter.
dm::Transformer random_model(const dm::ModelConfig& c, uint64_t seed) {
  dm::Transformer m(c, torch::TensorOptions(), seed);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed + 1000);
  torch::NoGradGuard g;
  for (auto& [name, p] : m->hf_named_parameters()) {
    torch::Tensor r = torch::empty(p.sizes()).normal_(0.0, 1.0, gen);
    if (name.find("norm") != std::string::npos)
      p.copy_(1.0 + 0.2 * r);
    else if (name.find(".bias") != std::string::npos)
      p.copy_(0.3 * r);
    else
      p.copy_(0.15 * r);
  }
  return m;
}

torch::Tensor random_ids(int64_t B, int64_t T, int64_t vocab, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return torch::randint(0, vocab, {B, T}, gen, torch::kInt64);
}

// Next-token labels: label[t] = ids[t + 1], -100 for the last token.
torch::Tensor next_token_labels(const torch::Tensor& ids) {
  torch::Tensor l = torch::full_like(ids, -100);
  l.slice(1, 0, ids.size(1) - 1).copy_(ids.slice(1, 1, ids.size(1)));
  return l;
}

std::vector<Case> make_cases() {
  std::vector<Case> cases;
  {
    Case c{"qwen2_untied_gqa", base_config("qwen2", false, 4, 2, 10)};
    c.ids = random_ids(2, 7, 61, 1);
    c.labels = next_token_labels(c.ids);
    cases.push_back(c);
  }
  {
    Case c{"qwen2_tied_mqa", base_config("qwen2", true, 4, 1, 12)};
    c.config.rope_theta = 1000000.0;
    c.ids = random_ids(1, 9, 61, 2);
    c.labels = next_token_labels(c.ids);
    cases.push_back(c);
  }
  {
    Case c{"llama_nobias_mha", base_config("llama", false, 4, 4, 8)};
    c.config.rope_theta = 500000.0;
    c.ids = random_ids(2, 6, 61, 3);
    c.labels = next_token_labels(c.ids);
    cases.push_back(c);
  }
  {
    // Left-padded batch: sequence 1 has 3 padding slots; positions start at its first token.
    Case c{"llama_bias_padded", base_config("llama", true, 4, 2, 10)};
    c.config.qkv_bias = c.config.o_bias = c.config.mlp_bias = true;
    const int64_t B = 2, T = 8, pad = 3;
    c.ids = random_ids(B, T, 61, 4);
    c.positions = torch::arange(T, torch::kInt64).unsqueeze(0).repeat({B, 1});
    c.positions[1].slice(0, pad, T).copy_(torch::arange(T - pad, torch::kInt64));
    c.positions[1].slice(0, 0, pad).fill_(0);
    c.mask = torch::tril(torch::ones({T, T}, torch::kBool)).view({1, 1, T, T}).repeat({B, 1, 1, 1});
    c.mask[1].slice(2, 0, pad).fill_(false);  // nobody attends the padding
    c.labels = next_token_labels(c.ids);
    c.labels[1].slice(0, 0, pad).fill_(-100);
    cases.push_back(c);
  }
  return cases;
}

ds::json tensor_json(const torch::Tensor& t) {
  torch::Tensor c = t.to(torch::kInt64).contiguous();
  ds::json out = ds::json::array();
  for (int64_t b = 0; b < c.size(0); ++b) {
    if (c.dim() == 1) {
      out.push_back(c[b].item<int64_t>());
      continue;
    }
    out.push_back(tensor_json(c[b]));
  }
  return out;
}

torch::Tensor from_list(const ds::json& list, torch::IntArrayRef shape) {
  std::vector<double> v = list.get<std::vector<double>>();
  return torch::tensor(v, torch::kFloat64).view(shape);
}

class ModelParity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system((std::string(kPython) + " -c 'import torch' > /dev/null 2>&1").c_str()) != 0) {
      skip_reason_ = std::string(kPython) +
                     " cannot import torch: install python3-torch (Debian) to run the parity check";
      return;
    }
    root_ = fs::temp_directory_path() / ("ds_parity_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    cases_ = make_cases();
    ds::json input = {{"cases", ds::json::array()}};
    for (auto& c : cases_) {
      models_.push_back(random_model(c.config, 7 + models_.size()));
      const std::string dir = (root_ / c.name).string();
      dm::save_model(*models_.back(), dir);
      ds::json jc = {{"dir", dir},
                     {"ids", tensor_json(c.ids)},
                     {"labels", tensor_json(c.labels)},
                     {"lr", c.lr}};
      if (c.positions.defined()) jc["positions"] = tensor_json(c.positions);
      if (c.mask.defined()) jc["mask"] = tensor_json(c.mask);
      input["cases"].push_back(jc);
    }
    const std::string in = (root_ / "input.json").string(), out = (root_ / "output.json").string();
    ds::atomic_write_file(in, input.dump());
    const std::string cmd = std::string(kPython) + " " + DS_SOURCE_DIR +
                            "/tests/python/ref_transformer.py " + in + " " + out;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    output_ = ds::json::parse(ds::read_file(out));
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    if (!root_.empty()) fs::remove_all(root_, ec);
    models_.clear();
  }

  void check(size_t i) {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_LT(i, cases_.size());
    const Case& c = cases_[i];
    dm::TransformerImpl& m = *models_[i];
    const ds::json& ref = output_["results"][i];
    const int64_t B = c.ids.size(0), T = c.ids.size(1), V = c.config.vocab_size;

    dm::ForwardInput in;
    in.ids = c.ids;
    in.positions = c.positions;
    in.mask = c.mask;
    m.zero_grad();
    torch::Tensor logits = m.forward(in);  // (B, T, V)
    torch::Tensor loss = torch::nn::functional::cross_entropy(
        logits.view({B * T, V}), c.labels.view({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
    loss.backward();

    torch::Tensor want = from_list(ref["logits"], {B, T, V});
    const double logit_diff = (logits.to(torch::kFloat64) - want).abs().max().item<double>();
    EXPECT_LT(logit_diff, 1e-4) << c.name << " (logit scale " << want.abs().max().item<double>()
                                << ")";
    EXPECT_NEAR(loss.item<double>(), ref["loss"].get<double>(), 1e-4) << c.name;

    size_t compared = 0;
    for (auto& [name, p] : m.hf_named_parameters()) {
      ASSERT_TRUE(ref["grads"].contains(name))
          << c.name << " reference has no gradient for " << name;
      ASSERT_TRUE(p.grad().defined()) << name;
      torch::Tensor g = from_list(ref["grads"][name], p.sizes());
      const double scale = g.abs().max().item<double>();
      EXPECT_GT(scale, 0.0) << c.name << " " << name << " has a zero reference gradient";
      EXPECT_LT((p.grad().to(torch::kFloat64) - g).abs().max().item<double>(), 1e-4)
          << c.name << " " << name << " (gradient scale " << scale << ")";
      ++compared;
    }
    EXPECT_EQ(compared, ref["grads"].size());

    // One SGD step with these gradients, then the loss again.
    torch::optim::SGD sgd(m.parameters(), torch::optim::SGDOptions(c.lr));
    sgd.step();
    torch::NoGradGuard g;
    torch::Tensor after = torch::nn::functional::cross_entropy(
        m.forward(in).view({B * T, V}), c.labels.view({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
    EXPECT_NEAR(after.item<double>(), ref["loss_after_sgd"].get<double>(), 1e-4) << c.name;
    EXPECT_LT(after.item<double>(), loss.item<double>()) << c.name;
  }

  static inline std::string skip_reason_;
  static inline fs::path root_;
  static inline std::vector<Case> cases_;
  static inline std::vector<dm::Transformer> models_;
  static inline ds::json output_;
};

TEST_F(ModelParity, Qwen2UntiedGqa) {
  check(0);
}
TEST_F(ModelParity, Qwen2TiedMqa) {
  check(1);
}
TEST_F(ModelParity, LlamaNoBiasMha) {
  check(2);
}
TEST_F(ModelParity, LlamaBiasLeftPaddedBatch) {
  check(3);
}

}  // namespace
