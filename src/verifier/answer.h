// Owns the parsed form of one final answer: a scalar expression, or a structure built from
// expressions (tuple / interval, set, answer list, union of intervals, matrix, relation or
// equation), or a multiple-choice letter, or a word answer. Thread-safety: immutable values.
#pragma once

#include <string>
#include <vector>

#include "verifier/expr.h"

namespace ds::verify {

enum class Rel : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn };

enum class Kind : uint8_t {
  kExpr,      // expr
  kTuple,     // items, ordered; open/close are '(' or '[' and ')' or ']' (points and intervals)
  kSet,       // items, unordered: \{a, b\}
  kList,      // items of a bare "a, b, c" answer: unordered (a list of solutions)
  kUnion,     // items (intervals / sets) joined by \cup, unordered
  kMatrix,    // items = rows, each a kTuple of the row's cells
  kRelation,  // sides[0] rels[0] sides[1] ... (equations and inequalities)
  kChoice,    // text = the letter, e.g. "B"
  kText,      // text = lowercase words, e.g. "east"
};

struct Answer {
  Kind kind = Kind::kExpr;
  ExprPtr expr;
  std::vector<Answer> items;
  char open = 0, close = 0;
  std::vector<ExprPtr> sides;
  std::vector<Rel> rels;
  std::string text;
};

const char* kind_name(Kind k);
const char* rel_name(Rel r);
// Canonical text of the whole structure (for diagnostics and identity checks).
std::string to_string(const Answer& a);

}  // namespace ds::verify
