// Owns the forest driver: advances many problems' trees together so the policy sees large
// batches. Each round gathers the node to expand from every live tree and calls Policy::expand
// ONCE for all of them (each request reuses its parent's state, i.e. its KV cache, instead of
// re-encoding prompt + path); finished trees drop out and waiting problems take their place
// (up to max_trees at once). Every tree's seed derives from (options.seed, key, id), and the
// policy contract makes children independent of batch composition, so a tree comes out identical
// whether it runs alone or among others. run_search() is the one-tree case.
// Thread-safety: one Forest per thread; it uses its Policy exclusively while run() runs.
#pragma once

#include <vector>

#include "search/options.h"
#include "search/policy.h"
#include "search/problem.h"
#include "search/trajectory.h"

namespace ds::search {

struct ForestOptions {
  int max_trees = 0;

  template <class V>
  void visit(V& v) {
    v("max_trees", max_trees,
      "trees searched at once (bounds policy memory); 0 = all problems at once");
  }
};

struct ForestStats {
  int rounds = 0;  // expand calls
  int trees = 0;
  int max_batch_requests = 0;      // largest number of requests in one expand call
  int64_t max_batch_children = 0;  // largest number of children in one expand call
  int64_t generated_tokens = 0;
  int64_t prefill_tokens = 0;
  double seconds = 0.0;
  double policy_seconds = 0.0;       // inside begin / expand / release
  double bookkeeping_seconds = 0.0;  // seconds - policy_seconds
};

class Forest {
 public:
  // Throws ConfigError when options are invalid.
  Forest(Policy& policy, const SearchOptions& options, RewardFn reward,
         ForestOptions forest_options = {});
  // Searches every problem; result i belongs to problems[i].
  std::vector<SearchResult> run(const std::vector<SearchProblem>& problems);
  const ForestStats& stats() const { return stats_; }

 private:
  Policy& policy_;
  SearchOptions params_;
  RewardFn reward_;
  ForestOptions forest_options_;
  ForestStats stats_;
};

// One tree on its own (a forest of one).
SearchResult run_search(Policy& policy, const SearchProblem& problem, const SearchOptions& options,
                        const RewardFn& reward);

}  // namespace ds::search
