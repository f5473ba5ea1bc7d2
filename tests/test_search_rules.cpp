// Tests of the search formulas computed by hand: backup weight gamma ([R] and [P]), the
// constrained q update (accumulate / overwrite / never decrease) and the vanilla ablation, UCT, the
// frontier score with every depth bonus, the soft clip, the terminal choice rules, and the
// validation of SearchOptions.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "core/errors.h"
#include "core/options.h"
#include "search/options.h"
#include "search/rules.h"

namespace ds::search {
namespace {

TEST(SearchRules, GammaRefIsDepthPlusOneOverLeafPlusOne) {
  EXPECT_DOUBLE_EQ(backup_gamma(0, 3, GammaRule::kRef, 0.1), 0.25);
  EXPECT_DOUBLE_EQ(backup_gamma(1, 3, GammaRule::kRef, 0.1), 0.5);
  EXPECT_DOUBLE_EQ(backup_gamma(3, 3, GammaRule::kRef, 0.1), 1.0);
  // Floor at gamma_min: 1/21 < 0.1.
  EXPECT_DOUBLE_EQ(backup_gamma(0, 20, GammaRule::kRef, 0.1), 0.1);
  EXPECT_DOUBLE_EQ(backup_gamma(2, 20, GammaRule::kRef, 0.1), 3.0 / 21.0);
}

TEST(SearchRules, GammaPaperIsDepthOverLeaf) {
  EXPECT_DOUBLE_EQ(backup_gamma(0, 4, GammaRule::kPaper, 0.1), 0.1);
  EXPECT_DOUBLE_EQ(backup_gamma(2, 4, GammaRule::kPaper, 0.1), 0.5);
  EXPECT_DOUBLE_EQ(backup_gamma(4, 4, GammaRule::kPaper, 0.1), 1.0);
  EXPECT_DOUBLE_EQ(backup_gamma(0, 4, GammaRule::kPaper, 0.0), 0.0);
}

TEST(SearchRules, ConstrainedUpdateCases) {
  // Same sign or zero: accumulate.
  EXPECT_DOUBLE_EQ(updated_q(0.0, -1.0, 0.5, QUpdate::kConstrained), -0.5);
  EXPECT_DOUBLE_EQ(updated_q(0.0, 1.0, 0.5, QUpdate::kConstrained), 0.5);
  EXPECT_DOUBLE_EQ(updated_q(0.3, 1.0, 0.5, QUpdate::kConstrained), 0.8);
  EXPECT_DOUBLE_EQ(updated_q(-0.3, -1.0, 0.5, QUpdate::kConstrained), -0.8);
  // Negative node reached by a correct terminal: overwrite with gamma * r.
  EXPECT_DOUBLE_EQ(updated_q(-2.5, 1.0, 0.25, QUpdate::kConstrained), 0.25);
  // Positive node never pushed down by a failure.
  EXPECT_DOUBLE_EQ(updated_q(0.7, -1.0, 0.9, QUpdate::kConstrained), 0.7);
}

TEST(SearchRules, VanillaUpdateClampsAtZeroWhenSignsDiffer) {
  EXPECT_DOUBLE_EQ(updated_q(0.7, -1.0, 0.5, QUpdate::kVanilla), 0.2);
  EXPECT_DOUBLE_EQ(updated_q(0.3, -1.0, 0.5, QUpdate::kVanilla), 0.0);
  EXPECT_DOUBLE_EQ(updated_q(-2.0, 1.0, 0.5, QUpdate::kVanilla), 0.0);
  EXPECT_DOUBLE_EQ(updated_q(-0.2, 1.0, 0.5, QUpdate::kVanilla), 0.3);
  // Same sign: accumulate, like the constrained rule.
  EXPECT_DOUBLE_EQ(updated_q(0.0, -1.0, 0.5, QUpdate::kVanilla), -0.5);
}

TEST(SearchRules, UctByHand) {
  // Q = 1/2, lambda 2, ln 4 / 2.
  EXPECT_NEAR(uct_score(1.0, 2, 4, 2.0), 0.5 + 2.0 * std::sqrt(std::log(4.0) / 2.0), 1e-12);
  EXPECT_NEAR(uct_score(1.0, 2, 4, 2.0), 2.165109, 1e-6);
  // ln 1 = 0: only Q.
  EXPECT_DOUBLE_EQ(uct_score(-0.6, 3, 1, 2.0), -0.2);
  // Parent never visited / node never visited: no exploration term ([R]).
  EXPECT_DOUBLE_EQ(uct_score(0.5, 1, 0, 2.0), 0.5);
  EXPECT_DOUBLE_EQ(uct_score(0.0, 0, 7, 2.0), 0.0);
}

TEST(SearchRules, DepthBonusKinds) {
  EXPECT_DOUBLE_EQ(depth_bonus(16, 64, DepthBonus::kSqrt), 0.5);
  EXPECT_DOUBLE_EQ(depth_bonus(5, 64, DepthBonus::kLinear), 5.0);
  EXPECT_DOUBLE_EQ(depth_bonus(3, 64, DepthBonus::kLog), std::log(4.0));
}

TEST(SearchRules, FrontierScoreByHand) {
  SearchOptions p;
  // Parent q 1.0 over N 2 -> Q 0.5; depth 4 of 64 -> sqrt(1/16) = 0.25.
  EXPECT_NEAR(frontier_score(1.0, 2, 3.0, 4, p), 0.4 * std::tanh(0.5) + 0.01 * 0.25, 1e-12);
  EXPECT_NEAR(frontier_score(1.0, 2, 3.0, 4, p), 0.187347, 1e-6);
  p.frontier_l2 = 0.4;
  p.depth_bonus = DepthBonus::kLog;
  EXPECT_NEAR(frontier_score(-1.0, 4, 0.5, 2, p),
              0.4 * std::tanh(-0.25) + 0.4 * 0.5 + 0.01 * std::log(3.0), 1e-12);
  // Unvisited parent counts as Q = 0.
  EXPECT_NEAR(frontier_score(5.0, 0, 0.0, 4, SearchOptions{}), 0.0025, 1e-12);
}

TEST(SearchRules, SoftClip) {
  EXPECT_DOUBLE_EQ(soft_clip(0.0, 1.0, 1.0), 0.0);
  EXPECT_NEAR(soft_clip(0.5, 1.0, 1.0), std::tanh(0.5), 1e-15);
  EXPECT_NEAR(soft_clip(-3.0, 2.0, 0.5), std::tanh(-1.5) * 0.5, 1e-15);
  EXPECT_LT(soft_clip(100.0, 1.0, 1.0), 1.0 + 1e-12);
}

std::vector<TerminalCandidate> mixed() {
  return {{10, Outcome::kIncorrect, 0.1},
          {11, Outcome::kCorrect, 0.8},
          {12, Outcome::kIncomplete, 0.05},
          {13, Outcome::kCorrect, 0.4},
          {14, Outcome::kCorrect, 0.9}};
}

TEST(SearchRules, ChoiceConfidentPrefersCorrectThenLowestPathNll) {
  Rng rng(1);
  auto c = mixed();
  TerminalPick pick = choose_terminal(c, TerminalChoice::kConfident, rng);
  EXPECT_EQ(c[pick.index].node, 13);
  EXPECT_STREQ(pick.reason, "correct:lowest_path_nll");
  pick = choose_terminal(c, TerminalChoice::kLeastConfident, rng);
  EXPECT_EQ(c[pick.index].node, 14);
  EXPECT_STREQ(pick.reason, "correct:highest_path_nll");
}

TEST(SearchRules, ChoiceClassesIncorrectBeforeIncomplete) {
  Rng rng(1);
  std::vector<TerminalCandidate> c = {{1, Outcome::kIncomplete, 0.01},
                                      {2, Outcome::kIncorrect, 0.7},
                                      {3, Outcome::kIncorrect, 0.6},
                                      {4, Outcome::kIncomplete, 0.02}};
  EXPECT_EQ(c[choose_terminal(c, TerminalChoice::kConfident, rng).index].node, 3);
  EXPECT_EQ(c[choose_terminal(c, TerminalChoice::kPaper, rng).index].node, 3);
  EXPECT_STREQ(choose_terminal(c, TerminalChoice::kPaper, rng).reason, "incorrect:lowest_path_nll");
  EXPECT_EQ(c[choose_terminal(c, TerminalChoice::kLeastConfident, rng).index].node, 2);
  std::vector<TerminalCandidate> only_incomplete = {{1, Outcome::kIncomplete, 0.5},
                                                    {4, Outcome::kIncomplete, 0.2}};
  TerminalPick pick = choose_terminal(only_incomplete, TerminalChoice::kConfident, rng);
  EXPECT_EQ(only_incomplete[pick.index].node, 4);
  EXPECT_STREQ(pick.reason, "incomplete:lowest_path_nll");
}

TEST(SearchRules, ChoiceTiesGoToTheFirst) {
  Rng rng(1);
  std::vector<TerminalCandidate> c = {{5, Outcome::kIncorrect, 0.3}, {6, Outcome::kIncorrect, 0.3}};
  EXPECT_EQ(choose_terminal(c, TerminalChoice::kConfident, rng).index, 0);
  EXPECT_EQ(choose_terminal(c, TerminalChoice::kLeastConfident, rng).index, 0);
}

TEST(SearchRules, RandomAndPaperChoicesStayInTheBestClassAndVary) {
  auto c = mixed();
  for (TerminalChoice rule : {TerminalChoice::kRandom, TerminalChoice::kPaper}) {
    std::set<int32_t> seen;
    Rng rng(42);
    for (int i = 0; i < 200; ++i) {
      TerminalPick pick = choose_terminal(c, rule, rng);
      ASSERT_GE(pick.index, 0);
      EXPECT_EQ(c[pick.index].outcome, Outcome::kCorrect);
      EXPECT_STREQ(pick.reason, "correct:random");
      seen.insert(c[pick.index].node);
    }
    EXPECT_EQ(seen, (std::set<int32_t>{11, 13, 14}));
  }
}

TEST(SearchRules, ChoiceOfNothing) {
  Rng rng(1);
  TerminalPick pick = choose_terminal({}, TerminalChoice::kConfident, rng);
  EXPECT_EQ(pick.index, -1);
  EXPECT_STREQ(pick.reason, "none");
}

TEST(SearchOptionsTest, DefaultsMatchTheDesign) {
  SearchOptions o;
  EXPECT_EQ(o.width, 8);
  EXPECT_EQ(o.chunk_tokens, 256);
  EXPECT_EQ(o.max_depth, 64);
  EXPECT_EQ(o.terminals, 8);
  EXPECT_DOUBLE_EQ(o.uct_lambda, 2.0);
  EXPECT_DOUBLE_EQ(o.frontier_l1, 0.4);
  EXPECT_DOUBLE_EQ(o.frontier_l2, 0.0);
  EXPECT_DOUBLE_EQ(o.frontier_l3, 0.01);
  EXPECT_DOUBLE_EQ(o.gamma_min, 0.1);
  EXPECT_DOUBLE_EQ(o.eps_q, 1.0);
  EXPECT_DOUBLE_EQ(o.q_max, 1.0);
  EXPECT_DOUBLE_EQ(o.sampling.temperature, 1.0);
  EXPECT_DOUBLE_EQ(o.sampling.top_p, 1.0);
  EXPECT_NO_THROW(validate(o));
  const SearchOptions& p = o;
  EXPECT_EQ(p.terminal_choice, TerminalChoice::kConfident);
  EXPECT_EQ(p.q_update, QUpdate::kConstrained);
  EXPECT_EQ(p.gamma, GammaRule::kRef);
  EXPECT_EQ(p.selection, Selection::kFrontier);
  EXPECT_EQ(p.depth_bonus, DepthBonus::kSqrt);
}

TEST(SearchOptionsTest, YamlOverridesAndBadChoices) {
  YAML::Node root(YAML::NodeType::Map);
  apply_overrides(root, {"width=4", "selection=uct", "depth_bonus=log", "q_update=vanilla"});
  SearchOptions o;
  read_options(root, o, "test");
  EXPECT_NO_THROW(validate(o));
  const SearchOptions& p = o;
  EXPECT_EQ(p.width, 4);
  EXPECT_EQ(p.selection, Selection::kUct);
  EXPECT_EQ(p.depth_bonus, DepthBonus::kLog);
  EXPECT_EQ(p.q_update, QUpdate::kVanilla);

  YAML::Node bad(YAML::NodeType::Map);
  apply_overrides(bad, {"terminal_choice=best"});
  SearchOptions b;
  EXPECT_THROW(read_options(bad, b, "test"), ConfigError);
  std::string doc = describe_options<SearchOptions>();
  for (const char* field :
       {"width",          "chunk_tokens",    "delimiter",    "max_depth",   "terminals",
        "max_iterations", "terminal_choice", "capped_paths", "q_update",    "gamma",
        "gamma_min",      "selection",       "uct_lambda",   "frontier_l1", "frontier_l2",
        "frontier_l3",    "depth_bonus",     "eps_q",        "q_max",       "seed"})
    EXPECT_NE(doc.find(field), std::string::npos) << field;
}

TEST(SearchOptionsTest, ValidationNamesTheField) {
  SearchOptions o;
  o.width = 0;
  try {
    validate(o, "rl.search");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where(), "rl.search.width");
  }
  // A choice is an enum: an unknown name can only arrive through the config, which names the
  // field and lists the valid choices.
  YAML::Node bad(YAML::NodeType::Map);
  apply_overrides(bad, {"selection=bfs"});
  try {
    read_options(bad, o, "test");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(e.problem().find("selection"), std::string::npos) << e.what();
    EXPECT_NE(e.hint().find("frontier"), std::string::npos);
  }
  o = SearchOptions{};
  o.eps_q = 0;
  EXPECT_THROW(validate(o), ConfigError);
  o = SearchOptions{};
  o.sampling.top_p = 1.5;
  EXPECT_THROW(validate(o), ConfigError);
}

}  // namespace
}  // namespace ds::search
