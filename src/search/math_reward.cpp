// The math verifier as the search's reward (see math_reward.h).
#include "search/math_reward.h"

#include <string>

#include "verifier/verify.h"

namespace ds::search {

RewardFn math_reward(const verify::VerifyOptions& options) {
  return [options](const SearchProblem& problem, std::string_view response) {
    verify::Verdict v = verify::verify(problem.answer, std::string(response), options);
    Verdict out;
    out.correct = v.correct;
    out.answered = v.status != verify::Status::kNoAnswer;
    return out;
  };
}

}  // namespace ds::search
