// Forest driver (see forest.h).
#include "search/forest.h"

#include <memory>
#include <utility>

#include "core/errors.h"
#include "core/timer.h"
#include "search/tree_search.h"

namespace ds::search {

Forest::Forest(Policy& policy, const SearchOptions& options, RewardFn reward,
               ForestOptions forest_options)
    : policy_(policy),
      params_((validate(options), options)),
      reward_(std::move(reward)),
      forest_options_(forest_options) {
  if (forest_options_.max_trees < 0)
    throw ConfigError("forest.max_trees",
                      "must be >= 0, got " + std::to_string(forest_options_.max_trees),
                      "0 searches all problems at once");
  DS_CHECK(static_cast<bool>(reward_), "Forest needs a reward function");
}

std::vector<SearchResult> Forest::run(const std::vector<SearchProblem>& problems) {
  stats_ = ForestStats{};
  stats_.trees = static_cast<int>(problems.size());
  const double t0 = monotonic_seconds();
  const PolicyCounters c0 = policy_.counters();
  const size_t cap = forest_options_.max_trees > 0 ? static_cast<size_t>(forest_options_.max_trees)
                                                   : problems.size();

  struct Live {
    size_t index;
    std::unique_ptr<TreeSearch> tree;
  };
  std::vector<SearchResult> results(problems.size());
  std::vector<Live> live;
  size_t next_problem = 0;
  std::vector<StateId> release;
  std::vector<std::string> prompts;
  std::vector<ExpandRequest> requests;

  auto timed = [&](auto&& call) {
    double s = monotonic_seconds();
    call();
    double dt = monotonic_seconds() - s;
    stats_.policy_seconds += dt;
    return dt;
  };

  while (!live.empty() || next_problem < problems.size()) {
    // Admit waiting problems; their prompts are encoded in one begin() call.
    size_t first_new = live.size();
    prompts.clear();
    while (live.size() < cap && next_problem < problems.size()) {
      live.push_back(
          {next_problem, std::make_unique<TreeSearch>(problems[next_problem], params_, reward_)});
      prompts.push_back(problems[next_problem].policy_prompt());
      ++next_problem;
    }
    if (!prompts.empty()) {
      std::vector<BeginResult> roots;
      double dt = timed([&] { roots = policy_.begin(prompts); });
      DS_CHECK(roots.size() == prompts.size(), "policy begin() returned a wrong count");
      for (size_t i = first_new; i < live.size(); ++i) {
        live[i].tree->start(roots[i - first_new]);
        live[i].tree->add_policy_seconds(dt);
      }
    }

    // One round: every live tree's next expansion in one batched call.
    requests.clear();
    int64_t children = 0;
    for (auto& l : live) {
      requests.push_back(l.tree->next_request());
      children += requests.back().n;
    }
    std::vector<ExpandResult> answers;
    double dt = timed([&] { answers = policy_.expand(requests, params_.sampling); });
    DS_CHECK(answers.size() == requests.size(), "policy expand() returned a wrong count");
    ++stats_.rounds;
    stats_.max_batch_requests =
        std::max(stats_.max_batch_requests, static_cast<int>(requests.size()));
    stats_.max_batch_children = std::max(stats_.max_batch_children, children);

    release.clear();
    size_t kept = 0;
    for (size_t i = 0; i < live.size(); ++i) {
      Live& l = live[i];
      l.tree->add_policy_seconds(dt);
      l.tree->apply(std::move(answers[i]), release);
      if (l.tree->done())
        results[l.index] = l.tree->finish(release);
      else if (kept++ != i)
        live[kept - 1] = std::move(l);
    }
    live.resize(kept);
    if (!release.empty()) timed([&] { policy_.release(release); });
  }

  const PolicyCounters c1 = policy_.counters();
  stats_.generated_tokens = c1.generated_tokens - c0.generated_tokens;
  stats_.prefill_tokens = c1.prefill_tokens - c0.prefill_tokens;
  stats_.seconds = monotonic_seconds() - t0;
  stats_.bookkeeping_seconds = stats_.seconds - stats_.policy_seconds;
  return results;
}

SearchResult run_search(Policy& policy, const SearchProblem& problem, const SearchOptions& options,
                        const RewardFn& reward) {
  Forest forest(policy, options, reward);
  auto results = forest.run({problem});
  return std::move(results.front());
}

}  // namespace ds::search
