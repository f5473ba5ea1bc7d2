// Benchmarks of the trainer's compute pieces (numbers, not pass/fail):
//  - Advantages/<algo>: compute_advantages for 256 groups x 8 samples x 256 tokens (samples/s);
//  - PolicyLoss: forward + backward of the PPO loss on (64, 512) tokens (tokens/s);
//  - Update/<model>: one full update() (old log-prob recomputation + 1 epoch, mini-batch 16,
//    micro-batch 8) on 32 samples of 24 prompt + 40 response tokens with the built-in
//    Qwen2-shaped "micro" and "tiny" Transformers (trained tokens/s).
#include <benchmark/benchmark.h>

#include "core/rng.h"
#include "model/transformer.h"
#include "rl/advantage.h"
#include "rl/optimizer.h"
#include "rl/policy_loss.h"
#include "rl/sample_batch.h"
#include "rl/transformer_policy.h"
#include "rl/update.h"

namespace ds::rl {
namespace {

std::vector<Sample> make_samples(int groups, int per_group, int prompt, int response, int vocab,
                                 bool token_rewards) {
  Rng rng(1);
  std::vector<Sample> out;
  for (int g = 0; g < groups; ++g)
    for (int i = 0; i < per_group; ++i) {
      Sample s;
      s.group = g;
      for (int t = 0; t < prompt; ++t)
        s.prompt_ids.push_back(static_cast<int32_t>(rng.below(vocab)));
      for (int t = 0; t < response; ++t) {
        s.response_ids.push_back(static_cast<int32_t>(rng.below(vocab)));
        s.sampling_logprobs.push_back(-static_cast<float>(rng.uniform()) * 3);
        if (token_rewards) s.token_rewards.push_back(static_cast<float>(rng.uniform() * 2 - 1));
      }
      s.reward = rng.below(4) == 0 ? 1.0 : -1.0;
      s.correct = s.reward > 0;
      s.source = token_rewards ? SampleSource::kSearch : SampleSource::kDirect;
      out.push_back(std::move(s));
    }
  return out;
}

void BM_Advantages(benchmark::State& state, const std::string& algo) {
  auto samples = make_samples(256, 8, 1, 256, 1000, algo == "deepsearch");
  AdvantageOptions o = advantage_preset(parse_algorithm(algo));
  o.overlong.max_length = 320;
  for (auto _ : state) benchmark::DoNotOptimize(compute_advantages(samples, o));
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(samples.size()),
                                                   benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK_CAPTURE(BM_Advantages, deepsearch, std::string("deepsearch"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Advantages, grpo, std::string("grpo"))->Unit(benchmark::kMillisecond);

void BM_PolicyLoss(benchmark::State& state) {
  torch::manual_seed(0);
  LossInputs in;
  in.old_logp = -torch::rand({64, 512});
  in.advantages = torch::randn({64, 512});
  in.mask = torch::ones({64, 512});
  torch::Tensor base = in.old_logp + 0.1 * torch::randn({64, 512});
  for (auto _ : state) {
    in.logp = base.clone().requires_grad_(true);
    auto res = policy_loss(in, PolicyLossOptions{});
    res.loss.backward();
    benchmark::DoNotOptimize(in.logp.grad());
  }
  state.counters["tokens/s"] =
      benchmark::Counter(64.0 * 512, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_PolicyLoss)->Unit(benchmark::kMillisecond);

void BM_Update(benchmark::State& state, const std::string& model_name) {
  model::ModelConfig c = model::make_builtin_config(model_name);
  TransformerPolicy policy{model::Transformer(c)};
  auto samples = make_samples(4, 8, 24, 40, static_cast<int>(c.vocab_size), true);
  AdvantageOptions ao = advantage_preset(ds::rl::Algorithm::kDeepSearch);
  ao.overlong.max_length = 64;
  auto adv = compute_advantages(samples, ao);
  SampleBatch batch = collate(samples, adv.advantages, 0);
  OptimizerOptions oo;
  oo.lr = 1e-4;
  auto opt = make_adamw(policy, oo);
  UpdateOptions uo;
  uo.mini_batch_size = 16;
  uo.micro_batch_size = 8;
  for (auto _ : state)
    benchmark::DoNotOptimize(update(policy, *opt, batch, uo, PolicyLossOptions{}, 1.0));
  state.counters["resp_tokens/s"] =
      benchmark::Counter(static_cast<double>(batch.num_response_tokens()),
                         benchmark::Counter::kIsIterationInvariantRate);
  state.counters["seq_tokens/s"] =
      benchmark::Counter(32.0 * 64, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK_CAPTURE(BM_Update, micro, std::string("micro"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Update, tiny, std::string("tiny"))->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ds::rl

BENCHMARK_MAIN();
