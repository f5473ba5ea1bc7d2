// Tests of collation, log-prob recomputation and the update loop on a tiny causal LM: log-probs
// equal a by-hand computation and do not depend on padding or micro-batching; the update moves
// log-probs in the direction of the advantage; micro-batch size does not change the result (exact
// loss scaling) in every aggregation mode; mini-batches/epochs count optimizer steps; the first
// mini-batch has ratio 1; the sampling-vs-recomputed mismatch metric; non-finite gradients skip the
// step; the KL reference; the learning-rate schedule and AdamW construction.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.h"
#include "rl/logprob.h"
#include "rl/optimizer.h"
#include "rl/sample_batch.h"
#include "rl/update.h"
#include "rl_test_policy.h"

namespace {

using namespace ds::rl;
using ds::rl::testing::make_sample;
using ds::rl::testing::make_tiny_policy;

std::vector<Sample> four_samples() {
  return {make_sample(0, {1, 2, 3}, {4, 5}, 1.0), make_sample(0, {1, 2}, {6, 7, 8, 9}, -1.0),
          make_sample(1, {3}, {4}, 1.0), make_sample(1, {2, 2, 2, 2}, {5, 6, 7}, -1.0)};
}

std::vector<std::vector<float>> constant_advantages(const std::vector<Sample>& s,
                                                    const std::vector<float>& per_sample) {
  std::vector<std::vector<float>> a;
  for (size_t i = 0; i < s.size(); ++i) a.emplace_back(s[i].response_ids.size(), per_sample[i]);
  return a;
}

bool params_close(TrainablePolicy& a, TrainablePolicy& b, double tol) {
  auto pa = a.named_parameters(), pb = b.named_parameters();
  for (size_t i = 0; i < pa.size(); ++i)
    if (!torch::allclose(pa[i].second, pb[i].second, 0.0, tol)) return false;
  return true;
}

TEST(Collate, LayoutIsRightPaddedAndResponseAligned) {
  auto s = four_samples();
  s[0].sampling_logprobs = {-0.5f, -0.25f};
  SampleBatch b = collate(s, constant_advantages(s, {1, -1, 2, -2}), /*pad_id=*/0);
  EXPECT_EQ(b.ids.sizes(), (std::vector<int64_t>{4, 7}));
  EXPECT_EQ(b.response_ids.sizes(), (std::vector<int64_t>{4, 4}));
  EXPECT_TRUE(torch::equal(b.ids[0], torch::tensor({1, 2, 3, 4, 5, 0, 0}, torch::kInt64)));
  EXPECT_EQ(b.response_index[0][1].item<int64_t>(), 4);
  EXPECT_EQ(b.response_mask[1].sum().item<float>(), 4.0f);
  EXPECT_EQ(b.response_mask[2].sum().item<float>(), 1.0f);
  EXPECT_EQ(b.advantages[3][2].item<float>(), -2.0f);
  EXPECT_EQ(b.advantages[3][3].item<float>(), 0.0f);
  EXPECT_TRUE(b.has_sampling_logp[0].item<bool>());
  EXPECT_FALSE(b.has_sampling_logp[1].item<bool>());
  EXPECT_EQ(b.sampling_logp[0][1].item<float>(), -0.25f);
  EXPECT_EQ(b.num_response_tokens(), 10);
  SampleBatch sub = b.select({2, 0});
  EXPECT_EQ(sub.ids.sizes(), (std::vector<int64_t>{2, 5}));  // trimmed to the longest row
  EXPECT_EQ(sub.response_ids.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(sub.response_lens, (std::vector<int64_t>{1, 2}));
}

TEST(Logprob, MatchesByHandComputation) {
  auto policy = make_tiny_policy(1);
  std::vector<Sample> s = {make_sample(0, {1, 2, 3}, {4, 5}, 1.0)};
  SampleBatch b = collate(s, constant_advantages(s, {0}), 0);
  torch::NoGradGuard ng;
  TokenLogprobs lp = response_logprobs(*policy, b, true);
  torch::Tensor logits = policy->logits(b.ids, b.positions);  // (1, 5, V)
  torch::Tensor ls = torch::log_softmax(logits, -1);
  EXPECT_NEAR(lp.logp[0][0].item<double>(), ls[0][2][4].item<double>(), 1e-6);
  EXPECT_NEAR(lp.logp[0][1].item<double>(), ls[0][3][5].item<double>(), 1e-6);
  const double ent = -(ls[0][3].exp() * ls[0][3]).sum().item<double>();
  EXPECT_NEAR(lp.entropy[0][1].item<double>(), ent, 1e-6);
}

TEST(Logprob, IndependentOfPaddingAndMicroBatching) {
  auto policy = make_tiny_policy(2);
  auto s = four_samples();
  SampleBatch all = collate(s, constant_advantages(s, {0, 0, 0, 0}), 0);
  SampleBatch alone = collate({s[2]}, constant_advantages({s[2]}, {0}), 0);
  torch::NoGradGuard ng;
  TokenLogprobs full = response_logprobs(*policy, all, true);
  TokenLogprobs one = response_logprobs(*policy, alone, true);
  EXPECT_NEAR(full.logp[2][0].item<double>(), one.logp[0][0].item<double>(), 1e-6);
  for (int mb : {1, 3, 8}) {
    TokenLogprobs part = response_logprobs_no_grad(*policy, all, mb, true);
    EXPECT_TRUE(torch::allclose(part.logp, full.logp, 0, 1e-6)) << mb;
    EXPECT_TRUE(torch::allclose(part.entropy, full.entropy, 0, 1e-6)) << mb;
  }
  // Padding columns are exactly zero.
  EXPECT_EQ(full.logp[2][1].item<float>(), 0.0f);
}

TEST(Update, MovesLogprobsInTheDirectionOfTheAdvantage) {
  auto policy = make_tiny_policy(3);
  auto s = four_samples();
  SampleBatch b = collate(s, constant_advantages(s, {1, -1, 1, -1}), 0);
  OptimizerOptions oo;
  oo.lr = 0.05;
  oo.weight_decay = 0;
  auto opt = make_adamw(*policy, oo);
  TokenLogprobs before = response_logprobs_no_grad(*policy, b, 8, false);
  UpdateOptions uo;
  for (int i = 0; i < 5; ++i) update(*policy, *opt, b, uo, PolicyLossOptions{}, 1.0);
  TokenLogprobs after = response_logprobs_no_grad(*policy, b, 8, false);
  torch::Tensor seq_before = before.logp.sum(1), seq_after = after.logp.sum(1);
  EXPECT_GT(seq_after[0].item<double>(), seq_before[0].item<double>());
  EXPECT_LT(seq_after[1].item<double>(), seq_before[1].item<double>());
  EXPECT_GT(seq_after[2].item<double>(), seq_before[2].item<double>());
  EXPECT_LT(seq_after[3].item<double>(), seq_before[3].item<double>());
}

TEST(Update, MicroBatchSizeDoesNotChangeTheResult) {
  auto s = four_samples();
  SampleBatch b = collate(s, constant_advantages(s, {1, -0.5f, 0.25f, -1}), 0);
  for (const char* mode : {"token_mean", "seq_mean_token_mean", "seq_mean_token_sum_norm"}) {
    PolicyLossOptions lo;
    lo.aggregation = mode;
    lo.norm_length = 6;
    OptimizerOptions oo;
    oo.lr = 0.01;
    auto p1 = make_tiny_policy(4), p2 = make_tiny_policy(4);
    auto o1 = make_adamw(*p1, oo), o2 = make_adamw(*p2, oo);
    UpdateOptions u1, u2;
    u1.micro_batch_size = 1;
    u2.micro_batch_size = 4;
    u1.mini_batch_size = u2.mini_batch_size = 4;
    auto m1 = update(*p1, *o1, b, u1, lo, 0.0);
    auto m2 = update(*p2, *o2, b, u2, lo, 0.0);
    EXPECT_NEAR(m1["grad_norm"], m2["grad_norm"], 1e-5) << mode;
    EXPECT_NEAR(m1["loss"], m2["loss"], 1e-6) << mode;
    EXPECT_TRUE(params_close(*p1, *p2, 1e-6)) << mode;
  }
}

TEST(Update, FirstMiniBatchHasRatioOneAndStepsAreCounted) {
  auto policy = make_tiny_policy(5);
  auto s = four_samples();
  SampleBatch b = collate(s, constant_advantages(s, {1, -1, 1, -1}), 0);
  auto opt = make_adamw(*policy, OptimizerOptions{});
  UpdateOptions uo;  // one mini-batch (256 > 4), one epoch
  auto m = update(*policy, *opt, b, uo, PolicyLossOptions{}, 1.0);
  EXPECT_EQ(m["optimizer_steps"], 1);
  EXPECT_EQ(m["ratio_mean"], 1.0);
  EXPECT_EQ(m["clip_frac_low"] + m["clip_frac_high"] + m["dual_clip_frac"], 0.0);
  EXPECT_NEAR(m["approx_kl"], 0.0, 1e-12);
  EXPECT_EQ(m["tokens"], 10);
  EXPECT_GT(m["entropy"], 0.0);
  EXPECT_GT(m["grad_norm"], 0.0);
  EXPECT_DOUBLE_EQ(m["lr"], 1e-6);
  uo.mini_batch_size = 2;
  uo.ppo_epochs = 3;
  m = update(*policy, *opt, b, uo, PolicyLossOptions{}, 1.0);
  EXPECT_EQ(m["optimizer_steps"], 6);
}

TEST(Update, ReportsTheSamplingLogprobMismatch) {
  auto policy = make_tiny_policy(6);
  auto s = four_samples();
  {
    SampleBatch b0 = collate(s, constant_advantages(s, {0, 0, 0, 0}), 0);
    TokenLogprobs lp = response_logprobs_no_grad(*policy, b0, 8, false);
    // Samples 0 and 1 were "sampled" with log-probs 0.1 below the trainer's; 2 and 3 are cached.
    for (int i = 0; i < 2; ++i)
      for (size_t j = 0; j < s[i].response_ids.size(); ++j)
        s[i].sampling_logprobs.push_back(lp.logp[i][j].item<float>() - 0.1f);
  }
  SampleBatch b = collate(s, constant_advantages(s, {0, 0, 0, 0}), 0);
  auto opt = make_adamw(*policy, OptimizerOptions{});
  auto m = update(*policy, *opt, b, UpdateOptions{}, PolicyLossOptions{}, 1.0);
  EXPECT_EQ(m["logp_mismatch_tokens"], 6);
  EXPECT_NEAR(m["logp_mismatch_abs_mean"], 0.1, 1e-5);
  EXPECT_NEAR(m["logp_mismatch_abs_max"], 0.1, 1e-5);
  EXPECT_NEAR(m["logp_mismatch_kl"], std::exp(0.1) - 1 - 0.1, 1e-5);
}

TEST(Update, NonFiniteGradientSkipsTheStep) {
  auto policy = make_tiny_policy(7);
  auto s = four_samples();
  auto adv = constant_advantages(s, {1, -1, 1, -1});
  adv[0][0] = std::nanf("");
  SampleBatch b = collate(s, adv, 0);
  auto opt = make_adamw(*policy, OptimizerOptions{});
  auto before = policy->named_parameters()[0].second.clone();
  auto m = update(*policy, *opt, b, UpdateOptions{}, PolicyLossOptions{}, 1.0);
  EXPECT_EQ(m["skipped_steps"], 1);
  EXPECT_EQ(m["optimizer_steps"], 0);
  EXPECT_TRUE(torch::equal(before, policy->named_parameters()[0].second));
  EXPECT_TRUE(opt->state().empty());
}

TEST(Update, KlToAFrozenReference) {
  auto policy = make_tiny_policy(8);
  auto reference = make_tiny_policy(8);  // identical weights
  auto s = four_samples();
  SampleBatch b = collate(s, constant_advantages(s, {1, -1, 1, -1}), 0);
  OptimizerOptions oo;
  oo.lr = 0.05;
  auto opt = make_adamw(*policy, oo);
  PolicyLossOptions lo;
  lo.kl_coef = 0.5;
  UpdateExtras ex;
  ex.reference = reference.get();
  auto m = update(*policy, *opt, b, UpdateOptions{}, lo, 1.0, ex);
  EXPECT_NEAR(m["ref_kl"], 0.0, 1e-9);  // measured before the first step
  m = update(*policy, *opt, b, UpdateOptions{}, lo, 1.0, ex);
  EXPECT_GT(m["ref_kl"], 0.0);  // k3 >= 0 and the policy has moved
  EXPECT_TRUE(m.count("kl_loss"));
}

TEST(Update, ShuffleIsReproducibleFromTheRng) {
  auto s = four_samples();
  SampleBatch b = collate(s, constant_advantages(s, {1, -0.5f, 0.25f, -1}), 0);
  UpdateOptions uo;
  uo.shuffle = true;
  uo.mini_batch_size = 2;
  OptimizerOptions oo;
  oo.lr = 0.01;
  auto run = [&](uint64_t seed) {
    auto p = make_tiny_policy(9);
    auto o = make_adamw(*p, oo);
    ds::Rng rng(seed);
    UpdateExtras ex;
    ex.shuffle_rng = &rng;
    update(*p, *o, b, uo, PolicyLossOptions{}, 1.0, ex);
    return p;
  };
  auto a = run(1), c = run(1);
  EXPECT_TRUE(params_close(*a, *c, 0.0));
}

TEST(Update, BadOptionsAreConfigErrors) {
  UpdateOptions uo;
  uo.micro_batch_size = 0;
  EXPECT_THROW(validate(uo), ds::ConfigError);
  uo.micro_batch_size = 1;
  uo.ppo_epochs = 0;
  EXPECT_THROW(validate(uo), ds::ConfigError);
}

TEST(LrSchedule, LinearWarmupThenConstant) {
  OptimizerOptions o;
  o.lr = 1e-3;
  o.warmup_steps = 4;
  EXPECT_DOUBLE_EQ(learning_rate_at(0, o), 2.5e-4);
  EXPECT_DOUBLE_EQ(learning_rate_at(1, o), 5e-4);
  EXPECT_DOUBLE_EQ(learning_rate_at(3, o), 1e-3);
  EXPECT_DOUBLE_EQ(learning_rate_at(100, o), 1e-3);
  o.warmup_steps = 0;
  EXPECT_DOUBLE_EQ(learning_rate_at(0, o), 1e-3);
}

TEST(LrSchedule, CosineToTheFloor) {
  OptimizerOptions o;
  o.lr = 1e-3;
  o.warmup_steps = 4;
  o.schedule = LrSchedule::kCosine;
  o.total_steps = 14;
  o.min_lr_ratio = 0.1;
  EXPECT_NEAR(learning_rate_at(4, o), 1e-3, 1e-15);
  EXPECT_NEAR(learning_rate_at(9, o), 1e-4 + 9e-4 * 0.5, 1e-15);
  EXPECT_NEAR(learning_rate_at(14, o), 1e-4, 1e-15);
  EXPECT_NEAR(learning_rate_at(30, o), 1e-4, 1e-15);
}

TEST(Optimizer, WeightDecayGroupsAndLearningRate) {
  auto policy = make_tiny_policy(10);
  OptimizerOptions o;
  o.decay_1d = false;
  auto opt = make_adamw(*policy, o);
  ASSERT_EQ(opt->param_groups().size(), 2u);
  auto& g1 = static_cast<torch::optim::AdamWOptions&>(opt->param_groups()[1].options());
  EXPECT_EQ(g1.weight_decay(), 0.0);
  EXPECT_EQ(opt->param_groups()[1].params().size(), 1u);  // the head bias
  set_learning_rate(*opt, 0.125);
  for (auto& g : opt->param_groups()) EXPECT_EQ(g.options().get_lr(), 0.125);
  o.beta2 = 1.0;
  try {
    make_adamw(*policy, o);
    FAIL();
  } catch (const ds::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("optim.beta2"), std::string::npos);
  }
}

}  // namespace
