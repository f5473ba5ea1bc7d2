// Benchmark of data-parallel scaling of the policy update (numbers, not pass/fail): steps/s of
// update() on one global batch (32 samples of 24 prompt + 40 response tokens, global mini-batch
// 16, micro-batch 8, the built-in Qwen2-shaped "micro" Transformer, one torch thread per rank)
//  - Update/1: one rank over the whole batch; Update/2: 2 ranks over 16 samples each (Gloo over
//    loopback; gradients and metrics go through the c10d all-reduces). Both run as this program
//    re-executed by the --nproc launcher; the time is rank 0's wall time for the measured steps
//    (after warm-up and rendezvous), best of 2 launches; rank0_cpu_s/step is that rank's CPU time
//    (warm-up included) per measured step, which shows how much CPU the ranks actually got.
// At the end: steps/s of both, the speed-up and the scaling efficiency (speed-up / 2). On a
// machine with fewer free cores than ranks the efficiency says more about the machine.
#include <benchmark/benchmark.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "core/rng.h"
#include "dist/c10d_collective.h"
#include "dist/dist_env.h"
#include "dist/launcher.h"
#include "model/transformer.h"
#include "rl/advantage.h"
#include "rl/optimizer.h"
#include "rl/sample_batch.h"
#include "rl/transformer_policy.h"
#include "rl/update.h"

namespace ds::dist {
namespace {

constexpr int kSamples = 32;
constexpr int kWarmup = 2;
constexpr int kSteps = 6;
constexpr int kRepeats = 2;
constexpr const char* kRoleVar = "DS_BENCH_DIST_ROLE";
constexpr const char* kOutVar = "DS_BENCH_DIST_OUT";

double g_steps_per_s[3] = {0, 0, 0};  // by world size

std::vector<rl::Sample> make_samples(int vocab) {
  Rng rng(1);
  std::vector<rl::Sample> out;
  for (int i = 0; i < kSamples; ++i) {
    rl::Sample s;
    s.group = i / 8;
    for (int t = 0; t < 24; ++t) s.prompt_ids.push_back(static_cast<int32_t>(rng.below(vocab)));
    for (int t = 0; t < 40; ++t) {
      s.response_ids.push_back(static_cast<int32_t>(rng.below(vocab)));
      s.sampling_logprobs.push_back(-static_cast<float>(rng.uniform()) * 3);
    }
    s.reward = rng.below(4) == 0 ? 1.0 : -1.0;
    s.correct = s.reward > 0;
    out.push_back(std::move(s));
  }
  return out;
}

// The rows [rank * n / world, (rank + 1) * n / world) of the global batch, collated.
rl::SampleBatch share(int rank, int world, int vocab) {
  auto all = make_samples(vocab);
  rl::AdvantageOptions ao = rl::advantage_preset(ds::rl::Algorithm::kGrpo);
  auto adv = rl::compute_advantages(all, ao).advantages;
  std::vector<rl::Sample> s(all.begin() + rank * kSamples / world,
                            all.begin() + (rank + 1) * kSamples / world);
  std::vector<std::vector<float>> a(adv.begin() + rank * kSamples / world,
                                    adv.begin() + (rank + 1) * kSamples / world);
  return rl::collate(s, a, 0);
}

// Runs warm-up + measured steps on this rank's share; returns the seconds of the measured ones.
double run_steps(rl::Collective& c) {
  at::set_num_threads(1);
  model::ModelConfig cfg = model::make_builtin_config("micro");
  torch::manual_seed(0);
  rl::TransformerPolicy policy{model::Transformer(cfg)};
  broadcast_parameters(c, policy);
  rl::SampleBatch batch = share(c.rank(), c.world_size(), static_cast<int>(cfg.vocab_size));
  rl::OptimizerOptions oo;
  oo.lr = 1e-4;
  auto opt = rl::make_adamw(policy, oo);
  rl::UpdateOptions uo;
  uo.mini_batch_size = 16;  // global
  uo.micro_batch_size = 8;
  rl::UpdateExtras ex;
  ex.collective = &c;
  for (int i = 0; i < kWarmup; ++i) rl::update(policy, *opt, batch, uo, rl::PolicyLossOptions{}, 1.0, ex);
  c.barrier();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kSteps; ++i) rl::update(policy, *opt, batch, uo, rl::PolicyLossOptions{}, 1.0, ex);
  c.barrier();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void BM_Update(benchmark::State& state) {
  const int world = static_cast<int>(state.range(0));
  double seconds = 0, cpu = 0;
  for (auto _ : state) {
    // Both sizes run as launched processes (same conditions); best of kRepeats launches, since a
    // shared machine's load moves between them.
    seconds = 0;
    for (int rep = 0; rep < kRepeats; ++rep) {
      const std::string out = (std::filesystem::temp_directory_path() /
                               ("ds_bench_dist_" + std::to_string(::getpid()))).string();
      LaunchOptions lo;
      lo.extra_env = {{kRoleVar, "rank"}, {kOutVar, out}};
      const int rc = launch_local_ranks(world, {"bench_dist_update"}, lo);
      std::ifstream f(out);
      double s = 0, c = 0;
      if (rc != 0 || !(f >> s >> c)) {
        state.SkipWithError("the ranks failed (see their output above)");
        return;
      }
      std::filesystem::remove(out);
      if (seconds == 0 || s < seconds) {
        seconds = s;
        cpu = c;
      }
    }
    state.SetIterationTime(seconds);
  }
  g_steps_per_s[world] = seconds > 0 ? kSteps / seconds : 0;
  state.counters["steps/s"] = g_steps_per_s[world];
  state.counters["rank0_cpu_s/step"] = cpu / kSteps;
  state.counters["ranks"] = world;
}
BENCHMARK(BM_Update)->Arg(1)->Arg(2)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

// A launched rank: rendezvous, run, rank 0 writes its measured seconds.
int rank_main() {
  try {
    auto c = make_collective(read_dist_env(), DistOptions{});
    timespec c0{}, c1{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    const double s = run_steps(*c);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    if (c->is_main()) {  // wall seconds of the measured steps, CPU seconds of the whole rank
      std::ofstream f(std::getenv(kOutVar));
      f << s << " " << (c1.tv_sec - c0.tv_sec) + 1e-9 * (c1.tv_nsec - c0.tv_nsec) << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench rank failed: %s\n", e.what());
    return 1;
  }
}

}  // namespace
}  // namespace ds::dist

int main(int argc, char** argv) {
  if (std::getenv(ds::dist::kRoleVar) != nullptr) return ds::dist::rank_main();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  const double one = ds::dist::g_steps_per_s[1], two = ds::dist::g_steps_per_s[2];
  if (one > 0 && two > 0)
    std::printf("update steps/s: 1 rank %.3f, 2 ranks %.3f; speed-up %.2fx, scaling efficiency "
                "%.0f%% (%ld CPU cores online)\n",
                one, two, two / one, 100.0 * two / (2 * one), sysconf(_SC_NPROCESSORS_ONLN));
  return 0;
}
