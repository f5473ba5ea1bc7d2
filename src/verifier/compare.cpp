// Equivalence of parsed answers (see compare.h).
#include "verifier/compare.h"

#include <algorithm>
#include <cctype>

#include "verifier/exact_eval.h"
#include "verifier/parser.h"
#include "verifier/symbolic.h"

namespace ds::verify {

namespace {

Outcome equal(std::string how) {
  return {Eq::kEqual, std::move(how)};
}
Outcome different(std::string how) {
  return {Eq::kDifferent, std::move(how)};
}
Outcome undecided(std::string how) {
  return {Eq::kUndecided, std::move(how)};
}

Outcome from_decision(Decision d, const char* how) {
  if (d == Decision::kYes) return equal(how);
  if (d == Decision::kNo) return different(std::string("not equal (") + how + ")");
  return undecided(std::string("could not decide (") + how + ")");
}

std::string strip_leading_zeros(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t k = 0;
  while (k + 1 < s.size() && s[k] == '0') ++k;
  return s.substr(k);
}

// A decimal literal gold (optionally negated): its number node.
const Expr* decimal_literal(const Expr& e) {
  if (e.op == Op::kNumber && e.decimal) return &e;
  if (e.op == Op::kNeg && e.args[0]->op == Op::kNumber && e.args[0]->decimal)
    return e.args[0].get();
  return nullptr;
}

// round(x * 10^d) with halves away from zero, as an integer.
mpz_class round_scaled(const mpq_class& x, int decimals) {
  mpq_class scaled = x;
  mpz_class p;
  mpz_ui_pow_ui(p.get_mpz_t(), 10, static_cast<unsigned long>(std::abs(decimals)));
  if (decimals >= 0) {
    scaled *= mpq_class(p);
  } else {
    scaled /= mpq_class(p);
  }
  mpq_class half(1, 2);
  mpq_class shifted = scaled >= 0 ? mpq_class(scaled + half) : mpq_class(scaled - half);
  mpz_class r;
  mpz_tdiv_q(r.get_mpz_t(), shifted.get_num_mpz_t(), shifted.get_den_mpz_t());
  return r;
}

// Candidate rounded at the gold's decimal places equals the gold (opt-in).
bool rounds_to_gold(const Expr& gold_literal, const Expr& gold, const mpq_class& cand, Budget& b) {
  auto g = exact_value(gold, b);
  if (!g) return false;
  int d = gold_literal.frac_digits;
  if (std::abs(d) > 4000) return false;
  return round_scaled(cand, d) == round_scaled(*g, d);
}

Answer expr_answer(ExprPtr e) {
  Answer a;
  a.kind = Kind::kExpr;
  a.expr = std::move(e);
  return a;
}

// Expressions with +- become the set of their values; lists / sets flatten them.
Answer expand_pm(const Answer& a, Budget& b) {
  size_t limit = static_cast<size_t>(b.opts().max_items);
  if (a.kind == Kind::kExpr && contains_op(*a.expr, Op::kPlusMinus)) {
    auto alts = expand_plus_minus(a.expr, limit);
    if (alts.empty()) Budget::exceed("too many +- alternatives");
    Answer s;
    s.kind = Kind::kSet;
    for (auto& e : alts) s.items.push_back(expr_answer(e));
    return s;
  }
  if (a.kind == Kind::kSet || a.kind == Kind::kList) {
    Answer out = a;
    out.items.clear();
    for (const auto& it : a.items) {
      Answer x = expand_pm(it, b);
      if (x.kind == Kind::kSet && it.kind == Kind::kExpr) {
        for (auto& y : x.items) out.items.push_back(std::move(y));
      } else {
        out.items.push_back(std::move(x));
      }
      if (out.items.size() > limit) Budget::exceed("too many items");
    }
    return out;
  }
  return a;
}

bool is_definition(const Answer& a) {
  return a.kind == Kind::kRelation && a.rels.size() == 1 && a.rels[0] == Rel::kEq &&
         is_simple_head(*a.sides[0]);
}

// "x = 5" -> "5" (also inside lists).
Answer strip_definition(const Answer& a) {
  if (is_definition(a)) return expr_answer(a.sides[1]);
  if (a.kind == Kind::kList || a.kind == Kind::kSet) {
    Answer out = a;
    for (auto& it : out.items)
      if (is_definition(it)) it = expr_answer(it.sides[1]);
    return out;
  }
  return a;
}

ExprPtr neg_inf() {
  return make_unary(Op::kNeg, make_const(Op::kInf));
}

Answer interval(ExprPtr lo, bool lo_closed, ExprPtr hi, bool hi_closed) {
  Answer t;
  t.kind = Kind::kTuple;
  t.open = lo_closed ? '[' : '(';
  t.close = hi_closed ? ']' : ')';
  t.items = {expr_answer(std::move(lo)), expr_answer(std::move(hi))};
  return t;
}

bool is_less(Rel r) {
  return r == Rel::kLt || r == Rel::kLe;
}
bool is_greater(Rel r) {
  return r == Rel::kGt || r == Rel::kGe;
}
Rel flip(Rel r) {
  switch (r) {
    case Rel::kLt:
      return Rel::kGt;
    case Rel::kLe:
      return Rel::kGe;
    case Rel::kGt:
      return Rel::kLt;
    case Rel::kGe:
      return Rel::kLe;
    default:
      return r;
  }
}

bool has_symbols(const Expr& e) {
  std::set<std::string> names;
  collect_symbols(e, names);
  return !names.empty();
}

// "x > 3" -> (3, \infty); "-2 <= x < 5" -> [-2, 5); "x != 1" -> (-inf,1) U (1,inf).
std::optional<Answer> relation_to_intervals(const Answer& r) {
  if (r.kind != Kind::kRelation) return std::nullopt;
  const auto& s = r.sides;
  if (s.size() == 2) {
    int var = s[0]->op == Op::kSymbol && !has_symbols(*s[1])   ? 0
              : s[1]->op == Op::kSymbol && !has_symbols(*s[0]) ? 1
                                                               : -1;
    if (var < 0) return std::nullopt;
    Rel rel = var == 0 ? r.rels[0] : flip(r.rels[0]);  // now "x rel a"
    const ExprPtr& a = s[1 - var];
    switch (rel) {
      case Rel::kLt:
        return interval(neg_inf(), false, a, false);
      case Rel::kLe:
        return interval(neg_inf(), false, a, true);
      case Rel::kGt:
        return interval(a, false, make_const(Op::kInf), false);
      case Rel::kGe:
        return interval(a, true, make_const(Op::kInf), false);
      case Rel::kNe: {
        Answer u;
        u.kind = Kind::kUnion;
        u.items = {interval(neg_inf(), false, a, false),
                   interval(a, false, make_const(Op::kInf), false)};
        return u;
      }
      default:
        return std::nullopt;
    }
  }
  if (s.size() == 3 && s[1]->op == Op::kSymbol && !has_symbols(*s[0]) && !has_symbols(*s[2])) {
    Rel r0 = r.rels[0], r1 = r.rels[1];
    if (is_less(r0) && is_less(r1)) return interval(s[0], r0 == Rel::kLe, s[2], r1 == Rel::kLe);
    if (is_greater(r0) && is_greater(r1))
      return interval(s[2], r1 == Rel::kGe, s[0], r0 == Rel::kGe);
  }
  return std::nullopt;
}

// "3,5" read as 3.5 (a two-item list of plain digit literals).
std::optional<mpq_class> decimal_comma_value(const Answer& c) {
  if (c.kind != Kind::kList || c.items.size() != 2) return std::nullopt;
  const Answer &a = c.items[0], &b = c.items[1];
  if (a.kind != Kind::kExpr || b.kind != Kind::kExpr) return std::nullopt;
  bool negative = false;
  const Expr* ia = a.expr.get();
  if (ia->op == Op::kNeg) {
    negative = true;
    ia = ia->args[0].get();
  }
  const Expr* ib = b.expr.get();
  if (ia->op != Op::kNumber || ib->op != Op::kNumber || ia->decimal || ib->decimal)
    return std::nullopt;
  const std::string& frac = ib->literal;
  if (frac.empty() || frac.size() > 30 || !std::all_of(frac.begin(), frac.end(), ::isdigit))
    return std::nullopt;
  mpz_class p;
  mpz_ui_pow_ui(p.get_mpz_t(), 10, frac.size());
  mpq_class v = ia->value + mpq_class(ib->value.get_num(), p);
  v.canonicalize();
  return negative ? mpq_class(-v) : v;
}

class Comparator {
 public:
  explicit Comparator(Budget& b) : b_(b) {}

  Outcome answers(const Answer& gold_in, const Answer& cand_in) {
    b_.tick();
    Answer g = expand_pm(gold_in, b_), c = expand_pm(cand_in, b_);
    if (g.kind == Kind::kChoice) {
      if (c.kind == Kind::kChoice)
        return c.text == g.text ? equal("same choice") : different("other choice");
      return different("expected choice (" + g.text + ")");
    }
    if (g.kind == Kind::kText) {
      if (c.kind == Kind::kText)
        return c.text == g.text ? equal("same words") : different("other words");
      return different("expected the words '" + g.text + "'");
    }
    if (c.kind == Kind::kChoice || c.kind == Kind::kText)
      return different("expected math, got words");

    // Definitions on one side only: compare the values.
    if (g.kind == Kind::kRelation && c.kind != Kind::kRelation) g = strip_definition(g);
    if (c.kind == Kind::kRelation && g.kind != Kind::kRelation) c = strip_definition(c);
    if (g.kind == Kind::kList || g.kind == Kind::kSet) g = strip_definition(g);
    if (c.kind == Kind::kList || c.kind == Kind::kSet) c = strip_definition(c);

    if (g.kind == Kind::kRelation && c.kind == Kind::kRelation) return relations(g, c);
    if (c.kind == Kind::kRelation) {
      if (auto ci = relation_to_intervals(c)) return answers(g, *ci);
      return different("expected " + std::string(kind_name(g.kind)) + ", got a relation");
    }
    if (g.kind == Kind::kRelation) {
      if (auto gi = relation_to_intervals(g)) return answers(*gi, c);
      return different("expected a relation");
    }

    switch (g.kind) {
      case Kind::kExpr:
        if (c.kind == Kind::kExpr) return compare_scalars(g.expr, c.expr, b_);
        if ((c.kind == Kind::kSet || c.kind == Kind::kList) && c.items.size() == 1)
          return answers(g, c.items[0]);
        if (c.kind == Kind::kList && b_.opts().decimal_comma) {
          if (auto v = decimal_comma_value(c); v && decimal_literal(*g.expr))
            return compare_scalars(g.expr, make_number(*v, "", true), b_);
        }
        break;
      case Kind::kTuple:
        if (c.kind == Kind::kTuple) {
          if (g.open != c.open || g.close != c.close) return different("other brackets");
          return ordered(g.items, c.items);
        }
        if (c.kind == Kind::kList && g.open == '(' && g.close == ')')
          return ordered(g.items, c.items);
        if (c.kind == Kind::kMatrix) return vector_vs_matrix(g, c);
        break;
      case Kind::kSet:
      case Kind::kList:
        if (c.kind == Kind::kSet || c.kind == Kind::kList) return unordered(g.items, c.items);
        if (g.items.size() == 1) return answers(g.items[0], c);
        break;
      case Kind::kUnion:
        if (c.kind == Kind::kUnion) return unordered(g.items, c.items);
        break;
      case Kind::kMatrix:
        if (c.kind == Kind::kMatrix) {
          if (g.items.size() != c.items.size() ||
              g.items[0].items.size() != c.items[0].items.size())
            return different("other matrix shape");
          return ordered(g.items, c.items);
        }
        if (c.kind == Kind::kTuple) return vector_vs_matrix(c, g);
        break;
      default:
        break;
    }
    return different(std::string("expected ") + kind_name(g.kind) + ", got " + kind_name(c.kind));
  }

 private:
  Outcome ordered(const std::vector<Answer>& gs, const std::vector<Answer>& cs) {
    if (gs.size() != cs.size()) return different("different number of elements");
    bool unsure = false;
    for (size_t i = 0; i < gs.size(); ++i) {
      Outcome o = answers(gs[i], cs[i]);
      if (o.eq == Eq::kDifferent) return different("element " + std::to_string(i + 1) + " differs");
      unsure = unsure || o.eq == Eq::kUndecided;
    }
    return unsure ? undecided("could not decide an element") : equal("element-wise");
  }

  Outcome unordered(const std::vector<Answer>& gs, const std::vector<Answer>& cs) {
    if (gs.size() != cs.size()) return different("different number of elements");
    std::vector<bool> used(cs.size(), false);
    // Identical items first (cheap), then pairwise equivalence.
    std::vector<std::string> ckeys;
    for (const auto& c : cs) ckeys.push_back(to_string(c));
    std::vector<bool> done(gs.size(), false);
    for (size_t i = 0; i < gs.size(); ++i) {
      std::string key = to_string(gs[i]);
      for (size_t j = 0; j < cs.size(); ++j) {
        if (!used[j] && ckeys[j] == key) {
          used[j] = done[i] = true;
          break;
        }
      }
    }
    bool unsure = false;
    for (size_t i = 0; i < gs.size(); ++i) {
      if (done[i]) continue;
      bool found = false;
      for (size_t j = 0; j < cs.size() && !found; ++j) {
        if (used[j]) continue;
        Outcome o = answers(gs[i], cs[j]);
        if (o.eq == Eq::kEqual) {
          used[j] = found = true;
        } else if (o.eq == Eq::kUndecided) {
          unsure = true;
        }
      }
      if (!found)
        return unsure ? undecided("could not match an element")
                      : different("an element is missing");
    }
    return equal("same elements");
  }

  Outcome vector_vs_matrix(const Answer& tuple, const Answer& matrix) {
    if (tuple.open != '(' || tuple.close != ')') return different("interval vs matrix");
    std::vector<Answer> cells;
    size_t rows = matrix.items.size(), cols = matrix.items[0].items.size();
    if (rows != 1 && cols != 1) return different("tuple vs matrix");
    for (const auto& r : matrix.items)
      for (const auto& cell : r.items) cells.push_back(cell);
    return ordered(tuple.items, cells);
  }

  // lhs - rhs with the relation turned to "< / <= / != / =" against zero.
  static std::pair<ExprPtr, Rel> canonical_relation(const Answer& r) {
    ExprPtr lhs = r.sides[0], rhs = r.sides[1];
    Rel rel = r.rels[0];
    if (is_greater(rel)) {
      std::swap(lhs, rhs);
      rel = flip(rel);
    }
    return {make_nary(Op::kAdd, {lhs, make_unary(Op::kNeg, rhs)}), rel};
  }

  Outcome proportional(const ExprPtr& a, const ExprPtr& b, bool positive) {
    Decision d = cas_proportional(*a, *b, positive, b_);
    if (d == Decision::kYes) return equal("proportional (symbolic)");
    if (d == Decision::kNo) return different("not proportional (symbolic)");
    double tol = contains_decimal(*a) || contains_decimal(*b) ? b_.opts().float_rel_tol
                                                              : b_.opts().exact_rel_tol;
    return from_decision(numeric_proportional(*a, *b, positive, tol, b_),
                         "numeric proportionality");
  }

  Outcome relations(const Answer& g, const Answer& c) {
    if (g.rels.size() == 1 && c.rels.size() == 1) {
      auto [dg, rg] = canonical_relation(g);
      auto [dc, rc] = canonical_relation(c);
      if (rg == Rel::kEq && rc == Rel::kEq) {
        Outcome o = proportional(dg, dc, false);
        if (o.eq == Eq::kEqual) return equal("equivalent equations");
        // Same definition head: compare the values (robust when proportionality is undecided).
        if (is_definition(g) && is_definition(c) &&
            to_string(*g.sides[0]) == to_string(*c.sides[0])) {
          Outcome v = compare_scalars(g.sides[1], c.sides[1], b_);
          if (v.eq != Eq::kUndecided) return v;
        }
        return o;
      }
      if (auto gi = relation_to_intervals(g)) {
        if (auto ci = relation_to_intervals(c)) return answers(*gi, *ci);
      }
      if (rg != rc) return different("other relation");
      Outcome o = proportional(dg, dc, rg != Rel::kNe);
      return o.eq == Eq::kEqual ? equal("equivalent inequalities") : o;
    }
    auto gi = relation_to_intervals(g), ci = relation_to_intervals(c);
    if (gi && ci) return answers(*gi, *ci);
    if (g.rels != c.rels || g.sides.size() != c.sides.size())
      return different("other relation chain");
    bool unsure = false;
    for (size_t i = 0; i < g.sides.size(); ++i) {
      Outcome o = compare_scalars(g.sides[i], c.sides[i], b_);
      if (o.eq == Eq::kDifferent) return o;
      unsure = unsure || o.eq == Eq::kUndecided;
    }
    return unsure ? undecided("relation chain") : equal("same relation chain");
  }

  Budget& b_;
};

}  // namespace

Outcome compare_scalars(const ExprPtr& gold_in, const ExprPtr& cand_in, Budget& budget) {
  budget.tick();
  ExprPtr gold = gold_in, cand = cand_in;
  if (to_string(*gold) == to_string(*cand)) return equal("identical");
  // Infinity only as +-\infty.
  int gi = infinity_sign(*gold), ci = infinity_sign(*cand);
  if (gi || ci) return gi == ci ? equal("same infinity") : different("not the same infinity");
  if (contains_op(*gold, Op::kInf) || contains_op(*cand, Op::kInf))
    return different("infinity inside an expression");
  // Numbers written in base b: the digits are the answer.
  if (gold->op == Op::kBaseNumber) {
    if (cand->op == Op::kBaseNumber && cand->base == gold->base &&
        strip_leading_zeros(cand->literal) == strip_leading_zeros(gold->literal))
      return equal("same base-" + std::to_string(gold->base) + " digits");
    if (cand->op == Op::kNumber && !cand->decimal && cand->value.get_den() == 1 &&
        strip_leading_zeros(cand->literal) == strip_leading_zeros(gold->literal))
      return equal("same base-" + std::to_string(gold->base) + " digits");
    return different("other base-" + std::to_string(gold->base) + " digits");
  }
  // Exact rationals.
  auto qg = exact_value(*gold, budget);
  auto qc = qg ? exact_value(*cand, budget) : std::nullopt;
  if (qg && qc) {
    if (*qg == *qc) return equal("exact");
    if (budget.opts().gold_decimal_rounding) {
      if (const Expr* lit = decimal_literal(*gold); lit && rounds_to_gold(*lit, *gold, *qc, budget))
        return equal("rounds to the decimal gold");
    }
    return different("not equal (exact)");
  }
  // Symbolic.
  Decision d = cas_equal(*gold, *cand, budget);
  if (d == Decision::kYes) return equal("symbolic");
  if (d == Decision::kNo) return different("not equal (symbolic)");
  // Numeric.
  bool decimals = contains_decimal(*gold) || contains_decimal(*cand);
  double tol = decimals ? budget.opts().float_rel_tol : budget.opts().exact_rel_tol;
  Outcome o = from_decision(numeric_equal(*gold, *cand, tol, budget), "numeric");
  if (o.eq == Eq::kDifferent && budget.opts().gold_decimal_rounding) {
    if (const Expr* lit = decimal_literal(*gold)) {
      std::set<std::string> names;
      collect_symbols(*cand, names);
      if (names.empty()) {
        Complex v = numeric_value(*cand, {}, budget);
        if (std::isfinite(v.real()) && std::abs(v.imag()) < 1e-12L) {
          mpq_class q(static_cast<double>(v.real()));
          if (rounds_to_gold(*lit, *gold, q, budget)) return equal("rounds to the decimal gold");
        }
      }
    }
  }
  return o;
}

Outcome compare_answers(const Answer& gold, const Answer& cand, Budget& budget) {
  Comparator c(budget);
  return c.answers(gold, cand);
}

}  // namespace ds::verify
