// Validation and resolution of SearchOptions (see options.h).
#include "search/options.h"

#include <cmath>
#include <initializer_list>
#include <utility>

#include "core/errors.h"

namespace ds::search {

namespace {

template <class E>
E pick(const std::string& where, const char* field, const std::string& value,
       std::initializer_list<std::pair<const char*, E>> choices) {
  std::string list;
  for (const auto& [name, e] : choices) {
    if (value == name) return e;
    list += list.empty() ? name : std::string(", ") + name;
  }
  throw ConfigError(where + "." + field, "'" + value + "' is not a valid choice",
                    "use one of: " + list);
}

void require(bool ok, const std::string& where, const char* field, const std::string& problem,
             const std::string& hint) {
  if (!ok) throw ConfigError(where + "." + field, problem, hint);
}

}  // namespace

SearchParams make_params(const SearchOptions& o, const std::string& where) {
  SearchParams p;
  require(o.width >= 1, where, "width", "must be >= 1, got " + std::to_string(o.width),
          "use e.g. 8 (the paper's W)");
  require(o.chunk_tokens >= 1, where, "chunk_tokens",
          "must be >= 1, got " + std::to_string(o.chunk_tokens), "use e.g. 256 ([P]/[R])");
  // Depth is stored in 16 bits per node.
  require(o.max_depth >= 1 && o.max_depth <= 30000, where, "max_depth",
          "must be in [1, 30000], got " + std::to_string(o.max_depth), "use e.g. 64 ([R])");
  require(o.terminals >= 1, where, "terminals", "must be >= 1, got " + std::to_string(o.terminals),
          "use e.g. 8 (the paper's B)");
  require(o.max_iterations >= 1, where, "max_iterations",
          "must be >= 1, got " + std::to_string(o.max_iterations), "use e.g. 512");
  require(o.temperature > 0 && std::isfinite(o.temperature), where, "temperature",
          "must be > 0, got " + std::to_string(o.temperature), "the paper samples at 1.0");
  require(o.top_p > 0 && o.top_p <= 1, where, "top_p",
          "must be in (0, 1], got " + std::to_string(o.top_p), "1.0 turns nucleus sampling off");
  require(std::isfinite(o.incomplete_reward), where, "incomplete_reward", "must be finite",
          "use -1 (the paper)");
  require(o.gamma_min >= 0 && o.gamma_min <= 1, where, "gamma_min",
          "must be in [0, 1], got " + std::to_string(o.gamma_min), "use 0.1 (the paper)");
  require(o.uct_lambda >= 0 && std::isfinite(o.uct_lambda), where, "uct_lambda",
          "must be >= 0, got " + std::to_string(o.uct_lambda), "use 2.0 (the paper)");
  for (auto [field, value] :
       {std::pair{"frontier_l1", o.frontier_l1}, std::pair{"frontier_l2", o.frontier_l2},
        std::pair{"frontier_l3", o.frontier_l3}})
    require(std::isfinite(value), where, field, "must be finite", "defaults: 0.4, 0, 0.01");
  require(o.eps_q > 0 && std::isfinite(o.eps_q), where, "eps_q",
          "must be > 0, got " + std::to_string(o.eps_q), "use 1.0 (the paper)");
  require(o.q_max > 0 && std::isfinite(o.q_max), where, "q_max",
          "must be > 0, got " + std::to_string(o.q_max), "use 1.0 (the paper)");

  p.width = o.width;
  p.chunk_tokens = o.chunk_tokens;
  p.delimiter = o.delimiter;
  p.max_depth = o.max_depth;
  p.terminals = o.terminals;
  p.max_iterations = o.max_iterations;
  p.temperature = o.temperature;
  p.top_p = o.top_p;
  p.terminal_choice = pick<TerminalChoice>(where, "terminal_choice", o.terminal_choice,
                                           {{"confident", TerminalChoice::kConfident},
                                            {"paper", TerminalChoice::kPaper},
                                            {"random", TerminalChoice::kRandom},
                                            {"least_confident", TerminalChoice::kLeastConfident}});
  p.capped_paths = pick<CappedPaths>(
      where, "capped_paths", o.capped_paths,
      {{"incomplete", CappedPaths::kIncomplete}, {"verify", CappedPaths::kVerify}});
  p.incomplete_reward = o.incomplete_reward;
  p.q_update =
      pick<QUpdate>(where, "q_update", o.q_update,
                    {{"constrained", QUpdate::kConstrained}, {"vanilla", QUpdate::kVanilla}});
  p.gamma = pick<GammaRule>(where, "gamma", o.gamma,
                            {{"ref", GammaRule::kRef}, {"paper", GammaRule::kPaper}});
  p.gamma_min = o.gamma_min;
  p.selection = pick<Selection>(where, "selection", o.selection,
                                {{"frontier", Selection::kFrontier}, {"uct", Selection::kUct}});
  p.uct_lambda = o.uct_lambda;
  p.frontier_l1 = o.frontier_l1;
  p.frontier_l2 = o.frontier_l2;
  p.frontier_l3 = o.frontier_l3;
  p.depth_bonus = pick<DepthBonus>(
      where, "depth_bonus", o.depth_bonus,
      {{"sqrt", DepthBonus::kSqrt}, {"linear", DepthBonus::kLinear}, {"log", DepthBonus::kLog}});
  p.eps_q = o.eps_q;
  p.q_max = o.q_max;
  p.fill_at_budget = o.fill_at_budget;
  p.record_events = o.record_events;
  p.seed = static_cast<uint64_t>(o.seed);
  return p;
}

}  // namespace ds::search
