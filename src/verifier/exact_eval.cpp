// Exact rational evaluation with size guards (see exact_eval.h).
#include "verifier/exact_eval.h"

#include <cctype>
#include <cmath>

namespace ds::verify {

namespace {

using Q = std::optional<mpq_class>;

bool is_integer(const mpq_class& q) {
  return q.get_den() == 1;
}

void check_bits(double bits, Budget& b, const char* what) {
  if (bits > static_cast<double>(b.opts().max_number_bits))
    Budget::exceed(std::string(what) + " too large for exact arithmetic");
}

// Exact n-th root of a non-negative integer, if it is one.
std::optional<mpz_class> exact_root(const mpz_class& x, unsigned long n) {
  mpz_class r;
  if (mpz_root(r.get_mpz_t(), x.get_mpz_t(), n) == 0) return std::nullopt;
  return r;
}

// x^(p/q) when rational; q <= 64.
Q rational_power(const mpq_class& x, const mpq_class& exponent, Budget& b) {
  mpz_class p = exponent.get_num(), q = exponent.get_den();
  if (q > 64) return std::nullopt;
  if (x == 0) {
    if (p > 0) return mpq_class(0);
    return std::nullopt;  // 0^0 and 0^-n are left to the other evaluators
  }
  if (mpz_cmpabs_ui(x.get_num_mpz_t(), 1) == 0 && x.get_den() == 1) {  // +-1
    if (x > 0) return mpq_class(1);
    if (q == 1) return mpq_class(mpz_odd_p(p.get_mpz_t()) ? -1 : 1);
    if (mpz_odd_p(q.get_mpz_t())) return mpq_class(mpz_odd_p(p.get_mpz_t()) ? -1 : 1);
    return std::nullopt;
  }
  double bits = static_cast<double>(bit_size(x)) * std::abs(p.get_d()) / q.get_d();
  check_bits(bits, b, "power");
  unsigned long qn = q.get_ui();
  bool negative = x < 0;
  if (negative && qn % 2 == 0) return std::nullopt;  // not real
  mpz_class num = abs(x.get_num()), den = x.get_den();
  mpz_class rn = num, rd = den;
  if (qn > 1) {
    auto a = exact_root(num, qn), c = exact_root(den, qn);
    if (!a || !c) return std::nullopt;
    rn = *a;
    rd = *c;
  }
  mpz_class abs_p = abs(p);
  unsigned long pn = abs_p.get_ui();
  mpz_class pn_num, pn_den;
  mpz_pow_ui(pn_num.get_mpz_t(), rn.get_mpz_t(), pn);
  mpz_pow_ui(pn_den.get_mpz_t(), rd.get_mpz_t(), pn);
  mpq_class r(pn_num, pn_den);
  r.canonicalize();
  if (negative && (pn % 2 == 1)) r = -r;
  if (p < 0) r = 1 / r;
  return r;
}

Q eval(const Expr& e, Budget& b);

Q eval_func(const Expr& e, Budget& b) {
  std::vector<mpq_class> v;
  for (const auto& a : e.args) {
    Q x = eval(*a, b);
    if (!x) return std::nullopt;
    v.push_back(*x);
  }
  switch (e.fn) {
    case Fn::kSqrt: {
      mpq_class index = v.size() > 1 ? v[1] : mpq_class(2);
      if (!is_integer(index) || index < 2) return std::nullopt;
      mpq_class exponent(1, index.get_num());
      exponent.canonicalize();
      return rational_power(v[0], exponent, b);
    }
    case Fn::kAbs:
      return abs(v[0]);
    case Fn::kFloor: {
      mpz_class r;
      mpz_fdiv_q(r.get_mpz_t(), v[0].get_num_mpz_t(), v[0].get_den_mpz_t());
      return mpq_class(r);
    }
    case Fn::kCeil: {
      mpz_class r;
      mpz_cdiv_q(r.get_mpz_t(), v[0].get_num_mpz_t(), v[0].get_den_mpz_t());
      return mpq_class(r);
    }
    case Fn::kMin: {
      mpq_class m = v[0];
      for (const auto& x : v) m = x < m ? x : m;
      return m;
    }
    case Fn::kMax: {
      mpq_class m = v[0];
      for (const auto& x : v) m = x > m ? x : m;
      return m;
    }
    case Fn::kGcd:
    case Fn::kLcm: {
      mpz_class acc = 0;
      for (size_t i = 0; i < v.size(); ++i) {
        if (!is_integer(v[i])) return std::nullopt;
        mpz_class x = v[i].get_num();
        if (i == 0) {
          acc = abs(x);
        } else if (e.fn == Fn::kGcd) {
          mpz_gcd(acc.get_mpz_t(), acc.get_mpz_t(), x.get_mpz_t());
        } else {
          mpz_lcm(acc.get_mpz_t(), acc.get_mpz_t(), x.get_mpz_t());
        }
      }
      return mpq_class(acc);
    }
    case Fn::kBinom: {
      if (!is_integer(v[0]) || !is_integer(v[1])) return std::nullopt;
      mpz_class n = v[0].get_num(), k = v[1].get_num();
      if (k < 0) return mpq_class(0);
      if (n >= 0 && k > n) return mpq_class(0);
      if (n >= 0 && k > n - k) k = n - k;
      if (k > b.opts().max_factorial || std::abs(n.get_d()) > 1e15)
        Budget::exceed("binomial coefficient too large");
      check_bits(k.get_d() * std::log2(std::abs(n.get_d()) + 2.0), b, "binomial");
      mpz_class r;
      mpz_bin_ui(r.get_mpz_t(), n.get_mpz_t(), k.get_ui());
      return mpq_class(r);
    }
    case Fn::kLog: {
      // log_b(x) is rational when x = b^k exactly with integer k (log_2 8 = 3).
      mpq_class base = v.size() > 1 ? v[1] : mpq_class(10);
      if (base <= 0 || base == 1 || v[0] <= 0) return std::nullopt;
      if (v[0] == 1) return mpq_class(0);
      mpq_class acc = base, x = v[0];
      bool invert = false;
      if ((x < 1) != (base < 1)) {
        x = 1 / x;
        invert = true;
      }
      for (int k = 1; k <= 64; ++k) {
        if (acc == x) return mpq_class(invert ? -k : k);
        if (bit_size(acc) > bit_size(x) + 2) break;
        acc *= base;
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

Q eval(const Expr& e, Budget& b) {
  b.tick();
  switch (e.op) {
    case Op::kNumber:
      return e.value;
    case Op::kBaseNumber: {
      auto v = base_number_value(e.literal, e.base);
      if (!v) return std::nullopt;
      return mpq_class(*v);
    }
    case Op::kSymbol:
    case Op::kPi:
    case Op::kE:
    case Op::kI:
    case Op::kInf:
    case Op::kPlusMinus:
      return std::nullopt;
    case Op::kNeg: {
      Q a = eval(*e.args[0], b);
      if (!a) return std::nullopt;
      return mpq_class(-*a);
    }
    case Op::kAdd: {
      mpq_class sum = 0;
      for (const auto& a : e.args) {
        Q x = eval(*a, b);
        if (!x) return std::nullopt;
        sum += *x;
      }
      return sum;
    }
    case Op::kMul: {
      std::vector<mpq_class> xs;
      double bits = 0;
      bool zero = false;
      for (const auto& a : e.args) {
        Q x = eval(*a, b);
        if (!x) return std::nullopt;
        zero = zero || *x == 0;
        bits += static_cast<double>(bit_size(*x));
        xs.push_back(*x);
      }
      if (zero) return mpq_class(0);
      check_bits(bits, b, "product");
      mpq_class p = 1;
      for (const auto& x : xs) p *= x;
      return p;
    }
    case Op::kDiv: {
      Q n = eval(*e.args[0], b);
      if (!n) return std::nullopt;
      Q d = eval(*e.args[1], b);
      if (!d || *d == 0) return std::nullopt;
      return mpq_class(*n / *d);
    }
    case Op::kPow: {
      Q x = eval(*e.args[0], b);
      if (!x) return std::nullopt;
      Q y = eval(*e.args[1], b);
      if (!y) return std::nullopt;
      if (!is_integer(*y) && *x != 0 && !(abs(*x) == 1)) {
        // x^(p/q): bound the size of x^p before trying roots.
        check_bits(static_cast<double>(bit_size(*x)) * std::abs(y->get_d()), b, "power");
      }
      if (abs(y->get_num()) > mpz_class("1000000000000") && !(abs(*x) == 1) && *x != 0)
        Budget::exceed("exponent too large");
      return rational_power(*x, *y, b);
    }
    case Op::kFactorial: {
      Q n = eval(*e.args[0], b);
      if (!n || !is_integer(*n) || *n < 0) return std::nullopt;
      if (*n > b.opts().max_factorial) Budget::exceed("factorial too large");
      mpz_class r;
      mpz_fac_ui(r.get_mpz_t(), n->get_num().get_ui());
      return mpq_class(r);
    }
    case Op::kFunc:
      return eval_func(e, b);
  }
  return std::nullopt;
}

}  // namespace

size_t bit_size(const mpq_class& q) {
  return mpz_sizeinbase(q.get_num_mpz_t(), 2) + mpz_sizeinbase(q.get_den_mpz_t(), 2);
}

std::optional<mpz_class> base_number_value(const std::string& digits, int base) {
  if (base < 2 || base > 36 || digits.empty() || digits.size() > 200) return std::nullopt;
  mpz_class v = 0;
  for (char c : digits) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      d = std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    } else {
      return std::nullopt;
    }
    if (d >= base) return std::nullopt;
    v = v * base + d;
  }
  return v;
}

std::optional<mpq_class> exact_value(const Expr& e, Budget& budget) {
  return eval(e, budget);
}

}  // namespace ds::verify
