// Tests of the supervised warm start (sft/*.h): corpus building and held-out exclusion, row
// batching (whole examples, length buckets, right padding, loss only on solution + EOS, every
// example dealt once per epoch), batched loss == each example alone, a short training run whose
// loss clearly decreases, determinism for a seed, checkpoint round trip to identical logits,
// run_sft / ensure_warm_start files and reuse, the per-level evaluator's bookkeeping, and
// ConfigError for bad options. Runs in seconds (micro model); no timing assertions.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "core/errors.h"
#include "core/fs_util.h"
#include "core/options.h"
#include "eval/level_eval.h"
#include "model/checkpoint.h"
#include "sft/sft.h"
#include "sft/sft_data.h"
#include "sft/sft_train.h"
#include "tasks/corpus.h"
#include "tasks/task.h"
#include "tokenizer/char_tokenizer.h"

namespace fs = std::filesystem;
using namespace ds;
using namespace ds::sft;
using ds::eval::evaluate_levels;
using ds::eval::format_level_table;
using ds::eval::LevelEvalOptions;

namespace {

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    path_ = fs::temp_directory_path() /
            ("ds_sft_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }
  std::string sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
  static inline int counter_ = 0;
};

// A small, fast configuration: micro-sized model, level-1 arithmetic only.
SftOptions small_options() {
  SftOptions o;
  o.model.preset = "micro";
  o.model.hidden_size = 64;
  o.model.num_layers = 2;
  o.data.tasks = {"arith"};
  o.data.difficulties = {1};
  o.data.per_level = {400};
  o.data.heldout_exclude = 50;
  o.batch_size = 8;
  o.steps = 80;
  o.optim.lr = 3e-3;
  o.optim.warmup_steps = 5;
  o.log_every = 10;
  o.seed = 7;
  o.eval.n = 0;
  return o;
}

struct Trained {
  model::Transformer model{nullptr};
  SftResult result;
};

Trained train_small(const SftOptions& o, const std::vector<TokenizedExample>& examples,
                    const tok::Tokenizer& tokenizer) {
  model::ModelConfig c = sft_model_config(o.model, tokenizer.vocab_size(), tokenizer.eos_id());
  Trained t;
  t.model =
      model::Transformer(c, torch::TensorOptions().dtype(torch::kFloat32), sft_init_seed(o.seed));
  t.result = train_sft(*t.model, examples, tokenizer.pad_id(), o, /*show_progress=*/false);
  return t;
}

torch::Tensor logits_of(model::TransformerImpl& m, const std::vector<int32_t>& ids) {
  torch::NoGradGuard ng;
  model::ForwardInput in;
  in.ids = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end())).unsqueeze(0);  // (1, T)
  return m.forward(in);                                                               // (1, T, V)
}

template <class F>
std::string config_error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}

}  // namespace

TEST(SftData, CorpusHasSolutionsAndExcludesHeldout) {
  SftDataOptions d;
  d.tasks = {"arith"};
  d.difficulties = {1, 2};
  d.per_level = {300, 200};
  d.heldout_exclude = 200;
  auto corpus = build_sft_corpus(d);
  ASSERT_GT(corpus.size(), 400u);
  EXPECT_LE(corpus.size(), 500u);
  const tasks::Task& arith = tasks::get_task("arith");
  std::set<std::string> held;
  for (int lv = 1; lv <= arith.max_difficulty(); ++lv)
    for (const auto& p : tasks::generate_split(arith, lv, 200, 1, tasks::Split::kHeldout))
      held.insert(tasks::format_prompt(p.problem));
  int level2 = 0;
  for (const auto& ex : corpus) {
    EXPECT_EQ(held.count(ex.prompt), 0u) << "held-out problem trained on: " << ex.prompt;
    EXPECT_EQ(ex.prompt.rfind("Q: ", 0), 0u);
    EXPECT_NE(ex.completion.find("\\boxed{"), std::string::npos);
    level2 += ex.id.find("-d2-") != std::string::npos;
  }
  EXPECT_GT(level2, 150);
  // Deterministic for the seed; another seed gives another corpus.
  auto again = build_sft_corpus(d);
  ASSERT_EQ(again.size(), corpus.size());
  for (size_t i = 0; i < corpus.size(); ++i) EXPECT_EQ(again[i].prompt, corpus[i].prompt);
  d.seed = 2;
  auto other = build_sft_corpus(d);
  EXPECT_NE(other.front().prompt + other.back().prompt,
            corpus.front().prompt + corpus.back().prompt);
}

TEST(SftData, BatchesHoldWholeRightPaddedExamplesWithLossOnSolutions) {
  auto tokenizer = tok::make_char_tokenizer();
  std::vector<tasks::SftExample> corpus = {
      {"a", "Q: x\nA: ", "1+1=2\n\\boxed{2}"},
      {"b", "Q: longer question\nA: ", "\\boxed{7}"},
      {"c", "Q: y\nA: ", "3"},
      {"d", "Q: a much longer question than the others\nA: ", "5-1=4\n\\boxed{4}"},
      {"e", "Q: z?\nA: ", "\\boxed{0}"},
      {"f", "Q: w\nA: ", "8"},
  };
  auto ex = tokenize_corpus(corpus, *tokenizer);
  ASSERT_EQ(ex.size(), 6u);
  EXPECT_EQ(ex[0].prompt_len, 8);
  EXPECT_EQ(ex[0].ids.back(), tokenizer->eos_id());
  EXPECT_EQ(ex[0].ids.size(), 8u + 15u + 1u);
  EXPECT_EQ(tokenizer->decode(ex[0].ids), "Q: x\nA: 1+1=2\n\\boxed{2}<eos>");

  // 2 examples per batch, buckets of 3 batches = one epoch per bucket.
  SftBatcher batcher(ex, 2, tokenizer->pad_id(), 3, /*repeat=*/true, /*bucket=*/3);
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::multiset<std::string> seen;
    for (int k = 0; k < 3; ++k) {
      SftBatch b = batcher.next();
      ASSERT_EQ(b.rows, 2);
      const size_t T = static_cast<size_t>(b.seq_len);
      ASSERT_EQ(b.ids.size(), 2 * T);
      int64_t tokens = 0, targets = 0;
      size_t lens[2];
      for (int r = 0; r < 2; ++r) {
        const TokenizedExample* match = nullptr;
        for (const auto& e : ex)
          if (std::equal(e.ids.begin(), e.ids.end(), b.ids.begin() + r * T) &&
              (e.ids.size() == T || b.ids[r * T + e.ids.size()] == tokenizer->pad_id()))
            match = &e;
        ASSERT_NE(match, nullptr) << "row " << r << " is not a whole corpus example";
        lens[r] = match->ids.size();
        seen.insert(tokenizer->decode(match->ids));
        for (size_t t = 0; t < T; ++t) {
          const bool loss =
              t + 1 < match->ids.size() && static_cast<int32_t>(t + 1) >= match->prompt_len;
          EXPECT_EQ(b.targets[r * T + t], loss ? match->ids[t + 1] : -1) << "position " << t;
          if (t >= match->ids.size()) EXPECT_EQ(b.ids[r * T + t], tokenizer->pad_id());
          targets += loss;
        }
        tokens += static_cast<int64_t>(match->ids.size());
      }
      EXPECT_EQ(T, std::max(lens[0], lens[1]));  // padded to the longest only
      EXPECT_EQ(b.tokens, tokens);
      EXPECT_EQ(b.target_tokens, targets);
    }
    // Each epoch deals every example exactly once.
    EXPECT_EQ(seen.size(), 6u);
    for (const auto& e : ex) EXPECT_EQ(seen.count(tokenizer->decode(e.ids)), 1u);
  }
  EXPECT_DOUBLE_EQ(batcher.epochs(), 2.0);

  // Buckets group similar lengths: the two shortest examples share a batch when a bucket holds
  // the whole corpus.
  SftBatcher sorted(ex, 2, tokenizer->pad_id(), 5, true, 3);
  std::vector<size_t> by_len;
  for (const auto& e : ex) by_len.push_back(e.ids.size());
  std::sort(by_len.begin(), by_len.end());
  bool found = false;
  for (int k = 0; k < 3; ++k) found = found || sorted.next().seq_len == static_cast<int>(by_len[1]);
  EXPECT_TRUE(found);

  // Same seed, same stream; the one-pass batcher deals the corpus once, in order.
  SftBatcher a1(ex, 2, 0, 9), a2(ex, 2, 0, 9);
  for (int k = 0; k < 5; ++k) EXPECT_EQ(a1.next().ids, a2.next().ids);
  SftBatcher once(ex, 4, tokenizer->pad_id(), 0, /*repeat=*/false);
  EXPECT_EQ(once.next().rows, 4);
  EXPECT_FALSE(once.done());
  EXPECT_EQ(once.next().rows, 2);
  EXPECT_TRUE(once.done());
}

TEST(SftTrain, BatchedLossEqualsEachExampleAlone) {
  auto tokenizer = tok::make_char_tokenizer();
  SftOptions o = small_options();
  o.steps = 5;
  auto corpus = build_sft_corpus(o.data);
  corpus.resize(12);
  auto ex = tokenize_corpus(corpus, *tokenizer);
  Trained t = train_small(o, ex, *tokenizer);
  // The mean loss over padded batches equals the mean over examples evaluated one by one
  // (padding never reaches a real token).
  const double batched = sft_eval_loss(*t.model, ex, tokenizer->pad_id(), 5);
  double sum = 0;
  int64_t count = 0;
  for (const auto& e : ex) {
    torch::Tensor logits = logits_of(*t.model, e.ids)[0];  // (T, V)
    for (size_t k = e.prompt_len - 1; k + 1 < e.ids.size(); ++k) {
      sum -= torch::log_softmax(logits[k], -1)[e.ids[k + 1]].item<double>();
      ++count;
    }
  }
  EXPECT_NEAR(batched, sum / count, 1e-4);
}

TEST(SftTrain, LossDecreasesClearlyAndIsDeterministic) {
  auto tokenizer = tok::make_char_tokenizer();
  SftOptions o = small_options();
  auto ex = tokenize_corpus(build_sft_corpus(o.data), *tokenizer);
  Trained a = train_small(o, ex, *tokenizer);
  ASSERT_EQ(a.result.steps, o.steps);
  ASSERT_EQ(a.result.log.size(), static_cast<size_t>(o.steps / o.log_every));
  EXPECT_GT(a.result.first_loss, 2.0);  // near ln(261) ~ 5.6 at the start
  EXPECT_LT(a.result.final_loss, 0.6 * a.result.first_loss);
  EXPECT_GT(a.result.target_tokens, 0);
  EXPECT_GT(a.result.tokens, a.result.target_tokens);
  EXPECT_GT(a.result.epochs, 0.5);

  // Same seed: bit-identical weights and loss log.
  Trained b = train_small(o, ex, *tokenizer);
  for (size_t i = 0; i < a.result.log.size(); ++i)
    EXPECT_EQ(a.result.log[i].loss, b.result.log[i].loss);
  auto pa = a.model->hf_named_parameters(), pb = b.model->hf_named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i)
    EXPECT_TRUE(torch::equal(pa[i].second, pb[i].second)) << pa[i].first;

  // Another seed: other weights.
  SftOptions o2 = o;
  o2.seed = 8;
  o2.steps = 10;
  o.steps = 10;
  Trained c = train_small(o2, ex, *tokenizer);
  Trained d = train_small(o, ex, *tokenizer);
  EXPECT_FALSE(torch::equal(c.model->hf_named_parameters()[0].second,
                            d.model->hf_named_parameters()[0].second));
}

TEST(SftTrain, CheckpointReloadsToIdenticalLogits) {
  TempDir tmp("ckpt");
  auto tokenizer = tok::make_char_tokenizer();
  SftOptions o = small_options();
  o.steps = 20;
  auto ex = tokenize_corpus(build_sft_corpus(o.data), *tokenizer);
  Trained t = train_small(o, ex, *tokenizer);
  const std::string dir = tmp.sub("model");
  model::save_model(*t.model, dir, tokenizer.get());
  model::Transformer back = model::load_model(dir);
  auto tok_back = tok::load_tokenizer(dir);
  EXPECT_EQ(tok_back->kind(), "char");
  EXPECT_EQ(tok_back->eos_id(), tokenizer->eos_id());
  std::vector<int32_t> ids = tok_back->encode("Q: Ann has 3 pens. She gets 4 more.\nA: 3+4=7");
  EXPECT_TRUE(torch::equal(logits_of(*t.model, ids), logits_of(*back, ids)));
  EXPECT_EQ(back->config().eos_token_ids, std::vector<int64_t>{tokenizer->eos_id()});
}

TEST(SftRun, WritesCheckpointAndEnsureWarmStartReusesIt) {
  TempDir tmp("run");
  SftOptions o = small_options();
  o.steps = 20;
  o.out_dir = tmp.sub("model");
  o.eval.n = 4;
  o.eval.difficulties = {1, 2};
  o.eval.max_new_tokens = 24;
  SftResult r = run_sft(o);
  EXPECT_EQ(r.dir, o.out_dir);
  for (const char* f : {"config.json", "model.safetensors", "char_tokenizer.json",
                        "sft_config.yaml", "sft_log.jsonl", "sft_summary.json"})
    EXPECT_TRUE(fs::exists(fs::path(o.out_dir) / f)) << f;
  EXPECT_EQ(check_checkpoint(o.out_dir), "");
  ASSERT_EQ(r.accuracy.size(), 2u);
  for (const auto& row : r.accuracy) {
    EXPECT_EQ(row.problems, 4);
    EXPECT_EQ(row.responses, 4);
    EXPECT_GE(row.accuracy, 0.0);
    EXPECT_LE(row.accuracy, 1.0);
    EXPECT_LE(row.mean_tokens, 24.0);
  }
  // The stored config reads back as the options.
  SftOptions stored = load_options<SftOptions>(o.out_dir + "/sft_config.yaml", {});
  EXPECT_EQ(options_to_yaml_string(stored), options_to_yaml_string(o));

  // Reused without training; model files untouched.
  auto mtime = fs::last_write_time(fs::path(o.out_dir) / "model.safetensors");
  WarmStart w = ensure_warm_start(o.out_dir, o);
  EXPECT_TRUE(w.reused);
  EXPECT_EQ(w.result.steps, 0);
  EXPECT_EQ(fs::last_write_time(fs::path(o.out_dir) / "model.safetensors"), mtime);
  // Also reused (with a warning) under other options.
  SftOptions other = o;
  other.steps = 3;
  EXPECT_TRUE(ensure_warm_start(o.out_dir, other).reused);
}

TEST(SftRun, EnsureWarmStartTrainsWhenMissingOrBroken) {
  TempDir tmp("ensure");
  SftOptions o = small_options();
  o.steps = 10;
  const std::string dir = tmp.sub("broken");
  fs::create_directories(dir);
  atomic_write_file(dir + "/config.json", "{ not json");
  EXPECT_NE(check_checkpoint(dir), "");
  WarmStart w = ensure_warm_start(dir, o);
  EXPECT_FALSE(w.reused);
  EXPECT_EQ(w.result.steps, 10);
  EXPECT_EQ(check_checkpoint(dir), "");
  EXPECT_NE(check_checkpoint(tmp.sub("absent")), "");
  WarmStart fresh = ensure_warm_start(tmp.sub("fresh"), o);
  EXPECT_FALSE(fresh.reused);
  EXPECT_EQ(check_checkpoint(tmp.sub("fresh")), "");
}

TEST(SftEval, CountsEveryResponseOnceAndIsDeterministic) {
  auto tokenizer = tok::make_char_tokenizer();
  SftOptions o = small_options();
  model::Transformer m(sft_model_config(o.model, tokenizer->vocab_size(), tokenizer->eos_id()),
                       torch::TensorOptions().dtype(torch::kFloat32), 3);
  LevelEvalOptions e;
  e.difficulties = {1, 3};
  e.n = 5;
  e.samples = 3;
  e.sampling.temperature = 1.0;
  e.max_new_tokens = 8;
  auto a = evaluate_levels(m, *tokenizer, e);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].difficulty, 1);
  EXPECT_EQ(a[1].difficulty, 3);
  for (const auto& row : a) {
    EXPECT_EQ(row.problems, 5);
    EXPECT_EQ(row.responses, 15);
    EXPECT_LE(row.solved, row.problems);
    EXPECT_LE(row.mean_tokens, 8.0);
    EXPECT_GT(row.mean_tokens, 0.0);
  }
  auto b = evaluate_levels(m, *tokenizer, e);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].correct, b[i].correct);
    EXPECT_EQ(a[i].mean_tokens, b[i].mean_tokens);
  }
  std::string table = format_level_table(a, "t");
  EXPECT_NE(table.find("| 3 | 5 | 15 |"), std::string::npos) << table;
  e.n = 0;
  EXPECT_TRUE(evaluate_levels(m, *tokenizer, e).empty());
}

TEST(SftOptionsTest, BadOptionsGiveConfigErrorsNamingTheField) {
  auto expect_field = [](SftOptions o, const std::string& field) {
    std::string msg = config_error_of([&] { validate(o); });
    EXPECT_NE(msg.find(field), std::string::npos) << "expected '" << field << "' in: " << msg;
    EXPECT_NE(msg.find("hint"), std::string::npos) << msg;
  };
  SftOptions o;
  o.steps = 0;
  expect_field(o, "steps");
  o = SftOptions{};
  o.batch_size = 0;
  expect_field(o, "batch_size");
  o = SftOptions{};
  o.model.preset = "huge";
  expect_field(o, "model.preset");
  o = SftOptions{};
  o.model.num_heads = 3;
  expect_field(o, "model.num_heads");
  o = SftOptions{};
  o.model.num_kv_heads = 3;
  expect_field(o, "model.num_kv_heads");
  o = SftOptions{};
  o.data.per_level = {1, 2};
  o.data.difficulties = {1, 2, 3};
  expect_field(o, "data.per_level");
  o = SftOptions{};
  o.data.tasks = {"nosuchtask"};
  expect_field(o, "data.tasks");
  o = SftOptions{};
  o.data.difficulties = {9};
  expect_field(o, "data.difficulties");
  o = SftOptions{};
  o.optim.lr = -1;
  expect_field(o, "optim.lr");
  o = SftOptions{};
  o.optim.min_lr_ratio = 2;
  expect_field(o, "optim.min_lr_ratio");
  o = SftOptions{};
  o.eval.difficulties = {0};
  expect_field(o, "eval.difficulties");
  o = SftOptions{};
  o.out_dir = "";
  expect_field(o, "out_dir");

  // From YAML / overrides: unknown keys, wrong types and bad choices.
  EXPECT_THROW(load_options<SftOptions>("", {"stepz=3"}), ConfigError);
  EXPECT_THROW(load_options<SftOptions>("", {"steps=many"}), ConfigError);
  EXPECT_THROW(load_options<SftOptions>("", {"optim.schedule=linear"}), ConfigError);
  SftOptions ok = load_options<SftOptions>(
      "", {"steps=5", "data.difficulties=[1,2]", "data.per_level=[10]", "model.preset=micro"});
  EXPECT_EQ(ok.steps, 5);
  EXPECT_NO_THROW(validate(ok));
  // Too short a context for the corpus is reported before training.
  ok.model.max_positions = 16;
  ok.out_dir = (fs::temp_directory_path() / "ds_sft_never_written").string();
  std::string msg = config_error_of([&] { run_sft(ok); });
  EXPECT_NE(msg.find("model.max_positions"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(ok.out_dir));
}
