// Tests of the transformer forward contract: shapes and dtypes, the KV-cache contract (one call ==
// the same tokens in pieces through past/present), padded batches with per-sequence positions and
// masks, tied/untied heads, GQA, bf16, seeded initialization and parameter counting.
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <set>

#include "model/model_config.h"
#include "model/transformer.h"

namespace dm = ds::model;

namespace {

dm::ModelConfig test_config(bool tied, int64_t heads = 4, int64_t kv_heads = 2) {
  dm::ModelConfig c = dm::make_builtin_config("micro", 97);
  c.num_attention_heads = heads;
  c.num_key_value_heads = kv_heads;
  c.head_dim = 16;
  c.hidden_size = 48;
  c.num_hidden_layers = 3;
  c.tie_word_embeddings = tied;
  c.rope_theta = 10000.0;
  return c;
}

// Weights `scale` times larger than HF's std 0.02 so attention is far from uniform and mistakes
// show. float64 models isolate logic errors from float32 rounding (BLAS blocks GEMM and GEMV
// differently, so one call and several calls round differently).
dm::Transformer make_model(const dm::ModelConfig& c, uint64_t seed = 1, double scale = 4.0,
                           torch::Dtype dtype = torch::kFloat32) {
  dm::Transformer m(c, torch::TensorOptions().dtype(dtype), seed);
  torch::NoGradGuard g;
  for (auto& [name, p] : m->hf_named_parameters())
    if (name.find("norm") == std::string::npos) p.mul_(scale);
  return m;
}

torch::Tensor random_ids(int64_t B, int64_t T, int64_t vocab, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return torch::randint(0, vocab, {B, T}, gen, torch::kInt64);
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

TEST(ModelForward, ShapesAndDtype) {
  auto c = test_config(true);
  auto m = make_model(c);
  torch::NoGradGuard g;
  dm::ForwardInput in;
  in.ids = random_ids(2, 5, c.vocab_size, 3);
  std::vector<dm::KVBlock> present;
  in.present = &present;
  torch::Tensor logits = m->forward(in);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 5, c.vocab_size}));
  EXPECT_EQ(logits.scalar_type(), torch::kFloat32);
  ASSERT_EQ(present.size(), static_cast<size_t>(c.num_hidden_layers));
  EXPECT_EQ(present[0].k.sizes(), (std::vector<int64_t>{2, c.num_key_value_heads, 5, c.head_dim}));
  EXPECT_EQ(present[0].v.sizes(), present[0].k.sizes());
  EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
}

TEST(ModelForward, CausalityLaterTokensDoNotChangeEarlierLogits) {
  auto c = test_config(false);
  auto m = make_model(c);
  torch::NoGradGuard g;
  torch::Tensor ids = random_ids(1, 8, c.vocab_size, 4);
  dm::ForwardInput a, b;
  a.ids = ids;
  b.ids = ids.clone();
  b.ids.index_put_({0, 7}, (ids.index({0, 7}).item<int64_t>() + 1) % c.vocab_size);
  torch::Tensor la = m->forward(a), lb = m->forward(b);
  EXPECT_LT(max_diff(la.slice(1, 0, 7), lb.slice(1, 0, 7)), 1e-6);
  EXPECT_GT(max_diff(la.slice(1, 7, 8), lb.slice(1, 7, 8)), 1e-3);
}

TEST(ModelForward, DefaultPositionsAreArange) {
  auto c = test_config(true);
  auto m = make_model(c);
  torch::NoGradGuard g;
  dm::ForwardInput a;
  a.ids = random_ids(3, 6, c.vocab_size, 5);
  dm::ForwardInput b = a;
  b.positions = torch::arange(6, torch::kInt64).unsqueeze(0).expand({3, 6}).contiguous();
  EXPECT_EQ(max_diff(m->forward(a), m->forward(b)), 0.0);
  // Positions matter: shifting all of them changes nothing in exact arithmetic (RoPE is relative)
  // but a non-uniform change does.
  dm::ForwardInput d = a;
  d.positions = b.positions.clone();
  d.positions.index_put_({torch::indexing::Slice(), 0}, 3);
  EXPECT_GT(max_diff(m->forward(a), m->forward(d)), 1e-4);
}

// One call over T tokens == prefix call + continuation calls through past/present.
void check_pieces(bool tied, int64_t heads, int64_t kv_heads, int64_t B,
                  torch::Dtype dtype = torch::kFloat32) {
  auto c = test_config(tied, heads, kv_heads);
  const bool f64 = dtype == torch::kFloat64;
  auto m = make_model(c, 1, f64 ? 10.0 : 4.0, dtype);
  torch::NoGradGuard g;
  const int64_t T = 11;
  torch::Tensor ids = random_ids(B, T, c.vocab_size, 6);
  dm::ForwardInput full;
  full.ids = ids;
  torch::Tensor want = m->forward(full);  // (B, T, V)

  std::vector<dm::KVBlock> cache;
  std::vector<torch::Tensor> got;
  const std::vector<int64_t> cuts = {0, 4, 5, 6, 9, 11};  // pieces of 4, 1, 1, 3, 2 tokens
  for (size_t s = 0; s + 1 < cuts.size(); ++s) {
    dm::ForwardInput in;
    in.ids = ids.slice(1, cuts[s], cuts[s + 1]);
    in.positions = torch::arange(cuts[s], cuts[s + 1], torch::kInt64).unsqueeze(0).expand({B, -1});
    std::vector<dm::KVBlock> present;
    if (!cache.empty()) in.past = &cache;
    in.present = &present;
    got.push_back(m->forward(in));
    if (cache.empty()) {
      cache = present;
    } else {
      for (size_t l = 0; l < cache.size(); ++l) {
        cache[l].k = torch::cat({cache[l].k, present[l].k}, 2);
        cache[l].v = torch::cat({cache[l].v, present[l].v}, 2);
      }
    }
  }
  EXPECT_EQ(want.scalar_type(), dtype);
  EXPECT_LT(max_diff(torch::cat(got, 1), want), f64 ? 1e-10 : 1e-5)
      << "logit scale " << want.abs().max().item<double>();
}

TEST(ModelForward, KvCachePiecesEqualFullTied) {
  check_pieces(true, 4, 2, 1);
}
TEST(ModelForward, KvCachePiecesEqualFullUntiedBatch) {
  check_pieces(false, 4, 2, 3);
}
TEST(ModelForward, KvCachePiecesEqualFullMha) {
  check_pieces(false, 3, 3, 2);
}
TEST(ModelForward, KvCachePiecesEqualFullMqa) {
  check_pieces(true, 4, 1, 2);
}
TEST(ModelForward, KvCachePiecesEqualFullF64) {
  check_pieces(true, 4, 2, 2, torch::kFloat64);
  check_pieces(false, 4, 1, 3, torch::kFloat64);
}

// Sequences with different past lengths in one batch: the past is right-padded to the longest,
// padding masked out; each new token's logits must equal the unbatched computation.
TEST(ModelForward, BatchWithDifferentPastLengthsAndPadding) {
  auto c = test_config(false);
  auto m = make_model(c);
  torch::NoGradGuard g;
  const std::vector<int64_t> lens = {7, 3, 5, 1};  // past length per sequence
  const int64_t B = lens.size(), P = 7, T = 2;
  std::vector<torch::Tensor> seqs, want;
  for (int64_t b = 0; b < B; ++b) {
    seqs.push_back(random_ids(1, lens[b] + T, c.vocab_size, 100 + b));
    dm::ForwardInput in;
    in.ids = seqs[b];
    want.push_back(m->forward(in).slice(1, lens[b], lens[b] + T));  // (1, T, V)
  }
  // Per-sequence past K/V, padded to P with garbage that the mask must hide.
  std::vector<dm::KVBlock> past(c.num_hidden_layers);
  std::vector<std::vector<torch::Tensor>> ks(c.num_hidden_layers), vs(c.num_hidden_layers);
  for (int64_t b = 0; b < B; ++b) {
    dm::ForwardInput in;
    in.ids = seqs[b].slice(1, 0, lens[b]);
    std::vector<dm::KVBlock> present;
    in.present = &present;
    m->forward(in);
    for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
      auto pad = [&](const torch::Tensor& t) {
        torch::Tensor junk = torch::randn({1, t.size(1), P - lens[b], t.size(3)}) * 100.0;
        return torch::cat({t, junk}, 2);
      };
      ks[l].push_back(pad(present[l].k));
      vs[l].push_back(pad(present[l].v));
    }
  }
  for (int64_t l = 0; l < c.num_hidden_layers; ++l)
    past[l] = dm::KVBlock{torch::cat(ks[l], 0), torch::cat(vs[l], 0)};

  torch::Tensor ids = torch::empty({B, T}, torch::kInt64);
  torch::Tensor pos = torch::empty({B, T}, torch::kInt64);
  torch::Tensor mask = torch::zeros({B, 1, T, P + T}, torch::kBool);
  for (int64_t b = 0; b < B; ++b) {
    ids[b] = seqs[b][0].slice(0, lens[b], lens[b] + T);
    for (int64_t t = 0; t < T; ++t) {
      pos[b][t] = lens[b] + t;
      mask[b][0][t].slice(0, 0, lens[b]).fill_(true);    // the real past
      mask[b][0][t].slice(0, P, P + t + 1).fill_(true);  // causal among the new tokens
    }
  }
  dm::ForwardInput in;
  in.ids = ids;
  in.positions = pos;
  in.past = &past;
  in.mask = mask;
  torch::Tensor got = m->forward(in);  // (B, T, V)
  for (int64_t b = 0; b < B; ++b) EXPECT_LT(max_diff(got.slice(0, b, b + 1), want[b]), 1e-5) << b;
}

// A left-padded prefill batch (positions start at 0 at the first real token) equals each sequence
// alone; fully masked padding rows stay finite.
TEST(ModelForward, LeftPaddedPrefillMatchesUnpadded) {
  auto c = test_config(true);
  auto m = make_model(c);
  torch::NoGradGuard g;
  const std::vector<int64_t> lens = {6, 2, 4};
  const int64_t B = lens.size(), T = 6;
  torch::Tensor ids = torch::zeros({B, T}, torch::kInt64);
  torch::Tensor pos = torch::zeros({B, T}, torch::kInt64);
  torch::Tensor mask = torch::zeros({B, 1, T, T}, torch::kBool);
  std::vector<torch::Tensor> want;
  for (int64_t b = 0; b < B; ++b) {
    torch::Tensor s = random_ids(1, lens[b], c.vocab_size, 200 + b);
    dm::ForwardInput one;
    one.ids = s;
    want.push_back(m->forward(one));
    const int64_t off = T - lens[b];
    ids[b].slice(0, off, T).copy_(s[0]);
    pos[b].slice(0, off, T).copy_(torch::arange(lens[b], torch::kInt64));
    for (int64_t t = off; t < T; ++t) mask[b][0][t].slice(0, off, t + 1).fill_(true);
  }
  dm::ForwardInput in;
  in.ids = ids;
  in.positions = pos;
  in.mask = mask;
  torch::Tensor got = m->forward(in);
  EXPECT_TRUE(torch::isfinite(got).all().item<bool>());
  for (int64_t b = 0; b < B; ++b)
    EXPECT_LT(max_diff(got[b].slice(0, T - lens[b], T), want[b][0]), 1e-5) << b;
}

TEST(ModelForward, TreeMaskSiblingsDoNotSeeEachOther) {
  // Two children of one prefix packed in one sequence: [prefix(3), child A(2), child B(2)] with a
  // tree mask and positions; each child's logits equal the plain sequence prefix + child.
  auto c = test_config(false);
  auto m = make_model(c);
  torch::NoGradGuard g;
  torch::Tensor prefix = random_ids(1, 3, c.vocab_size, 300);
  torch::Tensor a = random_ids(1, 2, c.vocab_size, 301), bb = random_ids(1, 2, c.vocab_size, 302);
  auto alone = [&](const torch::Tensor& child) {
    dm::ForwardInput in;
    in.ids = torch::cat({prefix, child}, 1);
    return m->forward(in).slice(1, 3, 5);
  };
  dm::ForwardInput in;
  in.ids = torch::cat({prefix, a, bb}, 1);
  in.positions = torch::tensor({0, 1, 2, 3, 4, 3, 4}, torch::kInt64).unsqueeze(0);
  torch::Tensor mask = torch::zeros({1, 1, 7, 7}, torch::kBool);
  for (int t = 0; t < 7; ++t) mask[0][0][t].slice(0, 0, std::min(t, 2) + 1).fill_(true);
  mask[0][0][3][3] = mask[0][0][4][3] = mask[0][0][4][4] = true;
  mask[0][0][5][5] = mask[0][0][6][5] = mask[0][0][6][6] = true;
  in.mask = mask;
  torch::Tensor got = m->forward(in);
  EXPECT_LT(max_diff(got.slice(1, 3, 5), alone(a)), 1e-5);
  EXPECT_LT(max_diff(got.slice(1, 5, 7), alone(bb)), 1e-5);
}

TEST(ModelForward, Bf16CloseToF32) {
  auto c = test_config(true);
  dm::Transformer m(c, torch::TensorOptions().dtype(torch::kFloat32), 7);
  dm::Transformer h = dm::clone_model(*m, torch::TensorOptions().dtype(torch::kBFloat16));
  EXPECT_EQ(h->dtype(), torch::kBFloat16);
  torch::NoGradGuard g;
  dm::ForwardInput in;
  in.ids = random_ids(2, 9, c.vocab_size, 8);
  torch::Tensor lf = m->forward(in), lh = h->forward(in);
  EXPECT_EQ(lh.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::isfinite(lh).all().item<bool>());
  double scale = lf.abs().max().item<double>();
  EXPECT_LT(max_diff(lf, lh), 0.05 * scale + 1e-3);
}

TEST(ModelForward, SeededInitIsDeterministicAndHfLike) {
  auto c = test_config(false);
  dm::Transformer a(c, torch::TensorOptions(), 42), b(c, torch::TensorOptions(), 42),
      d(c, torch::TensorOptions(), 43);
  auto pa = a->hf_named_parameters(), pb = b->hf_named_parameters(), pd = d->hf_named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  bool any_diff = false;
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i].second, pb[i].second)) << pa[i].first;
    if (!torch::equal(pa[i].second, pd[i].second)) any_diff = true;
    const std::string& n = pa[i].first;
    if (n.find("norm") != std::string::npos)
      EXPECT_TRUE(torch::all(pa[i].second == 1).item<bool>());
    else if (n.find(".bias") != std::string::npos)
      EXPECT_TRUE(torch::all(pa[i].second == 0).item<bool>());
    else if (pa[i].second.numel() > 1000)
      EXPECT_NEAR(pa[i].second.std().item<double>(), 0.02, 0.002) << n;
  }
  EXPECT_TRUE(any_diff);
}

TEST(ModelForward, HfNamesAndParameterCount) {
  for (bool tied : {true, false}) {
    auto c = test_config(tied);
    dm::Transformer m(c, torch::TensorOptions(), std::nullopt);
    std::set<std::string> names;
    for (auto& [n, p] : m->hf_named_parameters()) names.insert(n);
    EXPECT_TRUE(names.count("model.embed_tokens.weight"));
    EXPECT_TRUE(names.count("model.layers.0.self_attn.q_proj.weight"));
    EXPECT_TRUE(names.count("model.layers.0.self_attn.q_proj.bias"));
    EXPECT_FALSE(names.count("model.layers.0.self_attn.o_proj.bias"));
    EXPECT_TRUE(names.count("model.layers.2.mlp.down_proj.weight"));
    EXPECT_TRUE(names.count("model.layers.1.post_attention_layernorm.weight"));
    EXPECT_TRUE(names.count("model.norm.weight"));
    EXPECT_EQ(names.count("lm_head.weight"), tied ? 0u : 1u);
    EXPECT_EQ(m->num_parameters(), dm::count_parameters(c));
  }
  for (const auto& name : dm::builtin_config_names()) {
    if (name == "qwen2.5-0.5b") {
      EXPECT_NEAR(dm::count_parameters(dm::make_builtin_config(name)), 494e6, 1e6);
      continue;
    }
    dm::Transformer m(dm::make_builtin_config(name), torch::TensorOptions(), std::nullopt);
    EXPECT_EQ(m->num_parameters(), dm::count_parameters(m->config())) << name;
  }
}

}  // namespace

namespace {

// A random in-place decode buffer: per layer K and V (B, KV, cap, d), every value finite.
std::vector<dm::KVBlock> random_buffer(const dm::ModelConfig& c, int64_t B, int64_t cap,
                                       uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<dm::KVBlock> out;
  for (int64_t l = 0; l < c.num_hidden_layers; ++l)
    out.push_back({torch::randn({B, c.num_key_value_heads, cap, c.head_dim}, gen) * 2.0,
                   torch::randn({B, c.num_key_value_heads, cap, c.head_dim}, gen)});
  return out;
}

std::vector<dm::KVBlock> clone_buffer(const std::vector<dm::KVBlock>& b) {
  std::vector<dm::KVBlock> out;
  for (const auto& blk : b) out.push_back({blk.k.clone(), blk.v.clone()});
  return out;
}

}  // namespace

// One-token steps over an in-place buffer take the CPU decode kernel when autograd is off and
// torch::matmul when it is on; both give the same logits and write the same K/V column, with a
// padding mask and with rows that read their leading columns from a sibling row (kv_shared_*),
// whose own copies of those columns the kernel never reads (NaN there changes nothing).
TEST(ModelForward, DecodeKernelEqualsMatmulWithMaskAndSharedColumns) {
  for (int64_t kv_heads : {2, 4, 1}) {
    auto c = test_config(true, 4, kv_heads);
    auto m = make_model(c, 5, 2.0);
    const int64_t B = 5, P = 9, cap = 12;
    // Row 0 is the source of rows 1 and 2 (first 6 columns), row 3 of row 4 (first 4).
    const std::vector<int64_t> from = {0, 0, 0, 3, 3}, len = {0, 6, 6, 0, 4};
    std::vector<dm::KVBlock> full = random_buffer(c, B, cap, 11);
    for (auto& blk : full)
      for (torch::Tensor* t : {&blk.k, &blk.v})
        for (int64_t b = 0; b < B; ++b)
          if (len[b] > 0)
            t->select(0, b).narrow(1, 0, len[b]).copy_(t->select(0, from[b]).narrow(1, 0, len[b]));
    // Row 3 has padding at columns 7 and 8 (its real past is 7 long).
    torch::Tensor mask = torch::ones({B, 1, 1, P + 1}, torch::kBool);
    mask[3][0][0].slice(0, 7, 9).fill_(false);
    torch::Tensor ids = random_ids(B, 1, c.vocab_size, 21);
    torch::Tensor pos = torch::tensor({9, 9, 9, 7, 9}, torch::kInt64).view({B, 1});
    auto run = [&](std::vector<dm::KVBlock>& buffer, bool shared) {
      dm::ForwardInput in;
      in.ids = ids;
      in.positions = pos;
      in.mask = mask;
      in.kv_buffer = &buffer;
      in.kv_buffer_len = P;
      if (shared) {
        in.kv_shared_from = &from;
        in.kv_shared_len = &len;
      }
      return m->forward(in).detach();  // (B, 1, V)
    };
    std::vector<dm::KVBlock> ref_buf = clone_buffer(full);
    torch::Tensor ref = run(ref_buf, false);  // autograd on: the matmul path
    ASSERT_TRUE(torch::GradMode::is_enabled());

    torch::NoGradGuard no_grad;
    ASSERT_TRUE(dm::decode_kernel_available(torch::kFloat32, torch::kCPU));
    std::vector<dm::KVBlock> plain = clone_buffer(full);
    EXPECT_LT(max_diff(run(plain, false), ref), 1e-4) << kv_heads;
    std::vector<dm::KVBlock> sparse = clone_buffer(full);
    for (auto& blk : sparse)
      for (torch::Tensor* t : {&blk.k, &blk.v})
        for (int64_t b = 0; b < B; ++b)
          if (len[b] > 0) t->select(0, b).narrow(1, 0, len[b]).fill_(NAN);
    torch::Tensor got = run(sparse, true);
    EXPECT_TRUE(torch::isfinite(got).all().item<bool>());
    EXPECT_LT(max_diff(got, ref), 1e-4) << kv_heads;
    for (int64_t l = 0; l < c.num_hidden_layers; ++l) {  // the step's own K/V, column P
      EXPECT_LT(max_diff(sparse[l].k.narrow(2, P, 1), ref_buf[l].k.narrow(2, P, 1)), 1e-4);
      EXPECT_LT(max_diff(sparse[l].v.narrow(2, P, 1), ref_buf[l].v.narrow(2, P, 1)), 1e-4);
    }
  }
}

// Where the kernel does not run (autograd on), shared columns are copied into each row first.
TEST(ModelForward, SharedColumnsWithoutTheKernelAreCopied) {
  auto c = test_config(false);
  auto m = make_model(c, 6, 2.0);
  const int64_t B = 3, P = 5, cap = 6;
  const std::vector<int64_t> from = {0, 0, 2}, len = {0, 5, 0};
  std::vector<dm::KVBlock> full = random_buffer(c, B, cap, 12);
  for (auto& blk : full)
    for (torch::Tensor* t : {&blk.k, &blk.v}) t->select(0, 1).copy_(t->select(0, 0));
  std::vector<dm::KVBlock> sparse = clone_buffer(full);
  for (auto& blk : sparse)
    for (torch::Tensor* t : {&blk.k, &blk.v}) t->select(0, 1).narrow(1, 0, P).fill_(NAN);
  dm::ForwardInput in;
  in.ids = random_ids(B, 1, c.vocab_size, 22);
  in.kv_buffer = &full;
  in.kv_buffer_len = P;
  torch::Tensor ref = m->forward(in).detach();
  in.kv_buffer = &sparse;
  in.kv_shared_from = &from;
  in.kv_shared_len = &len;
  torch::Tensor got = m->forward(in).detach();
  EXPECT_LT(max_diff(got, ref), 1e-5);
  // A source that itself shares is a caller bug.
  const std::vector<int64_t> chained = {0, 0, 1}, chained_len = {0, 5, 3};
  in.kv_shared_from = &chained;
  in.kv_shared_len = &chained_len;
  EXPECT_DEATH(m->forward(in), "shares nothing");
}
