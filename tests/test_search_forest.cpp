// Tests of the forest driver: many trees advanced together give exactly the trees of
// one-tree-at-a-time runs with the same seeds (also with a cap on live trees), one batched expand
// call per round, shrinking batches as trees finish, and every policy state released.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/errors.h"
#include "search/export.h"
#include "search/forest.h"
#include "search/mock_policy.h"

namespace ds::search {
namespace {

std::vector<SearchProblem> problems(int n) {
  std::vector<SearchProblem> out;
  for (int i = 0; i < n; ++i) {
    SearchProblem p;
    p.id = "p" + std::to_string(i);
    p.question = "question " + std::to_string(i);
    p.prompt = "prompt: " + p.question;
    p.answer = std::to_string(i % 3);
    p.key = static_cast<uint64_t>(100 + i);
    out.push_back(p);
  }
  return out;
}

SearchOptions options() {
  SearchOptions o;
  o.width = 4;
  o.max_depth = 6;
  o.terminals = 4;
  o.seed = 11;
  o.terminal_choice = TerminalChoice::kPaper;  // exercises the per-tree random stream too
  return o;
}

std::string fingerprint(const SearchResult& r, const SearchProblem& p, const SearchOptions& o) {
  json j = tree_to_json(r, p, o);
  j.erase("stats");
  json t = json::array();
  for (const auto& tr : r.trajectories) t.push_back({tr.tokens, tr.token_q, tr.logprobs});
  j["trajectory_data"] = t;
  return j.dump();
}

TEST(SearchForest, SameTreesAsOneAtATime) {
  auto ps = problems(12);
  SearchOptions o = options();
  std::vector<std::string> alone;
  for (const auto& p : ps) {
    MockPolicy m(random_mock_generator({.eos_probability = 0.3}));
    alone.push_back(fingerprint(run_search(m, p, o, boxed_reward()), p, o));
    EXPECT_EQ(m.live_states(), 0);
  }
  for (int cap : {0, 5, 1}) {
    MockPolicy m(random_mock_generator({.eos_probability = 0.3}));
    Forest forest(m, o, boxed_reward(), ForestOptions{cap});
    auto results = forest.run(ps);
    ASSERT_EQ(results.size(), ps.size());
    for (size_t i = 0; i < ps.size(); ++i) {
      EXPECT_EQ(results[i].problem_id, ps[i].id);
      EXPECT_EQ(fingerprint(results[i], ps[i], o), alone[i]) << "problem " << i << " cap " << cap;
    }
    EXPECT_EQ(m.live_states(), 0);
  }
}

TEST(SearchForest, OneBatchedExpandPerRound) {
  auto ps = problems(9);
  SearchOptions o = options();
  MockPolicy m(random_mock_generator({.eos_probability = 0.3}));
  Forest forest(m, o, boxed_reward());
  auto results = forest.run(ps);
  const ForestStats& s = forest.stats();
  EXPECT_EQ(m.expand_calls(), s.rounds);
  EXPECT_EQ(s.max_batch_requests, 9);
  EXPECT_EQ(m.batch_sizes().front(), 9);
  // Trees only drop out: batch sizes never grow without a cap.
  for (size_t i = 1; i < m.batch_sizes().size(); ++i)
    EXPECT_LE(m.batch_sizes()[i], m.batch_sizes()[i - 1]);
  int max_iterations = 0;
  int64_t generated = 0, prefill = 0;
  for (const auto& r : results) {
    max_iterations = std::max(max_iterations, r.stats.iterations);
    generated += r.stats.generated_tokens;
    prefill += r.stats.prefill_tokens;
    EXPECT_EQ(r.stats.stop_reason, "terminals");
    EXPECT_EQ(static_cast<int>(r.trajectories.size()), o.terminals);
  }
  EXPECT_EQ(s.rounds, max_iterations);
  EXPECT_EQ(s.generated_tokens, generated);
  EXPECT_EQ(s.prefill_tokens, prefill);
  EXPECT_EQ(s.generated_tokens, m.counters().generated_tokens);
  EXPECT_GE(s.seconds, s.policy_seconds);
  EXPECT_NEAR(s.bookkeeping_seconds, s.seconds - s.policy_seconds, 1e-12);
}

TEST(SearchForest, CapBoundsLiveTrees) {
  auto ps = problems(7);
  MockPolicy m(random_mock_generator({.eos_probability = 0.3}));
  Forest forest(m, options(), boxed_reward(), ForestOptions{3});
  auto results = forest.run(ps);
  for (int b : m.batch_sizes()) EXPECT_LE(b, 3);
  EXPECT_EQ(forest.stats().max_batch_requests, 3);
  for (const auto& r : results) EXPECT_FALSE(r.trajectories.empty());
}

TEST(SearchForest, EmptyInputAndBadOptions) {
  MockPolicy m;
  Forest forest(m, options(), boxed_reward());
  EXPECT_TRUE(forest.run({}).empty());
  EXPECT_EQ(m.expand_calls(), 0);
  SearchOptions bad = options();
  bad.width = -1;
  EXPECT_THROW({ Forest f(m, bad, boxed_reward()); }, ConfigError);
  EXPECT_THROW({ Forest f(m, options(), boxed_reward(), ForestOptions{-2}); }, ConfigError);
}

}  // namespace
}  // namespace ds::search
