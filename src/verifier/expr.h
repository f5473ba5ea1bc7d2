// Owns the expression tree that the LaTeX parser builds and the evaluators (exact, numeric,
// symbolic) consume: immutable nodes shared through ExprPtr, plus small structural helpers
// (canonical printing, node counts, symbol sets, +- expansion).
// Thread-safety: nodes are immutable after construction; safe to share between threads.
#pragma once

#include <gmpxx.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace ds::verify {

enum class Op : uint8_t {
  kNumber,      // exact rational `value`; `literal` is the text as written
  kBaseNumber,  // digits `literal` in base `base` (e.g. 204_5)
  kSymbol,      // `name` (subscripts and primes included: "x_1", "y'")
  kPi,
  kE,
  kI,
  kInf,
  kAdd,        // n-ary sum
  kMul,        // n-ary product
  kDiv,        // args[0] / args[1]
  kNeg,        // -args[0]
  kPow,        // args[0] ^ args[1]
  kFunc,       // fn(args...)
  kFactorial,  // args[0]!
  kPlusMinus,  // args[0] +- args[1]: the two-element set {a+b, a-b}
};

enum class Fn : uint8_t {
  kSin,
  kCos,
  kTan,
  kCot,
  kSec,
  kCsc,
  kAsin,
  kAcos,
  kAtan,
  kAcot,
  kAsec,
  kAcsc,
  kSinh,
  kCosh,
  kTanh,
  kCoth,
  kLn,   // natural log
  kLog,  // args: x [, base]; without a base: base 10
  kExp,
  kSqrt,  // args: x [, index]
  kAbs,
  kFloor,
  kCeil,
  kBinom,  // binom(n, k)
  kMin,
  kMax,
  kGcd,
  kLcm,
};

const char* fn_name(Fn fn);

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

struct Expr {
  Op op = Op::kNumber;
  Fn fn = Fn::kSin;
  bool decimal = false;  // kNumber written with a decimal point or an exponent (1.5, 2e3)
  bool paren = false;    // written directly inside ( ): "f(x)" heads are recognized by it
  int frac_digits = 0;   // kNumber: decimal places (1.60: 2; 4.5e33: -32), for rounding
  int base = 0;          // kBaseNumber
  mpq_class value;       // kNumber
  std::string literal;   // kNumber / kBaseNumber: the digits as written
  std::string name;      // kSymbol
  std::vector<ExprPtr> args;
};

ExprPtr make_number(const mpq_class& v, std::string literal = "", bool decimal = false,
                    int frac_digits = 0);
ExprPtr make_int(long v);
ExprPtr make_symbol(std::string name);
ExprPtr make_const(Op op);  // kPi, kE, kI, kInf
ExprPtr make_unary(Op op, ExprPtr a);
ExprPtr make_binary(Op op, ExprPtr a, ExprPtr b);
ExprPtr make_nary(Op op, std::vector<ExprPtr> args);  // flattens nested kAdd/kMul
ExprPtr make_func(Fn fn, std::vector<ExprPtr> args);
ExprPtr with_paren(const ExprPtr& e);  // a copy marked as parenthesized

// Canonical, unambiguous text (numbers printed as reduced rationals): equal text = same tree.
std::string to_string(const Expr& e);
size_t node_count(const Expr& e);
bool contains_op(const Expr& e, Op op);
bool contains_decimal(const Expr& e);
// Functions other than the listed ones make the tree unfit for the CAS (floor, min, ...).
bool contains_fn(const Expr& e, Fn fn);
void collect_symbols(const Expr& e, std::set<std::string>& out);

// A plain integer / decimal literal (optionally negated).
bool is_number_literal(const Expr& e);
// +1 for +infinity, -1 for -infinity, 0 otherwise.
int infinity_sign(const Expr& e);

// Expands every kPlusMinus into its alternatives (a+b, a-b); at most `limit` results, else
// returns an empty vector.
std::vector<ExprPtr> expand_plus_minus(const ExprPtr& e, size_t limit);

}  // namespace ds::verify
