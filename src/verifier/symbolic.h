// Owns the CAS side of equivalence: the expression tree is converted to GiNaC and the difference
// (or ratio) is brought to normal form. A zero difference proves equality; for rational
// functions (only + - * / and integer powers of symbols and rationals) normal() is canonical, so a
// nonzero difference proves inequality; otherwise (radicals, pi, functions) the CAS result is
// "unknown" and the caller falls back to the numeric test. GiNaC cannot be interrupted, so sizes
// are bounded BEFORE calling it (node count, integer exponents, estimated expansion size, exact
// number sizes, factorial arguments). Thread-safety: GiNaC is not thread-safe; every call here is
// serialized by one process-wide mutex.
#pragma once

#include "verifier/budget.h"
#include "verifier/expr.h"
#include "verifier/numeric_eval.h"

namespace ds::verify {

// a - b == 0?
Decision cas_equal(const Expr& a, const Expr& b, Budget& budget);

// a / b is a nonzero constant (positive when `positive`)?
Decision cas_proportional(const Expr& a, const Expr& b, bool positive, Budget& budget);

}  // namespace ds::verify
