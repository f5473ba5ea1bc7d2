// Owns the DeepSearch algorithm for ONE problem as a step machine, so a driver can interleave many
// trees and batch their policy calls (forest.h):
//   start(root state) -> loop { next_request() -> policy.expand -> apply() } until done()
//   -> finish() -> SearchResult (B trajectories, stats, tree, events).
// One apply() is one iteration of DEEPSEARCH.md: add the W children; N += 1 for non-terminal ones;
// verify terminal ones; choose at most one new terminal; back it up; select the next node (local
// UCT if no child was terminal, else global frontier score, or UCT restart from the root).
// Thread-safety: not synchronized; one driver thread per TreeSearch.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "search/options.h"
#include "search/policy.h"
#include "search/problem.h"
#include "search/rules.h"
#include "search/trajectory.h"
#include "search/tree.h"

namespace ds::search {

class TreeSearch {
 public:
  // The tree's seed derives from (params.seed, problem.key, problem.id) only.
  TreeSearch(SearchProblem problem, const SearchOptions& params, RewardFn reward);

  const SearchProblem& problem() const { return problem_; }
  // Adopts the root state returned by Policy::begin for problem().policy_prompt().
  void start(const BeginResult& root);
  bool started() const { return started_; }
  bool done() const { return done_; }
  // The expansion this tree wants next (only while started() && !done()).
  ExpandRequest next_request() const;
  // Applies the answer to next_request(); appends states the policy may now release.
  void apply(ExpandResult&& result, std::vector<StateId>& release);
  // Wall time of a policy call this tree took part in (for stats).
  void add_policy_seconds(double seconds) { policy_seconds_ += seconds; }
  // Budget fill (if enabled), trajectories and stats; appends every state still held to
  // `release`. Call once, after done().
  SearchResult finish(std::vector<StateId>& release);

  // Read access for tests and tools.
  const Tree& tree() const { return tree_; }
  int32_t current() const { return current_; }
  int iterations() const { return iterations_; }
  const std::vector<int32_t>& backed_up() const { return backed_up_; }

 private:
  struct Selected {
    int32_t node = kNoNode;
    double score = 0.0;
  };
  void classify_terminal(int32_t id);
  void backup(int32_t terminal, SearchEvent* event);
  Selected descend(int32_t start);
  Selected best_frontier() const;
  void select_next(bool terminal_reached, SearchEvent* event);
  void fill_from_leftovers();
  Trajectory make_trajectory(int32_t terminal, int index) const;

  SearchProblem problem_;
  SearchOptions params_;
  RewardFn reward_;
  uint64_t seed_;
  Rng choice_rng_;  // random terminal choices only
  Tree tree_;
  bool started_ = false, done_ = false, finished_ = false;
  int32_t current_ = kNoNode;
  int iterations_ = 0;
  int terminals_found_ = 0;
  int filled_ = 0;
  int64_t prefill_tokens_ = 0;
  std::vector<int32_t> backed_up_;             // terminals in backup order
  std::vector<TerminalCandidate> candidates_;  // scratch
  std::vector<SearchEvent> events_, fills_;
  const char* stop_reason_ = "";
  double start_time_ = 0.0, bookkeeping_seconds_ = 0.0, policy_seconds_ = 0.0;
  double reward_seconds_ = 0.0;
};

}  // namespace ds::search
