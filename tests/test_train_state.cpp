// Tests of training checkpoints: save -> load gives bitwise-identical continued training on CPU
// (weights, AdamW moments and step counts, torch and ds::Rng states, LR schedule position); the
// optimizer state is keyed by parameter name; keep-last-K pruning and the `latest` pointer; a crash
// leftover does not break loading; corrupt / missing / mismatched checkpoints are DataErrors that
// name the file and leave the policy untouched.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/errors.h"
#include "core/fs_util.h"
#include "core/rng.h"
#include "rl/optimizer.h"
#include "rl/sample_batch.h"
#include "rl/update.h"
#include "rl_test_policy.h"
#include "train/train_state.h"

namespace fs = std::filesystem;

namespace {

using namespace ds::rl;
using namespace ds::train;
using ds::rl::testing::make_sample;
using ds::rl::testing::make_tiny_policy;

fs::path fresh_dir(const std::string& name) {
  fs::path p =
      fs::temp_directory_path() / ("ds_rl_state_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

OptimizerOptions optim() {
  OptimizerOptions o;
  o.lr = 0.02;
  o.warmup_steps = 3;
  o.decay_1d = false;
  return o;
}

// One deterministic "training step": the batch depends on a ds::Rng (data order) and on torch's
// generator (noise in the advantages), as a real step's rollouts would.
void train_step(TrainablePolicy& policy, torch::optim::AdamW& opt, ds::Rng& rng, int64_t step) {
  std::vector<Sample> s;
  for (int i = 0; i < 4; ++i) {
    std::vector<int32_t> prompt = {static_cast<int32_t>(1 + rng.below(5))};
    std::vector<int32_t> resp;
    for (int j = 0; j < 3 + i; ++j) resp.push_back(static_cast<int32_t>(rng.below(13)));
    s.push_back(make_sample(i / 2, prompt, resp, i % 2 ? 1.0 : -1.0));
  }
  std::vector<std::vector<float>> adv;
  for (const auto& x : s) {
    torch::Tensor noise = torch::randn({static_cast<int64_t>(x.response_ids.size())});
    std::vector<float> a;
    for (int64_t j = 0; j < noise.size(0); ++j)
      a.push_back(static_cast<float>(x.reward) + 0.1f * noise[j].item<float>());
    adv.push_back(a);
  }
  SampleBatch b = collate(s, adv, 0);
  set_learning_rate(opt, learning_rate_at(step, optim()));
  UpdateOptions uo;
  uo.mini_batch_size = 2;
  uo.shuffle = true;
  UpdateExtras ex;
  ex.shuffle_rng = &rng;
  update(policy, opt, b, uo, PolicyLossOptions{}, 1.0, ex);
}

void expect_bitwise_equal(TrainablePolicy& a, TrainablePolicy& b) {
  auto pa = a.named_parameters(), pb = b.named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i)
    EXPECT_TRUE(torch::equal(pa[i].second, pb[i].second)) << pa[i].first;
}

TEST(Checkpoint, ResumeContinuesBitwiseIdentically) {
  fs::path run = fresh_dir("resume");
  torch::manual_seed(123);
  auto a = make_tiny_policy(1);
  auto opt_a = make_adamw(*a, optim());
  ds::Rng rng_a(77);
  torch::manual_seed(999);
  for (int64_t step = 0; step < 2; ++step) train_step(*a, *opt_a, rng_a, step);

  TrainState st;
  st.step = 2;
  st.rngs["data"] = rng_a.state();
  st.torch_cpu_rng = torch_cpu_rng_state();
  st.data_position = {{"epoch", 0}, {"cursor", 8}};
  std::string dir = save_checkpoint(run.string(), st, *a, *opt_a, "seed: 1\n", 3);
  EXPECT_EQ(dir, checkpoint_dir(run.string(), 2));
  EXPECT_EQ(latest_checkpoint(run.string()), dir);

  for (int64_t step = 2; step < 4; ++step) train_step(*a, *opt_a, rng_a, step);
  const std::string torch_state_a = torch_cpu_rng_state();

  // A fresh process: different initial weights, empty optimizer, other RNG states.
  auto b = make_tiny_policy(42);
  auto opt_b = make_adamw(*b, optim());
  torch::manual_seed(5);
  TrainState loaded = load_checkpoint(latest_checkpoint(run.string()), *b, *opt_b);
  EXPECT_EQ(loaded.step, 2);
  EXPECT_EQ(loaded.data_position["cursor"], 8);
  ds::Rng rng_b(0);
  rng_b.set_state(loaded.rngs.at("data"));
  for (int64_t step = loaded.step; step < 4; ++step) train_step(*b, *opt_b, rng_b, step);

  expect_bitwise_equal(*a, *b);
  // Moments and step counts match too.
  auto pa = a->named_parameters(), pb = b->named_parameters();
  for (size_t i = 0; i < pa.size(); ++i) {
    auto key = [](const torch::Tensor& t) { return c10::guts::to_string(t.unsafeGetTensorImpl()); };
    auto& sa = static_cast<torch::optim::AdamWParamState&>(*opt_a->state().at(key(pa[i].second)));
    auto& sb = static_cast<torch::optim::AdamWParamState&>(*opt_b->state().at(key(pb[i].second)));
    EXPECT_EQ(sa.step(), sb.step());
    EXPECT_TRUE(torch::equal(sa.exp_avg(), sb.exp_avg()));
    EXPECT_TRUE(torch::equal(sa.exp_avg_sq(), sb.exp_avg_sq()));
  }
  EXPECT_EQ(rng_a.state(), rng_b.state());
  EXPECT_EQ(torch_cpu_rng_state(),
            torch_state_a);  // torch's stream was restored and advanced alike
  fs::remove_all(run);
}

TEST(Checkpoint, TorchGeneratorStateRoundTrips) {
  torch::manual_seed(3);
  std::string s = torch_cpu_rng_state();
  torch::Tensor x = torch::rand({5});
  set_torch_cpu_rng_state(s, "test");
  EXPECT_TRUE(torch::equal(x, torch::rand({5})));
  EXPECT_THROW(set_torch_cpu_rng_state("abc", "test"), ds::DataError);
}

TEST(Checkpoint, KeepsTheLastKAndPointsLatestAtTheNewest) {
  fs::path run = fresh_dir("keep");
  auto p = make_tiny_policy(2);
  auto opt = make_adamw(*p, optim());
  for (int64_t step = 1; step <= 5; ++step) {
    TrainState st;
    st.step = step;
    save_checkpoint(run.string(), st, *p, *opt, "", 2);
  }
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(run / "checkpoints"))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"step_4", "step_5"}));
  EXPECT_EQ(ds::read_file((run / "latest").string()), "checkpoints/step_5\n");
  EXPECT_EQ(read_train_state(latest_checkpoint(run.string())).step, 5);
  fs::remove_all(run);
}

TEST(Checkpoint, OptimizerStateIsKeyedByParameterName) {
  fs::path run = fresh_dir("names");
  auto p = make_tiny_policy(3);
  auto opt = make_adamw(*p, optim());
  ds::Rng rng(1);
  train_step(*p, *opt, rng, 0);
  save_adamw_state((run / "opt.safetensors").string(), *opt, p->named_parameters());
  // The same parameters listed in another order restore the same state per name.
  auto q = make_tiny_policy(3);
  auto opt_q = make_adamw(*q, optim());
  NamedTensors reversed = q->named_parameters();
  std::reverse(reversed.begin(), reversed.end());
  load_adamw_state((run / "opt.safetensors").string(), *opt_q, reversed);
  for (auto& [name, t] : q->named_parameters()) {
    auto key = c10::guts::to_string(t.unsafeGetTensorImpl());
    ASSERT_TRUE(opt_q->state().count(key)) << name;
  }
  auto head_bias = [](TrainablePolicy& pol) {
    for (auto& [n, t] : pol.named_parameters())
      if (n == "head.bias") return t;
    return torch::Tensor();
  };
  auto k1 = c10::guts::to_string(head_bias(*p).unsafeGetTensorImpl());
  auto k2 = c10::guts::to_string(head_bias(*q).unsafeGetTensorImpl());
  EXPECT_TRUE(
      torch::equal(static_cast<torch::optim::AdamWParamState&>(*opt->state().at(k1)).exp_avg(),
                   static_cast<torch::optim::AdamWParamState&>(*opt_q->state().at(k2)).exp_avg()));
  fs::remove_all(run);
}

TEST(Checkpoint, CrashLeftoversAreIgnoredAndCleaned) {
  fs::path run = fresh_dir("crash");
  auto p = make_tiny_policy(4);
  auto opt = make_adamw(*p, optim());
  TrainState st;
  st.step = 1;
  save_checkpoint(run.string(), st, *p, *opt, "", 3);
  // A save of step 2 that died half-way: staging dir with junk, `latest` untouched.
  fs::create_directories(run / "checkpoints" / ".staging_step_2" / "model");
  std::ofstream(run / "checkpoints" / ".staging_step_2" / "optimizer.safetensors") << "garbage";
  auto q = make_tiny_policy(5);
  auto opt_q = make_adamw(*q, optim());
  EXPECT_EQ(load_checkpoint(latest_checkpoint(run.string()), *q, *opt_q).step, 1);
  expect_bitwise_equal(*p, *q);
  st.step = 2;
  save_checkpoint(run.string(), st, *p, *opt, "", 3);
  EXPECT_FALSE(fs::exists(run / "checkpoints" / ".staging_step_2"));
  EXPECT_TRUE(fs::exists(run / "checkpoints" / "step_2" / "train_state.json"));
  fs::remove_all(run);
}

TEST(Checkpoint, CorruptOrMissingFilesAreDataErrorsThatNameTheFile) {
  fs::path run = fresh_dir("corrupt");
  auto p = make_tiny_policy(6);
  auto opt = make_adamw(*p, optim());
  ds::Rng rng(3);
  train_step(*p, *opt, rng, 0);
  TrainState st;
  st.step = 1;
  std::string dir = save_checkpoint(run.string(), st, *p, *opt, "a: 1\n", 3);
  EXPECT_EQ(ds::read_file(dir + "/config.yaml"), "a: 1\n");

  auto expect_error = [&](const std::string& needle) {
    auto q = make_tiny_policy(7);
    auto before = q->named_parameters()[0].second.clone();
    auto opt_q = make_adamw(*q, optim());
    try {
      load_checkpoint(dir, *q, *opt_q);
      ADD_FAILURE() << "expected a DataError mentioning " << needle;
    } catch (const ds::DataError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_TRUE(torch::equal(before, q->named_parameters()[0].second)) << "policy modified";
    EXPECT_TRUE(opt_q->state().empty()) << "optimizer modified";
  };

  const std::string state_json = ds::read_file(dir + "/train_state.json");
  std::ofstream(dir + "/train_state.json") << "{\"format\": \"deepsearch-train-state\", ";
  expect_error("train_state.json");
  std::ofstream(dir + "/train_state.json") << "{\"format\": \"deepsearch-train-state\", "
                                              "\"version\": 1, \"step\": -3}";
  expect_error("'step'");
  std::ofstream(dir + "/train_state.json") << state_json;

  const std::string opt_bytes = ds::read_file(dir + "/optimizer.safetensors");
  std::ofstream(dir + "/optimizer.safetensors", std::ios::binary)
      << opt_bytes.substr(0, opt_bytes.size() / 2);  // truncated
  expect_error("optimizer.safetensors");
  fs::remove(dir + "/optimizer.safetensors");
  expect_error("optimizer.safetensors");
  std::ofstream(dir + "/optimizer.safetensors", std::ios::binary) << opt_bytes;

  // A model of another shape: the weights do not fit.
  {
    auto wide = make_tiny_policy(8, /*dim=*/16);
    auto opt_w = make_adamw(*wide, optim());
    EXPECT_THROW(load_checkpoint(dir, *wide, *opt_w), ds::DataError);
  }
  // The intact checkpoint still loads.
  auto q = make_tiny_policy(9);
  auto opt_q = make_adamw(*q, optim());
  EXPECT_NO_THROW(load_checkpoint(dir, *q, *opt_q));
  expect_bitwise_equal(*p, *q);

  // Pointer problems.
  ds::atomic_write_file((run / "latest").string(), "checkpoints/step_99\n");
  try {
    latest_checkpoint(run.string());
    FAIL();
  } catch (const ds::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("step_99"), std::string::npos);
  }
  fs::remove(run / "latest");
  EXPECT_THROW(latest_checkpoint(run.string()), ds::DataError);
  EXPECT_THROW(load_checkpoint((run / "nope").string(), *q, *opt_q), ds::DataError);
  fs::remove_all(run);
}

}  // namespace
