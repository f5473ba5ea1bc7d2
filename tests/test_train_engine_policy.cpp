// Tests of EnginePolicy (the search's Policy on the generation engine), with real random-weight
// models (builtin "micro" / "tiny" shapes, char tokenizer): chunk mapping against direct engine
// calls (tokens, sampling log-probs, mean NLL, text without EOS/special tokens,
// eos/delimiter/length/context finishes), prefix reuse in a deep search (prefill per generated
// token < 0.2, no re-encoding), determinism for a fixed seed, forest == one-tree-at-a-time,
// identical trees under K/V eviction (recompute counted as prefill), state release and input
// errors. `deepsearch search` as a library call: test_app_search_command.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/jsonl.h"
#include "core/options.h"
#include "engine/engine.h"
#include "model/transformer.h"
#include "search/export.h"
#include "search/forest.h"
#include "search/math_reward.h"
#include "tokenizer/char_tokenizer.h"
#include "train/engine_policy.h"

namespace ds::train {
namespace {

namespace fs = std::filesystem;

struct World {
  std::unique_ptr<tok::Tokenizer> tokenizer = tok::make_char_tokenizer();
  model::Transformer model{nullptr};
};

// A random-weight model of a built-in shape (shared by the tests of this file).
const World& world(const std::string& name) {
  static std::map<std::string, std::unique_ptr<World>> cache;
  auto& w = cache[name];
  if (!w) {
    w = std::make_unique<World>();
    model::ModelConfig c = model::make_builtin_config(name, w->tokenizer->vocab_size());
    w->model = model::Transformer(c, torch::TensorOptions(), uint64_t{7});
    w->model->eval();
  }
  return *w;
}

std::unique_ptr<engine::Engine> make_engine(const World& w, engine::EngineOptions o = {}) {
  return std::make_unique<engine::Engine>(w.model, *w.tokenizer, o);
}

search::SearchProblem problem(int i, const std::string& answer = "7") {
  search::SearchProblem p;
  p.id = "p" + std::to_string(i);
  p.question = "What is " + std::to_string(i) + " plus " + std::to_string(2 * i + 1) + "?";
  p.prompt = "Q: " + p.question + "\nA: ";
  p.answer = answer;
  p.key = static_cast<uint64_t>(i);
  return p;
}

// A reward with both outcomes on random text: correct iff the response contains any byte of the
// gold answer string.
search::RewardFn byte_reward() {
  return [](const search::SearchProblem& p, std::string_view response) {
    bool correct = response.find_first_of(p.answer) != std::string_view::npos;
    return search::Verdict{correct, true};
  };
}

// Everything of a tree that must be bit-identical across runs (floats from the model excluded).
std::string structure(const search::SearchResult& r) {
  json nodes = json::array();
  const search::Tree& t = r.tree;
  for (int32_t id = 0; id < t.size(); ++id) {
    const search::Node& n = t.node(id);
    auto toks = t.tokens(id);
    nodes.push_back({n.parent, n.depth, std::vector<int32_t>(toks.begin(), toks.end()),
                     std::string(t.text(id)), n.visits, n.q, n.terminal, n.reward, n.backed_up,
                     static_cast<int>(n.finish), static_cast<int>(n.outcome)});
  }
  json events = json::array();
  for (const auto& e : r.events) {
    events.push_back(
        {e.expanded, e.children, e.chosen_terminal, e.next, e.next_rule ? e.next_rule : "-"});
  }
  json trajectories = json::array();
  for (const auto& tr : r.trajectories)
    trajectories.push_back({tr.terminal_node, tr.tokens, tr.token_q, tr.reward});
  return json{{"nodes", nodes}, {"events", events}, {"trajectories", trajectories}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

// The model-derived floats agree within rounding of differently batched matmuls.
void expect_close_floats(const search::SearchResult& a, const search::SearchResult& b) {
  ASSERT_EQ(a.tree.size(), b.tree.size());
  for (int32_t id = 1; id < a.tree.size(); ++id) {
    EXPECT_NEAR(a.tree.node(id).nll, b.tree.node(id).nll, 1e-4) << "node " << id;
    auto la = a.tree.logprobs(id), lb = b.tree.logprobs(id);
    ASSERT_EQ(la.size(), lb.size());
    for (size_t k = 0; k < la.size(); ++k) EXPECT_NEAR(la[k], lb[k], 1e-4);
  }
}

search::SearchOptions deep_options() {
  search::SearchOptions o;
  o.width = 4;
  o.chunk_tokens = 6;
  o.max_depth = 48;
  o.terminals = 4;
  o.seed = 5;
  return o;
}

// The response text of a node's chunk as the tokenizer would decode it (final EOS and special
// tokens dropped).
std::string expected_text(const tok::Tokenizer& t, const std::vector<int32_t>& tokens, bool eos) {
  std::string s;
  for (size_t k = 0; k < tokens.size(); ++k) {
    if (eos && k + 1 == tokens.size()) break;
    if (!t.is_special(tokens[k])) s += t.token_bytes(tokens[k]);
  }
  return s;
}

// --------------------------------------------------------------------------------------------
// Chunk mapping.

TEST(EnginePolicy, ChunksMatchDirectEngineCalls) {
  const World& w = world("micro");
  auto e1 = make_engine(w), e2 = make_engine(w);
  EnginePolicy policy(*e1, *w.tokenizer);
  const std::string prompt = "Q: 2+3?\nA: ";
  auto roots = policy.begin({prompt});
  ASSERT_EQ(roots.size(), 1u);
  const auto ids = w.tokenizer->encode(prompt);
  EXPECT_EQ(roots[0].prefill_tokens, static_cast<int64_t>(ids.size()) - 1);  // last is pending
  const engine::StateId root2 = e2->prefill(ids);

  search::ExpandRequest r{roots[0].state, 3, 12, "", 99};
  auto res = policy.expand({r}, SamplingOptions{0.8, 0.9});
  engine::ExtendRequest er{root2, 3, 12, "", 99};
  auto direct = e2->extend({er}, SamplingOptions{0.8, 0.9, 0});
  ASSERT_EQ(res.size(), 1u);
  ASSERT_EQ(res[0].children.size(), 3u);
  EXPECT_EQ(res[0].prefill_tokens, 0);
  for (int c = 0; c < 3; ++c) {
    const search::Chunk& ch = res[0].children[static_cast<size_t>(c)];
    const engine::Sample& s = direct[0].children[static_cast<size_t>(c)];
    EXPECT_EQ(ch.tokens, s.tokens);
    EXPECT_EQ(ch.logprobs, s.sample_logprobs);
    EXPECT_DOUBLE_EQ(ch.mean_nll, s.mean_nll());
    EXPECT_EQ(ch.text,
              expected_text(*w.tokenizer, s.tokens, s.finish == engine::FinishReason::kEos));
    EXPECT_TRUE(e1->contains(static_cast<engine::StateId>(ch.state)));
    EXPECT_EQ(e1->tokens(static_cast<engine::StateId>(ch.state)), ch.tokens);
  }
  EXPECT_EQ(policy.counters().generated_tokens, e1->counters().decode_tokens);
  EXPECT_EQ(policy.counters().prefill_tokens, e1->counters().prefill_tokens);
  EXPECT_EQ(policy.live_states(), 4u);
  std::vector<search::StateId> all{roots[0].state};
  for (const auto& ch : res[0].children) all.push_back(ch.state);
  policy.release(all);
  EXPECT_EQ(policy.live_states(), 0u);
  EXPECT_EQ(e1->num_states(), 0u);
}

TEST(EnginePolicy, FinishReasonsAndText) {
  const World& w = world("micro");
  const std::string prompt = "Q: 1?\nA: ";
  // Greedy tokens of one child, to build stops that must trigger.
  std::vector<int32_t> greedy;
  {
    auto e = make_engine(w);
    EnginePolicy p(*e, *w.tokenizer);
    auto root = p.begin({prompt})[0];
    auto res = p.expand({{root.state, 1, 10, "", 1}}, SamplingOptions{0.0, 1.0});
    greedy = res[0].children[0].tokens;
    EXPECT_EQ(res[0].children[0].finish, search::FinishReason::kLength);
    ASSERT_EQ(greedy.size(), 10u);
  }
  // EOS: the third greedy token is declared an end-of-sequence id.
  {
    engine::EngineOptions o;
    o.eos_ids = {greedy[2]};
    auto e = make_engine(w, o);
    EnginePolicy p(*e, *w.tokenizer);
    auto root = p.begin({prompt})[0];
    auto res = p.expand({{root.state, 1, 10, "", 1}}, SamplingOptions{0.0, 1.0});
    const search::Chunk& c = res[0].children[0];
    size_t first = std::find(greedy.begin(), greedy.end(), greedy[2]) - greedy.begin();
    EXPECT_EQ(c.finish, search::FinishReason::kEos);
    EXPECT_EQ(c.tokens, std::vector<int32_t>(greedy.begin(), greedy.begin() + first + 1));
    EXPECT_EQ(c.text, expected_text(*w.tokenizer, c.tokens, true));  // EOS not in the text
  }
  // Delimiter: the bytes of the fourth greedy token.
  const std::string delim = w.tokenizer->token_bytes(greedy[3]);
  if (!w.tokenizer->is_special(greedy[3])) {
    auto e = make_engine(w);
    EnginePolicy p(*e, *w.tokenizer);
    auto root = p.begin({prompt})[0];
    auto res = p.expand({{root.state, 1, 10, delim, 1}}, SamplingOptions{0.0, 1.0});
    const search::Chunk& c = res[0].children[0];
    EXPECT_EQ(c.finish, search::FinishReason::kDelimiter);
    EXPECT_LE(c.tokens.size(), 4u);
    EXPECT_NE(c.text.find(delim), std::string::npos);
  }
  // Context: room for 3 more tokens only.
  {
    engine::EngineOptions o;
    o.max_context = static_cast<int>(w.tokenizer->encode(prompt).size()) + 3;
    auto e = make_engine(w, o);
    EnginePolicy p(*e, *w.tokenizer);
    auto root = p.begin({prompt})[0];
    auto res = p.expand({{root.state, 2, 10, "", 1}}, SamplingOptions{1.0, 1.0});
    for (const auto& c : res[0].children) {
      EXPECT_EQ(c.finish, search::FinishReason::kContext);
      EXPECT_EQ(c.tokens.size(), 3u);
    }
  }
}

TEST(EnginePolicy, SpecialTokensLeftOutOfText) {
  const World& w = world("micro");
  // A near-uniform random model samples one of the 5 special tokens about every 50 tokens, so
  // 8 x 64 sampled tokens contain several: the text drops them unless asked to keep them.
  auto e = make_engine(w);
  EnginePolicy p(*e, *w.tokenizer);
  auto root = p.begin({"<|im_start|>user\nhi<|im_end|>\n"})[0];
  auto res = p.expand({{root.state, 8, 64, "", 3}}, SamplingOptions{1.0, 1.0});
  int specials = 0;
  for (const auto& c : res[0].children) {
    const bool eos = c.finish == search::FinishReason::kEos;
    int body = 0;
    for (size_t k = 0; k + (eos ? 1 : 0) < c.tokens.size(); ++k)
      (w.tokenizer->is_special(c.tokens[k]) ? specials : body) += 1;
    EXPECT_EQ(c.text, expected_text(*w.tokenizer, c.tokens, eos));  // raw bytes, no UTF-8 repair
    EXPECT_EQ(c.text.size(), static_cast<size_t>(body));            // one byte per byte token
  }
  EXPECT_GT(specials, 0) << "the sample should contain special tokens";
  EnginePolicyOptions keep;
  keep.special_tokens_in_text = true;
  auto e2 = make_engine(w);
  EnginePolicy p2(*e2, *w.tokenizer, keep);
  auto root2 = p2.begin({"<|im_start|>user\nhi<|im_end|>\n"})[0];
  auto res2 = p2.expand({{root2.state, 8, 64, "", 3}}, SamplingOptions{1.0, 1.0});
  for (size_t i = 0; i < 8; ++i) {
    const auto& c = res2[0].children[i];
    EXPECT_EQ(c.tokens, res[0].children[i].tokens);
    std::string all;
    for (size_t k = 0; k < c.tokens.size(); ++k)
      if (!(c.finish == search::FinishReason::kEos && k + 1 == c.tokens.size()))
        all += w.tokenizer->token_bytes(c.tokens[k]);
    EXPECT_EQ(c.text, all);
  }
}

TEST(EnginePolicy, InputErrors) {
  const World& w = world("micro");
  engine::EngineOptions o;
  o.max_context = 16;
  auto e = make_engine(w, o);
  EnginePolicy p(*e, *w.tokenizer);
  EXPECT_THROW(p.begin({"ok", ""}), UsageError);
  EXPECT_EQ(p.live_states(), 0u);  // the first root was released again
  EXPECT_EQ(e->num_states(), 0u);
  EXPECT_THROW(p.begin({"this prompt is longer than sixteen tokens"}), UsageError);
  EXPECT_EQ(e->num_states(), 0u);
  search::SearchOptions bad;  // expansion top-k travels with the search's sampling options
  bad.sampling.top_k = -1;
  EXPECT_THROW(search::validate(bad), ConfigError);
}

TEST(EnginePolicy, DestructorReleasesHeldStates) {
  const World& w = world("micro");
  auto e = make_engine(w);
  {
    EnginePolicy p(*e, *w.tokenizer);
    auto root = p.begin({"Q: x\nA: "})[0];
    p.expand({{root.state, 2, 4, "", 0}}, SamplingOptions{});
    EXPECT_EQ(e->num_states(), 3u);
  }
  EXPECT_EQ(e->num_states(), 0u);
}

// --------------------------------------------------------------------------------------------
// Search on the engine.

TEST(EnginePolicySearch, DeepSearchReusesThePrefix) {
  const World& w = world("tiny");
  auto e = make_engine(w);
  EnginePolicy policy(*e, *w.tokenizer);
  search::SearchOptions o = deep_options();
  const search::SearchProblem p = problem(3);
  search::SearchResult r = search::run_search(policy, p, o, search::math_reward());

  const int64_t prompt_kv = static_cast<int64_t>(w.tokenizer->encode(p.prompt).size()) - 1;
  const auto& s = r.stats;
  int max_depth = 0;
  for (const auto& n : r.tree.nodes()) max_depth = std::max<int>(max_depth, n.depth);
  EXPECT_GE(max_depth, 12);  // a deep tree: paths of many chunks
  EXPECT_GE(s.iterations, max_depth);
  EXPECT_EQ(s.backed_up, o.terminals);
  // The prompt is encoded once; every expansion extends its parent's stored K/V.
  EXPECT_EQ(s.prefill_tokens, prompt_kv);
  EXPECT_EQ(policy.counters().prefill_tokens, prompt_kv);
  EXPECT_EQ(policy.recompute_tokens(), 0);
  EXPECT_EQ(s.generated_tokens, policy.counters().generated_tokens);
  const double ratio = static_cast<double>(s.prefill_tokens) / s.generated_tokens;
  EXPECT_LT(ratio, 0.2) << s.prefill_tokens << " prefill / " << s.generated_tokens << " generated";
  // Re-encoding prompt + path per expansion would cost this much prefill:
  int64_t resend = 0;
  for (const auto& ev : r.events) {
    std::vector<int32_t> path;
    r.tree.path(ev.expanded, path);
    int64_t len = prompt_kv + 1;
    for (int32_t id : path) len += r.tree.node(id).token_count;
    resend += len;
  }
  EXPECT_GT(resend, 20 * s.prefill_tokens);
  // Trajectories hold exactly the path's tokens and the sampling log-probs.
  for (const auto& t : r.trajectories) {
    EXPECT_EQ(t.tokens.size(), t.logprobs.size());
    EXPECT_EQ(t.response,
              expected_text(*w.tokenizer, t.tokens, t.finish == search::FinishReason::kEos));
    for (float lp : t.logprobs) EXPECT_LE(lp, 0.0f);
  }
  EXPECT_EQ(policy.live_states(), 0u);
  EXPECT_EQ(e->num_states(), 0u);
}

TEST(EnginePolicySearch, DeterministicForAFixedSeed) {
  const World& w = world("micro");
  search::SearchOptions o = deep_options();
  o.max_depth = 12;
  o.terminals = 5;
  engine::EngineOptions eo;
  eo.eos_ids = {1, 40, 41, 42, 43, 44, 45};  // frequent EOS: finished and capped terminals
  auto run = [&](int64_t seed) {
    auto e = make_engine(w, eo);
    EnginePolicy policy(*e, *w.tokenizer);
    o.seed = seed;
    return search::run_search(policy, problem(1), o, byte_reward());
  };
  search::SearchResult a = run(5), b = run(5), c = run(6);
  EXPECT_EQ(structure(a), structure(b));
  expect_close_floats(a, b);
  EXPECT_NE(structure(a), structure(c));
  bool eos = false;
  for (const auto& n : a.tree.nodes()) eos |= n.terminal && n.finish == search::FinishReason::kEos;
  EXPECT_TRUE(eos);  // the comparison covered finished (verified) terminals too
}

TEST(EnginePolicySearch, ForestGivesTheSameTreesAsOneAtATime) {
  const World& w = world("micro");
  search::SearchOptions o = deep_options();
  o.max_depth = 10;
  o.terminals = 4;
  o.terminal_choice = search::TerminalChoice::kPaper;
  engine::EngineOptions eo;
  eo.eos_ids = {1, 40, 41, 42, 43, 44, 45};
  std::vector<search::SearchProblem> ps;
  for (int i = 0; i < 5; ++i) ps.push_back(problem(i * 11));  // different prompt lengths

  std::vector<search::SearchResult> alone;
  for (const auto& p : ps) {
    auto e = make_engine(w, eo);
    EnginePolicy policy(*e, *w.tokenizer);
    alone.push_back(search::run_search(policy, p, o, byte_reward()));
  }
  auto e = make_engine(w, eo);
  EnginePolicy policy(*e, *w.tokenizer);
  search::Forest forest(policy, o, byte_reward());
  auto together = forest.run(ps);
  ASSERT_EQ(together.size(), ps.size());
  for (size_t i = 0; i < ps.size(); ++i) {
    EXPECT_EQ(structure(together[i]), structure(alone[i])) << "problem " << i;
    expect_close_floats(together[i], alone[i]);
  }
  // One engine call per round, with the children of every live tree.
  EXPECT_EQ(policy.expand_calls(), forest.stats().rounds);
  EXPECT_EQ(policy.max_batch_children(), static_cast<int64_t>(ps.size()) * o.width);
  EXPECT_EQ(forest.stats().generated_tokens, policy.counters().generated_tokens);
  EXPECT_EQ(policy.live_states(), 0u);
  EXPECT_EQ(e->num_states(), 0u);
}

TEST(EnginePolicySearch, EvictionRecomputesAndKeepsTheTree) {
  const World& w = world("micro");
  search::SearchOptions o = deep_options();
  o.max_depth = 16;
  o.terminals = 3;
  auto run = [&](int64_t budget, search::SearchResult& r) {
    engine::EngineOptions eo;
    eo.kv_budget_bytes = budget;
    auto e = make_engine(w, eo);
    EnginePolicy policy(*e, *w.tokenizer);
    r = search::run_search(policy, problem(2), o, search::math_reward());
    return std::make_pair(policy.counters().prefill_tokens, policy.recompute_tokens());
  };
  search::SearchResult full, small;
  auto [prefill_full, recompute_full] = run(int64_t{1} << 30, full);
  // micro: 2 layers x 2 (K, V) x 2 heads x 16 dims x 4 bytes = 512 bytes per token.
  auto [prefill_small, recompute_small] = run(512 * 24, small);
  EXPECT_EQ(recompute_full, 0);
  EXPECT_GT(recompute_small, 0);
  EXPECT_EQ(prefill_small, prefill_full + recompute_small);
  EXPECT_EQ(small.stats.prefill_tokens, prefill_small);  // per-request prefill reaches the tree
  EXPECT_EQ(structure(small), structure(full));
  expect_close_floats(small, full);
}

}  // namespace
}  // namespace ds::train
