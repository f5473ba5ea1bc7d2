// Benchmark of the supervised warm start: trains the default warm start (SftOptions defaults,
// optionally changed by KEY=VALUE arguments, e.g. `bench_sft_warmstart steps=300
// model.preset=micro`) once, reports training tokens/s (wall and per CPU second) and CPU seconds as
// counters, then prints the per-level held-out accuracy tables of the trained model: greedy and
// sampled (T=1, several samples per problem) on arith levels 1..6 (or eval.difficulties when
// given). Wall time on a loaded machine is inflated; the CPU-second numbers estimate the unloaded
// cost.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/options.h"
#include "eval/level_eval.h"
#include "model/checkpoint.h"
#include "sft/sft.h"

namespace {

std::vector<std::string> g_overrides;

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

void print_table(const ds::model::Transformer& model, const ds::tok::Tokenizer& tokenizer,
                 ds::eval::LevelEvalOptions e, const std::string& title) {
  const double c0 = cpu_seconds();
  const auto w0 = std::chrono::steady_clock::now();
  auto rows = ds::eval::evaluate_levels(model, tokenizer, e);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  std::printf("\n%s", ds::eval::format_level_table(rows, title).c_str());
  for (const auto& row : rows)
    for (const auto& s : row.shown) {
      const std::string verdict = s.correct ? "correct" : "wrong, answer " + s.answer;
      std::printf("  [level %d, %s] %s\n    -> %s\n", row.difficulty, verdict.c_str(),
                  s.problem.c_str(), s.response.c_str());
    }
  std::printf("(evaluation: %.1f s wall, %.1f s CPU)\n", wall, cpu_seconds() - c0);
}

void BM_SftWarmStart(benchmark::State& state) {
  ds::sft::SftOptions o = ds::load_options<ds::sft::SftOptions>("", g_overrides);
  const bool custom_levels =
      std::any_of(g_overrides.begin(), g_overrides.end(),
                  [](const std::string& s) { return s.rfind("eval.difficulties=", 0) == 0; });
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("ds_bench_sft_" + std::to_string(::getpid())))
          .string();
  o.out_dir = dir;
  ds::eval::LevelEvalOptions eval = o.eval;
  if (!custom_levels) eval.difficulties = {1, 2, 3, 4, 5, 6};
  eval.show = std::max(eval.show, 2);
  o.eval.n = 0;  // measured below, outside the timed training
  ds::sft::SftResult r;
  for (auto _ : state) r = ds::sft::run_sft(o);
  state.counters["tokens_per_s"] = r.tokens_per_second();
  state.counters["tokens_per_cpu_s"] = r.tokens_per_cpu_second();
  state.counters["cpu_s"] = r.cpu_seconds;
  state.counters["wall_s"] = r.wall_seconds;
  state.counters["steps"] = static_cast<double>(r.steps);
  state.counters["params"] = static_cast<double>(r.parameters);
  state.counters["final_loss"] = r.final_loss;
  state.counters["epochs"] = r.epochs;

  std::printf("\nwarm start: %lld params, %lld examples, %lld steps (%.2f epochs), %lld tokens\n",
              static_cast<long long>(r.parameters), static_cast<long long>(r.examples),
              static_cast<long long>(r.steps), r.epochs, static_cast<long long>(r.tokens));
  std::printf("loss %.4f -> %.4f; %.1f s CPU, %.1f s wall; %.0f tokens/CPU-s, %.0f tokens/s\n",
              r.first_loss, r.final_loss, r.cpu_seconds, r.wall_seconds, r.tokens_per_cpu_second(),
              r.tokens_per_second());
  auto tokenizer = ds::tok::load_tokenizer(dir);
  ds::model::Transformer model = ds::model::load_model(dir);
  torch::NoGradGuard no_grad;
  print_table(model, *tokenizer, eval,
              "held-out " + eval.task + " accuracy, greedy (" + std::to_string(eval.n) +
                  " problems per level)");
  ds::eval::LevelEvalOptions sampled = eval;
  sampled.show = 0;
  sampled.sampling.temperature = 1.0;
  sampled.samples = 4;
  print_table(model, *tokenizer, sampled,
              "held-out " + eval.task + " accuracy, T=1 (" + std::to_string(eval.n) +
                  " problems x 4 samples per level)");
  std::fflush(stdout);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace

BENCHMARK(BM_SftWarmStart)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (int i = 1; i < argc; ++i) g_overrides.emplace_back(argv[i]);
  at::set_num_threads(1);  // as the CLI does by default
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
