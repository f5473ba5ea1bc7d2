// Tests the engine end to end on a small random Qwen2-style model: KV-cache decoding against full
// recomputation (batch 1, batch 16, mixed prefix lengths in one batch), greedy extend() against
// greedy full-forward decoding, seeding independent of batch composition, prefix reuse counted by
// the counters, eviction + recompute, stop rules (EOS, delimiter, length, context), generate(),
// state lifetime and input errors.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/errors.h"
#include "engine/engine.h"
#include "model/transformer.h"
#include "tokenizer/char_tokenizer.h"

namespace ds::engine {
namespace {

constexpr double kTol = 1e-5;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tokenizer_ = tok::make_char_tokenizer();
    model::ModelConfig c = model::make_builtin_config("micro", tokenizer_->vocab_size());
    c.initializer_range = 0.1;  // peakier distributions than HF's 0.02: greedy has clear winners
    model_ = model::Transformer(c);
    model_->eval();
  }

  std::unique_ptr<Engine> make_engine(EngineOptions o = {}) {
    return std::make_unique<Engine>(model_, *tokenizer_, o);
  }

  std::vector<int32_t> prompt(int len, int salt = 0) {
    std::vector<int32_t> p;
    for (int i = 0; i < len; ++i) p.push_back(10 + (i * 7 + salt * 13) % 200);
    return p;
  }

  // Reference: one full forward over `seq` without any cache. For each position p >= from,
  // the raw model's log-prob of seq[p], the entropy and the argmax of the distribution at p.
  struct Ref {
    std::vector<double> logprob, entropy;
    std::vector<int64_t> argmax;
  };
  Ref reference(const std::vector<int32_t>& seq, size_t from) {
    torch::NoGradGuard ng;
    std::vector<int64_t> ids(seq.begin(), seq.end());
    model::ForwardInput in;
    in.ids = torch::tensor(ids, torch::kInt64).view({1, -1});
    auto logp = torch::log_softmax(model_->forward(in)[0], -1);  // (T, V)
    Ref r;
    for (size_t p = from; p < seq.size(); ++p) {
      auto row = logp[static_cast<int64_t>(p) - 1];
      r.logprob.push_back(row[seq[p]].item<double>());
      r.entropy.push_back(-(row.exp() * row).sum().item<double>());
      r.argmax.push_back(row.argmax().item<int64_t>());
    }
    return r;
  }

  // Checks a chunk appended to `prefix` against full recomputation.
  void expect_matches_reference(const std::vector<int32_t>& prefix, const Sample& s) {
    std::vector<int32_t> seq = prefix;
    seq.insert(seq.end(), s.tokens.begin(), s.tokens.end());
    Ref r = reference(seq, prefix.size());
    ASSERT_EQ(r.logprob.size(), s.tokens.size());
    for (size_t i = 0; i < s.tokens.size(); ++i) {
      EXPECT_NEAR(s.model_logprobs[i], r.logprob[i], kTol) << "token " << i;
      EXPECT_NEAR(s.entropies[i], r.entropy[i], kTol) << "token " << i;
    }
  }

  std::unique_ptr<tok::Tokenizer> tokenizer_;
  model::Transformer model_{nullptr};
};

SamplingOptions greedy() {
  SamplingOptions p;
  p.temperature = 0.0;
  return p;
}

TEST_F(EngineTest, GreedyExtendEqualsGreedyFullForward) {
  auto engine = make_engine();
  std::vector<int32_t> p = prompt(9);
  StateId root = engine->prefill(p);
  auto out = engine->extend({{root, 1, 20, "", 0}}, greedy());
  const Sample& s = out[0].children[0];
  ASSERT_EQ(s.tokens.size(), 20u);
  // Greedy by repeated full forward passes, one token at a time.
  std::vector<int32_t> seq = p;
  for (int i = 0; i < 20; ++i) {
    seq.push_back(0);  // the next token's slot; the reference reads the distribution before it
    seq.back() = static_cast<int32_t>(reference(seq, seq.size() - 1).argmax[0]);
  }
  EXPECT_EQ(std::vector<int32_t>(seq.begin() + p.size(), seq.end()), s.tokens);
  expect_matches_reference(p, s);
  for (float lp : s.sample_logprobs) EXPECT_EQ(lp, 0.0f);
}

TEST_F(EngineTest, KvDecodingMatchesFullRecomputationBatch1) {
  auto engine = make_engine();
  std::vector<int32_t> p = prompt(5);
  StateId root = engine->prefill(p);
  auto out = engine->extend({{root, 1, 30, "", 42}}, SamplingOptions{});
  ASSERT_EQ(out[0].children[0].tokens.size(), out[0].children[0].model_logprobs.size());
  expect_matches_reference(p, out[0].children[0]);
  // With T = 1 and no truncation the sampling distribution is the model's.
  for (size_t i = 0; i < out[0].children[0].tokens.size(); ++i)
    EXPECT_NEAR(out[0].children[0].sample_logprobs[i], out[0].children[0].model_logprobs[i], 1e-6);
}

TEST_F(EngineTest, MixedPrefixLengthsInOneBatch16) {
  // 16 prompts of lengths 1..31, one child each, decoded in one padded batch.
  auto engine = make_engine();
  std::vector<std::vector<int32_t>> prompts;
  for (int i = 0; i < 16; ++i) prompts.push_back(prompt(1 + 2 * i, i));
  std::vector<StateId> roots = engine->prefill(prompts);
  std::vector<ExtendRequest> reqs;
  for (int i = 0; i < 16; ++i) reqs.push_back({roots[i], 1, 12, "", static_cast<uint64_t>(i)});
  int64_t calls_before = engine->counters().forward_calls;
  SamplingOptions sp;
  sp.temperature = 0.8;
  sp.top_p = 0.9;
  auto out = engine->extend(reqs, sp);
  EXPECT_LE(engine->counters().forward_calls - calls_before, 12);  // one forward per step
  for (int i = 0; i < 16; ++i) {
    SCOPED_TRACE(i);
    expect_matches_reference(prompts[i], out[i].children[0]);
  }
}

TEST_F(EngineTest, SixteenChildrenOfOneParentMatchRecomputation) {
  auto engine = make_engine();
  std::vector<int32_t> p = prompt(11);
  StateId root = engine->prefill(p);
  auto out = engine->extend({{root, 16, 10, "", 7}}, SamplingOptions{});
  ASSERT_EQ(out[0].children.size(), 16u);
  for (const Sample& s : out[0].children) expect_matches_reference(p, s);
}

TEST_F(EngineTest, SameSeedSameSamplesRegardlessOfBatchComposition) {
  auto engine = make_engine();
  std::vector<int32_t> pa = prompt(6, 1), pb = prompt(17, 2);
  StateId a = engine->prefill(pa), b = engine->prefill(pb);
  SamplingOptions sp;
  sp.temperature = 1.0;
  sp.top_k = 50;
  auto alone = engine->extend({{a, 3, 15, "", 99}}, sp);
  auto mixed = engine->extend({{b, 5, 9, "", 1}, {a, 3, 15, "", 99}, {b, 2, 20, "", 2}}, sp);
  EngineOptions small;
  small.max_batch_size = 2;  // the same request split over several batches
  auto engine2 = make_engine(small);
  StateId a2 = engine2->prefill(pa);
  auto split = engine2->extend({{a2, 3, 15, "", 99}}, sp);
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(alone[0].children[c].tokens, mixed[1].children[c].tokens) << c;
    EXPECT_EQ(alone[0].children[c].tokens, split[0].children[c].tokens) << c;
    for (size_t i = 0; i < alone[0].children[c].tokens.size(); ++i)
      EXPECT_NEAR(alone[0].children[c].model_logprobs[i], mixed[1].children[c].model_logprobs[i],
                  kTol);
  }
  // Children of one request differ from each other, and a different seed gives other samples.
  EXPECT_NE(alone[0].children[0].tokens, alone[0].children[1].tokens);
  auto other = engine->extend({{a, 3, 15, "", 100}}, sp);
  EXPECT_NE(alone[0].children[0].tokens, other[0].children[0].tokens);
}

TEST_F(EngineTest, RefilledSmallBatchesMatchOneBigBatch) {
  // Rows finish at different steps (1 in 7 ids ends a sequence); with 3 slots the batch is
  // rebuilt many times, live rows' K/V repacked and waiting rows moved in.
  EngineOptions big, small;
  for (int id = 0; id < tokenizer_->vocab_size(); id += 7) big.eos_ids.push_back(id);
  small.eos_ids = big.eos_ids;
  small.max_batch_size = 3;
  auto a = make_engine(big), b = make_engine(small);
  std::vector<std::vector<int32_t>> prompts;
  for (int i = 0; i < 6; ++i) prompts.push_back(prompt(3 + 5 * i, i));
  std::vector<StateId> ra = a->prefill(prompts), rb = b->prefill(prompts);
  std::vector<ExtendRequest> qa, qb;
  for (int i = 0; i < 6; ++i) {
    qa.push_back({ra[i], 2, 25, "", static_cast<uint64_t>(i)});
    qb.push_back({rb[i], 2, 25, "", static_cast<uint64_t>(i)});
  }
  auto oa = a->extend(qa, SamplingOptions{});
  auto ob = b->extend(qb, SamplingOptions{});
  std::set<size_t> lengths;
  for (int i = 0; i < 6; ++i)
    for (int c = 0; c < 2; ++c) {
      const Sample& x = oa[i].children[c];
      const Sample& y = ob[i].children[c];
      EXPECT_EQ(x.tokens, y.tokens);
      EXPECT_EQ(x.finish, y.finish);
      for (size_t k = 0; k < x.tokens.size(); ++k)
        EXPECT_NEAR(x.model_logprobs[k], y.model_logprobs[k], kTol);
      lengths.insert(y.tokens.size());
      // The stored K/V of children decoded across rebuilds continues correctly.
      auto next = b->extend({{y.state, 1, 6, "", 9}}, greedy()).at(0).children.at(0);
      expect_matches_reference(b->path_tokens(y.state), next);
    }
  EXPECT_GE(lengths.size(), 4u);  // rows really finished at different steps
}

// The decode workspace kept between calls (grown, reused, alternated on rebuilds) never leaks
// one call's K/V into another: the same requests give the same samples on a fresh engine as after
// other calls of different shapes on a used one.
TEST_F(EngineTest, ReusedWorkspaceGivesFreshEngineResults) {
  EngineOptions o;
  for (int id = 0; id < tokenizer_->vocab_size(); id += 5) o.eos_ids.push_back(id);
  o.max_batch_size = 4;  // rebuilds alternate the two buffers
  auto used = make_engine(o), fresh = make_engine(o);
  std::vector<int32_t> pa = prompt(9, 1), pb = prompt(23, 2);
  StateId ua = used->prefill(pa), ub = used->prefill(pb);
  used->extend({{ub, 6, 30, "", 5}}, SamplingOptions{});  // longer rows first
  used->extend({{ua, 2, 4, "", 6}}, SamplingOptions{});
  const int64_t kept = used->workspace_bytes();
  EXPECT_GT(kept, 0);
  auto got = used->extend({{ua, 5, 20, "", 7}, {ub, 3, 12, "", 8}}, SamplingOptions{});
  StateId fa = fresh->prefill(pa), fb = fresh->prefill(pb);
  auto want = fresh->extend({{fa, 5, 20, "", 7}, {fb, 3, 12, "", 8}}, SamplingOptions{});
  for (size_t r = 0; r < 2; ++r)
    for (size_t c = 0; c < want[r].children.size(); ++c) {
      EXPECT_EQ(got[r].children[c].tokens, want[r].children[c].tokens) << r << " " << c;
      expect_matches_reference(
          used->path_tokens(got[r].children[c].state),
          used->extend({{got[r].children[c].state, 1, 4, "", 1}}, greedy()).at(0).children.at(0));
    }
  EXPECT_GE(used->workspace_bytes(), kept);
}

TEST_F(EngineTest, ExpandingDeepNodeComputesNoPrefill) {
  auto engine = make_engine();
  std::vector<int32_t> p = prompt(40);
  StateId node = engine->prefill(p);
  const int64_t prompt_prefill = engine->counters().prefill_tokens;
  EXPECT_EQ(prompt_prefill, 39);           // the last prompt token is pending
  for (int depth = 0; depth < 4; ++depth)  // a path of 4 chunks of 16 tokens
    node = engine->extend({{node, 1, 16, "", static_cast<uint64_t>(depth)}}, SamplingOptions{})
               .at(0)
               .children.at(0)
               .state;
  EXPECT_EQ(engine->length(node), 40 + 64);
  EXPECT_EQ(engine->counters().prefill_tokens, prompt_prefill);  // chunks reuse their parents

  EngineCounters before = engine->counters();
  auto kids = engine->extend({{node, 8, 10, "", 5}}, SamplingOptions{});
  const EngineCounters& after = engine->counters();
  EXPECT_EQ(after.prefill_tokens, before.prefill_tokens);  // no prompt/path recomputation
  int64_t generated = 0;
  for (const Sample& s : kids[0].children) generated += static_cast<int64_t>(s.tokens.size());
  EXPECT_EQ(after.decode_tokens - before.decode_tokens, generated);
  std::vector<int32_t> path = engine->path_tokens(node);
  for (const Sample& s : kids[0].children) expect_matches_reference(path, s);
  // The children's own chunks are stored: extending a child needs no prefill either.
  auto grand = engine->extend({{kids[0].children[3].state, 2, 5, "", 1}}, SamplingOptions{});
  EXPECT_EQ(engine->counters().prefill_tokens, before.prefill_tokens);
  std::vector<int32_t> child_path = engine->path_tokens(kids[0].children[3].state);
  expect_matches_reference(child_path, grand[0].children[1]);
}

TEST_F(EngineTest, EvictionAndRecomputeGiveIdenticalResults) {
  SamplingOptions sp;
  sp.temperature = 0.9;
  auto build = [&](Engine& e) {
    StateId s = e.prefill(prompt(25));
    for (int d = 0; d < 3; ++d)
      s = e.extend({{s, 2, 8, "", static_cast<uint64_t>(d)}}, sp).at(0).children.at(1).state;
    return s;
  };
  auto roomy = make_engine();
  StateId deep_a = build(*roomy);
  EngineOptions tight;
  tight.kv_budget_bytes = 0;  // keep nothing between calls
  auto evicting = make_engine(tight);
  StateId deep_b = build(*evicting);
  EXPECT_EQ(evicting->kv_bytes(), 0);
  EXPECT_GT(evicting->counters().evicted_chunks, 0);
  EXPECT_EQ(roomy->path_tokens(deep_a), evicting->path_tokens(deep_b));

  EngineCounters before = evicting->counters();
  auto ra = roomy->extend({{deep_a, 4, 12, "", 77}}, sp);
  auto rb = evicting->extend({{deep_b, 4, 12, "", 77}}, sp);
  const EngineCounters& after = evicting->counters();
  const int64_t path_kv = evicting->length(deep_b) - 1;
  EXPECT_EQ(after.prefill_tokens - before.prefill_tokens, path_kv);
  EXPECT_EQ(after.recompute_tokens - before.recompute_tokens, path_kv);
  for (int c = 0; c < 4; ++c) {
    EXPECT_EQ(ra[0].children[c].tokens, rb[0].children[c].tokens);
    for (size_t i = 0; i < ra[0].children[c].tokens.size(); ++i)
      EXPECT_NEAR(ra[0].children[c].model_logprobs[i], rb[0].children[c].model_logprobs[i], kTol);
  }
}

TEST_F(EngineTest, PinnedPathSurvivesTightBudget) {
  EngineOptions tight;
  tight.kv_budget_bytes = 0;
  auto engine = make_engine(tight);
  StateId root = engine->prefill(prompt(20));
  EXPECT_EQ(engine->kv_bytes(), 0);  // nothing protects it yet: evicted at once
  engine->pin(root);
  auto first = engine->extend({{root, 1, 6, "", 0}}, SamplingOptions{}).at(0);
  EXPECT_EQ(first.prefill_tokens, 19);  // the root is recomputed once...
  EXPECT_EQ(engine->counters().recompute_tokens, 19);
  StateId child = first.children.at(0).state;
  // The pinned root's 19 K/V columns stay; the child's 6 were stored, then evicted.
  EXPECT_EQ(engine->kv_bytes() * 25, engine->kv_peak_bytes() * 19);
  int64_t prefill = engine->counters().prefill_tokens;
  auto again = engine->extend({{root, 2, 6, "", 1}}, SamplingOptions{}).at(0);
  EXPECT_EQ(again.prefill_tokens, 0);  // ...and then kept, being pinned
  EXPECT_EQ(engine->counters().prefill_tokens, prefill);
  // The unpinned child was evicted: extending it recomputes only its own chunk.
  auto grand = engine->extend({{child, 1, 3, "", 2}}, SamplingOptions{}).at(0);
  EXPECT_EQ(grand.prefill_tokens, 6);
  EXPECT_EQ(engine->counters().recompute_tokens, 19 + 6);
  engine->unpin(root);
  engine->extend({{root, 1, 2, "", 3}}, SamplingOptions{});
  EXPECT_EQ(engine->kv_bytes(), 0);  // unpinned: the budget applies again
}

TEST_F(EngineTest, InvalidateKvRecomputesAsPlainPrefill) {
  auto engine = make_engine();
  std::vector<int32_t> p = prompt(12);
  StateId root = engine->prefill(p);
  auto first = engine->extend({{root, 1, 8, "", 3}}, greedy());
  EXPECT_GT(engine->workspace_bytes(), 0);  // the decode buffers are kept for the next call
  engine->invalidate_kv();
  EXPECT_EQ(engine->kv_bytes(), 0);
  EXPECT_EQ(engine->workspace_bytes(), 0);
  auto second = engine->extend({{root, 1, 8, "", 3}}, greedy());
  EXPECT_EQ(first[0].children[0].tokens, second[0].children[0].tokens);
  EXPECT_EQ(engine->counters().prefill_tokens, 2 * 11);
  EXPECT_EQ(engine->counters().recompute_tokens, 0);
}

TEST_F(EngineTest, StopsAtEosAndKeepsIt) {
  EngineOptions o;
  for (int id = 0; id < tokenizer_->vocab_size(); id += 2) o.eos_ids.push_back(id);
  auto engine = make_engine(o);
  StateId root = engine->prefill(prompt(4));
  auto out = engine->extend({{root, 8, 50, "", 11}}, SamplingOptions{});
  int eos_count = 0;
  for (const Sample& s : out[0].children) {
    if (s.finish != FinishReason::kEos) continue;
    ++eos_count;
    EXPECT_EQ(s.tokens.back() % 2, 0);
    for (size_t i = 0; i + 1 < s.tokens.size(); ++i) EXPECT_EQ(s.tokens[i] % 2, 1);
  }
  EXPECT_EQ(eos_count, 8);  // half the vocabulary stops: 50 tokens without one is ~1e-15
}

TEST_F(EngineTest, StopsAtDelimiterInChunkText) {
  auto engine = make_engine();
  std::vector<int32_t> p = prompt(6);
  StateId root = engine->prefill(p);
  auto free_run = engine->extend({{root, 1, 20, "", 0}}, greedy()).at(0).children.at(0);
  // Use the text of the 4th token (plus the 5th) as the delimiter: the chunk must stop at the
  // first place that text occurs.
  std::string delim =
      tokenizer_->token_bytes(free_run.tokens[3]) + tokenizer_->token_bytes(free_run.tokens[4]);
  auto cut = engine->extend({{root, 1, 20, delim, 0}}, greedy()).at(0).children.at(0);
  EXPECT_EQ(cut.finish, FinishReason::kDelimiter);
  ASSERT_LE(cut.tokens.size(), 5u);
  std::string text;
  for (int32_t t : cut.tokens) text += tokenizer_->token_bytes(t);
  EXPECT_NE(text.find(delim), std::string::npos);
  std::string before_last;
  for (size_t i = 0; i + 1 < cut.tokens.size(); ++i)
    before_last += tokenizer_->token_bytes(cut.tokens[i]);
  EXPECT_EQ(before_last.find(delim), std::string::npos);
  EXPECT_EQ(
      std::vector<int32_t>(free_run.tokens.begin(), free_run.tokens.begin() + cut.tokens.size()),
      cut.tokens);
}

TEST_F(EngineTest, StopsAtLengthAndContext) {
  EngineOptions o;
  o.max_context = 30;
  auto engine = make_engine(o);
  StateId root = engine->prefill(prompt(22));
  auto a = engine->extend({{root, 1, 5, "", 0}}, greedy()).at(0).children.at(0);
  EXPECT_EQ(a.finish, FinishReason::kLength);
  EXPECT_EQ(a.tokens.size(), 5u);
  auto b = engine->extend({{a.state, 1, 20, "", 0}}, greedy()).at(0).children.at(0);
  EXPECT_EQ(b.finish, FinishReason::kContext);
  EXPECT_EQ(b.tokens.size(), 3u);
  EXPECT_EQ(engine->length(b.state), 30);
  auto c = engine->extend({{b.state, 2, 20, "", 0}}, greedy()).at(0).children;
  EXPECT_EQ(c[0].finish, FinishReason::kContext);
  EXPECT_TRUE(c[0].tokens.empty());
  EXPECT_EQ(c[0].mean_nll(), 0.0);
  // Mixed in one call: rows that cannot decode do not disturb the others.
  auto mixed = engine->extend({{b.state, 1, 4, "", 0}, {root, 1, 4, "", 0}}, greedy());
  EXPECT_TRUE(mixed[0].children[0].tokens.empty());
  EXPECT_EQ(mixed[1].children[0].tokens,
            std::vector<int32_t>(a.tokens.begin(), a.tokens.begin() + 4));
}

TEST_F(EngineTest, GenerateMatchesExtendAndSharesIdenticalPrompts) {
  auto engine = make_engine();
  std::vector<int32_t> p = prompt(15);
  SamplingOptions sp;
  sp.temperature = 0.6;
  sp.top_p = 0.95;
  GenerateRequest r1{p, 3, 10, "", 5}, r2{p, 1, 10, "", 6}, r3{prompt(8, 3), 2, 7, "", 5};
  auto gen = engine->generate({r1, r2, r3}, sp);
  EXPECT_EQ(engine->counters().prefill_tokens, 14 + 7);  // p prefilled once for r1 and r2
  EXPECT_EQ(engine->num_states(), 0u);                   // generate releases what it made
  ASSERT_EQ(gen.size(), 3u);
  ASSERT_EQ(gen[0].size(), 3u);
  ASSERT_EQ(gen[2].size(), 2u);
  StateId root = engine->prefill(p);
  auto ext = engine->extend({{root, 3, 10, "", 5}}, sp);
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(gen[0][c].tokens, ext[0].children[c].tokens);
    EXPECT_EQ(gen[0][c].state, kNoState);
  }
}

TEST_F(EngineTest, ReleaseFreesStates) {
  auto engine = make_engine();
  StateId root = engine->prefill(prompt(10));
  auto kids = engine->extend({{root, 4, 5, "", 0}}, SamplingOptions{}).at(0).children;
  EXPECT_EQ(engine->num_states(), 5u);
  engine->release(root);  // kept alive by its children
  EXPECT_TRUE(engine->contains(root));
  for (const Sample& s : kids) engine->release(s.state);
  EXPECT_EQ(engine->num_states(), 0u);
  EXPECT_EQ(engine->kv_bytes(), 0);
}

TEST_F(EngineTest, LongPromptIsPrefilledInPieces) {
  EngineOptions o;
  o.prefill_chunk_tokens = 7;
  auto engine = make_engine(o);
  std::vector<int32_t> p = prompt(50);
  StateId root = engine->prefill(p);
  EXPECT_EQ(engine->counters().forward_calls, 7);  // 49 tokens in pieces of 7
  auto out = engine->extend({{root, 2, 6, "", 1}}, SamplingOptions{});
  for (const Sample& s : out[0].children) expect_matches_reference(p, s);
}

TEST_F(EngineTest, BadInputsAreUsageErrors) {
  auto engine = make_engine();
  EXPECT_THROW(engine->prefill(std::vector<int32_t>{}), UsageError);
  EXPECT_THROW(engine->prefill(std::vector<int32_t>{1, 100000}), UsageError);
  StateId root = engine->prefill(prompt(3));
  EXPECT_THROW(engine->extend({{root + 1000, 1, 4, "", 0}}, SamplingOptions{}), UsageError);
  EXPECT_THROW(engine->extend({{root, 1, 0, "", 0}}, SamplingOptions{}), UsageError);
  SamplingOptions bad;
  bad.top_p = 1.5;
  EXPECT_THROW(engine->extend({{root, 1, 4, "", 0}}, bad), ConfigError);
  EngineOptions o;
  o.max_context = 4;
  auto small = make_engine(o);
  try {
    small->prefill(prompt(9));
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("context limit of 4"), std::string::npos);
  }
  EngineOptions bad_opts;
  bad_opts.max_batch_size = 0;
  EXPECT_THROW(make_engine(bad_opts), ConfigError);
}

}  // namespace
}  // namespace ds::engine
