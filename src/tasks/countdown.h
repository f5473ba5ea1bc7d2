// Owns the "countdown" task: reach a target number from given numbers with + - * / and
// parentheses, e.g.
//   problem:  "Make 53 from 25, 3, 8, 7. Use each number exactly once with + - * /."
//   answer:   "7*8-3"             (the reference expression: it defines the numbers and target)
//   solution: "7*8=56\n56-3=53\n\boxed{7*8-3}"
// Rules (the defaults of CountdownOptions): every given number is used exactly once (a number
// listed twice may be used twice), intermediate results of divisions must be integers, negative
// intermediate values are allowed in answers (the generator never needs them). The generator
// builds a random combination tree of all the numbers, so a solution always exists; the
// reference solution is kept as the worked solution, one step per line.
// The verifier reads the last \boxed{...} (else an "Answer:" line), optionally "expr = N", parses
// it with the safe parser of countdown_expr.h and checks the numbers (multiset) and the value
// with exact rational arithmetic. The gold answer of a problem is any valid expression over
// exactly the given numbers whose value is the (integer) target.
// Thread-safety: the task is immutable; generate() and score() are const.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tasks/task.h"

namespace ds::tasks {

inline constexpr const char* kCountdownTaskName = "countdown";

struct CountdownOptions {
  bool use_all_numbers = true;   // exactly once (true) or at most once (false)
  bool allow_fractions = false;  // accept divisions with a non-integer result
  template <class V>
  void visit(V& v) {
    v("use_all_numbers", use_all_numbers,
      "every given number must be used exactly once (false: at most once)");
    v("allow_fractions", allow_fractions, "accept divisions whose result is not an integer");
  }
};

struct CountdownLevel {
  int count;           // how many numbers are given
  int64_t number_max;  // numbers are uniform in [1, number_max]
  int64_t target_max;  // targets are in [1, target_max]
  bool divide;         // whether reference solutions may divide
};

inline constexpr int kCountdownMaxDifficulty = 8;
inline constexpr CountdownLevel kCountdownLevels[kCountdownMaxDifficulty] = {
    {2, 9, 100, false},   // 1: one step on digits
    {3, 9, 100, false},   // 2
    {3, 15, 200, true},   // 3: divisions appear
    {4, 15, 300, true},   // 4
    {4, 25, 500, true},   // 5
    {5, 25, 999, true},   // 6
    {5, 50, 999, true},   // 7
    {6, 100, 999, true},  // 8: the TV-show size
};

// The level of a difficulty in 1..kCountdownMaxDifficulty (DS_CHECK otherwise).
const CountdownLevel& countdown_level(int difficulty);

// What a gold answer stands for.
struct CountdownSpec {
  std::vector<int64_t> numbers;  // sorted ascending
  int64_t target = 0;
};

// Reads a gold answer (a reference expression). Throws DataError at `where` when it is not a
// valid expression with an integer value.
CountdownSpec parse_countdown_gold(const std::string& answer, const std::string& where);

// Checks a candidate expression (already extracted; "expr" or "expr = N") against a spec.
Score check_countdown_expression(const std::string& candidate, const CountdownSpec& spec,
                                 const CountdownOptions& options = {});

// Extracts the final answer from a full response and checks it.
Score score_countdown(const CountdownSpec& spec, const std::string& response,
                      const CountdownOptions& options = {});

std::shared_ptr<const Task> make_countdown_task(const CountdownOptions& options = {});

}  // namespace ds::tasks
