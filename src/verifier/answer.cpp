// Names and canonical printing of parsed answers (see answer.h).
#include "verifier/answer.h"

namespace ds::verify {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kExpr:
      return "expression";
    case Kind::kTuple:
      return "tuple/interval";
    case Kind::kSet:
      return "set";
    case Kind::kList:
      return "list";
    case Kind::kUnion:
      return "union";
    case Kind::kMatrix:
      return "matrix";
    case Kind::kRelation:
      return "relation";
    case Kind::kChoice:
      return "choice";
    case Kind::kText:
      return "text";
  }
  return "?";
}

const char* rel_name(Rel r) {
  switch (r) {
    case Rel::kEq:
      return "=";
    case Rel::kNe:
      return "!=";
    case Rel::kLt:
      return "<";
    case Rel::kLe:
      return "<=";
    case Rel::kGt:
      return ">";
    case Rel::kGe:
      return ">=";
    case Rel::kIn:
      return "in";
  }
  return "?";
}

std::string to_string(const Answer& a) {
  auto items = [&](const char* open, const char* close) {
    std::string out = open;
    for (size_t i = 0; i < a.items.size(); ++i) out += (i ? "," : "") + to_string(a.items[i]);
    return out + close;
  };
  switch (a.kind) {
    case Kind::kExpr:
      return to_string(*a.expr);
    case Kind::kTuple:
      return items(a.open == '[' ? "[" : "(", a.close == ']' ? "]" : ")");
    case Kind::kSet:
      return items("set{", "}");
    case Kind::kList:
      return items("list{", "}");
    case Kind::kUnion:
      return items("union{", "}");
    case Kind::kMatrix:
      return items("matrix{", "}");
    case Kind::kRelation: {
      std::string out = to_string(*a.sides[0]);
      for (size_t i = 0; i < a.rels.size(); ++i)
        out += std::string(" ") + rel_name(a.rels[i]) + " " + to_string(*a.sides[i + 1]);
      return out;
    }
    case Kind::kChoice:
      return "choice(" + a.text + ")";
    case Kind::kText:
      return "text(" + a.text + ")";
  }
  return "?";
}

}  // namespace ds::verify
