// The arithmetic word-problem task (see arith.h).
#include "tasks/arith.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "core/errors.h"
#include "tasks/generate_util.h"
#include "tasks/math_task.h"

namespace ds::tasks {

namespace {

struct Person {
  const char* name;
  const char* pronoun;  // capitalized subject pronoun
};
constexpr Person kPeople[] = {{"Ann", "She"}, {"Ben", "He"},  {"Cal", "He"},
                              {"Dee", "She"}, {"Eve", "She"}, {"Max", "He"}};
constexpr const char* kItems[] = {"apples", "coins", "pens", "cards", "books", "shells", "beads"};

enum class Op { kAdd, kSub, kMul, kDiv };

struct Step {
  Op op;
  int64_t operand;
};

char op_char(Op op) {
  switch (op) {
    case Op::kAdd:
      return '+';
    case Op::kSub:
      return '-';
    case Op::kMul:
      return '*';
    case Op::kDiv:
      return '/';
  }
  return '?';
}

int64_t apply(Op op, int64_t v, int64_t x) {
  switch (op) {
    case Op::kAdd:
      return v + x;
    case Op::kSub:
      return v - x;
    case Op::kMul:
      return v * x;
    case Op::kDiv:
      return v / x;
  }
  return 0;
}

// Draws one step that keeps the running value a positive integer <= kArithValueCap.
Step draw_step(Rng& rng, const ArithLevel& lv, int64_t value) {
  std::vector<int64_t> divisors;
  if (lv.divide)
    for (int64_t k = 2; k <= lv.factor_max; ++k)
      if (value % k == 0) divisors.push_back(k);
  std::vector<Op> ops;
  if (value < kArithValueCap) ops.push_back(Op::kAdd);
  if (value >= 2) ops.push_back(Op::kSub);
  if (lv.factor_max >= 2 && value * 2 <= kArithValueCap) ops.push_back(Op::kMul);
  if (!divisors.empty()) ops.push_back(Op::kDiv);
  DS_CHECK(!ops.empty(), "no feasible arithmetic step");
  Op op = ops[rng.below(ops.size())];
  switch (op) {
    case Op::kAdd:
      return {op, uniform_int(rng, 1, std::min(lv.addend_max, kArithValueCap - value))};
    case Op::kSub:
      return {op, uniform_int(rng, 1, std::min(lv.addend_max, value - 1))};
    case Op::kMul:
      return {op, uniform_int(rng, 2, std::min(lv.factor_max, kArithValueCap / value))};
    case Op::kDiv:
      return {op, divisors[rng.below(divisors.size())]};
  }
  return {Op::kAdd, 1};
}

std::string step_sentence(const Step& s, const char* pronoun) {
  std::string x = std::to_string(s.operand);
  switch (s.op) {
    case Op::kAdd:
      return std::string(pronoun) + " gets " + x + " more.";
    case Op::kSub:
      return std::string(pronoun) + " loses " + x + ".";
    case Op::kMul:
      return "They grow " + x + "-fold.";
    case Op::kDiv:
      return std::string(pronoun) + " keeps 1/" + x + " of them.";
  }
  return "";
}

Problem make_problem(Rng& rng, const ArithLevel& lv) {
  const Person& who = kPeople[rng.below(std::size(kPeople))];
  const char* item = kItems[rng.below(std::size(kItems))];
  int64_t value = uniform_int(rng, lv.start_lo, lv.start_hi);
  Problem p;
  p.problem = std::string(who.name) + " has " + std::to_string(value) + " " + item + ".";
  for (int i = 0; i < lv.steps; ++i) {
    Step s = draw_step(rng, lv, value);
    int64_t next = apply(s.op, value, s.operand);
    DS_CHECK(next >= 1 && next <= kArithValueCap, "arith value left its range");
    p.problem += " " + step_sentence(s, who.pronoun);
    p.solution += std::to_string(value) + op_char(s.op) + std::to_string(s.operand) + "=" +
                  std::to_string(next) + "\n";
    value = next;
  }
  p.problem += std::string(" How many ") + item + " now?";
  p.answer = std::to_string(value);
  p.solution += "\\boxed{" + p.answer + "}";
  return p;
}

class ArithTask final : public Task {
 public:
  std::string name() const override { return kArithTaskName; }
  std::string description() const override {
    return "multi-step arithmetic word problems with an integer answer (math verifier)";
  }
  int max_difficulty() const override { return kArithMaxDifficulty; }
  std::vector<Problem> generate(int difficulty, int n, uint64_t seed) const override {
    check_generate_args(*this, difficulty, n);
    const ArithLevel& lv = arith_level(difficulty);
    return generate_problems(name(), difficulty, n, seed,
                             [&](Rng& rng) { return make_problem(rng, lv); });
  }
  Score score(const Problem& problem, const std::string& response) const override {
    return score_with_math_verifier(problem.answer, response);
  }
};

}  // namespace

const ArithLevel& arith_level(int difficulty) {
  DS_CHECK(difficulty >= 1 && difficulty <= kArithMaxDifficulty, "arith difficulty out of range");
  return kArithLevels[difficulty - 1];
}

std::shared_ptr<const Task> make_arith_task() {
  return std::make_shared<ArithTask>();
}

}  // namespace ds::tasks
