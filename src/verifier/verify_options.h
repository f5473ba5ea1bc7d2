// Owns VerifyOptions: every bound and tolerance of the math verifier, each with its documented
// default (core/options.h visit() mechanism, so a YAML section or `key=value` overrides can set
// them). Thread-safety: a plain value.
#pragma once

#include <cstdint>

namespace ds::verify {

struct VerifyOptions {
  double time_budget_ms = 50.0;      // wall-clock budget of one verify() call
  int max_response_chars = 1 << 20;  // longer responses are "undecided"
  int max_answer_chars = 1000;       // longer extracted/gold answers are "undecided"
  int max_depth = 48;                // nesting depth of brackets, fractions, powers
  int max_number_bits = 1 << 17;     // largest exact intermediate number (about 39,000 digits)
  int max_factorial = 3000;          // largest n in an exact n! or binom(n, k)
  int max_exponent = 64;            // largest |integer exponent| of a symbolic base sent to the CAS
  int max_symbolic_nodes = 400;     // larger expressions skip the CAS (numeric test only)
  int max_items = 64;               // elements of a list / set / tuple / matrix
  int max_boxed = 16;               // more \boxed{} answers than this in one response: wrong
  int numeric_points = 6;           // random points of the numeric equivalence test
  double float_rel_tol = 1e-6;      // relative tolerance when a decimal literal meets an irrational
  double exact_rel_tol = 1e-10;     // relative tolerance of the numeric test between exact forms
  bool reject_hedging = true;       // every \boxed{} answer of a response must match the gold
  bool percent_equivalence = true;  // "17.5\%" also equals 0.175 (the % side divided by 100)
  bool gold_decimal_rounding = false;  // accept a candidate that rounds to a decimal gold
  bool decimal_comma = true;           // "3,5" may mean 3.5 when the gold is a single decimal
  int64_t seed = 20250925;             // random points are seeded: verdicts are reproducible

  template <class V>
  void visit(V& v) {
    v("time_budget_ms", time_budget_ms, "wall-clock budget of one check; past it: undecided");
    v("max_response_chars", max_response_chars, "longer responses are undecided");
    v("max_answer_chars", max_answer_chars, "longer answers (gold or extracted) are undecided");
    v("max_depth", max_depth, "deepest nesting of brackets/fractions/powers; deeper: undecided");
    v("max_number_bits", max_number_bits,
      "largest exact number (bits); e.g. 10^{10^{10}}: undecided");
    v("max_factorial", max_factorial, "largest n in exact n! and binom(n,k)");
    v("max_exponent", max_exponent, "largest integer exponent of a symbolic base given to GiNaC");
    v("max_symbolic_nodes", max_symbolic_nodes, "larger expressions use the numeric test only");
    v("max_items", max_items, "most elements of a list/set/tuple/matrix");
    v("max_boxed", max_boxed, "a response with more \\boxed{} answers is wrong");
    v("numeric_points", numeric_points, "random points of the numeric equivalence test");
    v("float_rel_tol", float_rel_tol,
      "relative tolerance when a decimal literal is compared with an irrational value");
    v("exact_rel_tol", exact_rel_tol, "relative tolerance of the numeric test between exact forms");
    v("reject_hedging", reject_hedging,
      "all \\boxed{} answers of a response must match the gold (no reward for hedging)");
    v("percent_equivalence", percent_equivalence,
      "when one side has a % sign, its value / 100 is also accepted");
    v("gold_decimal_rounding", gold_decimal_rounding,
      "accept a numeric candidate that rounds to a decimal gold at the gold's decimal places");
    v("decimal_comma", decimal_comma, "read \"3,5\" as 3.5 when the gold is a single decimal");
    v("seed", seed, "seed of the numeric test's random points");
  }
};

}  // namespace ds::verify
