// Tests of the registration rule, the skip rule (k = min(#cached, B), order, sources, rewards)
// and the skip metrics.
#include <gtest/gtest.h>

#include "core/errors.h"
#include "train/replay_rules.h"

using namespace ds::rl;
using namespace ds::train;

namespace {

CachedSolution cached(std::vector<int32_t> ids) {
  CachedSolution c;
  c.response_ids = std::move(ids);
  c.response = "cached";
  return c;
}

std::vector<Sample> direct_rollouts(int n, int first_token) {
  std::vector<Sample> out;
  for (int i = 0; i < n; ++i) {
    Sample s;
    s.group = 99;
    s.prompt_ids = {1, 2, 3};
    s.response_ids = {first_token + i, 0};
    s.sampling_logprobs = {-0.5f, -0.25f};
    s.reward = i % 2 == 0 ? -1.0 : 1.0;
    s.correct = i % 2 == 1;
    s.source = SampleSource::kDirect;
    out.push_back(s);
  }
  return out;
}

}  // namespace

TEST(ReplayRules, RegistrationRuleEdges) {
  ReplayOptions o;                         // 0 < fraction <= 0.25
  EXPECT_FALSE(should_register(0, 4, o));  // nothing correct: nothing to register
  EXPECT_TRUE(should_register(1, 4, o));   // 0.25 is included
  EXPECT_FALSE(should_register(2, 4, o));  // no longer hard
  EXPECT_FALSE(should_register(4, 4, o));
  EXPECT_TRUE(should_register(1, 8, o));
  EXPECT_TRUE(should_register(2, 8, o));
  EXPECT_FALSE(should_register(3, 8, o));
  EXPECT_FALSE(should_register(0, 0, o));
  // The exclusive lower bound.
  o.register_min_fraction = 0.125;
  EXPECT_FALSE(should_register(1, 8, o));
  EXPECT_TRUE(should_register(2, 8, o));
  // A stricter upper bound, and disabled.
  o = ReplayOptions{};
  o.register_max_fraction = 0.2;
  EXPECT_FALSE(should_register(1, 4, o));
  EXPECT_TRUE(should_register(1, 8, o));
  o = ReplayOptions{};
  o.enable = false;
  EXPECT_FALSE(should_register(1, 4, o));
}

TEST(ReplayRules, ValidateNamesTheField) {
  ReplayOptions o;
  validate(o);
  o.register_max_fraction = 1.5;
  EXPECT_THROW(validate(o), ds::ConfigError);
  o = ReplayOptions{};
  o.register_min_fraction = 0.25;
  try {
    validate(o);
    FAIL();
  } catch (const ds::ConfigError& e) {
    EXPECT_EQ(e.where(), "replay.register_min_fraction");
  }
}

TEST(ReplayRules, CacheEntryTakesTheCorrectSamples) {
  std::vector<Sample> g = direct_rollouts(4, 10);  // samples 1 and 3 correct
  CacheEntry e = make_cache_entry("id", "q", "a", 7, g, {"r0", "r1", "r2", "r3"});
  EXPECT_EQ(e.problem_id, "id");
  EXPECT_EQ(e.step, 7);
  EXPECT_DOUBLE_EQ(e.fraction_correct, 0.5);
  ASSERT_EQ(e.solutions.size(), 2u);
  EXPECT_EQ(e.solutions[0].response, "r1");
  EXPECT_EQ(e.solutions[0].response_ids, (std::vector<int32_t>{11, 0}));
  EXPECT_EQ(e.solutions[1].response, "r3");
  EXPECT_EQ(e.solutions[1].step, 7);
  EXPECT_EQ(e.solutions[1].reward, 1.0);
}

TEST(ReplayRules, SkipGroupFewerCachedThanB) {
  const int B = 8;
  std::vector<CachedSolution> c = {cached({100, 101}), cached({200}), cached({300, 301, 302})};
  EXPECT_EQ(cached_in_group(c, B), 3);
  EXPECT_EQ(fresh_rollouts(c, B), 5);
  const std::vector<int32_t> prompt = {7, 8, 9};
  // B - k fresh rollouts: all used, after the cached ones, in order.
  std::vector<Sample> g = make_skip_group(c, direct_rollouts(5, 10), B, prompt, 42);
  ASSERT_EQ(g.size(), 8u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(g[i].source, SampleSource::kCached);
    EXPECT_EQ(g[i].response_ids, c[i].response_ids);
    EXPECT_EQ(g[i].prompt_ids, prompt);
    EXPECT_EQ(g[i].reward, 1.0);
    EXPECT_TRUE(g[i].correct);
    EXPECT_FALSE(g[i].has_sampling_logprobs());
    EXPECT_FALSE(g[i].has_token_rewards());
    check_sample(g[i]);
  }
  for (int i = 3; i < 8; ++i) {
    EXPECT_EQ(g[i].source, SampleSource::kDirect);
    EXPECT_EQ(g[i].response_ids[0], 10 + (i - 3));
    EXPECT_TRUE(g[i].has_sampling_logprobs());
  }
  for (const Sample& s : g) EXPECT_EQ(s.group, 42);

  // B rollouts: the first k are the replaced ones.
  std::vector<Sample> g2 = make_skip_group(c, direct_rollouts(8, 10), B, prompt, 42);
  ASSERT_EQ(g2.size(), 8u);
  EXPECT_EQ(g2[2].source, SampleSource::kCached);
  EXPECT_EQ(g2[3].source, SampleSource::kDirect);
  EXPECT_EQ(g2[3].response_ids[0], 13);
  EXPECT_EQ(g2[7].response_ids[0], 17);
}

TEST(ReplayRules, SkipGroupMoreCachedThanBUsesTheFirstB) {
  std::vector<CachedSolution> c;
  for (int i = 0; i < 6; ++i) c.push_back(cached({i + 1}));
  EXPECT_EQ(cached_in_group(c, 4), 4);
  EXPECT_EQ(fresh_rollouts(c, 4), 0);
  std::vector<Sample> g = make_skip_group(c, {}, 4, {1}, 0);
  ASSERT_EQ(g.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(g[i].source, SampleSource::kCached);
    EXPECT_EQ(g[i].response_ids, (std::vector<int32_t>{i + 1}));
  }
  // With B rollouts given, all are dropped.
  std::vector<Sample> g2 = make_skip_group(c, direct_rollouts(4, 10), 4, {1}, 0);
  for (const Sample& s : g2) EXPECT_EQ(s.source, SampleSource::kCached);
}

TEST(ReplayRules, SkipGroupIgnoresCachedWithoutIdsAndNoCacheMeansAllDirect) {
  std::vector<CachedSolution> c = {cached({}), cached({5})};
  EXPECT_EQ(cached_in_group(c, 4), 1);
  std::vector<Sample> g = make_skip_group(c, direct_rollouts(3, 10), 4, {1}, 3);
  ASSERT_EQ(g.size(), 4u);
  EXPECT_EQ(g[0].response_ids, (std::vector<int32_t>{5}));
  EXPECT_EQ(g[1].source, SampleSource::kDirect);
  std::vector<Sample> none = make_skip_group({}, direct_rollouts(4, 10), 4, {1}, 3);
  for (const Sample& s : none) EXPECT_EQ(s.source, SampleSource::kDirect);
}

TEST(ReplayRules, SkipGroupWrongDirectCountIsABug) {
  std::vector<CachedSolution> c = {cached({1})};
  EXPECT_DEATH(make_skip_group(c, direct_rollouts(5, 10), 4, {1}, 0), "direct rollouts");
}

TEST(ReplayRules, SkipMetricsCountSavedWork) {
  std::vector<CachedSolution> c = {cached({1, 2, 3, 4}), cached({5, 6})};
  SkipMetrics m;
  m.add_group(make_skip_group(c, direct_rollouts(2, 10), 4, {1}, 0));  // 6 cached + 4 fresh tokens
  EXPECT_EQ(m.searches_skipped, 1);
  EXPECT_EQ(m.cached_samples, 2);
  EXPECT_EQ(m.fresh_samples, 2);
  EXPECT_EQ(m.cached_tokens, 6);
  EXPECT_EQ(m.fresh_tokens, 4);
  EXPECT_EQ(m.tokens_not_generated(0.0), 6);       // no search to compare: the cached tokens
  EXPECT_EQ(m.tokens_not_generated(1000.0), 996);  // one search of 1000 tokens minus 4 fresh
  EXPECT_EQ(m.tokens_not_generated(5.0), 6);       // never below the cached tokens
  SkipMetrics total;
  total.add(m);
  total.add(m);
  EXPECT_EQ(total.searches_skipped, 2);
  EXPECT_EQ(total.tokens_not_generated(1000.0), 2000 - 8);
  auto j = total.to_json(1000.0);
  EXPECT_EQ(j["searches_skipped"], 2);
  EXPECT_EQ(j["cached_samples"], 4);
  EXPECT_EQ(j["tokens_not_generated"], 1992);
}
