// Validation of SearchOptions (see options.h).
#include "search/options.h"

#include <cmath>
#include <utility>

#include "core/errors.h"

namespace ds::search {

namespace {

void require(bool ok, const std::string& where, const char* field, const std::string& problem,
             const std::string& hint) {
  if (!ok) throw ConfigError(where + "." + field, problem, hint);
}

}  // namespace

void validate(const SearchOptions& o, const std::string& where) {
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
  validate(o.sampling, where);
  require(o.sampling.temperature > 0, where, "temperature",
          "must be > 0, got " + std::to_string(o.sampling.temperature),
          "expansions sample; the paper samples at 1.0");
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
}

}  // namespace ds::search
