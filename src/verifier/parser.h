// Owns the LaTeX answer parser: normalized answer text -> Answer (answer.h). Recursive descent
// over lexer tokens with LaTeX conventions: \frac12, \sqrt[n]{x}, x^23 = x^2*3, products by
// juxtaposition, "\sin 2x" = sin(2x), mixed numbers (137 \frac{1}{2}), base subscripts (204_5),
// |x|, \lfloor\rfloor, n!, \binom, intervals with either bracket, sets, "x \in S", relations.
// A failure to parse is a value (ok = false with a message); depth and size bounds throw
// BudgetExceeded. Thread-safety: pure function of its inputs.
#pragma once

#include <string>

#include "verifier/answer.h"
#include "verifier/budget.h"
#include "verifier/normalize.h"

namespace ds::verify {

struct ParseResult {
  bool ok = false;
  Answer answer;
  std::string error;  // why it did not parse (when !ok)
};

ParseResult parse_answer(const Normalized& normalized, Budget& budget);

// "x", "x_1", "f(x)", "N(n)": the left side of a definition "head = value".
bool is_simple_head(const Expr& e);

}  // namespace ds::verify
