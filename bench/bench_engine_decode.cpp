// Benchmarks of the generation engine on random-weight Qwen2-shaped models:
//  - Decode/<model>/<B>: decode tokens per second for B sequences sampled together (T = 1, no
//    truncation) after a 32-token prompt; prefill is excluded from the timing.
//  - PrefixReuse/<model>: expanding 8 children of a deep node (prompt + 4 chunks). Reports the
//    prefill tokens the engine computed (0 with reuse) against what re-sending prompt + path per
//    expansion would cost (8 x path, as the reference code does without a prefix cache), and the
//    time of the same expansion when the path must first be prefilled ("no_reuse_ms").
// Models: "tiny" (~1.2M params) and "qwen2.5-0.5b" (the Qwen2.5-0.5B shape: 24 layers, 896 wide,
// GQA 14/2, vocab 151936). Set DS_BENCH_05B_LAYERS to run the 0.5B shape with fewer layers
// (default 24); DS_BENCH_SKIP_05B=1 skips it. Runs with 1 intra-op thread (DS_BENCH_THREADS).
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "engine/engine.h"
#include "model/transformer.h"
#include "tokenizer/char_tokenizer.h"

namespace ds::engine {
namespace {

struct Fixture {
  std::unique_ptr<tok::Tokenizer> tokenizer = tok::make_char_tokenizer();
  model::Transformer model{nullptr};
};

Fixture& fixture(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Fixture>> cache;
  auto& f = cache[name];
  if (!f) {
    f = std::make_unique<Fixture>();
    model::ModelConfig c = model::make_builtin_config(name);
    if (name == "qwen2.5-0.5b") {
      if (const char* l = std::getenv("DS_BENCH_05B_LAYERS")) c.num_hidden_layers = std::atoi(l);
    } else {
      c.vocab_size = f->tokenizer->vocab_size();
    }
    torch::NoGradGuard ng;
    f->model = model::Transformer(c);
    f->model->eval();
  }
  return *f;
}

EngineOptions bench_options(const Fixture& f) {
  EngineOptions o;
  o.eos_ids = {static_cast<int>(f.model->config().vocab_size - 1)};  // rarely sampled: full runs
  o.max_batch_size = 64;
  return o;
}

std::vector<int32_t> bench_prompt(int len) {
  std::vector<int32_t> p;
  for (int i = 0; i < len; ++i) p.push_back(10 + (i * 7) % 200);
  return p;
}

void decode(benchmark::State& state, const std::string& name, int new_tokens) {
  Fixture& f = fixture(name);
  Engine engine(f.model, *f.tokenizer, bench_options(f));
  const int batch = static_cast<int>(state.range(0));
  StateId root = engine.prefill(bench_prompt(32));
  int64_t tokens = 0;
  uint64_t seed = 0;
  for (auto _ : state) {
    auto out = engine.extend({{root, batch, new_tokens, "", seed++}}, SamplingOptions{});
    for (const Sample& s : out[0].children) {
      tokens += static_cast<int64_t>(s.tokens.size());
      state.PauseTiming();
      engine.release(s.state);
      state.ResumeTiming();
    }
  }
  state.counters["tok/s"] =
      benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  state.counters["batch"] = batch;
  state.counters["fwd_ms"] = 1e3 * engine.counters().forward_seconds /
                             std::max<int64_t>(1, engine.counters().forward_calls);
}

void prefix_reuse(benchmark::State& state, const std::string& name, int chunk) {
  Fixture& f = fixture(name);
  Engine engine(f.model, *f.tokenizer, bench_options(f));
  StateId node = engine.prefill(bench_prompt(64));
  for (int d = 0; d < 4; ++d)
    node = engine.extend({{node, 1, chunk, "", static_cast<uint64_t>(d)}}, SamplingOptions{})[0]
               .children[0]
               .state;
  const int64_t path = engine.length(node);
  int64_t prefill = 0, generated = 0;
  uint64_t seed = 100;
  for (auto _ : state) {
    int64_t before = engine.counters().prefill_tokens;
    auto out = engine.extend({{node, 8, chunk, "", seed++}}, SamplingOptions{});
    prefill += engine.counters().prefill_tokens - before;
    state.PauseTiming();
    for (const Sample& s : out[0].children) {
      generated += static_cast<int64_t>(s.tokens.size());
      engine.release(s.state);
    }
    state.ResumeTiming();
  }
  // The same expansion when the path's K/V is not cached: prefill prompt + path, then extend.
  std::vector<int32_t> tokens = engine.path_tokens(node);
  Engine cold(f.model, *f.tokenizer, bench_options(f));
  auto t0 = std::chrono::steady_clock::now();
  StateId root = cold.prefill(tokens);
  cold.extend({{root, 8, chunk, "", 7}}, SamplingOptions{});
  double no_reuse_ms =
      1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double iters = static_cast<double>(state.iterations());
  state.counters["path_tokens"] = static_cast<double>(path);
  state.counters["prefill_per_expand"] = prefill / iters;
  state.counters["prefill_saved_per_expand"] =
      8.0 * static_cast<double>(path - 1) - prefill / iters;
  state.counters["generated_per_expand"] = generated / iters;
  state.counters["no_reuse_ms"] = no_reuse_ms;
}

void register_all() {
  for (int b : {1, 8, 64})
    benchmark::RegisterBenchmark("Decode/tiny", decode, std::string("tiny"), 64)
        ->Arg(b)
        ->Unit(benchmark::kMillisecond)
        ->MinTime(1.0)
        ->UseRealTime();
  benchmark::RegisterBenchmark("PrefixReuse/tiny", prefix_reuse, std::string("tiny"), 32)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  const char* skip = std::getenv("DS_BENCH_SKIP_05B");
  if (skip && std::string(skip) == "1") return;
  for (int b : {1, 8, 64})
    benchmark::RegisterBenchmark("Decode/qwen2.5-0.5b", decode, std::string("qwen2.5-0.5b"), 8)
        ->Arg(b)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1)
        ->UseRealTime();
  benchmark::RegisterBenchmark("PrefixReuse/qwen2.5-0.5b", prefix_reuse,
                               std::string("qwen2.5-0.5b"), 16)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1)
      ->UseRealTime();
}

}  // namespace
}  // namespace ds::engine

int main(int argc, char** argv) {
  // One intra-op thread, as the CLI defaults to on this 2-core machine (DS_BENCH_THREADS
  // overrides).
  const char* threads = std::getenv("DS_BENCH_THREADS");
  at::set_num_threads(threads ? std::max(1, std::atoi(threads)) : 1);
  ds::engine::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
