// Tests of one search tree driven by the scripted MockPolicy: exact q-values and visit counts after
// scripted backups (accumulate, overwrite, never-decrease; the vanilla and [P]-gamma variants),
// local UCT / vanilla restart / frontier choices computed by hand, confident-terminal choice over
// whole-path NLL, depth cap and context limit -> incomplete, termination at B and at the iteration
// budget (with and without the fill), root widening on an empty frontier, delimiter chunks,
// soft-clipped trajectories, determinism, state release, and the q >= 0 invariant on correct paths
// over many random trees.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "search/export.h"
#include "search/forest.h"
#include "search/mock_policy.h"

namespace ds::search {
namespace {

// Unscripted paths are a test bug: they get an obviously wrong chunk and a failure.
MockGenerator strict() {
  return [](const MockContext& ctx) {
    std::string p;
    for (int c : ctx.path) p += std::to_string(c) + ".";
    ADD_FAILURE() << "unscripted mock path " << p;
    return MockChunk{"?", 1.0, false};
  };
}

SearchProblem problem(const std::string& answer = "0") {
  SearchProblem p;
  p.id = "p0";
  p.question = "Q";
  p.answer = answer;
  return p;
}

SearchOptions small(int width, int depth, int terminals) {
  SearchOptions o;
  o.width = width;
  o.max_depth = depth;
  o.terminals = terminals;
  return o;
}

const Node& node(const SearchResult& r, int32_t id) {
  return r.tree.node(id);
}

// The running example: W = 2, d_T = 3.
//   iter 0: root -> n1 "a", n2 "b" (no terminal; local UCT -> n1)
//   iter 1: n1 -> n3 wrong (path nll 6/11), n4 wrong (path nll 4/11): back up n4 (-1)
//   iter 2: frontier -> n2 -> n5 "c", n6 correct: back up n6 (+1)
//   iter 3: frontier -> n5 -> n7 capped (incomplete), n8 wrong: back up n8 (-1)
void script_example(MockPolicy& m) {
  m.script("0", {"a", 1.0, false});
  m.script("1", {"b", 1.0, false});
  m.script("0.0", {"\\boxed{1}", 0.5, true});
  m.script("0.1", {"\\boxed{2}", 0.3, true});
  m.script("1.0", {"c", 1.0, false});
  m.script("1.1", {"\\boxed{0}", 0.9, true});
  m.script("1.0.0", {"d", 0.1, false});
  m.script("1.0.1", {"\\boxed{3}", 2.0, true});
}

TEST(SearchTree, ScriptedBackupsGiveExactQValues) {
  MockPolicy m(strict());
  script_example(m);
  SearchResult r = run_search(m, problem(), small(2, 3, 3), boxed_reward());
  ASSERT_EQ(r.stats.iterations, 4);
  ASSERT_EQ(r.tree.size(), 9);
  EXPECT_EQ(r.stats.stop_reason, "terminals");
  ASSERT_EQ(r.trajectories.size(), 3u);
  EXPECT_EQ(r.trajectories[0].terminal_node, 4);
  EXPECT_EQ(r.trajectories[1].terminal_node, 6);
  EXPECT_EQ(r.trajectories[2].terminal_node, 8);

  // n4: leaf (gamma 1). n1 after -1 with gamma 2/3. n3 never backed up.
  EXPECT_DOUBLE_EQ(node(r, 4).q, -1.0);
  EXPECT_EQ(node(r, 4).visits, 1);
  EXPECT_DOUBLE_EQ(node(r, 1).q, -2.0 / 3.0);
  EXPECT_EQ(node(r, 1).visits, 2);
  EXPECT_DOUBLE_EQ(node(r, 3).q, 0.0);
  EXPECT_EQ(node(r, 3).visits, 0);
  EXPECT_FALSE(node(r, 3).backed_up);
  // n6 correct; n2 accumulates +2/3 (from 0), then keeps it against n8's -1 (never decrease).
  EXPECT_DOUBLE_EQ(node(r, 6).q, 1.0);
  EXPECT_DOUBLE_EQ(node(r, 2).q, 2.0 / 3.0);
  EXPECT_EQ(node(r, 2).visits, 3);
  // Root: -1/3, overwritten by +1 * 1/3, then kept against -1 * 1/4.
  EXPECT_DOUBLE_EQ(node(r, 0).q, 1.0 / 3.0);
  EXPECT_EQ(node(r, 0).visits, 3);
  // n5 (depth 2, leaf depth 3): 0 - 3/4.
  EXPECT_DOUBLE_EQ(node(r, 5).q, -0.75);
  EXPECT_EQ(node(r, 5).visits, 2);
  EXPECT_DOUBLE_EQ(node(r, 8).q, -1.0);
  // n7 is capped at d_T without EOS: incomplete, -1, not backed up (incorrect wins the class).
  EXPECT_TRUE(node(r, 7).terminal);
  EXPECT_EQ(node(r, 7).outcome, Outcome::kIncomplete);
  EXPECT_FLOAT_EQ(node(r, 7).reward, -1.0f);
  EXPECT_EQ(node(r, 8).outcome, Outcome::kIncorrect);
  EXPECT_TRUE(r.stats.correct_found);
  EXPECT_EQ(r.stats.terminals_found, 5);

  // The event log names the same choices and backups.
  ASSERT_EQ(r.events.size(), 4u);
  EXPECT_EQ(r.events[0].chosen_terminal, kNoNode);
  EXPECT_STREQ(r.events[0].next_rule, "uct");
  EXPECT_EQ(r.events[0].next, 1);
  EXPECT_EQ(r.events[1].chosen_terminal, 4);
  EXPECT_STREQ(r.events[1].choice_reason, "incorrect:lowest_path_nll");
  ASSERT_EQ(r.events[1].backup.size(), 3u);
  EXPECT_EQ(r.events[1].backup[2].node, 0);
  EXPECT_DOUBLE_EQ(r.events[1].backup[2].q, -1.0 / 3.0);
  EXPECT_STREQ(r.events[1].next_rule, "frontier");
  EXPECT_EQ(r.events[1].next, 2);
  EXPECT_NEAR(r.events[1].next_score, 0.4 * std::tanh(-1.0 / 3.0) + 0.01 * std::sqrt(1.0 / 3.0),
              1e-12);
  EXPECT_STREQ(r.events[2].choice_reason, "correct:lowest_path_nll");
  EXPECT_DOUBLE_EQ(r.events[2].backup[2].q, 1.0 / 3.0);  // the overwrite, visible in the log
  EXPECT_EQ(r.events[2].next, 5);
  EXPECT_NEAR(r.events[2].next_score, 0.4 * std::tanh(1.0 / 3.0) + 0.01 * std::sqrt(2.0 / 3.0),
              1e-12);
  EXPECT_EQ(r.events[3].next, kNoNode);
  EXPECT_EQ(r.events[3].next_rule, nullptr);
  EXPECT_EQ(m.live_states(), 0);
}

TEST(SearchTree, TrajectoriesCarrySoftClippedNodeValues) {
  MockPolicy m(strict());
  script_example(m);
  SearchResult r = run_search(m, problem(), small(2, 3, 3), boxed_reward());
  const Trajectory& t = r.trajectories[0];  // root -> n1 "a" -> n4 "\boxed{2}" EOS
  EXPECT_EQ(t.node_ids, (std::vector<int32_t>{1, 4}));
  EXPECT_EQ(t.node_offsets, (std::vector<int32_t>{0, 1, 11}));
  ASSERT_EQ(t.tokens.size(), 11u);
  EXPECT_EQ(t.tokens[0], 'a');
  EXPECT_EQ(t.tokens.back(), MockPolicy::kEosToken);
  EXPECT_EQ(t.response, "a\\boxed{2}");
  EXPECT_FALSE(t.correct);
  EXPECT_DOUBLE_EQ(t.reward, -1.0);
  ASSERT_EQ(t.token_q.size(), 11u);
  EXPECT_FLOAT_EQ(t.token_q[0], static_cast<float>(std::tanh(-2.0 / 3.0)));
  for (size_t i = 1; i < 11; ++i) EXPECT_FLOAT_EQ(t.token_q[i], -1.0f);
  EXPECT_FLOAT_EQ(t.logprobs[0], -1.0f);
  EXPECT_FLOAT_EQ(t.logprobs[5], -0.3f);
  EXPECT_NEAR(t.path_nll, 4.0 / 11.0, 1e-6);

  const Trajectory& c = r.trajectories[1];  // root -> n2 "b" -> n6 correct
  EXPECT_TRUE(c.correct);
  EXPECT_DOUBLE_EQ(c.reward, 1.0);
  // Soft clip uses the FINAL q of n2 (2/3), not the value at backup time.
  EXPECT_FLOAT_EQ(c.node_q[0], static_cast<float>(std::tanh(2.0 / 3.0)));
  EXPECT_FLOAT_EQ(c.node_q[1], 1.0f);
}

TEST(SearchTree, TerminalSummariesListEveryVerifiedTerminal) {
  MockPolicy m(strict());
  script_example(m);
  SearchResult r = run_search(m, problem(), small(2, 3, 3), boxed_reward());
  auto all = terminal_summaries(r.tree);
  ASSERT_EQ(all.size(), 5u);  // n3, n4, n6, n7, n8
  EXPECT_EQ(all[0].node, 3);
  EXPECT_FALSE(all[0].backed_up);
  EXPECT_EQ(all[0].length, 11);  // "a" + "\boxed{1}" + EOS
  EXPECT_EQ(all[3].node, 7);
  EXPECT_EQ(all[3].outcome, Outcome::kIncomplete);
  EXPECT_EQ(all[3].length, 3);  // "b" "c" "d"
  int backed = 0;
  for (const auto& t : all) backed += t.backed_up;
  EXPECT_EQ(backed, 3);
}

TEST(SearchTree, SoftClipScaleOptions) {
  MockPolicy m(strict());
  script_example(m);
  SearchOptions o = small(2, 3, 3);
  o.eps_q = 0.5;
  o.q_max = 2.0;
  SearchResult r = run_search(m, problem(), o, boxed_reward());
  EXPECT_FLOAT_EQ(r.trajectories[1].node_q[0],
                  static_cast<float>(std::tanh((2.0 / 3.0) / 0.5) * 2));
  EXPECT_FLOAT_EQ(r.trajectories[1].node_q[1], 1.0f);  // terminal keeps its reward
}

TEST(SearchTree, VanillaUpdateVariant) {
  MockPolicy m(strict());
  script_example(m);
  SearchOptions o = small(2, 3, 3);
  o.q_update = QUpdate::kVanilla;
  SearchResult r = run_search(m, problem(), o, boxed_reward());
  ASSERT_EQ(r.stats.iterations, 4);
  // Root: -1/3, then max(-1/3 + 1/3, 0) = 0, then 0 * -1 >= 0 -> accumulate -1/4.
  EXPECT_DOUBLE_EQ(node(r, 0).q, -0.25);
  // n2: 2/3 then max(2/3 - 1/2, 0).
  EXPECT_NEAR(node(r, 2).q, 1.0 / 6.0, 1e-15);
  EXPECT_DOUBLE_EQ(node(r, 1).q, -2.0 / 3.0);
}

TEST(SearchTree, PaperGammaVariant) {
  MockPolicy m(strict());
  script_example(m);
  SearchOptions o = small(2, 3, 3);
  o.gamma = GammaRule::kPaper;
  SearchResult r = run_search(m, problem(), o, boxed_reward());
  // iter 1 (l = 2): n1 gets max(1/2, .1) * -1, root max(0, .1) * -1.
  EXPECT_DOUBLE_EQ(r.events[1].backup[1].q, -0.5);
  EXPECT_DOUBLE_EQ(r.events[1].backup[2].q, -0.1);
  // iter 2: root overwritten with 0.1; n2 = 0.5. iter 3 (l = 3): n5 = -2/3.
  EXPECT_DOUBLE_EQ(node(r, 0).q, 0.1);
  EXPECT_DOUBLE_EQ(node(r, 2).q, 0.5);
  EXPECT_DOUBLE_EQ(node(r, 5).q, -2.0 / 3.0);
}

TEST(SearchTree, VanillaUctRestartsFromTheRootByHand) {
  MockPolicy m(strict());
  m.script("0", {"a", 1.0, false});
  m.script("1", {"b", 1.0, false});
  m.script("0.0", {"\\boxed{1}", 0.5, true});
  m.script("0.1", {"e", 1.0, false});
  m.script("1.0", {"\\boxed{0}", 0.5, true});
  m.script("1.1", {"f", 1.0, false});
  m.script("1.1.0", {"g", 0.7, false});
  m.script("1.1.1", {"h", 0.6, false});
  SearchOptions o = small(2, 3, 3);
  o.selection = Selection::kUct;
  SearchResult r = run_search(m, problem(), o, boxed_reward());
  ASSERT_EQ(r.events.size(), 4u);
  // After iter 1: root N = 1 -> ln 1 = 0, so UCT = Q: n1 (-1/3) < n2 (0).
  EXPECT_EQ(r.events[1].next, 2);
  EXPECT_STREQ(r.events[1].next_rule, "root");
  EXPECT_DOUBLE_EQ(r.events[1].next_score, 0.0);
  // After iter 2: root N = 2; n1: -1/3 + 2 sqrt(ln2/2) < n2: 1/3 + 2 sqrt(ln2/2) -> descend into
  // n2, whose children are n5 (terminal, -inf) and n6 (N 1): 0 + 2 sqrt(ln 2 / 1).
  EXPECT_EQ(r.events[2].next, 6);
  EXPECT_NEAR(r.events[2].next_score, 2.0 * std::sqrt(std::log(2.0)), 1e-12);
  // iter 3: both children capped -> incomplete; the confident one (n8, nll .6) is backed up.
  EXPECT_EQ(r.events[3].chosen_terminal, 8);
  EXPECT_STREQ(r.events[3].choice_reason, "incomplete:lowest_path_nll");
  EXPECT_EQ(node(r, 8).outcome, Outcome::kIncomplete);
}

TEST(SearchTree, FrontierPicksByParentValueEntropyAndDepth) {
  auto run = [](double l2, const std::string& bonus) {
    MockPolicy m(strict());
    m.script("0", {"a", 1.0, false});
    m.script("1", {"b", 0.5, false});
    m.script("0.0", {"\\boxed{1}", 0.5, true});
    m.script("0.1", {"c", 2.0, false});
    m.script("0.1.0", {"\\boxed{0}", 0.5, true});
    m.script("0.1.1", {"d", 1.0, false});
    m.script("1.0", {"\\boxed{0}", 0.5, true});
    m.script("1.1", {"\\boxed{0}", 0.5, true});
    m.script("0.1.1.0", {"\\boxed{0}", 0.5, true});
    m.script("0.1.1.1", {"\\boxed{0}", 0.5, true});
    SearchOptions o = small(2, 4, 3);
    o.frontier_l2 = l2;
    o.depth_bonus = *find_choice(bonus, kDepthBonusChoices);
    return run_search(m, problem(), o, boxed_reward());
  };
  // l2 = 0: n2 (depth 1) and n4 (depth 2) share Q_parent = -1/3; the depth bonus picks n4.
  SearchResult r = run(0.0, "sqrt");
  EXPECT_EQ(r.events[1].next, 4);
  EXPECT_NEAR(r.events[1].next_score, 0.4 * std::tanh(-1.0 / 3.0) + 0.01 * std::sqrt(2.0 / 4.0),
              1e-12);
  // iter 2 backs up n5 (+1, l = 3): n4 = 3/4 (N 2), n1 overwritten to 1/2, root to 1/4 (N 2).
  // Frontier: n2 = .4 tanh(.125) + .01 sqrt(1/4);  n6 = .4 tanh(.375) + .01 sqrt(3/4) -> n6.
  EXPECT_EQ(r.events[2].next, 6);
  EXPECT_NEAR(r.events[2].next_score, 0.4 * std::tanh(0.375) + 0.01 * std::sqrt(0.75), 1e-12);
  // linear bonus: same picks, scores with d.
  r = run(0.0, "linear");
  EXPECT_NEAR(r.events[1].next_score, 0.4 * std::tanh(-1.0 / 3.0) + 0.01 * 2, 1e-12);
  r = run(0.0, "log");
  EXPECT_NEAR(r.events[1].next_score, 0.4 * std::tanh(-1.0 / 3.0) + 0.01 * std::log(3.0), 1e-12);
  // l2 = -1 penalizes the uncertain n4 (nll 2.0) against n2 (nll 0.5): n2 wins.
  r = run(-1.0, "sqrt");
  EXPECT_EQ(r.events[1].next, 2);
  EXPECT_NEAR(r.events[1].next_score, 0.4 * std::tanh(-1.0 / 3.0) - 0.5 + 0.01 * std::sqrt(0.25),
              1e-6);
}

TEST(SearchTree, ConfidentChoiceUsesWholePathNll) {
  // Ancestor: 10 tokens at nll 2. X: only EOS at nll .5 -> path (20 + .5)/11 = 1.86.
  // Y: 29 chars + EOS at nll 1 -> path (20 + 30)/40 = 1.25. Chunk NLL prefers X, path NLL Y.
  auto run = [](const std::string& rule) {
    MockPolicy m(strict());
    m.script("0", {"0123456789", 2.0, false});
    m.script("0.0", {"", 0.5, true});
    m.script("0.1", {std::string(29, 'y'), 1.0, true});
    m.script("1", {"z", 1.0, false});  // n2, a non-terminal sibling of the ancestor
    SearchOptions o = small(2, 5, 1);
    o.terminal_choice = *find_choice(rule, kTerminalChoices);
    return run_search(m, problem(), o, boxed_reward());
  };
  SearchResult r = run("confident");
  ASSERT_EQ(r.trajectories.size(), 1u);
  EXPECT_EQ(r.trajectories[0].terminal_node, 4);
  EXPECT_NEAR(r.trajectories[0].path_nll, 1.25, 1e-6);
  r = run("least_confident");
  EXPECT_EQ(r.trajectories[0].terminal_node, 3);
  r = run("paper");  // no correct child: the confident rule applies
  EXPECT_EQ(r.trajectories[0].terminal_node, 4);
}

// One expansion of the root with four terminals: two correct (nll .8, .4), two wrong (.1, .2).
SearchResult four_terminals(const std::string& rule, int64_t seed) {
  MockPolicy m(strict());
  m.script("0", {"\\boxed{1}", 0.1, true});
  m.script("1", {"\\boxed{0}", 0.8, true});
  m.script("2", {"\\boxed{1}", 0.2, true});
  m.script("3", {"\\boxed{0}", 0.4, true});
  SearchOptions o = small(4, 4, 1);
  o.terminal_choice = *find_choice(rule, kTerminalChoices);
  o.seed = seed;
  return run_search(m, problem(), o, boxed_reward());
}

TEST(SearchTree, TerminalChoiceOptions) {
  EXPECT_EQ(four_terminals("confident", 0).trajectories[0].terminal_node, 4);
  EXPECT_EQ(four_terminals("least_confident", 0).trajectories[0].terminal_node, 2);
  for (const char* rule : {"random", "paper"}) {
    std::set<int32_t> seen;
    for (int64_t seed = 0; seed < 40; ++seed) {
      SearchResult r = four_terminals(rule, seed);
      EXPECT_TRUE(r.trajectories[0].correct) << rule;
      seen.insert(r.trajectories[0].terminal_node);
      // Fixed seed -> same choice.
      EXPECT_EQ(four_terminals(rule, seed).trajectories[0].terminal_node,
                r.trajectories[0].terminal_node);
    }
    EXPECT_EQ(seen, (std::set<int32_t>{2, 4})) << rule;
  }
}

TEST(SearchTree, DepthCapGivesIncompleteAndItsReward) {
  MockPolicy m(random_mock_generator({.eos_probability = 0.0}));
  SearchOptions o = small(3, 2, 2);
  SearchResult r = run_search(m, problem(), o, boxed_reward());
  ASSERT_EQ(r.trajectories.size(), 2u);
  for (const auto& t : r.trajectories) {
    EXPECT_EQ(t.outcome, Outcome::kIncomplete);
    EXPECT_DOUBLE_EQ(t.reward, -1.0);
    EXPECT_EQ(t.node_ids.size(), 2u);
  }
  for (const Node& n : r.tree.nodes()) {
    EXPECT_LE(n.depth, 2);
    EXPECT_EQ(n.terminal, n.depth == 2);
  }
  o.incomplete_reward = -0.5;
  MockPolicy m2(random_mock_generator({.eos_probability = 0.0}));
  r = run_search(m2, problem(), o, boxed_reward());
  EXPECT_DOUBLE_EQ(r.trajectories[0].reward, -0.5);
  EXPECT_FLOAT_EQ(r.trajectories[0].token_q.back(), -0.5f);
}

TEST(SearchTree, CappedPathsVerifyOption) {
  // A capped path (no EOS) that already states the right answer.
  auto run = [](const std::string& capped) {
    MockPolicy m(strict());
    m.script("0", {"x", 1.0, false});
    m.script("1", {"\\boxed{0}", 1.0, false});
    SearchOptions o = small(2, 1, 1);
    o.capped_paths = *find_choice(capped, kCappedPathsChoices);
    return run_search(m, problem(), o, boxed_reward());
  };
  SearchResult r = run("incomplete");
  EXPECT_EQ(r.tree.node(2).outcome, Outcome::kIncomplete);
  EXPECT_FALSE(r.stats.correct_found);
  r = run("verify");  // [R]: answer present -> verified; no answer -> incomplete
  EXPECT_EQ(r.tree.node(2).outcome, Outcome::kCorrect);
  EXPECT_EQ(r.tree.node(1).outcome, Outcome::kIncomplete);
  EXPECT_EQ(r.trajectories[0].terminal_node, 2);
}

TEST(SearchTree, ContextLimitEndsAPathAsIncomplete) {
  // Prompt "Q" (1 token) + chunks "sK: " of 4 chars: a context of 8 tokens ends the second chunk
  // after 3 tokens.
  MockPolicy m(random_mock_generator({.eos_probability = 0.0, .step_chars = 0}), 8);
  SearchOptions o = small(2, 10, 1);
  SearchResult r = run_search(m, problem(), o, boxed_reward());
  ASSERT_EQ(r.trajectories.size(), 1u);
  const Trajectory& t = r.trajectories[0];
  EXPECT_EQ(t.finish, FinishReason::kContext);
  EXPECT_EQ(t.outcome, Outcome::kIncomplete);
  EXPECT_EQ(t.node_ids.size(), 2u);
  EXPECT_EQ(t.tokens.size(), 7u);
  EXPECT_EQ(t.response, "s1: s2:");
  EXPECT_EQ(m.live_states(), 0);
}

TEST(SearchTree, DelimiterEndsChunks) {
  MockPolicy m(strict());
  m.script("0", {"ab\ncd", 1.0, false});
  m.script("1", {"\\boxed{0}\nrest", 1.0, true});
  m.script("0.0", {"\\boxed{0}", 1.0, true});
  m.script("0.1", {"\\boxed{0}", 1.0, true});
  SearchOptions o = small(2, 4, 1);
  o.delimiter = "\n";
  SearchResult r = run_search(m, problem(), o, boxed_reward());
  EXPECT_EQ(r.tree.text(1), "ab\n");
  EXPECT_EQ(r.tree.node(1).finish, FinishReason::kDelimiter);
  EXPECT_EQ(r.tree.text(2), "\\boxed{0}\n");
  EXPECT_FALSE(r.tree.node(2).terminal);  // a delimiter is not an end
  o.delimiter = "";
  o.chunk_tokens = 2;
  o.max_depth = 3;
  MockPolicy m2(random_mock_generator({.eos_probability = 1.0}));
  m2.script("0", {"abcdef", 1.0, false});
  r = run_search(m2, problem(), o, boxed_reward());
  for (int32_t id = 1; id < r.tree.size(); ++id) EXPECT_LE(r.tree.node(id).token_count, 2u);
  EXPECT_EQ(r.tree.text(1), "ab");
  EXPECT_EQ(r.tree.node(1).token_count, 2u);
  EXPECT_EQ(r.tree.node(1).finish, FinishReason::kLength);
}

TEST(SearchTree, StopsAtBTerminals) {
  for (int b : {1, 3, 8}) {
    MockPolicy m(random_mock_generator({}));
    SearchOptions o;
    o.width = 4;
    o.max_depth = 6;
    o.terminals = b;
    SearchResult r = run_search(m, problem(), o, boxed_reward());
    EXPECT_EQ(static_cast<int>(r.trajectories.size()), b);
    EXPECT_EQ(r.stats.stop_reason, "terminals");
    EXPECT_EQ(r.stats.backed_up, b);
    int backed = 0;
    for (const Node& n : r.tree.nodes()) backed += n.backed_up;
    EXPECT_EQ(backed, b);
    // At most one new terminal per iteration.
    EXPECT_GE(r.stats.iterations, b);
    EXPECT_EQ(m.live_states(), 0);
  }
}

TEST(SearchTree, StopsAtTheIterationBudget) {
  MockPolicy m(random_mock_generator({.eos_probability = 0.0}));
  SearchOptions o;
  o.width = 2;
  o.max_depth = 64;
  o.max_iterations = 5;
  SearchResult r = run_search(m, problem(), o, boxed_reward());
  EXPECT_EQ(r.stats.iterations, 5);
  EXPECT_EQ(r.stats.stop_reason, "iteration_budget");
  EXPECT_TRUE(r.trajectories.empty());  // no terminal exists to fill with
  EXPECT_EQ(m.live_states(), 0);
}

TEST(SearchTree, EmptyFrontierWidensTheRootAndBudgetFillUsesLeftovers) {
  // Every chunk ends with EOS: each expansion gives W terminals, one is backed up, the frontier
  // is empty, so the root gets W more children.
  auto run = [](bool fill) {
    MockPolicy m(random_mock_generator({.eos_probability = 1.0}));
    SearchOptions o;
    o.width = 4;
    o.terminals = 8;
    o.max_iterations = 3;
    o.fill_at_budget = fill;
    SearchResult r = run_search(m, problem(), o, boxed_reward());
    EXPECT_EQ(m.live_states(), 0);
    return r;
  };
  SearchResult r = run(true);
  EXPECT_EQ(r.stats.iterations, 3);
  EXPECT_EQ(r.tree.node(0).num_children, 12);
  EXPECT_STREQ(r.events[0].next_rule, "root");
  EXPECT_EQ(r.events[0].next, 0);
  EXPECT_TRUE(std::isnan(r.events[0].next_score));
  EXPECT_EQ(r.stats.stop_reason, "iteration_budget");
  ASSERT_EQ(r.trajectories.size(), 8u);
  EXPECT_EQ(r.stats.filled, 5);
  EXPECT_EQ(r.fills.size(), 5u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(r.trajectories[i].from_fill, i >= 3);
  // Fills respect the class order: no incorrect is filled while a correct leftover remains.
  bool saw_wrong = false;
  for (const auto& t : r.trajectories)
    if (t.from_fill) {
      if (!t.correct) saw_wrong = true;
      EXPECT_FALSE(saw_wrong && t.correct);
    }
  r = run(false);
  EXPECT_EQ(r.trajectories.size(), 3u);
  EXPECT_EQ(r.stats.filled, 0);
}

TEST(SearchTree, RootOnlyFirstStepAndSamplingPassedToPolicy) {
  MockPolicy m(random_mock_generator({}));
  SearchOptions o;
  o.width = 3;
  o.max_depth = 5;
  o.terminals = 2;
  o.sampling.temperature = 0.7;
  o.sampling.top_p = 0.9;
  SearchResult r = run_search(m, problem(), o, boxed_reward());
  EXPECT_EQ(r.events[0].expanded, 0);
  EXPECT_EQ(r.events[0].children, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_DOUBLE_EQ(m.last_sampling().temperature, 0.7);
  EXPECT_DOUBLE_EQ(m.last_sampling().top_p, 0.9);
  EXPECT_EQ(r.stats.generated_tokens, m.counters().generated_tokens);
  EXPECT_EQ(r.stats.prefill_tokens, 1);  // the one-byte prompt "Q"
  EXPECT_GE(r.stats.seconds, r.stats.bookkeeping_seconds);
  EXPECT_GE(r.stats.bookkeeping_seconds, r.stats.reward_seconds);
  EXPECT_GT(r.stats.reward_seconds, 0.0);  // terminals were verified
}

std::string fingerprint(const SearchResult& r, const SearchProblem& p, const SearchOptions& o) {
  json j = tree_to_json(r, p, o);
  j.erase("stats");  // timings
  return j.dump();
}

TEST(SearchTree, DeterministicForAFixedSeed) {
  SearchOptions o;
  o.width = 4;
  o.max_depth = 8;
  o.terminal_choice = TerminalChoice::kRandom;
  auto run = [&](int64_t seed) {
    o.seed = seed;
    MockPolicy m(random_mock_generator({.eos_probability = 0.2}));
    return fingerprint(run_search(m, problem(), o, boxed_reward()), problem(), o);
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

// Every node that lies on the path of a backed-up CORRECT terminal has q >= 0, over many random
// trees and shapes; nodes with q < 0 were never on a correct path. Also: N bookkeeping adds up.
TEST(SearchTree, CorrectPathsNeverGoNegative) {
  int correct_trees = 0;
  for (int64_t seed = 0; seed < 300; ++seed) {
    SearchOptions o;
    o.width = 2 + static_cast<int>(seed % 4);
    o.max_depth = 3 + static_cast<int>(seed % 7);
    o.terminals = 8;
    o.seed = seed;
    o.selection = seed % 5 == 0 ? Selection::kUct : Selection::kFrontier;
    o.gamma = seed % 3 == 0 ? GammaRule::kPaper : GammaRule::kRef;
    RandomMockOptions mo;
    mo.eos_probability = 0.15 + 0.05 * static_cast<double>(seed % 5);
    mo.answers = 2 + static_cast<int>(seed % 3);
    MockPolicy m(random_mock_generator(mo));
    SearchResult r = run_search(m, problem(), o, boxed_reward());
    ASSERT_EQ(m.live_states(), 0);
    std::vector<bool> on_correct(static_cast<size_t>(r.tree.size()), false);
    std::vector<int> backups_through(static_cast<size_t>(r.tree.size()), 0);
    std::vector<int32_t> path;
    for (const auto& t : r.trajectories) {
      r.tree.path(t.terminal_node, path);
      for (int32_t id : path) {
        ++backups_through[static_cast<size_t>(id)];
        if (t.correct) on_correct[static_cast<size_t>(id)] = true;
      }
    }
    correct_trees += r.stats.correct_found;
    for (int32_t id = 0; id < r.tree.size(); ++id) {
      const Node& n = r.tree.node(id);
      if (on_correct[static_cast<size_t>(id)]) {
        EXPECT_GE(n.q, 0.0) << "seed " << seed << " node " << id;
      }
      if (n.q < 0) EXPECT_FALSE(on_correct[static_cast<size_t>(id)]);
      int created = (id != 0 && !n.terminal) ? 1 : 0;
      EXPECT_EQ(n.visits, created + backups_through[static_cast<size_t>(id)])
          << "seed " << seed << " node " << id;
      EXPECT_TRUE(n.backed_up == (n.terminal && backups_through[static_cast<size_t>(id)] == 1));
    }
  }
  EXPECT_GT(correct_trees, 100);  // the property was exercised
}

TEST(SearchTree, RewardFunctionSeesTheFullResponse) {
  MockPolicy m(strict());
  m.script("0", {"step one ", 1.0, false});
  m.script("1", {"\\boxed{9}", 1.0, true});
  m.script("0.0", {"\\boxed{5}", 1.0, true});
  m.script("0.1", {"\\boxed{5}", 1.0, true});
  std::vector<std::string> seen;
  RewardFn reward = [&](const SearchProblem& p, std::string_view response) {
    seen.emplace_back(response);
    return Verdict{response == "step one \\boxed{5}" && p.answer == "5", true};
  };
  SearchResult r = run_search(m, problem("5"), small(2, 3, 2), reward);
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], "\\boxed{9}");
  EXPECT_EQ(seen[1], "step one \\boxed{5}");
  EXPECT_TRUE(r.stats.correct_found);
}

}  // namespace
}  // namespace ds::search
