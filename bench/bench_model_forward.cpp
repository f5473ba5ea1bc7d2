// Benchmarks of the transformer forward pass (tokens/s, float32, 1 intra-op thread unless
// DS_BENCH_THREADS is set): prefill at batch 1 and 8 for the built-in "tiny" model and a randomly
// initialized Qwen2.5-0.5B-shaped model (hidden 896, 14 heads, 2 kv heads, intermediate 4864,
// vocab 151936; DS_BENCH_05B_LAYERS layers, default 24), and one decode step with a KV cache of
// 256 tokens at batch 1 / 8 / 64 for "tiny" and batch 1 / 8 for the 0.5B shape.
// Rates use wall time: OpenBLAS runs its own threads (OPENBLAS_NUM_THREADS), which the
// main thread's CPU time would not count. Run: build/bench_model_forward [--benchmark_filter=...]
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <memory>

#include "model/transformer.h"

namespace dm = ds::model;

namespace {

dm::ModelConfig bench_config(const std::string& name) {
  dm::ModelConfig c = dm::make_builtin_config(name);
  if (name == "qwen2.5-0.5b") {
    if (const char* l = std::getenv("DS_BENCH_05B_LAYERS")) c.num_hidden_layers = std::atoi(l);
  }
  return c;
}

// One model per name, built once (the 0.5B shape takes ~2 GB in float32).
dm::TransformerImpl& model(const std::string& name) {
  static std::map<std::string, dm::Transformer> cache;
  auto it = cache.find(name);
  if (it == cache.end())
    it = cache.emplace(name, dm::Transformer(bench_config(name), torch::TensorOptions(), 1)).first;
  return *it->second;
}

void prefill(benchmark::State& state, const std::string& name) {
  const int64_t B = state.range(0), T = state.range(1);
  dm::TransformerImpl& m = model(name);
  torch::NoGradGuard g;
  dm::ForwardInput in;
  in.ids = torch::randint(0, m.config().vocab_size, {B, T}, torch::kInt64);
  for (auto _ : state) {
    torch::Tensor logits = m.forward(in);
    benchmark::DoNotOptimize(logits.data_ptr());
  }
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(B * T), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["layers"] = static_cast<double>(m.config().num_hidden_layers);
}

void decode(benchmark::State& state, const std::string& name) {
  const int64_t B = state.range(0), P = state.range(1);
  dm::TransformerImpl& m = model(name);
  const auto& c = m.config();
  torch::NoGradGuard g;
  std::vector<dm::KVBlock> past(c.num_hidden_layers);
  for (auto& kv : past) {
    kv.k = torch::randn({B, c.num_key_value_heads, P, c.head_dim});
    kv.v = torch::randn({B, c.num_key_value_heads, P, c.head_dim});
  }
  dm::ForwardInput in;
  in.ids = torch::randint(0, c.vocab_size, {B, 1}, torch::kInt64);
  in.positions = torch::full({B, 1}, P, torch::kInt64);
  in.past = &past;
  std::vector<dm::KVBlock> present;
  in.present = &present;
  for (auto _ : state) {
    torch::Tensor logits = m.forward(in);
    benchmark::DoNotOptimize(logits.data_ptr());
  }
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(B), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["layers"] = static_cast<double>(c.num_hidden_layers);
}

BENCHMARK_CAPTURE(prefill, tiny, std::string("tiny"))
    ->Args({1, 128})
    ->Args({8, 128})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(decode, tiny, std::string("tiny"))
    ->Args({1, 256})
    ->Args({8, 256})
    ->Args({64, 256})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(prefill, qwen05b_shape, std::string("qwen2.5-0.5b"))
    ->Args({1, 64})
    ->Args({8, 64})
    ->Iterations(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(decode, qwen05b_shape, std::string("qwen2.5-0.5b"))
    ->Args({1, 256})
    ->Args({8, 256})
    ->Iterations(3)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  const char* t = std::getenv("DS_BENCH_THREADS");
  at::set_num_threads(t ? std::max(1, std::atoi(t)) : 1);
  torch::manual_seed(0);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
