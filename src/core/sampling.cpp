// Validation of SamplingOptions (see sampling.h).
#include "core/sampling.h"

#include <cmath>

#include "core/errors.h"

namespace ds {

void validate(const SamplingOptions& p, const std::string& where) {
  if (!(p.temperature >= 0.0) || !std::isfinite(p.temperature))
    throw ConfigError(
        where + ".temperature", "temperature = " + std::to_string(p.temperature) + " is invalid",
        "use 0 for greedy decoding or a positive value (1 = the model's distribution)");
  if (p.top_k < 0)
    throw ConfigError(where + ".top_k", "top_k = " + std::to_string(p.top_k) + " is negative",
                      "use 0 to disable top-k or a positive count");
  if (!(p.top_p > 0.0 && p.top_p <= 1.0))
    throw ConfigError(where + ".top_p", "top_p = " + std::to_string(p.top_p) + " is outside (0, 1]",
                      "use 1 to disable nucleus sampling, or a mass such as 0.95");
}

}  // namespace ds
