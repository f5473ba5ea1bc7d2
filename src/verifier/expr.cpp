// Expression tree construction and structural helpers (see expr.h).
#include "verifier/expr.h"

#include "core/errors.h"

namespace ds::verify {

const char* fn_name(Fn fn) {
  switch (fn) {
    case Fn::kSin:
      return "sin";
    case Fn::kCos:
      return "cos";
    case Fn::kTan:
      return "tan";
    case Fn::kCot:
      return "cot";
    case Fn::kSec:
      return "sec";
    case Fn::kCsc:
      return "csc";
    case Fn::kAsin:
      return "asin";
    case Fn::kAcos:
      return "acos";
    case Fn::kAtan:
      return "atan";
    case Fn::kAcot:
      return "acot";
    case Fn::kAsec:
      return "asec";
    case Fn::kAcsc:
      return "acsc";
    case Fn::kSinh:
      return "sinh";
    case Fn::kCosh:
      return "cosh";
    case Fn::kTanh:
      return "tanh";
    case Fn::kCoth:
      return "coth";
    case Fn::kLn:
      return "ln";
    case Fn::kLog:
      return "log";
    case Fn::kExp:
      return "exp";
    case Fn::kSqrt:
      return "sqrt";
    case Fn::kAbs:
      return "abs";
    case Fn::kFloor:
      return "floor";
    case Fn::kCeil:
      return "ceil";
    case Fn::kBinom:
      return "binom";
    case Fn::kMin:
      return "min";
    case Fn::kMax:
      return "max";
    case Fn::kGcd:
      return "gcd";
    case Fn::kLcm:
      return "lcm";
  }
  return "?";
}

ExprPtr make_number(const mpq_class& v, std::string literal, bool decimal, int frac_digits) {
  auto e = std::make_shared<Expr>();
  e->op = Op::kNumber;
  e->value = v;
  e->literal = literal.empty() ? v.get_str() : std::move(literal);
  e->decimal = decimal;
  e->frac_digits = frac_digits;
  return e;
}

ExprPtr make_int(long v) {
  return make_number(mpq_class(v));
}

ExprPtr make_symbol(std::string name) {
  auto e = std::make_shared<Expr>();
  e->op = Op::kSymbol;
  e->name = std::move(name);
  return e;
}

ExprPtr make_const(Op op) {
  DS_CHECK(op == Op::kPi || op == Op::kE || op == Op::kI || op == Op::kInf, "not a constant");
  auto e = std::make_shared<Expr>();
  e->op = op;
  return e;
}

ExprPtr make_unary(Op op, ExprPtr a) {
  auto e = std::make_shared<Expr>();
  e->op = op;
  e->args.push_back(std::move(a));
  return e;
}

ExprPtr make_binary(Op op, ExprPtr a, ExprPtr b) {
  auto e = std::make_shared<Expr>();
  e->op = op;
  e->args.push_back(std::move(a));
  e->args.push_back(std::move(b));
  return e;
}

ExprPtr make_nary(Op op, std::vector<ExprPtr> args) {
  DS_CHECK(op == Op::kAdd || op == Op::kMul, "make_nary needs kAdd or kMul");
  auto e = std::make_shared<Expr>();
  e->op = op;
  for (auto& a : args) {
    if (a->op == op && !a->paren) {
      e->args.insert(e->args.end(), a->args.begin(), a->args.end());
    } else {
      e->args.push_back(std::move(a));
    }
  }
  return e;
}

ExprPtr make_func(Fn fn, std::vector<ExprPtr> args) {
  auto e = std::make_shared<Expr>();
  e->op = Op::kFunc;
  e->fn = fn;
  e->args = std::move(args);
  return e;
}

ExprPtr with_paren(const ExprPtr& e) {
  if (e->paren) return e;
  auto copy = std::make_shared<Expr>(*e);
  copy->paren = true;
  return copy;
}

namespace {

void print(const Expr& e, std::string& out) {
  auto list = [&](const char* head, char sep) {
    out += head;
    out += '(';
    for (size_t i = 0; i < e.args.size(); ++i) {
      if (i) out += sep;
      print(*e.args[i], out);
    }
    out += ')';
  };
  switch (e.op) {
    case Op::kNumber:
      out += e.value.get_str();
      break;
    case Op::kBaseNumber:
      out += e.literal + "_" + std::to_string(e.base);
      break;
    case Op::kSymbol:
      out += e.name;
      break;
    case Op::kPi:
      out += "pi";
      break;
    case Op::kE:
      out += "e";
      break;
    case Op::kI:
      out += "i";
      break;
    case Op::kInf:
      out += "inf";
      break;
    case Op::kAdd:
      list("add", ',');
      break;
    case Op::kMul:
      list("mul", ',');
      break;
    case Op::kDiv:
      list("div", ',');
      break;
    case Op::kNeg:
      list("neg", ',');
      break;
    case Op::kPow:
      list("pow", ',');
      break;
    case Op::kFunc:
      list(fn_name(e.fn), ',');
      break;
    case Op::kFactorial:
      list("fact", ',');
      break;
    case Op::kPlusMinus:
      list("pm", ',');
      break;
  }
}

}  // namespace

std::string to_string(const Expr& e) {
  std::string out;
  print(e, out);
  return out;
}

size_t node_count(const Expr& e) {
  size_t n = 1;
  for (const auto& a : e.args) n += node_count(*a);
  return n;
}

bool contains_op(const Expr& e, Op op) {
  if (e.op == op) return true;
  for (const auto& a : e.args)
    if (contains_op(*a, op)) return true;
  return false;
}

bool contains_decimal(const Expr& e) {
  if (e.op == Op::kNumber && e.decimal) return true;
  for (const auto& a : e.args)
    if (contains_decimal(*a)) return true;
  return false;
}

bool contains_fn(const Expr& e, Fn fn) {
  if (e.op == Op::kFunc && e.fn == fn) return true;
  for (const auto& a : e.args)
    if (contains_fn(*a, fn)) return true;
  return false;
}

void collect_symbols(const Expr& e, std::set<std::string>& out) {
  if (e.op == Op::kSymbol) out.insert(e.name);
  for (const auto& a : e.args) collect_symbols(*a, out);
}

bool is_number_literal(const Expr& e) {
  if (e.op == Op::kNumber) return true;
  return e.op == Op::kNeg && e.args[0]->op == Op::kNumber;
}

int infinity_sign(const Expr& e) {
  if (e.op == Op::kInf) return 1;
  if (e.op == Op::kNeg) return -infinity_sign(*e.args[0]);
  return 0;
}

std::vector<ExprPtr> expand_plus_minus(const ExprPtr& e, size_t limit) {
  if (!contains_op(*e, Op::kPlusMinus)) return {e};
  if (e->op == Op::kPlusMinus) {
    std::vector<ExprPtr> out;
    for (const auto& a : expand_plus_minus(e->args[0], limit)) {
      for (const auto& b : expand_plus_minus(e->args[1], limit)) {
        if (out.size() + 2 > limit) return {};
        out.push_back(make_nary(Op::kAdd, {a, b}));
        out.push_back(make_nary(Op::kAdd, {a, make_unary(Op::kNeg, b)}));
      }
    }
    return out;
  }
  // Cartesian product over the children's alternatives.
  std::vector<std::vector<ExprPtr>> partial{{}};
  for (const auto& child : e->args) {
    auto alts = expand_plus_minus(child, limit);
    if (alts.empty()) return {};
    std::vector<std::vector<ExprPtr>> next;
    for (const auto& p : partial) {
      for (const auto& a : alts) {
        if (next.size() + 1 > limit) return {};
        auto q = p;
        q.push_back(a);
        next.push_back(std::move(q));
      }
    }
    partial = std::move(next);
  }
  std::vector<ExprPtr> out;
  for (auto& args : partial) {
    auto copy = std::make_shared<Expr>(*e);
    copy->args = std::move(args);
    out.push_back(copy);
  }
  return out;
}

}  // namespace ds::verify
