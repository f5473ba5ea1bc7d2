// Owns the "arith" task: multi-step arithmetic word problems with an integer answer, e.g.
//   problem:  "Ann has 12 pens. She gets 7 more. They grow 3-fold. How many pens now?"
//   solution: "12+7=19\n19*3=57\n\boxed{57}"
// A small template vocabulary keeps problem texts short (< 200 characters) and the worked
// solutions one line per step, so that a tiny character-level model can learn the easy levels.
// The difficulty sets the number of steps, the operand sizes and which operations occur (table
// kArithLevels). Every intermediate value stays a positive integer <= kArithValueCap. Responses
// are scored by the math verifier (numeric equivalence of the last \boxed{} with the answer).
// Thread-safety: the task is immutable; generate() and score() are const.
#pragma once

#include <cstdint>
#include <memory>

#include "tasks/task.h"

namespace ds::tasks {

inline constexpr const char* kArithTaskName = "arith";
inline constexpr int64_t kArithValueCap = 100000;

struct ArithLevel {
  int steps;         // operations applied to the starting amount (= solution lines before \boxed)
  int64_t start_lo;  // starting amount is uniform in [start_lo, start_hi]
  int64_t start_hi;
  int64_t addend_max;  // operands of + and - are in [1, addend_max]
  int64_t factor_max;  // operands of * and / are in [2, factor_max]; < 2 means no * and no /
  bool divide;         // whether "keeps 1/k of them" (exact division) steps occur
};

inline constexpr int kArithMaxDifficulty = 8;
inline constexpr ArithLevel kArithLevels[kArithMaxDifficulty] = {
    {1, 1, 9, 9, 0, false},        // 1: one + or - on digits
    {2, 1, 9, 9, 0, false},        // 2: two steps on digits
    {2, 2, 20, 20, 5, false},      // 3: adds small multiplications
    {3, 2, 20, 20, 5, true},       // 4: three steps, exact divisions
    {3, 10, 99, 99, 9, true},      // 5: two-digit numbers
    {4, 10, 99, 99, 9, true},      // 6
    {5, 10, 999, 999, 12, true},   // 7: three-digit numbers
    {6, 100, 999, 999, 19, true},  // 8
};

// The level of a difficulty in 1..kArithMaxDifficulty (DS_CHECK otherwise).
const ArithLevel& arith_level(int difficulty);

std::shared_ptr<const Task> make_arith_task();

}  // namespace ds::tasks
