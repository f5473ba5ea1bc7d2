// Owns the default reward of the search: the math verifier (ds::verify::verify) behind the
// RewardFn interface. Correct iff the verifier says so; "answered" iff it could extract an answer
// (a cut-off or missing \boxed{} is not an answer), which decides incomplete vs incorrect for
// capped paths under capped_paths = verify. Tasks with their own scorer pass their own RewardFn.
// Thread-safety: the returned function is reentrant (the verifier is).
#pragma once

#include "search/problem.h"
#include "verifier/verify_options.h"

namespace ds::search {

RewardFn math_reward(const verify::VerifyOptions& options = {});

}  // namespace ds::search
