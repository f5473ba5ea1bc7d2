// The DeepSearch iteration for one tree (see tree_search.h and DEEPSEARCH.md).
//
// Decisions on cases DEEPSEARCH.md leaves open (each is marked "Decision:" below):
//  - a node is terminal when its chunk ended with EOS, when the policy's context is full
//    ("context": it cannot be extended), or at depth d_T;
//  - local UCT whose pick is already fully expanded (only after root widening) keeps descending by
//    UCT; a node whose children are all terminal (or dead) is marked dead and skipped;
//  - no eligible child for local UCT / vanilla restart -> frontier rule; empty frontier -> widen
//    the root by W fresh children (the root is the only node ever expanded twice);
//  - a state is released as soon as its node can never be expanded again: terminal children at
//    once, a non-root node once it has W children, everything else at finish().
#include "search/tree_search.h"

#include <cmath>
#include <limits>
#include <string_view>
#include <utility>

#include "core/errors.h"
#include "core/timer.h"

namespace ds::search {

namespace {

// Key of the random-choice stream, far from the iteration numbers used as request-seed keys.
constexpr uint64_t kChoiceStreamKey = 0x63686f6963650000ull;

// FNV-1a of the problem id: callers that leave every key at 0 still get distinct trees.
uint64_t hash_id(std::string_view id) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : id) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

}  // namespace

TreeSearch::TreeSearch(SearchProblem problem, const SearchOptions& params, RewardFn reward)
    : problem_(std::move(problem)),
      params_(params),
      reward_(std::move(reward)),
      seed_(Rng::derive(Rng::derive(static_cast<uint64_t>(params.seed), problem_.key),
                        hash_id(problem_.id))),
      choice_rng_(Rng::derive(seed_, kChoiceStreamKey)) {
  DS_CHECK(static_cast<bool>(reward_), "TreeSearch needs a reward function");
}

void TreeSearch::start(const BeginResult& root) {
  DS_CHECK(!started_, "TreeSearch::start called twice");
  DS_CHECK(root.state != kNoState, "policy returned no root state");
  start_time_ = monotonic_seconds();
  ScopedTimer timer(bookkeeping_seconds_);
  started_ = true;
  tree_.reset(root.state);
  prefill_tokens_ += root.prefill_tokens;
  current_ = 0;
  if (params_.record_events) events_.reserve(64);
}

ExpandRequest TreeSearch::next_request() const {
  DS_CHECK(started_ && !done_, "next_request on a tree that is not running");
  const Node& n = tree_.node(current_);
  DS_CHECK(!n.terminal && n.state != kNoState, "selected node cannot be expanded");
  ExpandRequest r;
  r.parent = n.state;
  // Nodes have 0 or W children; only the root (widened when the frontier is empty) gets W more.
  r.n = n.num_children < params_.width ? params_.width - n.num_children : params_.width;
  r.max_new_tokens = params_.chunk_tokens;
  r.stop = params_.delimiter;
  r.seed = Rng::derive(seed_, static_cast<uint64_t>(iterations_));
  return r;
}

void TreeSearch::classify_terminal(int32_t id) {
  Node& n = tree_.node(id);
  n.terminal = true;
  ++terminals_found_;
  bool finished = n.finish == FinishReason::kEos;
  Outcome outcome = Outcome::kIncomplete;
  if (finished || params_.capped_paths == CappedPaths::kVerify) {
    Verdict v;
    {
      ScopedTimer timer(reward_seconds_);
      v = reward_(problem_, tree_.response(id));
    }
    // [R]: an unfinished path is incomplete only when no answer can be read from it.
    if (finished || v.answered) outcome = v.correct ? Outcome::kCorrect : Outcome::kIncorrect;
  }
  n.outcome = outcome;
  n.reward = outcome == Outcome::kCorrect     ? 1.0f
             : outcome == Outcome::kIncorrect ? -1.0f
                                              : static_cast<float>(params_.incomplete_reward);
}

void TreeSearch::backup(int32_t terminal, SearchEvent* event) {
  Node& t = tree_.node(terminal);
  DS_CHECK(t.terminal && !t.backed_up, "backup of a node that is not a fresh terminal");
  const double r = t.reward;
  const int leaf_depth = t.depth;
  for (int32_t x = terminal; x != kNoNode; x = tree_.node(x).parent) {
    Node& n = tree_.node(x);
    n.visits += 1;
    double gamma = backup_gamma(n.depth, leaf_depth, params_.gamma, params_.gamma_min);
    n.q = updated_q(n.q, r, gamma, params_.q_update);
    if (event) event->backup.push_back({x, n.q});
  }
  t.backed_up = true;
  backed_up_.push_back(terminal);
}

TreeSearch::Selected TreeSearch::descend(int32_t start) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  int32_t x = start;
  double score = nan;
  for (;;) {
    const Node& n = tree_.node(x);
    if (!n.terminal && !n.dead && n.num_children < params_.width) return {x, score};
    int32_t best = kNoNode;
    double best_score = -std::numeric_limits<double>::infinity();
    tree_.for_each_child(x, [&](int32_t c) {
      const Node& child = tree_.node(c);
      if (child.terminal || child.dead) return;  // terminals score -inf
      double s = uct_score(child.q, child.visits, n.visits, params_.uct_lambda);
      if (best == kNoNode || s > best_score) {  // ties -> first
        best = c;
        best_score = s;
      }
    });
    if (best == kNoNode) {
      // Decision: fully expanded and nothing below can be expanded -> dead; retry from the start.
      tree_.node(x).dead = true;
      if (x == start) return {kNoNode, nan};
      x = start;
      score = nan;
      continue;
    }
    x = best;
    score = best_score;
  }
}

TreeSearch::Selected TreeSearch::best_frontier() const {
  // Frontier: non-terminal, fewer than W children, depth < d_T, not the root. Ties -> lowest id.
  Selected best{kNoNode, -std::numeric_limits<double>::infinity()};
  const auto& nodes = tree_.nodes();
  for (int32_t id = 1; id < static_cast<int32_t>(nodes.size()); ++id) {
    const Node& n = nodes[static_cast<size_t>(id)];
    if (n.terminal || n.num_children >= params_.width || n.depth >= params_.max_depth) continue;
    const Node& p = nodes[static_cast<size_t>(n.parent)];
    double s = frontier_score(p.q, p.visits, n.nll, n.depth, params_);
    if (best.node == kNoNode || s > best.score) best = {id, s};
  }
  return best;
}

void TreeSearch::select_next(bool terminal_reached, SearchEvent* event) {
  Selected sel;
  const char* rule = nullptr;
  if (!terminal_reached) {
    sel = descend(current_);  // local UCT among the current node's children
    rule = "uct";
  } else if (params_.selection == Selection::kUct) {
    sel = descend(0);  // vanilla: restart from the root
    rule = "root";
  }
  if (sel.node == kNoNode) {
    sel = best_frontier();
    rule = "frontier";
  }
  if (sel.node == kNoNode) {
    // Decision: every leaf is terminal; sample W fresh children of the root.
    sel = {0, std::numeric_limits<double>::quiet_NaN()};
    rule = "root";
    tree_.node(0).dead = false;
  }
  current_ = sel.node;
  if (event) {
    event->next = sel.node;
    event->next_rule = rule;
    event->next_score = sel.score;
  }
}

void TreeSearch::apply(ExpandResult&& result, std::vector<StateId>& release) {
  ScopedTimer timer(bookkeeping_seconds_);
  DS_CHECK(started_ && !done_, "apply on a tree that is not running");
  const ExpandRequest want = next_request();
  DS_CHECK(static_cast<int>(result.children.size()) == want.n,
           "policy returned a different number of children than requested");
  prefill_tokens_ += result.prefill_tokens;

  SearchEvent event;
  SearchEvent* ev = params_.record_events ? &event : nullptr;
  const int32_t parent = current_;
  if (ev) {
    ev->iteration = iterations_;
    ev->expanded = parent;
    ev->children.reserve(result.children.size());
  }
  ++iterations_;

  // 1-2. Add the children; N += 1 for non-terminal ones; verify terminal ones.
  candidates_.clear();
  for (Chunk& chunk : result.children) {
    int32_t id = tree_.add_child(parent, chunk);
    if (ev) ev->children.push_back(id);
    Node& n = tree_.node(id);
    bool terminal = n.finish == FinishReason::kEos || n.finish == FinishReason::kContext ||
                    n.depth >= params_.max_depth;
    if (!terminal) {
      n.visits += 1;
      continue;
    }
    if (n.state != kNoState) release.push_back(n.state);
    tree_.node(id).state = kNoState;
    classify_terminal(id);
    candidates_.push_back({id, tree_.node(id).outcome, tree_.path_mean_nll(id)});
  }
  Node& p = tree_.node(parent);
  if (parent != 0 && p.num_children >= params_.width && p.state != kNoState) {
    release.push_back(p.state);
    p.state = kNoState;
  }

  // 3-4. At most one new terminal is backed up.
  TerminalPick pick = choose_terminal(candidates_, params_.terminal_choice, choice_rng_);
  if (pick.index >= 0) {
    int32_t chosen = candidates_[static_cast<size_t>(pick.index)].node;
    if (ev) {
      ev->chosen_terminal = chosen;
      ev->choice_reason = pick.reason;
    }
    backup(chosen, ev);
  }

  // 6. Stop at B backed-up terminals or at the iteration budget; else 5. select the next node.
  if (static_cast<int>(backed_up_.size()) >= params_.terminals) {
    done_ = true;
    stop_reason_ = "terminals";
  } else if (iterations_ >= params_.max_iterations) {
    done_ = true;
    stop_reason_ = "iteration_budget";
  } else {
    select_next(!candidates_.empty(), ev);
  }
  if (done_) current_ = kNoNode;
  if (ev) events_.push_back(std::move(event));
}

void TreeSearch::fill_from_leftovers() {
  // Decision: leftovers compete under the same choice rule as fresh terminals, one at a time.
  while (static_cast<int>(backed_up_.size()) < params_.terminals) {
    candidates_.clear();
    for (int32_t id = 1; id < tree_.size(); ++id) {
      const Node& n = tree_.node(id);
      if (n.terminal && !n.backed_up)
        candidates_.push_back({id, n.outcome, tree_.path_mean_nll(id)});
    }
    TerminalPick pick = choose_terminal(candidates_, params_.terminal_choice, choice_rng_);
    if (pick.index < 0) return;
    SearchEvent event;
    SearchEvent* ev = params_.record_events ? &event : nullptr;
    int32_t chosen = candidates_[static_cast<size_t>(pick.index)].node;
    if (ev) {
      ev->iteration = iterations_;
      ev->chosen_terminal = chosen;
      ev->choice_reason = pick.reason;
    }
    backup(chosen, ev);
    ++filled_;
    if (ev) fills_.push_back(std::move(event));
  }
}

Trajectory TreeSearch::make_trajectory(int32_t terminal, int index) const {
  Trajectory t;
  t.problem_id = problem_.id;
  t.terminal_node = terminal;
  t.backup_index = index;
  t.from_fill = index >= static_cast<int>(backed_up_.size()) - filled_;
  const Node& leaf = tree_.node(terminal);
  t.reward = leaf.reward;
  t.correct = leaf.outcome == Outcome::kCorrect;
  t.outcome = leaf.outcome;
  t.finish = leaf.finish;
  t.path_nll = tree_.path_mean_nll(terminal);
  t.response = tree_.response(terminal);

  std::vector<int32_t> path;
  tree_.path(terminal, path);
  size_t total = 0;
  for (int32_t id : path) total += tree_.node(id).token_count;
  t.tokens.reserve(total);
  t.token_q.reserve(total);
  t.logprobs.reserve(total);
  for (size_t k = 1; k < path.size(); ++k) {  // path[0] is the root (no tokens)
    int32_t id = path[k];
    const Node& n = tree_.node(id);
    // Soft clip after the whole tree is built; the terminal keeps its reward.
    float q =
        n.terminal ? n.reward : static_cast<float>(soft_clip(n.q, params_.eps_q, params_.q_max));
    t.node_ids.push_back(id);
    t.node_offsets.push_back(static_cast<int32_t>(t.tokens.size()));
    t.node_q.push_back(q);
    auto toks = tree_.tokens(id);
    auto lps = tree_.logprobs(id);
    t.tokens.insert(t.tokens.end(), toks.begin(), toks.end());
    t.logprobs.insert(t.logprobs.end(), lps.begin(), lps.end());
    t.token_q.insert(t.token_q.end(), toks.size(), q);
  }
  t.node_offsets.push_back(static_cast<int32_t>(t.tokens.size()));
  return t;
}

SearchResult TreeSearch::finish(std::vector<StateId>& release) {
  DS_CHECK(started_ && done_ && !finished_, "finish on a tree that is not done (or twice)");
  finished_ = true;
  SearchResult out;
  {
    ScopedTimer timer(bookkeeping_seconds_);
    if (params_.fill_at_budget && stop_reason_ == std::string_view("iteration_budget"))
      fill_from_leftovers();
    out.problem_id = problem_.id;
    out.trajectories.reserve(backed_up_.size());
    for (size_t i = 0; i < backed_up_.size(); ++i)
      out.trajectories.push_back(make_trajectory(backed_up_[i], static_cast<int>(i)));
    bool correct = false;
    for (int32_t id = 0; id < tree_.size(); ++id) {
      Node& n = tree_.node(id);
      correct |= n.outcome == Outcome::kCorrect;
      if (n.state != kNoState) {
        release.push_back(n.state);
        n.state = kNoState;
      }
    }
    SearchStats& s = out.stats;
    s.iterations = iterations_;
    s.nodes = tree_.size();
    s.generated_tokens = tree_.generated_tokens();
    s.prefill_tokens = prefill_tokens_;
    s.correct_found = correct;
    s.terminals_found = terminals_found_;
    s.backed_up = static_cast<int>(backed_up_.size());
    s.filled = filled_;
    s.stop_reason = stop_reason_;
    s.policy_seconds = policy_seconds_;
  }
  out.stats.bookkeeping_seconds = bookkeeping_seconds_;
  out.stats.reward_seconds = reward_seconds_;
  out.stats.seconds = monotonic_seconds() - start_time_;
  out.tree = std::move(tree_);
  out.events = std::move(events_);
  out.fills = std::move(fills_);
  return out;
}

}  // namespace ds::search
