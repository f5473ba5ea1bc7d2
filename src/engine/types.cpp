// Engine vocabulary helpers: option validation, chunk statistics.
#include "engine/types.h"

#include <cmath>

#include "core/errors.h"

namespace ds::engine {

double Sample::mean_nll() const {
  if (model_logprobs.empty()) return 0.0;
  double sum = 0.0;
  for (float lp : model_logprobs) sum -= lp;
  return sum / static_cast<double>(model_logprobs.size());
}

void validate(const EngineOptions& o, const std::string& where) {
  if (o.kv_budget_bytes < 0)
    throw ConfigError(where, "kv_budget_bytes is negative", "use 0 to keep no K/V between calls");
  if (o.max_batch_size < 1)
    throw ConfigError(where, "max_batch_size = " + std::to_string(o.max_batch_size) + " < 1",
                      "use a positive batch size such as 64");
  if (o.max_context < 0)
    throw ConfigError(where, "max_context is negative", "use 0 for the model's limit");
  if (o.prefill_chunk_tokens < 1)
    throw ConfigError(where, "prefill_chunk_tokens < 1", "use a positive count such as 1024");
  for (int id : o.eos_ids)
    if (id < 0)
      throw ConfigError(where, "eos_ids contains negative id " + std::to_string(id),
                        "list token ids (non-negative integers)");
}

}  // namespace ds::engine
