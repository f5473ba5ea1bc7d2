// Owns the numeric side of equivalence: evaluating an expression tree in complex long double
// arithmetic at given symbol values, and the randomized tests "a equals b" and "a is a constant
// multiple of b" at several seeded points (symbols are sampled as positive reals, so identities
// that hold for positive variables, such as sqrt(x^2) = x, are accepted).
// Checks the deadline while evaluating. Thread-safety: pure functions.
#pragma once

#include <complex>
#include <map>
#include <string>

#include "verifier/budget.h"
#include "verifier/expr.h"

namespace ds::verify {

using Complex = std::complex<long double>;

// NaN / inf results are returned as such (e.g. outside a function's domain, overflow).
Complex numeric_value(const Expr& e, const std::map<std::string, Complex>& env, Budget& budget);

enum class Decision : uint8_t { kYes, kNo, kUnknown };

// a == b at opts.numeric_points random points (one point when there are no symbols).
Decision numeric_equal(const Expr& a, const Expr& b, double rel_tol, Budget& budget);

// a / b is the same nonzero constant at every point (positive when `positive`).
Decision numeric_proportional(const Expr& a, const Expr& b, bool positive, double rel_tol,
                              Budget& budget);

}  // namespace ds::verify
