// Sample invariants (see sample.h).
#include "rl/sample.h"

#include <cmath>

#include "core/errors.h"

namespace ds::rl {

const char* to_string(SampleSource source) {
  switch (source) {
    case SampleSource::kSearch:
      return "search";
    case SampleSource::kDirect:
      return "direct";
    case SampleSource::kCached:
      return "cached";
  }
  return "?";
}

void check_sample(const Sample& s) {
  DS_CHECK(!s.prompt_ids.empty(), "a sample needs at least one prompt token");
  const size_t n = s.response_ids.size();
  DS_CHECK(s.sampling_logprobs.empty() || s.sampling_logprobs.size() == n,
           "sampling_logprobs must be empty or one per response token");
  DS_CHECK(s.token_rewards.empty() || s.token_rewards.size() == n,
           "token_rewards must be empty or one per response token");
  DS_CHECK(std::isfinite(s.reward), "sample reward is not finite");
  for (float r : s.token_rewards) DS_CHECK(std::isfinite(r), "token reward is not finite");
}

}  // namespace ds::rl
