// Benchmarks of the evaluation loop:
//  - EvalTiny/<batch>: `run_eval` end to end (tiny prompt template, engine generation, math
//    verifier, report) on the first 8 GSM8K problems x 4 samples with a random-weight "tiny"
//    built-in model and 32 new tokens per sample; counters: generated tokens/s and samples/s
//    at --batch-size <batch>, and gen_share = fraction of wall time inside the generator. Shows
//    what batching buys on this machine.
//  - PassAtK/<n>: the unbiased estimator over every c in [0, n] for the report's k values.
//  - Summarize/<problems>: summarize_benchmark for n = 32 (what a table costs).
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <chrono>
#include <memory>

#include "engine/engine.h"
#include "eval/engine_generator.h"
#include "eval/evaluator.h"
#include "eval/pass_at_k.h"
#include "eval/prompt_template.h"
#include "model/model_config.h"
#include "model/transformer.h"
#include "tasks/task.h"
#include "tokenizer/char_tokenizer.h"

namespace ds::eval {
namespace {

void EvalTiny(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  auto tokenizer = tok::make_char_tokenizer();
  model::ModelConfig c = model::make_builtin_config("tiny", tokenizer->vocab_size());
  torch::manual_seed(0);
  model::Transformer model(c);
  model->eval();
  engine::EngineOptions eo;
  eo.max_batch_size = batch;
  eo.eos_ids = {static_cast<int>(c.vocab_size - 1)};  // rarely sampled: full-length responses
  engine::Engine engine(model, *tokenizer, eo);
  EngineGenerator generator(engine, *tokenizer);
  Benchmark bench = load_benchmark(std::string(DS_SHARED_DIR) + "/data/eval/gsm8k.jsonl", 8);
  EvalOptions o;
  o.n = 4;
  o.max_new_tokens = 32;
  o.batch_size = batch;
  o.progress_interval = 1e9;
  long tokens = 0, samples = 0;
  double generate_seconds = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    EvalReport r = run_eval({bench}, generator, make_prompt_fn("tiny"), tasks::score_response, o);
    tokens += r.stats.new_tokens;
    samples += r.stats.samples_generated;
    generate_seconds += r.stats.seconds;
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Share of the wall time spent inside the generator (the rest: scoring, saving, reporting).
  state.counters["gen_share"] = wall > 0 ? generate_seconds / wall : 0;
  state.counters["tok/s"] = benchmark::Counter(tokens, benchmark::Counter::kIsRate);
  state.counters["samples/s"] = benchmark::Counter(samples, benchmark::Counter::kIsRate);
}
BENCHMARK(EvalTiny)->Arg(1)->Arg(8)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

void PassAtK(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::vector<int> ks = report_ks(n);
  for (auto _ : state) {
    double s = 0;
    for (int c = 0; c <= n; ++c)
      for (int k : ks) s += pass_at_k(n, c, k);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * (n + 1) * ks.size());
}
BENCHMARK(PassAtK)->Arg(32)->Arg(1024);

void Summarize(benchmark::State& state) {
  std::vector<int> counts(state.range(0));
  for (size_t i = 0; i < counts.size(); ++i) counts[i] = static_cast<int>((i * 7) % 33);
  for (auto _ : state) benchmark::DoNotOptimize(summarize_benchmark("b", counts, 32, 0));
}
BENCHMARK(Summarize)->Arg(500)->Arg(5000);

}  // namespace
}  // namespace ds::eval

BENCHMARK_MAIN();
