// Owns the equivalence rules between a gold answer and a candidate answer, both parsed:
//  - scalars: identical trees; +-infinity; base-b numbers (digits must match); exact rationals
//    (GMP, exact equality: 1/3 != 0.333); the CAS (symbolic.h); the numeric test with
//    float_rel_tol when a decimal literal is involved, else exact_rel_tol;
//  - "head = value" definitions (x = 5, f(x) = 2x, y = 2x + 1) match the bare value when the
//    other side is not an equation; two equations match when lhs - rhs are proportional
//    (y = 2x + 1 ~ 2x - y + 1 = 0); inequalities by the interval they describe
//    (x > 3 ~ (3, \infty)) or by a positive multiple;
//  - tuples / intervals: ordered, same brackets (a gold tuple also accepts a bare "a, b" list);
//    sets, answer lists and unions: unordered, same size; matrices element-wise (a column or row
//    vector also matches a tuple); +- expands into a set of values;
//  - choices by letter, words by lowercase text.
// Thread-safety: pure functions of their inputs.
#pragma once

#include <string>

#include "verifier/answer.h"
#include "verifier/budget.h"

namespace ds::verify {

enum class Eq : uint8_t { kEqual, kDifferent, kUndecided };

struct Outcome {
  Eq eq = Eq::kUndecided;
  std::string how;  // e.g. "exact", "symbolic", "numeric", "different lengths"
};

Outcome compare_scalars(const ExprPtr& gold, const ExprPtr& cand, Budget& budget);
Outcome compare_answers(const Answer& gold, const Answer& cand, Budget& budget);

}  // namespace ds::verify
