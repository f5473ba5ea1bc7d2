// The search's formulas (see rules.h and DEEPSEARCH.md).
#include "search/rules.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"

namespace ds::search {

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kNone:
      return "none";
    case Outcome::kCorrect:
      return "correct";
    case Outcome::kIncorrect:
      return "incorrect";
    case Outcome::kIncomplete:
      return "incomplete";
  }
  return "?";
}

double backup_gamma(int depth, int leaf_depth, GammaRule rule, double gamma_min) {
  DS_CHECK(leaf_depth >= 1 && depth >= 0 && depth <= leaf_depth, "backup_gamma: bad depths");
  double g = rule == GammaRule::kRef ? static_cast<double>(depth + 1) / (leaf_depth + 1)
                                     : static_cast<double>(depth) / leaf_depth;
  return std::max(g, gamma_min);
}

double updated_q(double q, double r, double gamma, QUpdate rule) {
  if (q * r >= 0) return q + gamma * r;  // same sign or zero: accumulate
  if (rule == QUpdate::kVanilla) return std::max(q + gamma * r, 0.0);
  if (r > 0) return gamma * r;  // a negative node now lies on a correct path: overwrite
  return q;                     // a positive node is never pushed down by a failure
}

double uct_score(double q, int visits, int parent_visits, double lambda) {
  if (visits <= 0) return 0.0;
  double mean = q / visits;
  if (parent_visits <= 0) return mean;
  return mean + lambda * std::sqrt(std::log(static_cast<double>(parent_visits)) / visits);
}

double depth_bonus(int depth, int max_depth, DepthBonus kind) {
  switch (kind) {
    case DepthBonus::kSqrt:
      return std::sqrt(static_cast<double>(depth) / max_depth);
    case DepthBonus::kLinear:
      return depth;
    case DepthBonus::kLog:
      return std::log(depth + 1.0);
  }
  return 0.0;
}

double frontier_score(double parent_q, int parent_visits, double nll, int depth,
                      const SearchOptions& p) {
  double q_parent = parent_visits > 0 ? parent_q / parent_visits : 0.0;
  return p.frontier_l1 * std::tanh(q_parent) + p.frontier_l2 * nll +
         p.frontier_l3 * depth_bonus(depth, p.max_depth, p.depth_bonus);
}

double soft_clip(double q, double eps_q, double q_max) {
  return std::tanh(q / eps_q) * q_max;
}

namespace {

int rank(Outcome o) {
  switch (o) {
    case Outcome::kCorrect:
      return 0;
    case Outcome::kIncorrect:
      return 1;
    case Outcome::kIncomplete:
      return 2;
    case Outcome::kNone:
      break;
  }
  DS_CHECK(false, "choose_terminal: candidate without an outcome");
  return 3;
}

}  // namespace

TerminalPick choose_terminal(std::span<const TerminalCandidate> cands, TerminalChoice rule,
                             Rng& rng) {
  TerminalPick pick;
  if (cands.empty()) return pick;
  int best_rank = 3;
  for (const auto& c : cands) best_rank = std::min(best_rank, rank(c.outcome));
  int count = 0;
  for (const auto& c : cands) count += rank(c.outcome) == best_rank;

  bool random =
      rule == TerminalChoice::kRandom || (rule == TerminalChoice::kPaper && best_rank == 0);
  if (random) {
    int k = static_cast<int>(rng.below(static_cast<uint64_t>(count)));
    for (int i = 0; i < static_cast<int>(cands.size()); ++i) {
      if (rank(cands[i].outcome) != best_rank) continue;
      if (k-- == 0) {
        pick.index = i;
        break;
      }
    }
  } else {
    bool lowest = rule != TerminalChoice::kLeastConfident;
    for (int i = 0; i < static_cast<int>(cands.size()); ++i) {
      if (rank(cands[i].outcome) != best_rank) continue;
      double v = cands[i].path_nll;
      if (pick.index < 0 ||
          (lowest ? v < cands[pick.index].path_nll : v > cands[pick.index].path_nll))
        pick.index = i;
    }
  }
  static constexpr const char* kReasons[3][3] = {
      {"correct:lowest_path_nll", "correct:highest_path_nll", "correct:random"},
      {"incorrect:lowest_path_nll", "incorrect:highest_path_nll", "incorrect:random"},
      {"incomplete:lowest_path_nll", "incomplete:highest_path_nll", "incomplete:random"}};
  int how = random ? 2 : rule == TerminalChoice::kLeastConfident ? 1 : 0;
  pick.reason = kReasons[best_rank][how];
  return pick;
}

}  // namespace ds::search
