// Benchmarks of the search's own cost (everything but the model): a policy that returns
// precomputed chunks instantly stands in for the model, so the measured time is bookkeeping
// (tree updates, verification calls through the reward, selection, trajectory extraction).
// Shapes follow [R]: W = 8, 256-token chunks, d_T = 64, B = 8; a forest of 16 trees.
// Counters: iterations per tree, nodes, bookkeeping microseconds per iteration.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/rng.h"
#include "search/forest.h"
#include "search/mock_policy.h"

namespace ds::search {
namespace {

// Instant policy: every chunk has `chunk` tokens; it ends with EOS and "\boxed{k}" with
// probability p_eos (k uniform in 0..2, gold "0").
class InstantPolicy : public Policy {
 public:
  InstantPolicy(int chunk, double p_eos) : chunk_(chunk), p_eos_(p_eos) {
    body_.assign(static_cast<size_t>(chunk), 'a');
  }
  std::vector<BeginResult> begin(const std::vector<std::string>& prompts) override {
    std::vector<BeginResult> out;
    for (const auto& p : prompts) out.push_back({next_++, static_cast<int64_t>(p.size())});
    return out;
  }
  std::vector<ExpandResult> expand(const std::vector<ExpandRequest>& requests,
                                   const SamplingOptions&) override {
    std::vector<ExpandResult> out(requests.size());
    for (size_t r = 0; r < requests.size(); ++r) {
      for (int i = 0; i < requests[r].n; ++i) {
        Rng rng(Rng::derive(requests[r].seed, static_cast<uint64_t>(i)));
        Chunk c;
        c.tokens.assign(static_cast<size_t>(chunk_), 97);
        c.logprobs.assign(static_cast<size_t>(chunk_), -0.5f - 0.1f * static_cast<float>(i));
        c.mean_nll = 0.5 + 0.1 * i;
        c.text = body_;
        if (rng.uniform() < p_eos_) {
          c.text.replace(c.text.size() - 9, 9, "\\boxed{" + std::to_string(rng.below(3)) + "}");
          c.tokens.back() = 256;
          c.finish = FinishReason::kEos;
        }
        c.state = next_++;
        out[r].children.push_back(std::move(c));
      }
    }
    return out;
  }
  void release(const std::vector<StateId>&) override {}
  PolicyCounters counters() const override { return {}; }

 private:
  int chunk_;
  double p_eos_;
  std::string body_;
  StateId next_ = 0;
};

SearchProblem problem(int i) {
  SearchProblem p;
  p.id = "p" + std::to_string(i);
  p.question = "problem " + std::to_string(i);
  p.answer = "0";
  p.key = static_cast<uint64_t>(i);
  return p;
}

SearchOptions reference_shape() {
  SearchOptions o;  // W 8, chunk 256, d_T 64, B 8
  o.record_events = false;
  return o;
}

void BM_SearchOneTree(benchmark::State& state) {
  const double p_eos = static_cast<double>(state.range(0)) / 1000.0;
  SearchOptions o = reference_shape();
  o.record_events = state.range(1) != 0;
  double bookkeeping = 0, reward = 0, iterations = 0, nodes = 0, trees = 0;
  int i = 0;
  for (auto _ : state) {
    InstantPolicy policy(o.chunk_tokens, p_eos);
    SearchResult r = run_search(policy, problem(i++), o, boxed_reward());
    bookkeeping += r.stats.bookkeeping_seconds;
    reward += r.stats.reward_seconds;
    iterations += r.stats.iterations;
    nodes += r.stats.nodes;
    trees += 1;
    benchmark::DoNotOptimize(r.trajectories.data());
  }
  state.counters["iters_per_tree"] = iterations / trees;
  state.counters["nodes_per_tree"] = nodes / trees;
  state.counters["bookkeeping_us_per_iter"] = 1e6 * bookkeeping / iterations;
  state.counters["reward_share"] = reward / bookkeeping;
}
// p_eos in 1/1000: 20 -> deep trees (~hundreds of iterations), 100 -> shallower; events off/on.
BENCHMARK(BM_SearchOneTree)
    ->Args({20, 0})
    ->Args({100, 0})
    ->Args({20, 1})
    ->Unit(benchmark::kMillisecond);

void BM_SearchForest16(benchmark::State& state) {
  SearchOptions o = reference_shape();
  std::vector<SearchProblem> ps;
  for (int i = 0; i < 16; ++i) ps.push_back(problem(i));
  double bookkeeping = 0, rounds = 0, children = 0;
  for (auto _ : state) {
    InstantPolicy policy(o.chunk_tokens, 0.05);
    Forest forest(policy, o, boxed_reward());
    auto results = forest.run(ps);
    bookkeeping += forest.stats().bookkeeping_seconds;
    rounds += forest.stats().rounds;
    for (const auto& r : results) children += r.stats.nodes - 1;
    benchmark::DoNotOptimize(results.data());
  }
  state.counters["rounds"] = rounds / static_cast<double>(state.iterations());
  state.counters["bookkeeping_us_per_round"] = 1e6 * bookkeeping / rounds;
  state.counters["bookkeeping_us_per_child"] = 1e6 * bookkeeping / children;
}
BENCHMARK(BM_SearchForest16)->Unit(benchmark::kMillisecond);

// The scripted mock itself (what unit tests pay): a whole default-shaped tree.
void BM_MockPolicyTree(benchmark::State& state) {
  SearchOptions o = reference_shape();
  o.chunk_tokens = 32;
  int i = 0;
  for (auto _ : state) {
    MockPolicy policy(random_mock_generator({.eos_probability = 0.1}));
    SearchResult r = run_search(policy, problem(i++), o, boxed_reward());
    benchmark::DoNotOptimize(r.trajectories.data());
  }
}
BENCHMARK(BM_MockPolicyTree)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ds::search

BENCHMARK_MAIN();
