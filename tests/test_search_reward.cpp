// Tests of the default reward (the math verifier behind RewardFn): correct / incorrect /
// no-answer verdicts, and a scripted search in which equivalent forms of the gold count as correct
// and a capped path without an answer is incomplete under capped_paths = verify.
#include <gtest/gtest.h>

#include "search/forest.h"
#include "search/math_reward.h"
#include "search/mock_policy.h"

namespace ds::search {
namespace {

SearchProblem half() {
  SearchProblem p;
  p.id = "half";
  p.question = "What is 1/2 as a decimal?";
  p.answer = "0.5";
  return p;
}

TEST(SearchReward, MathRewardVerdicts) {
  RewardFn reward = math_reward();
  Verdict v = reward(half(), "So the answer is \\boxed{\\frac{1}{2}}.");
  EXPECT_TRUE(v.correct);
  EXPECT_TRUE(v.answered);
  v = reward(half(), "Thus \\boxed{3}");
  EXPECT_FALSE(v.correct);
  EXPECT_TRUE(v.answered);
  v = reward(half(), "I keep thinking about");
  EXPECT_FALSE(v.correct);
  EXPECT_FALSE(v.answered);
}

TEST(SearchReward, SearchWithTheMathVerifier) {
  MockPolicy m([](const MockContext&) { return MockChunk{"thinking ", 1.0, false}; });
  m.script("0", {"so \\boxed{1/2}", 0.9, true});
  m.script("1", {"so \\boxed{0.25}", 0.1, true});
  m.script("2", {"hmm ", 1.0, false});
  SearchOptions o;
  o.width = 3;
  o.max_depth = 2;
  o.terminals = 2;
  o.capped_paths = CappedPaths::kVerify;
  SearchResult r = run_search(m, half(), o, math_reward());
  ASSERT_EQ(r.trajectories.size(), 2u);
  // The correct one wins although the wrong one is more confident.
  EXPECT_EQ(r.trajectories[0].terminal_node, 1);
  EXPECT_TRUE(r.trajectories[0].correct);
  // Then the children of node 3 are capped at d_T = 2 without an answer: incomplete.
  EXPECT_EQ(r.trajectories[1].outcome, Outcome::kIncomplete);
}

}  // namespace
}  // namespace ds::search
