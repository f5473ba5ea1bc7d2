// Owns exact evaluation of constant expressions with GMP rationals: + - * /, integer powers,
// exact roots (\sqrt{16/9}), n!, binom, |x|, floor, ceil, min, max, gcd, lcm, base numbers.
// Anything else (symbols, pi, irrational roots, division by zero) is "not exact" (nullopt).
// Sizes are checked BEFORE computing (10^{10^{10}}, 1000000!): BudgetExceeded.
// Thread-safety: pure functions.
#pragma once

#include <gmpxx.h>

#include <optional>
#include <string>

#include "verifier/budget.h"
#include "verifier/expr.h"

namespace ds::verify {

std::optional<mpq_class> exact_value(const Expr& e, Budget& budget);

// Value of the digit string in `base` (digits 0-9 then a-z), nullopt when a digit is out of range.
std::optional<mpz_class> base_number_value(const std::string& digits, int base);

// Size of a rational in bits (numerator + denominator).
size_t bit_size(const mpq_class& q);

}  // namespace ds::verify
