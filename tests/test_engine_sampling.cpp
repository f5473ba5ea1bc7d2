// Tests the sampling transforms one at a time on 4-element vectors (temperature, top-k, top-p
// edge cases, greedy), the inverse-CDF draw, raw-model statistics, and the stop rules.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "core/errors.h"
#include "engine/sampling.h"
#include "engine/stop_rules.h"

namespace ds::engine {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

torch::Tensor row(std::vector<float> v) {
  return torch::tensor(v, torch::kFloat32).view({1, -1});  // (1, V)
}

// Log-probabilities -> logits of a known distribution.
torch::Tensor logits_of(std::vector<double> probs) {
  std::vector<float> l;
  for (double p : probs) l.push_back(p > 0 ? static_cast<float>(std::log(p)) : -kInf);
  return row(l);
}

// Candidate id -> probability after the transforms (removed ids absent).
std::map<int64_t, double> dist(const Candidates& c) {
  auto p = torch::softmax(c.logits, -1);
  std::map<int64_t, double> out;
  for (int64_t k = 0; k < c.logits.size(1); ++k) {
    double pk = p[0][k].item<double>();
    if (pk == 0.0) continue;
    int64_t id = c.ids.defined() ? c.ids[0][k].item<int64_t>() : k;
    out[id] = pk;
  }
  return out;
}

TEST(Temperature, ScalesLogits) {
  Candidates c = full_candidates(row({1, 2, 3, 4}));
  apply_temperature(c, 0.5);
  EXPECT_TRUE(torch::allclose(c.logits, row({2, 4, 6, 8})));
  auto d = dist(c);
  EXPECT_NEAR(d[3] / d[2], std::exp(2.0), 1e-4);
}

TEST(Temperature, OneIsIdentity) {
  Candidates c = full_candidates(row({0.1f, -2, 3, 0}));
  apply_temperature(c, 1.0);
  EXPECT_TRUE(torch::equal(c.logits, row({0.1f, -2, 3, 0})));
}

TEST(TopK, KeepsKMostLikelySortedWithIds) {
  Candidates c = full_candidates(logits_of({0.1, 0.4, 0.2, 0.3}));
  apply_top_k(c, 2);
  ASSERT_EQ(c.logits.size(1), 2);
  EXPECT_TRUE(c.sorted);
  EXPECT_EQ(c.ids[0][0].item<int64_t>(), 1);
  EXPECT_EQ(c.ids[0][1].item<int64_t>(), 3);
  auto d = dist(c);
  EXPECT_NEAR(d[1], 0.4 / 0.7, 1e-6);
  EXPECT_NEAR(d[3], 0.3 / 0.7, 1e-6);
}

TEST(TopK, KAtLeastVocabIsNoOp) {
  Candidates c = full_candidates(logits_of({0.1, 0.4, 0.2, 0.3}));
  apply_top_k(c, 4);
  EXPECT_FALSE(c.ids.defined());
  apply_top_k(c, 100);
  EXPECT_EQ(c.logits.size(1), 4);
}

TEST(TopK, OneIsArgmax) {
  Candidates c = full_candidates(logits_of({0.1, 0.2, 0.6, 0.1}));
  apply_top_k(c, 1);
  auto d = dist(c);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NEAR(d[2], 1.0, 1e-7);
}

TEST(TopP, KeepsSmallestSetReachingMass) {
  // Sorted: 0.4 (id 1), 0.3 (id 3), 0.2 (id 2), 0.1 (id 0).
  Candidates c = full_candidates(logits_of({0.1, 0.4, 0.2, 0.3}));
  apply_top_p(c, 0.65);  // 0.4 < 0.65 -> need 0.3 too; 0.7 >= 0.65 -> stop
  auto d = dist(c);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_NEAR(d[1], 0.4 / 0.7, 1e-6);
  EXPECT_NEAR(d[3], 0.3 / 0.7, 1e-6);
}

TEST(TopP, ExactBoundaryExcludesNextToken) {
  // Uniform quarters: the mass before the 3rd token is exactly 0.5, so p = 0.5 keeps two.
  Candidates c = full_candidates(logits_of({0.25, 0.25, 0.25, 0.25}));
  apply_top_p(c, 0.5);
  EXPECT_EQ(dist(c).size(), 2u);
  Candidates c2 = full_candidates(logits_of({0.25, 0.25, 0.25, 0.25}));
  apply_top_p(c2, 0.5001);
  EXPECT_EQ(dist(c2).size(), 3u);
}

TEST(TopP, TinyPKeepsTheMostLikelyToken) {
  Candidates c = full_candidates(logits_of({0.1, 0.2, 0.3, 0.4}));
  apply_top_p(c, 1e-9);
  auto d = dist(c);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NEAR(d[3], 1.0, 1e-7);
}

TEST(TopP, OneIsNoOp) {
  Candidates c = full_candidates(logits_of({0.1, 0.2, 0.3, 0.4}));
  apply_top_p(c, 1.0);
  EXPECT_FALSE(c.sorted);
  EXPECT_EQ(dist(c).size(), 4u);
}

TEST(TopP, IgnoresAlreadyRemovedTokens) {
  Candidates c = full_candidates(logits_of({0.0, 0.5, 0.0, 0.5}));
  apply_top_p(c, 0.9);
  auto d = dist(c);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_NEAR(d[1], 0.5, 1e-6);
}

TEST(TopP, AfterTopKUsesRenormalizedMass) {
  // top-k 3 keeps 0.4, 0.3, 0.2 (renormalized 4/9, 3/9, 2/9); p = 0.7 needs 4/9 + 3/9 = 0.78.
  Candidates c = full_candidates(logits_of({0.1, 0.4, 0.2, 0.3}));
  apply_top_k(c, 3);
  apply_top_p(c, 0.7);
  auto d = dist(c);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_NEAR(d[1], 4.0 / 7.0, 1e-6);
}

TEST(TopP, LargeVocabularyMatchesFullSort) {
  // Exercises the partial-sort fast path and its fallback against a reference computed by a full
  // sort, for a peaked and a flat distribution over 5000 tokens.
  torch::manual_seed(3);
  for (double scale : {8.0, 0.01}) {
    auto logits = torch::randn({3, 5000}) * scale;  // (B, V)
    for (double p : {0.5, 0.9, 0.999}) {
      Candidates c = full_candidates(logits);
      apply_top_p(c, p);
      auto probs = torch::softmax(logits, -1);
      auto [sorted, order] = probs.sort(-1, true);
      auto before = sorted.cumsum(-1) - sorted;
      for (int64_t b = 0; b < 3; ++b) {
        int64_t expect_kept = (before[b] < p).sum().item<int64_t>();
        int64_t kept = torch::isfinite(c.logits[b]).sum().item<int64_t>();
        EXPECT_EQ(kept, expect_kept) << "scale " << scale << " p " << p;
      }
    }
  }
}

TEST(Greedy, ArgmaxFirstOnTiesWithZeroLogprob) {
  auto d = greedy(torch::cat({row({1, 5, 5, 2}), row({9, 0, 0, 0})}));
  EXPECT_EQ(d.ids[0].item<int64_t>(), 1);
  EXPECT_EQ(d.ids[1].item<int64_t>(), 0);
  EXPECT_EQ(d.logprobs[0].item<float>(), 0.0f);
}

TEST(Draw, InverseCdfPicksByUniform) {
  // CDF over ids 0..3: 0.1, 0.5, 0.7, 1.0.
  Candidates c = full_candidates(logits_of({0.1, 0.4, 0.2, 0.3}));
  auto pick = [&](double u) {
    return draw(c, torch::tensor({u}, torch::kFloat64)).ids[0].item<int64_t>();
  };
  EXPECT_EQ(pick(0.0), 0);
  EXPECT_EQ(pick(0.05), 0);
  EXPECT_EQ(pick(0.11), 1);
  EXPECT_EQ(pick(0.49), 1);
  EXPECT_EQ(pick(0.69), 2);
  EXPECT_EQ(pick(0.71), 3);
  EXPECT_EQ(pick(0.9999999999), 3);
  auto d = draw(c, torch::tensor({0.3}, torch::kFloat64));
  EXPECT_NEAR(d.logprobs[0].item<float>(), std::log(0.4), 1e-6);
}

TEST(Draw, NeverPicksRemovedTokens) {
  Candidates c = full_candidates(logits_of({0.3, 0.0, 0.7, 0.0}));
  for (double u : {0.0, 0.29, 0.31, 0.999999, 1.0 - 1e-17}) {
    int64_t id = draw(c, torch::tensor({u}, torch::kFloat64)).ids[0].item<int64_t>();
    EXPECT_TRUE(id == 0 || id == 2) << u;
  }
}

TEST(Draw, MapsCandidateIdsAfterTopK) {
  Candidates c = full_candidates(logits_of({0.1, 0.4, 0.2, 0.3}));
  apply_top_k(c, 2);  // ids 1 (4/7), 3 (3/7)
  EXPECT_EQ(draw(c, torch::tensor({0.5}, torch::kFloat64)).ids[0].item<int64_t>(), 1);
  EXPECT_EQ(draw(c, torch::tensor({0.6}, torch::kFloat64)).ids[0].item<int64_t>(), 3);
}

TEST(Draw, FrequenciesFollowTheDistribution) {
  Candidates c = full_candidates(logits_of({0.1, 0.4, 0.2, 0.3}));
  Rng rng(7);
  std::vector<int> counts(4, 0);
  const int n = 20000;
  std::vector<Rng*> rngs(1, &rng);
  for (int i = 0; i < n; ++i)
    ++counts[draw(c, next_uniforms(rngs, torch::kCPU)).ids[0].item<int64_t>()];
  std::vector<double> expect = {0.1, 0.4, 0.2, 0.3};
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(counts[k] / double(n), expect[k], 0.015) << k;
}

TEST(ModelStats, LogprobAndEntropyOfRawDistribution) {
  auto logits = logits_of({0.1, 0.4, 0.2, 0.3});
  auto s = model_stats(logits, torch::tensor({2}, torch::kInt64));
  EXPECT_NEAR(s.logprobs[0].item<float>(), std::log(0.2), 1e-6);
  double h = 0;
  for (double p : {0.1, 0.4, 0.2, 0.3}) h -= p * std::log(p);
  EXPECT_NEAR(s.entropy[0].item<float>(), h, 1e-6);
}

TEST(SampleStep, ReportsSamplingAndModelLogprobsSeparately) {
  auto logits = logits_of({0.1, 0.4, 0.2, 0.3});
  SamplingOptions p;
  p.temperature = 0.5;
  p.top_k = 2;
  auto s = sample_step(logits, p, torch::tensor({0.0}, torch::kFloat64));
  // temperature 0.5 squares probabilities: top-2 = {0.16, 0.09} -> id 1 has 16/25.
  EXPECT_EQ(s.ids[0].item<int64_t>(), 1);
  EXPECT_NEAR(s.sample_logprobs[0].item<float>(), std::log(16.0 / 25.0), 1e-5);
  EXPECT_NEAR(s.model_logprobs[0].item<float>(), std::log(0.4), 1e-6);
}

TEST(SampleStep, TemperatureZeroIsGreedy) {
  auto logits = torch::cat({logits_of({0.1, 0.4, 0.2, 0.3}), logits_of({0.5, 0.1, 0.1, 0.3})});
  SamplingOptions p;
  p.temperature = 0.0;
  auto s = sample_step(logits, p, torch::Tensor());
  EXPECT_EQ(s.ids[0].item<int64_t>(), 1);
  EXPECT_EQ(s.ids[1].item<int64_t>(), 0);
  EXPECT_EQ(s.sample_logprobs[1].item<float>(), 0.0f);
  EXPECT_NEAR(s.model_logprobs[1].item<float>(), std::log(0.5), 1e-6);
}

TEST(SampleStep, RowsUseTheirOwnUniform) {
  // Two identical rows with different uniforms draw different tokens.
  auto l = logits_of({0.25, 0.25, 0.25, 0.25});
  auto s = sample_step(torch::cat({l, l}), SamplingOptions{},
                       torch::tensor({0.1, 0.9}, torch::kFloat64));
  EXPECT_EQ(s.ids[0].item<int64_t>(), 0);
  EXPECT_EQ(s.ids[1].item<int64_t>(), 3);
}

TEST(Validate, RejectsOutOfRangeParams) {
  SamplingOptions p;
  p.temperature = -1;
  EXPECT_THROW(validate(p), ConfigError);
  p = SamplingOptions{};
  p.top_p = 0.0;
  try {
    validate(p, "eval.sampling");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("top_p"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("eval.sampling"), std::string::npos);
  }
  p = SamplingOptions{};
  p.top_k = -3;
  EXPECT_THROW(validate(p), ConfigError);
}

TEST(StopRules, EosSet) {
  EosSet eos({7, 3, 7});
  EXPECT_TRUE(eos.contains(3));
  EXPECT_TRUE(eos.contains(7));
  EXPECT_FALSE(eos.contains(4));
  EXPECT_EQ(eos.ids().size(), 2u);
}

TEST(StopRules, DelimiterInsideOneToken) {
  DelimiterMatcher m("\n\n");
  EXPECT_FALSE(m.feed("Step 1"));
  EXPECT_TRUE(m.feed(".\n\nNext"));
  EXPECT_TRUE(m.matched());
}

TEST(StopRules, DelimiterSplitAcrossTokens) {
  DelimiterMatcher m("\n\n");
  EXPECT_FALSE(m.feed("a\n"));
  EXPECT_TRUE(m.feed("\n"));
}

TEST(StopRules, LongDelimiterAcrossManyTokens) {
  DelimiterMatcher m("</step>");
  for (const char* t : {"x<", "/s", "t", "e"}) EXPECT_FALSE(m.feed(t));
  EXPECT_TRUE(m.feed("p>"));
}

TEST(StopRules, PartialUtf8BytesMatch) {
  DelimiterMatcher m("\xE2\x88\x8E");  // U+220E end of proof, fed byte by byte
  EXPECT_FALSE(m.feed("ok \xE2"));
  EXPECT_FALSE(m.feed("\x88"));
  EXPECT_TRUE(m.feed("\x8E"));
}

TEST(StopRules, NearMissesDoNotMatch) {
  DelimiterMatcher m("\n\n");
  EXPECT_FALSE(m.feed("\n"));
  EXPECT_FALSE(m.feed("x"));
  EXPECT_FALSE(m.feed("\n"));
  EXPECT_FALSE(m.feed(""));
  EXPECT_FALSE(m.feed("y\n"));
  EXPECT_TRUE(m.feed("\nz"));
}

TEST(StopRules, EmptyDelimiterNeverMatches) {
  DelimiterMatcher m;
  EXPECT_FALSE(m.enabled());
  EXPECT_FALSE(m.feed("\n\n"));
}

}  // namespace
}  // namespace ds::engine
