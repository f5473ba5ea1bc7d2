// Benchmarks of the DeepSearch forest driver on a real model (random-weight builtin "tiny" shape,
// ~1.2M parameters, character tokenizer) through EnginePolicy:
//  - Forest/sequential: 16 problems searched one tree at a time (each tree's expansions are W
//    children in one engine call);
//  - Forest/forest16:   the same 16 problems as one forest (every round = ONE engine call with the
//    children of all live trees).
// The trees are identical in both modes (same seeds), so the work is the same; counters:
//   gen_tok_per_s    generated tokens per second of search wall time,
//   speedup          forest16 rate / sequential rate (issue target: >= 3x),
//   bookkeeping_pct  search time outside the policy calls (tree updates, verifier, selection,
//                    trajectories) in percent (target < 2%),
//   prefill_per_gen  prefill tokens per generated token (prefix reuse; target < 0.2).
// Shape: W = 8, 16-token chunks, d_T = 8, B = 8, math verifier, torch intra-op threads = 1 (the
// CLI default); the engine decodes up to 128 rows per forward (16 trees x W).
// Env: DS_BENCH_FOREST_TREES (default 16), DS_BENCH_FOREST_MODEL (default tiny).
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "model/transformer.h"
#include "rl/engine_policy.h"
#include "search/forest.h"
#include "search/math_reward.h"
#include "tokenizer/char_tokenizer.h"

namespace ds::rl {
namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

struct Fixture {
  std::unique_ptr<tok::Tokenizer> tokenizer = tok::make_char_tokenizer();
  model::Transformer model{nullptr};
  std::vector<search::SearchProblem> problems;
  search::SearchOptions search;
  engine::EngineOptions engine;

  Fixture() {
    const char* name = std::getenv("DS_BENCH_FOREST_MODEL");
    model::ModelConfig c =
        model::make_builtin_config(name ? name : "tiny", tokenizer->vocab_size());
    model = model::Transformer(c, torch::TensorOptions(), uint64_t{1});
    model->eval();
    const int trees = env_int("DS_BENCH_FOREST_TREES", 16);
    for (int i = 0; i < trees; ++i) {
      search::SearchProblem p;
      p.id = "bench-" + std::to_string(i);
      p.question =
          "What is " + std::to_string(17 * i + 3) + " times " + std::to_string(i + 2) + "?";
      p.prompt = "Q: " + p.question + "\nA: ";
      p.answer = std::to_string((17 * i + 3) * (i + 2));
      p.key = static_cast<uint64_t>(i);
      problems.push_back(p);
    }
    search.width = 8;
    search.chunk_tokens = 16;
    search.max_depth = 8;
    search.terminals = 8;
    search.record_events = false;
    search.seed = 3;
    engine.max_batch_size = trees * search.width;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

double g_sequential_rate = 0.0;

void BM_Forest(benchmark::State& state) {
  at::set_num_threads(1);
  Fixture& f = fixture();
  const bool together = state.range(0) != 0;
  const search::RewardFn reward = search::math_reward();
  double seconds = 0, policy_seconds = 0, bookkeeping = 0;
  int64_t generated = 0, prefill = 0, rounds = 0, iterations = 0;
  for (auto _ : state) {
    engine::Engine engine(f.model, *f.tokenizer, f.engine);
    EnginePolicy policy(engine, *f.tokenizer);
    if (together) {
      search::Forest forest(policy, f.search, reward);
      auto results = forest.run(f.problems);
      const auto& s = forest.stats();
      seconds += s.seconds;
      policy_seconds += s.policy_seconds;
      bookkeeping += s.bookkeeping_seconds;
      generated += s.generated_tokens;
      prefill += s.prefill_tokens;
      rounds += s.rounds;
      for (const auto& r : results) iterations += r.stats.iterations;
    } else {
      for (const auto& p : f.problems) {
        search::Forest forest(policy, f.search, reward);
        auto results = forest.run({p});
        const auto& s = forest.stats();
        seconds += s.seconds;
        policy_seconds += s.policy_seconds;
        bookkeeping += s.bookkeeping_seconds;
        generated += s.generated_tokens;
        prefill += s.prefill_tokens;
        rounds += s.rounds;
        iterations += results[0].stats.iterations;
      }
    }
  }
  const double n = static_cast<double>(state.iterations());
  const double rate = generated / seconds;
  state.counters["gen_tok_per_s"] = rate;
  state.counters["gen_tokens"] = generated / n;
  state.counters["search_s"] = seconds / n;
  state.counters["engine_calls"] = rounds / n;
  state.counters["iterations"] = iterations / n;
  state.counters["bookkeeping_pct"] = 100.0 * bookkeeping / seconds;
  state.counters["policy_pct"] = 100.0 * policy_seconds / seconds;
  state.counters["prefill_per_gen"] = static_cast<double>(prefill) / generated;
  if (!together) {
    g_sequential_rate = rate;
  } else if (g_sequential_rate > 0) {
    state.counters["speedup"] = rate / g_sequential_rate;
  }
}
// Sequential first, so the forest run can report its speedup over it.
BENCHMARK(BM_Forest)->ArgName("forest")->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace ds::rl

BENCHMARK_MAIN();
