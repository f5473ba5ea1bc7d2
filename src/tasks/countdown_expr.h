// Owns the small, safe parser and exact evaluator of Countdown answers: arithmetic expressions
// over non-negative integer literals with + - * / and parentheses (also the Unicode signs
// × ÷ − · and the LaTeX \times \div \cdot \left( \right)), evaluated in exact rational arithmetic.
// No unary operators, no implicit multiplication, no other characters. Bounded: at most
// kMaxExprChars characters and kMaxExprDepth nested parentheses; values that do not fit in
// 64 bits are rejected, never wrapped. Malformed input is a value (ok == false, error says why).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ds::tasks {

inline constexpr size_t kMaxExprChars = 512;
inline constexpr int kMaxExprDepth = 64;

// An exact fraction num/den, den > 0, in lowest terms.
struct Rational {
  int64_t num = 0;
  int64_t den = 1;
  bool is_integer() const { return den == 1; }
  bool operator==(const Rational&) const = default;
};

struct ParsedExpr {
  bool ok = false;
  Rational value;                // valid when ok
  std::vector<int64_t> numbers;  // the integer literals, in reading order
  std::string error;             // why not ok, e.g. "unbalanced parentheses"
};

// Parses and evaluates `text`. When allow_fractions is false, a division with a non-integer
// result is an error ("non-integer division 7/2"); division by zero is always an error.
ParsedExpr parse_countdown_expression(std::string_view text, bool allow_fractions);

// "a/b" or "a" for integers.
std::string to_string(const Rational& r);

}  // namespace ds::tasks
