// Owns the search's configuration: SearchOptions, every default of DEEPSEARCH.md and every
// alternative it names as a choice, one doc string per field. Choices are enums, resolved by name
// once when the config is read (core/options.h Choice), so the inner loop never compares strings;
// validate() checks the ranges once before a search starts.
// [P] = the paper, [R] = the reference code. Thread-safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/options.h"
#include "core/sampling.h"

namespace ds::search {

enum class TerminalChoice : uint8_t { kConfident, kPaper, kRandom, kLeastConfident };
enum class CappedPaths : uint8_t { kIncomplete, kVerify };
enum class QUpdate : uint8_t { kConstrained, kVanilla };
enum class GammaRule : uint8_t { kRef, kPaper };
enum class Selection : uint8_t { kFrontier, kUct };
enum class DepthBonus : uint8_t { kSqrt, kLinear, kLog };

inline constexpr std::array<Choice<TerminalChoice>, 4> kTerminalChoices{
    {{"confident", TerminalChoice::kConfident},
     {"paper", TerminalChoice::kPaper},
     {"random", TerminalChoice::kRandom},
     {"least_confident", TerminalChoice::kLeastConfident}}};
inline constexpr std::array<Choice<CappedPaths>, 2> kCappedPathsChoices{
    {{"incomplete", CappedPaths::kIncomplete}, {"verify", CappedPaths::kVerify}}};
inline constexpr std::array<Choice<QUpdate>, 2> kQUpdateChoices{
    {{"constrained", QUpdate::kConstrained}, {"vanilla", QUpdate::kVanilla}}};
inline constexpr std::array<Choice<GammaRule>, 2> kGammaChoices{
    {{"ref", GammaRule::kRef}, {"paper", GammaRule::kPaper}}};
inline constexpr std::array<Choice<Selection>, 2> kSelectionChoices{
    {{"frontier", Selection::kFrontier}, {"uct", Selection::kUct}}};
inline constexpr std::array<Choice<DepthBonus>, 3> kDepthBonusChoices{
    {{"sqrt", DepthBonus::kSqrt}, {"linear", DepthBonus::kLinear}, {"log", DepthBonus::kLog}}};

struct SearchOptions {
  int width = 8;
  int chunk_tokens = 256;
  std::string delimiter;
  int max_depth = 64;
  int terminals = 8;
  int max_iterations = 512;
  SamplingOptions sampling;  // of expansions: [P]/[R] sample at temperature 1.0, top-p 1.0
  TerminalChoice terminal_choice = TerminalChoice::kConfident;
  CappedPaths capped_paths = CappedPaths::kIncomplete;
  double incomplete_reward = -1.0;
  QUpdate q_update = QUpdate::kConstrained;
  GammaRule gamma = GammaRule::kRef;
  double gamma_min = 0.1;
  Selection selection = Selection::kFrontier;
  double uct_lambda = 2.0;
  double frontier_l1 = 0.4;
  double frontier_l2 = 0.0;
  double frontier_l3 = 0.01;
  DepthBonus depth_bonus = DepthBonus::kSqrt;
  double eps_q = 1.0;
  double q_max = 1.0;
  bool fill_at_budget = true;
  bool record_events = true;
  int64_t seed = 0;

  template <class V>
  void visit(V& v) {
    v("width", width, "W: children sampled per expansion, generated together in one batch");
    v("chunk_tokens", chunk_tokens,
      "maximum tokens per node (chunk); [P]/[R] use fixed 256-token chunks");
    v("delimiter", delimiter,
      "when non-empty, a chunk also ends right after this text (e.g. a newline), still capped at "
      "chunk_tokens");
    v("max_depth", max_depth, "d_T: a node at this depth is terminal (incomplete unless EOS)");
    v("terminals", terminals, "B: stop after this many terminals were backed up (training group)");
    v("max_iterations", max_iterations,
      "budget of expansions per tree, so a tree can never run forever (stop_reason reports it)");
    sampling.visit(v);  // temperature, top_p, top_k of expansions (flat: search.temperature)
    v.choice("terminal_choice", terminal_choice, kTerminalChoices,
             "which new terminal to back up within the best class (correct > incorrect > "
             "incomplete): confident = lowest path NLL [R]; paper = random among correct, lowest "
             "path NLL among wrong ones [P]; random / least_confident = ablation [P] Table 5");
    v.choice("capped_paths", capped_paths, kCappedPathsChoices,
             "unfinished path at the depth cap (or context limit): incomplete = always incomplete; "
             "verify = [R]: verify it, incomplete only when no answer can be extracted");
    v("incomplete_reward", incomplete_reward, "reward of an incomplete terminal");
    v.choice("q_update", q_update, kQUpdateChoices,
             "backup rule when q and r differ in sign: constrained = overwrite with gamma*r when "
             "r > 0, keep q when r < 0; vanilla = q = max(q + gamma*r, 0) (ablation)");
    v.choice("gamma", gamma, kGammaChoices,
             "depth decay of the backup: ref = max((i+1)/(l+1), gamma_min) [R]; paper = "
             "max(i/l, gamma_min) [P]");
    v("gamma_min", gamma_min, "lower bound of the depth decay gamma");
    v.choice("selection", selection, kSelectionChoices,
             "next node after a terminal was reached: frontier = global frontier score; uct = "
             "vanilla UCT restart from the root (ablation)");
    v("uct_lambda", uct_lambda, "lambda of UCT(s) = Q(s) + lambda*sqrt(ln N(parent)/N(s))");
    v("frontier_l1", frontier_l1, "l1: weight of tanh(Q_parent) in the frontier score");
    v("frontier_l2", frontier_l2,
      "l2: weight of the node's mean token NLL (0 in [R], [P] tried 0.4)");
    v("frontier_l3", frontier_l3, "l3: weight of the depth bonus D(depth)");
    v.choice("depth_bonus", depth_bonus, kDepthBonusChoices,
             "D(d) of the frontier score: sqrt = sqrt(d/d_T), linear = d, log = log(d+1)");
    v("eps_q", eps_q, "soft clip q~ = tanh(q/eps_q)*q_max of non-terminal nodes");
    v("q_max", q_max, "soft clip scale q_max");
    v("fill_at_budget", fill_at_budget,
      "when the iteration budget ends a tree with fewer than B backed-up terminals, back up "
      "already generated, not yet used terminals (no generation) until B");
    v("record_events", record_events, "record one event per iteration for the JSON export");
    v("seed", seed, "base seed; a tree's seed is derived from it and the problem's key");
  }
};

// Throws ConfigError naming the field ("<where>.<field>") and the valid range. Expansions sample,
// so the temperature must be > 0.
void validate(const SearchOptions& options, const std::string& where = "search");

}  // namespace ds::search
