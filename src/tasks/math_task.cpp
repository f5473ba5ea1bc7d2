// The "math" task: scoring-only, with the project's math verifier (see math_task.h).
#include "tasks/math_task.h"

#include "tasks/generate_util.h"
#include "tasks/task.h"
#include "verifier/verify.h"

namespace ds::tasks {

namespace {

class MathTask final : public Task {
 public:
  std::string name() const override { return kMathTaskName; }
  std::string description() const override {
    return "user problems ({\"id\",\"problem\",\"answer\"} JSONL) scored by the math verifier; "
           "no generator";
  }
  int max_difficulty() const override { return 0; }
  std::vector<Problem> generate(int difficulty, int n, uint64_t seed) const override {
    check_generate_args(*this, difficulty, n);  // throws: this task has no generator
    return {};
  }
  Score score(const Problem& problem, const std::string& response) const override {
    return score_with_math_verifier(problem.answer, response);
  }
};

}  // namespace

Score score_with_math_verifier(const std::string& gold, const std::string& response) {
  verify::Verdict v = verify::verify(gold, response);
  return {v.correct, v.extracted, v.reason};
}

std::shared_ptr<const Task> make_math_task() {
  return std::make_shared<MathTask>();
}

}  // namespace ds::tasks
