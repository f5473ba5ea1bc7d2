// Tests of the advantage estimators against hand-computed numbers: Tree-GRPO (mixed, all-wrong and
// all-correct trees, overlong penalty, outcome granularity, std normalization, the [P] baseline
// over all terminals, the alternative baselines), GRPO, Dr. GRPO, DAPO (dynamic sampling), and the
// validation errors. No torch.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.h"
#include "rl/advantage.h"

namespace {

using ds::rl::AdvantageOptions;
using ds::rl::Sample;

// A sample of `group` with token rewards `q` (empty = outcome-only) and outcome `reward`.
Sample make(int64_t group, std::vector<float> q, double reward, int64_t length = -1) {
  Sample s;
  s.group = group;
  s.prompt_ids = {1, 2};
  const size_t n = length >= 0 ? static_cast<size_t>(length) : q.size();
  s.response_ids.assign(n, 7);
  s.token_rewards = std::move(q);
  s.reward = reward;
  s.correct = reward > 0;
  return s;
}

AdvantageOptions tree_options() {
  AdvantageOptions o = ds::rl::advantage_preset(ds::rl::Algorithm::kDeepSearch);
  o.overlong.enable = false;
  return o;
}

void expect_near(const std::vector<float>& got, const std::vector<double>& want,
                 double tol = 1e-5) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "token " << i;
}

TEST(Overlong, PenaltyIsLinearInTheBufferAndZeroBefore) {
  ds::rl::OverlongOptions o;
  o.enable = true;
  o.max_length = 16;
  o.buffer = 4;  // expected length 12
  EXPECT_DOUBLE_EQ(ds::rl::overlong_penalty(10, o), 0.0);
  EXPECT_DOUBLE_EQ(ds::rl::overlong_penalty(12, o), 0.0);
  EXPECT_DOUBLE_EQ(ds::rl::overlong_penalty(14, o), -0.5);
  EXPECT_DOUBLE_EQ(ds::rl::overlong_penalty(16, o), -1.0);
  o.penalty_factor = 2.0;
  EXPECT_DOUBLE_EQ(ds::rl::overlong_penalty(14, o), -1.0);
  o.penalty_factor = 1.0;
  o.buffer = 0;  // max_length / 4 = 4
  EXPECT_DOUBLE_EQ(ds::rl::overlong_penalty(13, o), -0.25);
  o.enable = false;
  EXPECT_DOUBLE_EQ(ds::rl::overlong_penalty(16, o), 0.0);
}

TEST(TreeGrpo, MixedTreeIsMeanCenteredPerNode) {
  // Final scores 1, -1, -1 -> mu = -1/3; A = q~ - mu, terminal tokens carry +-1.
  std::vector<Sample> s = {make(5, {0.5f, 0.5f, 1.0f}, 1.0), make(5, {0.5f, -0.2f, -1.0f}, -1.0),
                           make(5, {-0.3f, -1.0f}, -1.0)};
  auto r = ds::rl::compute_advantages(s, tree_options());
  const double t = 1.0 / 3.0;
  expect_near(r.advantages[0], {0.5 + t, 0.5 + t, 1 + t});
  expect_near(r.advantages[1], {0.5 + t, -0.2 + t, -1 + t});
  expect_near(r.advantages[2], {-0.3 + t, -1 + t});
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_NEAR(r.groups[0].mean, -t, 1e-12);
  EXPECT_FALSE(r.groups[0].zero_variance);
  EXPECT_EQ(r.dropped_groups, 0);
  // Token statistics over all 8 tokens.
  double sum = 0;
  for (double a : {0.5 + t, 0.5 + t, 1 + t, 0.5 + t, -0.2 + t, -1 + t, -0.3 + t, -1 + t}) sum += a;
  EXPECT_NEAR(r.advantage_mean, sum / 8, 1e-6);
}

TEST(TreeGrpo, StdNormalizationPopulationAndUnbiased) {
  std::vector<Sample> s = {make(0, {0.5f, 1.0f}, 1.0), make(0, {-0.2f, -1.0f}, -1.0),
                           make(0, {-1.0f}, -1.0)};
  AdvantageOptions o = tree_options();
  o.std_normalize = true;
  auto r = ds::rl::compute_advantages(s, o);
  const double mu = -1.0 / 3.0, pop = std::sqrt(8.0 / 9.0);  // population std of {1, -1, -1}
  expect_near(r.advantages[0], {(0.5 - mu) / (pop + 1e-6), (1 - mu) / (pop + 1e-6)});
  expect_near(r.advantages[2], {(-1 - mu) / (pop + 1e-6)});
  EXPECT_NEAR(r.groups[0].std, pop, 1e-12);
  o.unbiased_std = true;
  r = ds::rl::compute_advantages(s, o);
  const double unb = std::sqrt(4.0 / 3.0);
  expect_near(r.advantages[1], {(-0.2 - mu) / (unb + 1e-6), (-1 - mu) / (unb + 1e-6)});
}

TEST(TreeGrpo, AllWrongTreeLiteralGivesPositiveIntermediateAdvantages) {
  std::vector<Sample> s = {make(1, {-0.2f, -1.0f}, -1.0), make(1, {-0.5f, -0.4f, -1.0f}, -1.0)};
  auto r = ds::rl::compute_advantages(s, tree_options());
  expect_near(r.advantages[0], {0.8, 0.0});
  expect_near(r.advantages[1], {0.5, 0.6, 0.0});
  EXPECT_TRUE(r.groups[0].all_wrong);
  EXPECT_TRUE(r.groups[0].zero_variance);
  EXPECT_EQ(r.zero_variance_groups, 1);
  EXPECT_EQ(r.dropped_groups, 0);  // the tree still teaches through its node values
}

TEST(TreeGrpo, AllWrongTreeAlternativeBaselines) {
  std::vector<Sample> s = {make(1, {-0.2f, -1.0f}, -1.0), make(1, {-0.5f, -0.4f, -1.0f}, -1.0),
                           make(2, {0.3f, 1.0f}, 1.0), make(2, {-0.6f, -1.0f}, -1.0)};
  AdvantageOptions o = tree_options();
  o.all_wrong_baseline = "zero";
  auto r = ds::rl::compute_advantages(s, o);
  expect_near(r.advantages[0], {-0.2, -1.0});  // every token pushed down, by its node's value
  expect_near(r.advantages[1], {-0.5, -0.4, -1.0});
  expect_near(r.advantages[2], {0.3, 1.0});  // the mixed tree is untouched (mu = 0 here anyway)
  EXPECT_DOUBLE_EQ(r.groups[0].mean, 0.0);

  o.all_wrong_baseline = "drop";
  r = ds::rl::compute_advantages(s, o);
  EXPECT_EQ(r.keep, (std::vector<char>{0, 0, 1, 1}));
  EXPECT_EQ(r.dropped_groups, 1);
  expect_near(r.advantages[0], {0.0, 0.0});
  EXPECT_TRUE(r.groups[0].dropped);
  EXPECT_FALSE(r.groups[1].dropped);
}

TEST(TreeGrpo, AllCorrectTreeLiteralAndZeroBaseline) {
  std::vector<Sample> s = {make(3, {0.3f, 1.0f}, 1.0), make(3, {0.7f, 1.0f}, 1.0)};
  auto r = ds::rl::compute_advantages(s, tree_options());
  expect_near(r.advantages[0], {-0.7, 0.0});  // mu = 1: correct reasoning gets pushed down
  expect_near(r.advantages[1], {-0.3, 0.0});
  EXPECT_TRUE(r.groups[0].all_correct);
  AdvantageOptions o = tree_options();
  o.all_correct_baseline = "zero";
  r = ds::rl::compute_advantages(s, o);
  expect_near(r.advantages[0], {0.3, 1.0});
  expect_near(r.advantages[1], {0.7, 1.0});
}

TEST(TreeGrpo, OverlongPenaltyIsAddedToEveryTokenAndToTheFinalScore) {
  AdvantageOptions o = tree_options();
  o.overlong.enable = true;
  o.overlong.max_length = 4;
  o.overlong.buffer = 2;  // expected 2: length 3 -> -0.5, length 2 -> 0
  std::vector<Sample> s = {make(0, {0.4f, 0.6f, 1.0f}, 1.0), make(0, {-0.5f, -1.0f}, -1.0)};
  auto r = ds::rl::compute_advantages(s, o);
  EXPECT_DOUBLE_EQ(r.overlong[0], -0.5);
  EXPECT_DOUBLE_EQ(r.final_scores[0], 0.5);
  EXPECT_DOUBLE_EQ(r.final_scores[1], -1.0);
  // mu = (0.5 - 1) / 2 = -0.25
  expect_near(r.advantages[0], {0.4 - 0.5 + 0.25, 0.6 - 0.5 + 0.25, 1.0 - 0.5 + 0.25});
  expect_near(r.advantages[1], {-0.5 + 0.25, -1.0 + 0.25});
}

TEST(TreeGrpo, OutcomeGranularityBroadcastsTheFinalScore) {
  AdvantageOptions o = tree_options();
  o.granularity = "outcome";
  std::vector<Sample> s = {make(0, {0.5f, 0.5f, 1.0f}, 1.0), make(0, {0.5f, -1.0f}, -1.0),
                           make(0, {-1.0f}, -1.0)};
  auto r = ds::rl::compute_advantages(s, o);
  const double t = 1.0 / 3.0;
  expect_near(r.advantages[0], {1 + t, 1 + t, 1 + t});
  expect_near(r.advantages[1], {-1 + t, -1 + t});
}

TEST(TreeGrpo, CachedAndDirectSamplesUseTheirOutcomeInTheSameGroup) {
  // A cached correct solution (no token rewards) next to direct rollouts: outcome broadcast,
  // normalized with the group's mean.
  std::vector<Sample> s = {make(9, {}, 1.0, 3), make(9, {}, -1.0, 2), make(9, {}, -1.0, 1),
                           make(9, {}, -1.0, 2)};
  s[0].source = ds::rl::SampleSource::kCached;
  auto r = ds::rl::compute_advantages(s, tree_options());
  expect_near(r.advantages[0], {1.5, 1.5, 1.5});
  expect_near(r.advantages[1], {-0.5, -0.5});
  expect_near(r.advantages[2], {-0.5});
}

TEST(TreeGrpo, PaperBaselineOverAllTerminalsOfTheTree) {
  AdvantageOptions o = tree_options();
  o.baseline = "all_terminals";
  std::vector<Sample> s = {make(4, {0.2f, 1.0f}, 1.0), make(4, {-0.3f, -1.0f}, -1.0),
                           make(8, {0.1f, 1.0f}, 1.0), make(8, {-1.0f}, -1.0)};
  std::map<int64_t, std::vector<ds::rl::TreeTerminal>> terminals;
  terminals[4] = {{1.0, 2}, {-1.0, 2}, {-1.0, 5}, {-1.0, 7}};  // mu = -0.5
  auto r = ds::rl::compute_advantages(s, o, &terminals);
  expect_near(r.advantages[0], {0.7, 1.5});
  expect_near(r.advantages[1], {0.2, -0.5});
  // Group 8 has no entry: its own trajectories (mu = 0).
  expect_near(r.advantages[2], {0.1, 1.0});
  // The default baseline ignores the map.
  r = ds::rl::compute_advantages(s, tree_options(), &terminals);
  expect_near(r.advantages[0], {0.2, 1.0});
}

TEST(TreeGrpo, GroupsNeedNotBeContiguousAndSingletonsUseMeanZeroStdOne) {
  AdvantageOptions o = tree_options();
  o.std_normalize = true;
  std::vector<Sample> s = {make(1, {0.5f, 1.0f}, 1.0), make(2, {-0.5f, -1.0f}, -1.0),
                           make(1, {-1.0f}, -1.0)};
  auto r = ds::rl::compute_advantages(s, o);
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].group, 1);
  EXPECT_EQ(r.groups[0].size, 2);
  // Group 1: {1, -1}: mu 0, population std 1.
  expect_near(r.advantages[0], {0.5 / (1 + 1e-6), 1.0 / (1 + 1e-6)});
  expect_near(r.advantages[2], {-1.0 / (1 + 1e-6)});
  // Group 2 is a singleton: mean 0, std 1.
  expect_near(r.advantages[1], {-0.5 / (1 + 1e-6), -1.0 / (1 + 1e-6)});
}

TEST(Grpo, NormalizesOutcomesByGroupMeanAndSampleStd) {
  AdvantageOptions o = ds::rl::advantage_preset(ds::rl::Algorithm::kGrpo);
  // Token rewards are ignored by the outcome methods.
  std::vector<Sample> s = {make(0, {0.9f, 0.9f}, 1.0), make(0, {}, -1.0, 3), make(0, {}, -1.0, 1),
                           make(0, {}, -1.0, 2)};
  auto r = ds::rl::compute_advantages(s, o);
  // mean -0.5, unbiased std sqrt((2.25 + 3 * 0.25) / 3) = 1.
  const double d = 1.0 + 1e-6;
  expect_near(r.advantages[0], {1.5 / d, 1.5 / d});
  expect_near(r.advantages[1], {-0.5 / d, -0.5 / d, -0.5 / d});
  // All-wrong group: zero advantages (zero variance), not dropped by GRPO.
  std::vector<Sample> w = {make(1, {}, -1.0, 2), make(1, {}, -1.0, 2)};
  r = ds::rl::compute_advantages(w, o);
  expect_near(r.advantages[0], {0.0, 0.0});
  EXPECT_EQ(r.zero_variance_groups, 1);
  EXPECT_EQ(r.dropped_groups, 0);
}

TEST(Grpo, BinaryRewards) {
  AdvantageOptions o = ds::rl::advantage_preset(ds::rl::Algorithm::kGrpo);
  std::vector<Sample> s = {make(0, {}, 1.0, 1), make(0, {}, 0.0, 1), make(0, {}, 0.0, 1),
                           make(0, {}, 0.0, 1)};
  auto r = ds::rl::compute_advantages(s, o);
  // mean 0.25, unbiased std sqrt((0.5625 + 3 * 0.0625) / 3) = 0.5
  expect_near(r.advantages[0], {0.75 / 0.500001});
  expect_near(r.advantages[3], {-0.25 / 0.500001});
}

TEST(DrGrpo, MeanOnlyOutcomeAdvantage) {
  AdvantageOptions o = ds::rl::advantage_preset(ds::rl::Algorithm::kDrGrpo);
  std::vector<Sample> s = {make(0, {}, 1.0, 2), make(0, {}, -1.0, 1), make(0, {}, -1.0, 1),
                           make(0, {}, -1.0, 1)};
  auto r = ds::rl::compute_advantages(s, o);
  expect_near(r.advantages[0], {1.5, 1.5}, 1e-7);
  expect_near(r.advantages[2], {-0.5}, 1e-7);
}

TEST(Dapo, OverlongShapingAndDynamicSampling) {
  AdvantageOptions o = ds::rl::advantage_preset(ds::rl::Algorithm::kDapo);
  o.overlong.max_length = 8;
  o.overlong.buffer = 4;  // expected 4
  std::vector<Sample> s = {
      make(1, {}, 1.0, 6),                                               // 1 - 0.5 = 0.5
      make(1, {}, -1.0, 4), make(2, {}, -1.0, 3), make(2, {}, -1.0, 7),  // all wrong -> dropped
      make(3, {}, 1.0, 2),  make(3, {}, 1.0, 2),                         // all correct -> dropped
  };
  auto r = ds::rl::compute_advantages(s, o);
  // Group 1: scores {0.5, -1}: mean -0.25, unbiased std 1.0606601718
  const double sd = std::sqrt(1.125) + 1e-6;
  expect_near(r.advantages[0], std::vector<double>(6, 0.75 / sd));
  expect_near(r.advantages[1], std::vector<double>(4, -0.75 / sd));
  EXPECT_EQ(r.keep, (std::vector<char>{1, 1, 0, 0, 0, 0}));
  EXPECT_EQ(r.zero_variance_groups, 2);
  EXPECT_EQ(r.dropped_groups, 2);
  expect_near(r.advantages[3], std::vector<double>(7, 0.0));
  // By the shaped reward instead, group 2 varies ({-1, -1.75}) and is kept.
  o.dynamic_sampling.metric = "reward";
  r = ds::rl::compute_advantages(s, o);
  EXPECT_EQ(r.keep, (std::vector<char>{1, 1, 1, 1, 0, 0}));
  EXPECT_EQ(r.zero_variance_groups, 1);
}

TEST(Validation, BadOptionsAreConfigErrorsNamingTheField) {
  AdvantageOptions o =
      ds::rl::advantage_preset(ds::rl::Algorithm::kDeepSearch);  // overlong on, max_length 0
  try {
    ds::rl::compute_advantages({make(0, {1.0f}, 1.0)}, o);
    FAIL() << "expected ConfigError";
  } catch (const ds::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("advantage.overlong.max_length"), std::string::npos);
  }
  o.overlong.max_length = 8;
  o.overlong.buffer = 9;
  EXPECT_THROW(ds::rl::validate(o), ds::ConfigError);
  o.overlong.buffer = 2;
  EXPECT_NO_THROW(ds::rl::validate(o));
  try {
    ds::rl::parse_algorithm("ppo");  // an unknown name never reaches the presets
    FAIL();
  } catch (const ds::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("deepsearch, grpo, drgrpo, dapo"), std::string::npos);
  }
}

TEST(Presets, DifferWhereTheAlgorithmsDiffer) {
  auto ds_ = ds::rl::advantage_preset(ds::rl::Algorithm::kDeepSearch);
  auto grpo = ds::rl::advantage_preset(ds::rl::Algorithm::kGrpo);
  auto dr = ds::rl::advantage_preset(ds::rl::Algorithm::kDrGrpo);
  auto dapo = ds::rl::advantage_preset(ds::rl::Algorithm::kDapo);
  EXPECT_EQ(ds_.granularity, "node");
  EXPECT_FALSE(ds_.std_normalize);
  EXPECT_TRUE(ds_.overlong.enable);
  EXPECT_TRUE(grpo.std_normalize);
  EXPECT_FALSE(grpo.overlong.enable);
  EXPECT_FALSE(dr.std_normalize);
  EXPECT_TRUE(dapo.dynamic_sampling.enable);
  EXPECT_TRUE(dapo.overlong.enable);
  EXPECT_FALSE(ds_.dynamic_sampling.enable);
}

}  // namespace
