// Owns the search's arithmetic as pure functions, one per formula of DEEPSEARCH.md, so each can be
// checked by hand: depth-decayed backup weight, the constrained (and vanilla) q update, local UCT,
// the global frontier score, the soft clip of q, and the choice of the one terminal to back up.
// Thread-safety: stateless (choose_terminal draws from the caller's Rng).
#pragma once

#include <cstdint>
#include <span>

#include "core/rng.h"
#include "search/node.h"
#include "search/options.h"

namespace ds::search {

// gamma(i, l) for the node at depth i on a path whose terminal is at depth l >= 1:
// ref: max((i+1)/(l+1), gamma_min) [R];  paper: max(i/l, gamma_min) [P].
double backup_gamma(int depth, int leaf_depth, GammaRule rule, double gamma_min);

// q after backing up reward r with weight gamma (the caller increments N):
//   q*r >= 0 -> q + gamma*r;  r > 0 -> gamma*r (overwrite);  r < 0 -> q (never pushed down).
// vanilla: when the signs differ, max(q + gamma*r, 0).
double updated_q(double q, double r, double gamma, QUpdate rule);

// Q(s) + lambda*sqrt(ln N(parent) / N(s)) with Q = q/N. When N(s) = 0 or N(parent) = 0 the
// exploration term is 0 and Q = 0, as in [R] (a fresh node never has N = 0 in this search: every
// non-terminal child gets N = 1 when created). Terminals are excluded by the caller (-inf).
double uct_score(double q, int visits, int parent_visits, double lambda);

// D(d): sqrt(d/d_T) | d | log(d+1).
double depth_bonus(int depth, int max_depth, DepthBonus kind);

// F(s) = l1*tanh(Q_parent) + l2*H(s) + l3*D(depth(s)), Q_parent = parent q / parent N (0 if N = 0),
// H(s) = mean token NLL of s's own chunk.
double frontier_score(double parent_q, int parent_visits, double nll, int depth,
                      const SearchOptions& params);

// q~ = tanh(q/eps_q) * q_max (applied to non-terminal nodes; terminals keep their reward).
double soft_clip(double q, double eps_q, double q_max);

// A freshly verified terminal competing to be backed up.
struct TerminalCandidate {
  int32_t node = kNoNode;
  Outcome outcome = Outcome::kNone;  // kCorrect | kIncorrect | kIncomplete
  double path_nll = 0.0;             // mean token NLL over the whole root-to-leaf path
};

struct TerminalPick {
  int index = -1;               // into the candidates; -1 when there are none
  const char* reason = "none";  // "<class>:<rule>", e.g. "correct:lowest_path_nll"
};

// Keeps the best class (correct > incorrect > incomplete), then picks by `rule`:
// confident = lowest path NLL; least_confident = highest; random = uniform; paper = uniform among
// correct, lowest path NLL among wrong ones. Ties -> the first candidate. `rng` is drawn from only
// by the random choices.
TerminalPick choose_terminal(std::span<const TerminalCandidate> candidates, TerminalChoice rule,
                             Rng& rng);

}  // namespace ds::search
