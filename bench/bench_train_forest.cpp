// Benchmarks of the DeepSearch forest driver on a real model (random-weight builtin "tiny" shape,
// ~1.2M parameters, character tokenizer) through EnginePolicy. Modes (the "mode" argument):
//  0 sequential: 16 problems searched one tree at a time (each expansion = W children in one
//    engine call);
//  1 forest16:   the same 16 problems as one forest (each round = ONE engine call with the
//    children of every live tree); trees finish at different rounds, so the batch thins out
//    towards the end (occupancy counter);
//  2 pool16:     48 problems, at most 16 trees live (ForestOptions::max_trees), finished trees
//    replaced by waiting problems: the steady state of a training batch.
// Trees are identical in every mode (same seeds), so the work per tree is the same; counters:
//   gen_tok_per_s    generated tokens per second of search wall time,
//   gen_tok_per_cpu_s the same per CPU second of the process (robust on a busy machine),
//   speedup(_cpu)    rate / sequential rate, wall (cpu) (issue target: >= 3x at 16 trees),
//   occupancy        mean live trees per engine call / 16,
//   bookkeeping_pct  search time outside the policy calls (tree updates, verifier, selection,
//                    trajectories) in percent (target < 2%),
//   forward_pct      search time inside the model's forward (the rest of the policy time is the
//                    engine's batch assembly, sampling and stop rules),
//   prefill_per_gen  prefill tokens per generated token (prefix reuse; target < 0.2).
// Shape: W = 8, 16-token chunks, d_T = 8, B = 8, math verifier, torch intra-op threads = 1 (the
// CLI default); the engine decodes up to 128 rows per forward (16 trees x W).
// Env: DS_BENCH_FOREST_MODEL (default tiny), DS_BENCH_THREADS (default 1; also applied to
// OpenBLAS's own pthread pool when that library is loaded: its idle workers spin, which inflates
// the CPU time of small products, mostly in the sequential mode, and made the CPU-time speedup
// look larger than it is).
// Where the time goes (perf, forest16): the layers' linear maps ~30%, attention over the batch
// K/V buffer ~17% (the CPU decode kernel of model/decode_attention.h; children of one parent
// share their parent's path columns, so a path is copied and streamed once per W children), the
// rest torch per-op overhead, softmax/sampling and the buffer assembly. The sequential mode's
// 8-row steps are dominated by per-call costs (OpenBLAS packs every weight matrix per call).
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "model/transformer.h"
#include "search/forest.h"
#include "search/math_reward.h"
#include "tokenizer/char_tokenizer.h"
#include "train/engine_policy.h"

namespace ds::rl {
namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

constexpr int kTrees = 16;

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
    for (int i = 0; i < 3 * kTrees; ++i) {
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
    engine.max_batch_size = kTrees * search.width;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

double g_sequential_rate = 0.0, g_sequential_cpu_rate = 0.0;

// CPU seconds of the process (user + system): with one torch thread this is the search's own
// cost, much less disturbed than wall time by other processes on a shared machine.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// OpenBLAS (pthread build) keeps its own worker pool, not governed by at::set_num_threads.
void set_blas_threads(int n) {
  using SetThreads = void (*)(int);
  if (auto f = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) f(n);
}

void BM_Forest(benchmark::State& state) {
  at::set_num_threads(env_int("DS_BENCH_THREADS", 1));
  set_blas_threads(env_int("DS_BENCH_THREADS", 1));
  Fixture& f = fixture();
  const int mode = static_cast<int>(state.range(0));
  const search::RewardFn reward = search::math_reward();
  const std::vector<search::SearchProblem> first(f.problems.begin(), f.problems.begin() + kTrees);
  double seconds = 0, policy_seconds = 0, bookkeeping = 0, forward_seconds = 0, cpu = 0;
  int64_t generated = 0, prefill = 0, rounds = 0, iterations = 0;
  auto add = [&](const search::Forest& forest, const std::vector<search::SearchResult>& results) {
    const auto& s = forest.stats();
    seconds += s.seconds;
    policy_seconds += s.policy_seconds;
    bookkeeping += s.bookkeeping_seconds;
    generated += s.generated_tokens;
    prefill += s.prefill_tokens;
    rounds += s.rounds;
    for (const auto& r : results) iterations += r.stats.iterations;
  };
  for (auto _ : state) {
    engine::Engine engine(f.model, *f.tokenizer, f.engine);
    train::EnginePolicy policy(engine, *f.tokenizer);
    const double cpu0 = cpu_seconds();
    if (mode == 0) {
      for (const auto& p : first) {
        search::Forest forest(policy, f.search, reward);
        add(forest, forest.run({p}));
      }
    } else {
      search::Forest forest(policy, f.search, reward, search::ForestOptions{kTrees});
      add(forest, forest.run(mode == 1 ? first : f.problems));
    }
    cpu += cpu_seconds() - cpu0;
    forward_seconds += engine.counters().forward_seconds;
  }
  const double n = static_cast<double>(state.iterations());
  const double rate = generated / seconds;
  const double cpu_rate = generated / cpu;
  state.counters["gen_tok_per_s"] = rate;
  state.counters["gen_tok_per_cpu_s"] = cpu_rate;
  state.counters["gen_tokens"] = generated / n;
  state.counters["search_s"] = seconds / n;
  state.counters["engine_calls"] = rounds / n;
  state.counters["occupancy"] = mode == 0 ? 1.0 / kTrees : iterations / (rounds * 1.0 * kTrees);
  state.counters["bookkeeping_pct"] = 100.0 * bookkeeping / seconds;
  state.counters["policy_pct"] = 100.0 * policy_seconds / seconds;
  state.counters["forward_pct"] = 100.0 * forward_seconds / seconds;
  state.counters["prefill_per_gen"] = static_cast<double>(prefill) / generated;
  if (mode == 0) {
    g_sequential_rate = rate;
    g_sequential_cpu_rate = cpu_rate;
  } else if (g_sequential_rate > 0) {
    state.counters["speedup"] = rate / g_sequential_rate;
    state.counters["speedup_cpu"] = cpu_rate / g_sequential_cpu_rate;
  }
}
// Sequential first, so the forest runs can report their speedup over it.
BENCHMARK(BM_Forest)->ArgName("mode")->Arg(0)->Arg(1)->Arg(2)->Iterations(1)->Unit(
    benchmark::kSecond);

}  // namespace
}  // namespace ds::rl

BENCHMARK_MAIN();
