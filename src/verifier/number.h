// Owns exact number literals: decimal / scientific text to GMP rationals, and the fast path that
// recognizes a whole normalized answer that is just a number ("18", "-0.35", "3/4",
// "\frac{3}{4}", "1.5e3") so that typical numeric answers are compared without parsing or CAS.
// Thread-safety: pure functions.
#pragma once

#include <gmpxx.h>

#include <optional>
#include <string_view>

namespace ds::verify {

struct NumberLiteral {
  mpq_class value;
  bool decimal = false;  // had a decimal point or an exponent
  int frac_digits = 0;   // decimal places: digits after the point minus the exponent (4.5e33: -32)
};

enum class LiteralStatus { kOk, kNotANumber, kTooLarge };

// Parses "[+-]?(digits[.digits]|.digits)([eE][+-]?digits)?" exactly (the whole view).
// kTooLarge when |exponent| > max_exp10.
LiteralStatus parse_decimal_literal(std::string_view s, long max_exp10, NumberLiteral& out);

// The fast path. nullopt = "not a plain number" (use the full parser); a literal that is too
// large also gives nullopt (the full parser then reports the bound).
std::optional<NumberLiteral> parse_plain_number(std::string_view s, long max_exp10);

}  // namespace ds::verify
