// Tests of the PPO policy loss against hand-computed numbers: decoupled clip (clip-higher
// asymmetry), dual clip only for negative advantages, gradients through clipped and unclipped
// tokens, the three aggregation modes (and their exact split across micro-batches), the KL
// estimators and penalty, the entropy bonus, the diagnostics, presets and validation.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.h"
#include "rl/policy_loss.h"

namespace {

using ds::rl::LossInputs;
using ds::rl::PolicyLossOptions;

torch::Tensor row(std::vector<float> v) {
  return torch::tensor(v).unsqueeze(0);
}  // (1, R)

// Inputs whose ratios are exactly `ratios` (old log-probs 0), with grad on logp.
LossInputs with_ratios(const std::vector<float>& ratios, const std::vector<float>& adv) {
  LossInputs in;
  std::vector<float> logs;
  for (float r : ratios) logs.push_back(std::log(r));
  in.logp = row(logs).requires_grad_(true);
  in.old_logp = torch::zeros_like(in.logp);
  in.advantages = row(adv);
  in.mask = torch::ones_like(in.logp);
  return in;
}

TEST(PolicyLoss, DecoupledAndDualClipByHand) {
  // t0 A=+1 r=1    -> -1          t3 A=-1 r=0.7 -> 0.8 (clipped low)
  // t1 A=+1 r=1.5  -> -1.28 (high) t4 A=-1 r=1.1 -> 1.1
  // t2 A=+1 r=0.5  -> -0.5         t5 A=-1 r=20  -> min(20, 10) = 10 (dual clip)
  LossInputs in = with_ratios({1.0f, 1.5f, 0.5f, 0.7f, 1.1f, 20.0f}, {1, 1, 1, -1, -1, -1});
  auto res = ds::rl::policy_loss(in, PolicyLossOptions{});
  const double expected = (-1 - 1.28 - 0.5 + 0.8 + 1.1 + 10) / 6;
  EXPECT_NEAR(res.loss.item<double>(), expected, 1e-5);
  auto m = res.stats.metrics();
  EXPECT_NEAR(m["clip_frac_high"], 1.0 / 6, 1e-9);
  EXPECT_NEAR(m["clip_frac_low"], 1.0 / 6, 1e-9);
  EXPECT_NEAR(m["dual_clip_frac"], 1.0 / 6, 1e-9);
  EXPECT_NEAR(m["ratio_max"], 20.0, 1e-4);
  EXPECT_NEAR(m["ratio_min"], 0.5, 1e-6);
  EXPECT_NEAR(m["ratio_mean"], (1 + 1.5 + 0.5 + 0.7 + 1.1 + 20) / 6, 1e-5);
  // Gradient d loss / d logp = -A r / N on unclipped tokens, 0 on clipped ones.
  res.loss.backward();
  auto g = in.logp.grad().squeeze(0);
  const std::vector<double> want = {-1.0 / 6, 0, -0.5 / 6, 0, 1.1 / 6, 0};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(g[i].item<double>(), want[i], 1e-6) << "token " << i;
}

TEST(PolicyLoss, DualClipAppliesOnlyToNegativeAdvantages) {
  // A = +1 with a huge ratio is bounded by the upper clip, never by c.
  LossInputs in = with_ratios({20.0f, 20.0f}, {1, -2});
  auto res = ds::rl::policy_loss(in, PolicyLossOptions{});
  // t0: max(-20, -1.28) = -1.28; t1: max(40, 2.56) = 40 -> min(40, 2 * 10) = 20
  EXPECT_NEAR(res.loss.item<double>(), (-1.28 + 20) / 2, 1e-5);
  auto m = res.stats.metrics();
  EXPECT_NEAR(m["dual_clip_frac"], 0.5, 1e-9);
  EXPECT_NEAR(m["clip_frac_high"], 0.5, 1e-9);
  // Dual clip off: the negative token costs 40.
  PolicyLossOptions off;
  off.dual_clip = 0;
  in = with_ratios({20.0f, 20.0f}, {1, -2});
  EXPECT_NEAR(ds::rl::policy_loss(in, off).loss.item<double>(), (-1.28 + 40) / 2, 1e-4);
}

TEST(PolicyLoss, ClipHigherIsAsymmetric) {
  // r = 1.25 with A > 0 is inside [0.8, 1.28]: it still gets a gradient; with a symmetric 0.2
  // clip it does not. r = 0.75 with A < 0 is below 0.8: clipped either way.
  auto grad_of = [](float ratio, float adv, double clip_high) {
    LossInputs in = with_ratios({ratio}, {adv});
    PolicyLossOptions o;
    o.clip_high = clip_high;
    ds::rl::policy_loss(in, o).loss.backward();
    return in.logp.grad().item<double>();
  };
  EXPECT_NEAR(grad_of(1.25f, 1, 0.28), -1.25, 1e-6);
  EXPECT_EQ(grad_of(1.25f, 1, 0.2), 0.0);
  EXPECT_EQ(grad_of(0.75f, -1, 0.28), 0.0);
  EXPECT_NEAR(grad_of(0.85f, -1, 0.28), 0.85, 1e-6);
}

TEST(Aggregation, ThreeModesByHand) {
  torch::Tensor x = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f, 9.0f, 9.0f}).view({2, 3});
  torch::Tensor mask = torch::tensor({1.0f, 1.0f, 1.0f, 1.0f, 0.0f, 0.0f}).view({2, 3});
  PolicyLossOptions o;
  EXPECT_NEAR(ds::rl::aggregate(x, mask, o).item<double>(), 10.0 / 4, 1e-6);
  o.aggregation = "seq_mean_token_mean";
  EXPECT_NEAR(ds::rl::aggregate(x, mask, o).item<double>(), (6.0 / 3 + 4.0 / 1) / 2, 1e-6);
  o.aggregation = "seq_mean_token_sum_norm";
  o.norm_length = 5;
  EXPECT_NEAR(ds::rl::aggregate(x, mask, o).item<double>(), 10.0 / (5 * 2), 1e-6);
  // With the denominators of a larger mini-batch (8 tokens, 4 sequences).
  ds::rl::LossScale scale{8.0, 4.0};
  o.aggregation = "token_mean";
  EXPECT_NEAR(ds::rl::aggregate(x, mask, o, scale).item<double>(), 10.0 / 8, 1e-6);
  o.aggregation = "seq_mean_token_mean";
  EXPECT_NEAR(ds::rl::aggregate(x, mask, o, scale).item<double>(), 6.0 / 4, 1e-6);
  o.aggregation = "seq_mean_token_sum_norm";
  EXPECT_NEAR(ds::rl::aggregate(x, mask, o, scale).item<double>(), 10.0 / 20, 1e-6);
  o.norm_length = 0;
  EXPECT_THROW(ds::rl::aggregate(x, mask, o), ds::ConfigError);
}

TEST(Aggregation, MicroBatchesAddUpToTheMiniBatchLoss) {
  // Two rows of different lengths; the loss of the whole equals the sum of the row losses
  // computed with the whole's denominators, for every mode.
  torch::Tensor logp = torch::tensor({-0.1f, -0.4f, -2.0f, -0.3f, -1.0f, 0.0f}).view({2, 3});
  torch::Tensor old = torch::tensor({-0.2f, -0.3f, -1.5f, -0.3f, -1.1f, 0.0f}).view({2, 3});
  torch::Tensor adv = torch::tensor({0.5f, 0.5f, 0.5f, -1.0f, -1.0f, 0.0f}).view({2, 3});
  torch::Tensor mask = torch::tensor({1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 0.0f}).view({2, 3});
  for (const char* mode : {"token_mean", "seq_mean_token_mean", "seq_mean_token_sum_norm"}) {
    PolicyLossOptions o;
    o.aggregation = mode;
    o.norm_length = 4;
    LossInputs all{logp, old, adv, mask, {}, {}};
    const double whole = ds::rl::policy_loss(all, o).loss.item<double>();
    ds::rl::LossScale scale{5.0, 2.0};
    double parts = 0;
    for (int r = 0; r < 2; ++r) {
      LossInputs one{logp.narrow(0, r, 1),
                     old.narrow(0, r, 1),
                     adv.narrow(0, r, 1),
                     mask.narrow(0, r, 1),
                     {},
                     {}};
      parts += ds::rl::policy_loss(one, o, scale).loss.item<double>();
    }
    EXPECT_NEAR(parts, whole, 1e-6) << mode;
  }
}

TEST(Kl, EstimatorsByHand) {
  torch::Tensor logp = torch::tensor({-1.0f}), ref = torch::tensor({-1.5f});
  EXPECT_NEAR(ds::rl::kl_penalty(logp, ref, "k1").item<double>(), 0.5, 1e-6);
  EXPECT_NEAR(ds::rl::kl_penalty(logp, ref, "k2").item<double>(), 0.125, 1e-6);
  // k3: d = ref - logp = -0.5: exp(-0.5) + 0.5 - 1
  EXPECT_NEAR(ds::rl::kl_penalty(logp, ref, "k3").item<double>(), std::exp(-0.5) - 0.5, 1e-6);
  // k3 is clamped at 10.
  EXPECT_NEAR(
      ds::rl::kl_penalty(torch::tensor({-20.0f}), torch::tensor({0.0f}), "k3").item<double>(), 10.0,
      1e-6);
}

TEST(Kl, PenaltyIsAddedWithItsCoefficient) {
  LossInputs in = with_ratios({1.0f, 1.0f}, {0, 0});  // policy gradient term 0
  in.ref_logp = torch::full_like(in.logp, -0.5);      // logp = 0
  PolicyLossOptions o;
  o.kl_coef = 0.1;
  o.kl_estimator = "k1";
  auto res = ds::rl::policy_loss(in, o);
  EXPECT_NEAR(res.loss.item<double>(), 0.1 * 0.5, 1e-6);
  EXPECT_NEAR(res.stats.metrics()["ref_kl"], 0.5, 1e-6);
  res.loss.backward();
  EXPECT_NEAR(in.logp.grad()[0][0].item<double>(), 0.1 / 2, 1e-6);  // d(k1)/dlogp = 1
  o.kl_estimator = "k3";
  in = with_ratios({1.0f}, {0});
  in.ref_logp = torch::full_like(in.logp, -0.5);
  EXPECT_NEAR(ds::rl::policy_loss(in, o).loss.item<double>(), 0.1 * (std::exp(-0.5) - 0.5), 1e-6);
}

TEST(Entropy, BonusIsSubtracted) {
  LossInputs in = with_ratios({1.0f, 1.0f}, {0, 0});
  in.entropy = torch::tensor({{2.0f, 1.0f}}).requires_grad_(true);
  PolicyLossOptions o;
  auto res = ds::rl::policy_loss(in, o);  // coefficient 0: measured, not optimized
  EXPECT_NEAR(res.loss.item<double>(), 0.0, 1e-7);
  EXPECT_NEAR(res.stats.metrics()["entropy"], 1.5, 1e-6);
  o.entropy_coef = 0.01;
  res = ds::rl::policy_loss(in, o);
  EXPECT_NEAR(res.loss.item<double>(), -0.01 * 1.5, 1e-7);
}

TEST(Diagnostics, ApproxKlOfOldToNew) {
  // log r = 0.1 and -0.2: k1 = mean(-log r), k3 = mean(r - 1 - log r).
  LossInputs in;
  in.logp = torch::tensor({{0.1f, -0.2f}});
  in.old_logp = torch::zeros({1, 2});
  in.advantages = torch::ones({1, 2});
  in.mask = torch::ones({1, 2});
  auto m = ds::rl::policy_loss(in, PolicyLossOptions{}).stats.metrics();
  EXPECT_NEAR(m["approx_kl_k1"], (-0.1 + 0.2) / 2, 1e-6);
  const double k3 = ((std::exp(0.1) - 1 - 0.1) + (std::exp(-0.2) - 1 + 0.2)) / 2;
  EXPECT_NEAR(m["approx_kl"], k3, 1e-6);
}

TEST(Diagnostics, MaskedTokensAreIgnored) {
  LossInputs in = with_ratios({1.0f, 50.0f}, {1, -1});
  in.mask = torch::tensor({{1.0f, 0.0f}});
  auto res = ds::rl::policy_loss(in, PolicyLossOptions{});
  EXPECT_NEAR(res.loss.item<double>(), -1.0, 1e-6);
  auto m = res.stats.metrics();
  EXPECT_EQ(m["dual_clip_frac"], 0.0);
  EXPECT_NEAR(m["ratio_max"], 1.0, 1e-6);
  EXPECT_EQ(res.stats.tokens, 1.0);
}

TEST(Presets, AndValidation) {
  EXPECT_EQ(ds::rl::policy_loss_preset(ds::rl::Algorithm::kDeepSearch).clip_high, 0.28);
  EXPECT_EQ(ds::rl::policy_loss_preset(ds::rl::Algorithm::kDeepSearch).aggregation, "token_mean");
  EXPECT_EQ(ds::rl::policy_loss_preset(ds::rl::Algorithm::kDapo).aggregation, "token_mean");
  EXPECT_EQ(ds::rl::policy_loss_preset(ds::rl::Algorithm::kGrpo).aggregation,
            "seq_mean_token_mean");
  EXPECT_EQ(ds::rl::policy_loss_preset(ds::rl::Algorithm::kDrGrpo).aggregation,
            "seq_mean_token_sum_norm");
  EXPECT_THROW(ds::rl::parse_algorithm("x"), ds::ConfigError);
  PolicyLossOptions o;
  EXPECT_NO_THROW(ds::rl::validate(o));
  o.dual_clip = 0.5;
  try {
    ds::rl::validate(o);
    FAIL();
  } catch (const ds::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("loss.dual_clip"), std::string::npos);
  }
}

}  // namespace
