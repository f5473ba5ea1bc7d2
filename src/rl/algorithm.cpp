// Algorithm names (see algorithm.h).
#include "rl/algorithm.h"

#include "core/errors.h"

namespace ds::rl {

Algorithm parse_algorithm(const std::string& name) {
  if (const Algorithm* a = find_choice(name, kAlgorithmChoices)) return *a;
  throw ConfigError("algorithm", "unknown algorithm '" + name + "'",
                    "use one of: " + choice_list(kAlgorithmChoices));
}

}  // namespace ds::rl
