// Tests of the Transformer adapter of the trainer on the built-in "micro" Qwen2 config: logits at
// selected columns equal the full forward's, log-probs of a right-padded row equal those of the
// row alone, an update changes the weights and raises the log-prob of a positively advantaged
// response, and a checkpoint (Hugging Face model directory + optimizer + state) resumes into a
// differently initialized model bitwise; a checkpoint of another architecture is refused.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/errors.h"
#include "model/model_config.h"
#include "rl/logprob.h"
#include "rl/optimizer.h"
#include "rl/sample_batch.h"
#include "rl/transformer_policy.h"
#include "rl/update.h"
#include "tokenizer/char_tokenizer.h"
#include "train/train_state.h"

namespace fs = std::filesystem;

namespace {

using namespace ds::rl;
using namespace ds::train;

ds::model::ModelConfig micro() {
  return ds::model::make_builtin_config("micro");
}

TransformerPolicy make_policy(uint64_t seed, const ds::tok::Tokenizer* tok = nullptr) {
  ds::model::Transformer m(micro());
  m->init_weights(seed);
  return TransformerPolicy(m, tok);
}

Sample sample(std::vector<int32_t> prompt, std::vector<int32_t> response) {
  Sample s;
  s.prompt_ids = std::move(prompt);
  s.response_ids = std::move(response);
  return s;
}

std::vector<std::vector<float>> advantages(const std::vector<Sample>& s, std::vector<float> a) {
  std::vector<std::vector<float>> out;
  for (size_t i = 0; i < s.size(); ++i) out.emplace_back(s[i].response_ids.size(), a[i]);
  return out;
}

TEST(TransformerPolicy, LogitsAtSelectedColumnsMatchTheFullForward) {
  TransformerPolicy p = make_policy(1);
  torch::NoGradGuard ng;
  torch::Tensor ids = torch::randint(0, 100, {2, 9}, torch::kInt64);
  torch::Tensor pos = torch::arange(9, torch::kInt64).unsqueeze(0).expand({2, 9});
  torch::Tensor at = torch::tensor({{0, 4, 8}, {2, 2, 7}}, torch::kInt64);
  torch::Tensor full = p.logits(ids, pos);         // (2, 9, V)
  torch::Tensor some = p.logits_at(ids, pos, at);  // (2, 3, V)
  EXPECT_TRUE(torch::allclose(some[0][1], full[0][4], 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(some[1][2], full[1][7], 1e-5, 1e-5));
  EXPECT_EQ(p.named_parameters().front().first, "model.embed_tokens.weight");
}

TEST(TransformerPolicy, RightPaddingDoesNotChangeLogprobs) {
  TransformerPolicy p = make_policy(2);
  std::vector<Sample> s = {sample({5, 6, 7, 8, 9, 10}, {11, 12, 13, 14, 15}),
                           sample({5, 6}, {20, 21})};
  SampleBatch both = collate(s, advantages(s, {0, 0}), 0);
  std::vector<Sample> one = {s[1]};
  SampleBatch alone = collate(one, advantages(one, {0}), 0);
  auto a = response_logprobs_no_grad(p, both, 8, false).logp;
  auto b = response_logprobs_no_grad(p, alone, 8, false).logp;
  EXPECT_TRUE(torch::allclose(a[1].narrow(0, 0, 2), b[0], 1e-5, 1e-5));
}

TEST(TransformerPolicy, UpdateRaisesThePositivelyAdvantagedResponse) {
  TransformerPolicy p = make_policy(3);
  std::vector<Sample> s = {sample({1, 2, 3}, {40, 41, 42}), sample({1, 2, 3}, {50, 51, 52})};
  SampleBatch b = collate(s, advantages(s, {1, -1}), 0);
  OptimizerOptions oo;
  oo.lr = 3e-3;
  oo.warmup_steps = 0;
  auto opt = make_adamw(p, oo);
  auto before = response_logprobs_no_grad(p, b, 8, false).logp.sum(1);
  for (int i = 0; i < 3; ++i) update(p, *opt, b, UpdateOptions{}, PolicyLossOptions{}, 1.0);
  auto after = response_logprobs_no_grad(p, b, 8, false).logp.sum(1);
  EXPECT_GT(after[0].item<double>(), before[0].item<double>());
  EXPECT_LT(after[1].item<double>(), before[1].item<double>());
}

TEST(TransformerPolicy, CheckpointResumesBitwiseAndRefusesAnotherArchitecture) {
  fs::path run = fs::temp_directory_path() / ("ds_rl_tp_" + std::to_string(::getpid()));
  fs::remove_all(run);
  auto tok = ds::tok::make_char_tokenizer();
  TransformerPolicy a = make_policy(4, tok.get());
  std::vector<Sample> s = {sample({1, 2, 3}, {40, 41, 42}), sample({4}, {50, 51})};
  SampleBatch b = collate(s, advantages(s, {1, -1}), 0);
  OptimizerOptions oo;
  oo.lr = 1e-3;
  auto opt_a = make_adamw(a, oo);
  update(a, *opt_a, b, UpdateOptions{}, PolicyLossOptions{}, 1.0);
  TrainState st;
  st.step = 1;
  std::string dir = save_checkpoint(run.string(), st, a, *opt_a, "x: 1\n", 2);
  EXPECT_TRUE(fs::exists(fs::path(dir) / "model" / "config.json"));
  EXPECT_TRUE(fs::exists(fs::path(dir) / "model" / "model.safetensors"));
  update(a, *opt_a, b, UpdateOptions{}, PolicyLossOptions{}, 1.0);

  TransformerPolicy c = make_policy(99);
  auto opt_c = make_adamw(c, oo);
  load_checkpoint(dir, c, *opt_c);
  update(c, *opt_c, b, UpdateOptions{}, PolicyLossOptions{}, 1.0);
  auto pa = a.named_parameters(), pc = c.named_parameters();
  ASSERT_EQ(pa.size(), pc.size());
  for (size_t i = 0; i < pa.size(); ++i)
    EXPECT_TRUE(torch::equal(pa[i].second, pc[i].second)) << pa[i].first;

  auto other_cfg = micro();
  other_cfg.intermediate_size *= 2;
  ds::model::Transformer other_model(other_cfg);
  TransformerPolicy other(other_model);
  auto opt_o = make_adamw(other, oo);
  EXPECT_THROW(load_checkpoint(dir, other, *opt_o), ds::DataError);
  fs::remove_all(run);
}

}  // namespace
