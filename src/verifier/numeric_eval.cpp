// Complex long double evaluation and randomized numeric equivalence (see numeric_eval.h).
#include "verifier/numeric_eval.h"

#include <mpfr.h>

#include <cmath>
#include <numeric>
#include <set>
#include <vector>

#include "core/rng.h"
#include "verifier/exact_eval.h"

namespace ds::verify {

namespace {

constexpr long double kNaN = std::numeric_limits<long double>::quiet_NaN();
const Complex kBad(kNaN, kNaN);

long double to_long_double(const mpq_class& q) {
  if (q.get_den() == 1 && q.get_num().fits_slong_p())
    return static_cast<long double>(q.get_num().get_si());
  mpfr_t x;
  mpfr_init2(x, 80);
  mpfr_set_q(x, q.get_mpq_t(), MPFR_RNDN);
  long double r = mpfr_get_ld(x, MPFR_RNDN);
  mpfr_clear(x);
  return r;
}

bool finite(const Complex& z) {
  return std::isfinite(z.real()) && std::isfinite(z.imag());
}
bool is_real(const Complex& z) {
  return std::abs(z.imag()) <= 1e-15L * (1 + std::abs(z.real()));
}

Complex int_power(Complex base, long long n) {
  bool invert = n < 0;
  unsigned long long m =
      invert ? static_cast<unsigned long long>(-n) : static_cast<unsigned long long>(n);
  Complex r(1, 0);
  while (m) {
    if (m & 1) r *= base;
    base *= base;
    m >>= 1;
  }
  return invert ? Complex(1, 0) / r : r;
}

// Real odd roots of negative reals (\sqrt[3]{-8} = -2, x^{1/3} at x < 0), else the principal value.
Complex real_aware_power(const Complex& base, const Complex& exponent, const Expr& exponent_expr,
                         Budget& b) {
  if (is_real(exponent)) {
    long double y = exponent.real();
    if (std::abs(y) <= 1e6 && y == std::nearbyint(y))
      return int_power(base, static_cast<long long>(y));
    if (is_real(base) && base.real() >= 0) return Complex(std::pow(base.real(), y), 0);
    if (is_real(base) && base.real() < 0) {
      std::optional<mpq_class> q;
      try {
        q = exact_value(exponent_expr, b);
      } catch (const BudgetExceeded&) {
        throw;
      }
      if (q && mpz_odd_p(q->get_den_mpz_t())) {
        long double mag = std::pow(-base.real(), y);
        bool odd_num = mpz_odd_p(q->get_num_mpz_t());
        return Complex(odd_num ? -mag : mag, 0);
      }
    }
  }
  return std::pow(base, exponent);
}

long double gamma_real(long double x) {
  return std::tgamma(x);
}

Complex binomial(const Complex& n, const Complex& k) {
  if (!is_real(n) || !is_real(k)) return kBad;
  long double nr = n.real(), kr = k.real();
  if (kr == std::nearbyint(kr)) {
    if (kr < 0) return Complex(0, 0);
    if (kr <= 2000) {  // falling factorial / k!
      long double r = 1;
      for (long long i = 0; i < static_cast<long long>(kr); ++i) r = r * (nr - i) / (i + 1);
      return Complex(r, 0);
    }
  }
  return Complex(gamma_real(nr + 1) / (gamma_real(kr + 1) * gamma_real(nr - kr + 1)), 0);
}

Complex eval(const Expr& e, const std::map<std::string, Complex>& env, Budget& b);

Complex eval_func(const Expr& e, const std::map<std::string, Complex>& env, Budget& b) {
  std::vector<Complex> v;
  for (const auto& a : e.args) v.push_back(eval(*a, env, b));
  const Complex one(1, 0);
  const Complex& x = v[0];
  switch (e.fn) {
    case Fn::kSin:
      return std::sin(x);
    case Fn::kCos:
      return std::cos(x);
    case Fn::kTan:
      return std::tan(x);
    case Fn::kCot:
      return one / std::tan(x);
    case Fn::kSec:
      return one / std::cos(x);
    case Fn::kCsc:
      return one / std::sin(x);
    case Fn::kAsin:
      return std::asin(x);
    case Fn::kAcos:
      return std::acos(x);
    case Fn::kAtan:
      return std::atan(x);
    case Fn::kAcot:
      return std::atan(one / x);
    case Fn::kAsec:
      return std::acos(one / x);
    case Fn::kAcsc:
      return std::asin(one / x);
    case Fn::kSinh:
      return std::sinh(x);
    case Fn::kCosh:
      return std::cosh(x);
    case Fn::kTanh:
      return std::tanh(x);
    case Fn::kCoth:
      return one / std::tanh(x);
    case Fn::kLn:
      return std::log(x);
    case Fn::kLog:
      return std::log(x) / std::log(v.size() > 1 ? v[1] : Complex(10, 0));
    case Fn::kExp:
      return std::exp(x);
    case Fn::kSqrt: {
      if (v.size() == 1) return std::sqrt(x);
      auto inv = std::make_shared<Expr>();
      inv->op = Op::kDiv;
      inv->args = {make_int(1), e.args[1]};
      return real_aware_power(x, one / v[1], *inv, b);
    }
    case Fn::kAbs:
      return Complex(std::abs(x), 0);
    case Fn::kFloor:
      return is_real(x) ? Complex(std::floor(x.real() + 1e-12L * std::abs(x.real())), 0) : kBad;
    case Fn::kCeil:
      return is_real(x) ? Complex(std::ceil(x.real() - 1e-12L * std::abs(x.real())), 0) : kBad;
    case Fn::kBinom:
      return binomial(v[0], v[1]);
    case Fn::kMin:
    case Fn::kMax: {
      long double m = x.real();
      for (const auto& z : v) {
        if (!is_real(z)) return kBad;
        m = e.fn == Fn::kMin ? std::min(m, z.real()) : std::max(m, z.real());
      }
      return Complex(m, 0);
    }
    case Fn::kGcd:
    case Fn::kLcm: {
      long long acc = 0;
      for (size_t i = 0; i < v.size(); ++i) {
        const Complex& z = v[i];
        if (!is_real(z) || z.real() != std::nearbyint(z.real()) || std::abs(z.real()) > 1e15L)
          return kBad;
        long long n = std::llabs(static_cast<long long>(z.real()));
        if (i == 0) {
          acc = n;
        } else if (e.fn == Fn::kGcd) {
          acc = std::gcd(acc, n);
        } else {
          long long g = std::gcd(acc, n);
          if (g == 0) return Complex(0, 0);
          long double l = static_cast<long double>(acc / g) * static_cast<long double>(n);
          if (l > 1e15L) return kBad;
          acc = static_cast<long long>(l);
        }
      }
      return Complex(static_cast<long double>(acc), 0);
    }
  }
  return kBad;
}

Complex eval(const Expr& e, const std::map<std::string, Complex>& env, Budget& b) {
  b.tick();
  switch (e.op) {
    case Op::kNumber:
      return Complex(to_long_double(e.value), 0);
    case Op::kBaseNumber: {
      auto v = base_number_value(e.literal, e.base);
      return v ? Complex(to_long_double(mpq_class(*v)), 0) : kBad;
    }
    case Op::kSymbol: {
      auto it = env.find(e.name);
      return it == env.end() ? kBad : it->second;
    }
    case Op::kPi:
      return Complex(std::acos(-1.0L), 0);
    case Op::kE:
      return Complex(std::exp(1.0L), 0);
    case Op::kI:
      return Complex(0, 1);
    case Op::kInf:
      return Complex(std::numeric_limits<long double>::infinity(), 0);
    case Op::kAdd: {
      Complex s(0, 0);
      for (const auto& a : e.args) s += eval(*a, env, b);
      return s;
    }
    case Op::kMul: {
      Complex p(1, 0);
      for (const auto& a : e.args) p *= eval(*a, env, b);
      return p;
    }
    case Op::kDiv:
      return eval(*e.args[0], env, b) / eval(*e.args[1], env, b);
    case Op::kNeg:
      return -eval(*e.args[0], env, b);
    case Op::kPow: {
      Complex base = eval(*e.args[0], env, b);
      Complex exponent = eval(*e.args[1], env, b);
      return real_aware_power(base, exponent, *e.args[1], b);
    }
    case Op::kFactorial: {
      Complex n = eval(*e.args[0], env, b);
      if (!is_real(n) || n.real() > 1800) return kBad;
      return Complex(std::tgamma(n.real() + 1), 0);
    }
    case Op::kFunc:
      return eval_func(e, env, b);
    case Op::kPlusMinus:
      return kBad;
  }
  return kBad;
}

bool close(const Complex& a, const Complex& b, long double rel_tol, long double abs_tol) {
  long double diff = std::abs(a - b);
  long double scale = std::max(std::abs(a), std::abs(b));
  return diff <= rel_tol * scale || diff <= abs_tol;
}

// The seeded points: every symbol gets a value in [0.35, 2.35) per point.
std::vector<std::map<std::string, Complex>> points(const Expr& a, const Expr& b, Budget& budget) {
  std::set<std::string> names;
  collect_symbols(a, names);
  collect_symbols(b, names);
  int n = names.empty() ? 1 : std::max(2, budget.opts().numeric_points);
  std::vector<std::map<std::string, Complex>> out(n);
  for (int p = 0; p < n; ++p) {
    Rng rng(Rng::derive(static_cast<uint64_t>(budget.opts().seed), static_cast<uint64_t>(p)));
    for (const auto& name : names) out[p][name] = Complex(0.35L + 2.0L * rng.uniform(), 0);
  }
  return out;
}

}  // namespace

Complex numeric_value(const Expr& e, const std::map<std::string, Complex>& env, Budget& budget) {
  return eval(e, env, budget);
}

Decision numeric_equal(const Expr& a, const Expr& b, double rel_tol, Budget& budget) {
  auto pts = points(a, b, budget);
  // Exact forms evaluated in long double agree to ~1e-18; a tiny absolute floor lets a true zero
  // (sqrt(8) - 2 sqrt(2)) match 0. Decimal answers get the relative tolerance only.
  long double abs_tol = rel_tol <= 1e-9 ? 1e-17L : 0.0L;
  int valid = 0;
  for (const auto& env : pts) {
    Complex x = eval(a, env, budget), y = eval(b, env, budget);
    if (!finite(x) || !finite(y)) {
      if (!finite(x) && !finite(y)) continue;
      // Finite on one side only: unequal where both are defined is impossible to tell here.
      continue;
    }
    ++valid;
    if (!close(x, y, rel_tol, abs_tol)) return Decision::kNo;
  }
  int needed = pts.size() == 1 ? 1 : 2;
  return valid >= needed ? Decision::kYes : Decision::kUnknown;
}

Decision numeric_proportional(const Expr& a, const Expr& b, bool positive, double rel_tol,
                              Budget& budget) {
  auto pts = points(a, b, budget);
  std::optional<Complex> ratio;
  int valid = 0;
  for (const auto& env : pts) {
    Complex x = eval(a, env, budget), y = eval(b, env, budget);
    if (!finite(x) || !finite(y)) continue;
    long double scale = std::max(std::abs(x), std::abs(y));
    if (scale == 0) continue;
    bool x_zero = std::abs(x) <= 1e-15L * scale, y_zero = std::abs(y) <= 1e-15L * scale;
    if (x_zero && y_zero) continue;
    if (x_zero != y_zero) return Decision::kNo;
    Complex r = x / y;
    ++valid;
    if (!ratio) {
      ratio = r;
      if (positive && !(is_real(r) && r.real() > 0)) return Decision::kNo;
    } else if (!close(r, *ratio, rel_tol, 0)) {
      return Decision::kNo;
    }
  }
  int needed = pts.size() == 1 ? 1 : 2;
  return valid >= needed ? Decision::kYes : Decision::kUnknown;
}

}  // namespace ds::verify
