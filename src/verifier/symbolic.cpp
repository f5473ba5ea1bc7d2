// GiNaC-backed symbolic equivalence with size guards (see symbolic.h).
#include "verifier/symbolic.h"

#include <ginac/ginac.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "verifier/exact_eval.h"

namespace ds::verify {

namespace {

std::mutex& ginac_mutex() {
  static std::mutex m;
  return m;
}

// Internal: the tree has something the CAS path does not take (floor, infinity, a risky size).
class Unsupported : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

double binom_estimate(double n, double k) {  // C(n, k) in floating point, saturating at 1e12
  k = std::min(k, n - k);
  if (k > 1e4) return 1e12;
  double r = 1;
  for (double i = 1; i <= k && r < 1e12; ++i) r = r * (n - k + i) / i;
  return std::min(r, 1e12);
}

// Estimated number of terms after full expansion (saturates at 1e12).
double expanded_terms(const Expr& e, Budget& b) {
  switch (e.op) {
    case Op::kAdd: {
      double s = 0;
      for (const auto& a : e.args) s += expanded_terms(*a, b);
      return std::min(s, 1e12);
    }
    case Op::kMul: {
      double p = 1;
      for (const auto& a : e.args) p *= expanded_terms(*a, b);
      return std::min(p, 1e12);
    }
    case Op::kDiv:
      return std::min(expanded_terms(*e.args[0], b) * expanded_terms(*e.args[1], b), 1e12);
    case Op::kNeg:
      return expanded_terms(*e.args[0], b);
    case Op::kPow: {
      double t = expanded_terms(*e.args[0], b);
      auto n = exact_value(*e.args[1], b);
      if (!n || n->get_den() != 1 || t <= 1) return t;
      double k = std::abs(n->get_d());
      return binom_estimate(k + t - 1, t - 1);
    }
    default:
      return 1;
  }
}

class ToGinac {
 public:
  // Symbols get fixed values for the pole checks below.
  ToGinac(Budget& b, const Expr& x, const Expr& y) : b_(b) {
    std::set<std::string> names;
    collect_symbols(x, names);
    collect_symbols(y, names);
    long double v = 0.4L;
    for (const auto& n : names) {
      env_[n] = Complex(v, 0);
      v += 0.2718281828L;
    }
  }

  // True when something other than rational-function operations appeared.
  bool transcendental() const { return transcendental_; }
  const std::map<std::string, GiNaC::symbol>& symbols() const { return syms_; }

  GiNaC::ex conv(const Expr& e) {
    b_.tick();
    switch (e.op) {
      case Op::kNumber:
        return number(e.value);
      case Op::kBaseNumber: {
        auto v = base_number_value(e.literal, e.base);
        if (!v) throw Unsupported("bad base number");
        return number(mpq_class(*v));
      }
      case Op::kSymbol: {
        auto it = syms_.find(e.name);
        if (it == syms_.end()) it = syms_.emplace(e.name, GiNaC::symbol(e.name)).first;
        return it->second;
      }
      case Op::kPi:
        transcendental_ = true;
        return GiNaC::Pi;
      case Op::kE:
        transcendental_ = true;
        return GiNaC::exp(GiNaC::ex(1));
      case Op::kI:
        return GiNaC::I;
      case Op::kInf:
      case Op::kPlusMinus:
        throw Unsupported("not a CAS expression");
      case Op::kAdd: {
        GiNaC::ex s = 0;
        for (const auto& a : e.args) s += conv(*a);
        return s;
      }
      case Op::kMul: {
        GiNaC::ex p = 1;
        for (const auto& a : e.args) p *= conv(*a);
        return p;
      }
      case Op::kDiv:
        if (near_zero(*e.args[1])) throw Unsupported("division by zero");
        return conv(*e.args[0]) / conv(*e.args[1]);
      case Op::kNeg:
        return -conv(*e.args[0]);
      case Op::kPow:
        return power(e);
      case Op::kFactorial: {
        auto n = exact_value(*e.args[0], b_);
        if (n && *n > b_.opts().max_factorial) Budget::exceed("factorial too large");
        if (!n) transcendental_ = true;
        Complex v = value(*e.args[0]);
        if (!(v.real() > -0.5) || std::abs(v.imag()) > 1e-12L)
          throw Unsupported("factorial domain");
        return GiNaC::factorial(conv(*e.args[0]));
      }
      case Op::kFunc:
        return func(e);
    }
    throw Unsupported("unknown node");
  }

 private:
  static GiNaC::ex number(const mpq_class& q) {
    if (q.get_num().fits_slong_p() && q.get_den().fits_slong_p())
      return GiNaC::numeric(q.get_num().get_si()) / GiNaC::numeric(q.get_den().get_si());
    cln::cl_I num(q.get_num().get_str().c_str()), den(q.get_den().get_str().c_str());
    return GiNaC::numeric(num) / GiNaC::numeric(den);
  }

  GiNaC::ex power(const Expr& e) {
    const Expr& base = *e.args[0];
    const Expr& exponent = *e.args[1];
    auto n = exact_value(exponent, b_);
    auto base_value = exact_value(base, b_);
    if (n) {
      if (base_value) {
        // GiNaC evaluates numeric powers eagerly: bound the exact size first.
        double bits = static_cast<double>(bit_size(*base_value)) * std::abs(n->get_d());
        if (*base_value != 0 && abs(*base_value) != 1 && bits > b_.opts().max_number_bits)
          Budget::exceed("power too large for exact arithmetic");
      } else if (n->get_den() == 1 && std::abs(n->get_d()) > b_.opts().max_exponent) {
        throw Unsupported("exponent too large for the CAS");
      }
      if (n->get_den() != 1) transcendental_ = true;
    } else {
      transcendental_ = true;
      if (base_value && abs(*base_value) != 1 && *base_value != 0) {
        // 2^{x}: fine symbolically, but a huge constant exponent hidden in x is not.
        std::set<std::string> names;
        collect_symbols(exponent, names);
        if (names.empty()) throw Unsupported("non-rational constant exponent");
      }
    }
    if (near_zero(base)) {
      Complex y = value(exponent);
      if (!(y.real() > 0) || std::abs(y.imag()) > 1e-12L)
        throw Unsupported("0 to a non-positive power");
    }
    if (base.op == Op::kE) return GiNaC::exp(conv(exponent));
    return GiNaC::pow(conv(base), conv(exponent));
  }

  void check_poles(const Expr& e) {
    Complex x = value(*e.args[0]);
    const Complex one(1, 0), i(0, 1);
    auto small = [](const Complex& z) {
      return !(std::isfinite(z.real()) && std::isfinite(z.imag())) || std::abs(z) < 1e-9L;
    };
    bool pole = false;
    switch (e.fn) {
      case Fn::kTan:
      case Fn::kSec:
        pole = small(std::cos(x));
        break;
      case Fn::kCot:
      case Fn::kCsc:
        pole = small(std::sin(x));
        break;
      case Fn::kCoth:
        pole = small(std::sinh(x));
        break;
      case Fn::kAtan:
        pole = small(x - i) || small(x + i);
        break;
      case Fn::kAcot:
      case Fn::kAsec:
      case Fn::kAcsc:
        pole = small(x) || small(x - i) || small(x + i);
        break;
      case Fn::kLn:
        pole = small(x);
        break;
      case Fn::kLog:
        pole = small(x) ||
               (e.args.size() > 1 && (small(value(*e.args[1])) || small(value(*e.args[1]) - one)));
        break;
      case Fn::kBinom: {
        Complex k = value(*e.args[1]);
        pole = !(x.real() > -0.5) || !(k.real() > -0.5);
        break;
      }
      default:
        break;
    }
    if (pole) throw Unsupported("pole");
  }

  GiNaC::ex func(const Expr& e) {
    transcendental_ = true;
    check_poles(e);
    std::vector<GiNaC::ex> v;
    for (const auto& a : e.args) v.push_back(conv(*a));
    const GiNaC::ex& x = v[0];
    switch (e.fn) {
      case Fn::kSin:
        return GiNaC::sin(x);
      case Fn::kCos:
        return GiNaC::cos(x);
      case Fn::kTan:
        return GiNaC::tan(x);
      case Fn::kCot:
        return 1 / GiNaC::tan(x);
      case Fn::kSec:
        return 1 / GiNaC::cos(x);
      case Fn::kCsc:
        return 1 / GiNaC::sin(x);
      case Fn::kAsin:
        return GiNaC::asin(x);
      case Fn::kAcos:
        return GiNaC::acos(x);
      case Fn::kAtan:
        return GiNaC::atan(x);
      case Fn::kAcot:
        return GiNaC::atan(1 / x);
      case Fn::kAsec:
        return GiNaC::acos(1 / x);
      case Fn::kAcsc:
        return GiNaC::asin(1 / x);
      case Fn::kSinh:
        return GiNaC::sinh(x);
      case Fn::kCosh:
        return GiNaC::cosh(x);
      case Fn::kTanh:
        return GiNaC::tanh(x);
      case Fn::kCoth:
        return 1 / GiNaC::tanh(x);
      case Fn::kLn:
        return GiNaC::log(x);
      case Fn::kLog:
        return GiNaC::log(x) / GiNaC::log(v.size() > 1 ? v[1] : GiNaC::ex(10));
      case Fn::kExp:
        return GiNaC::exp(x);
      case Fn::kSqrt: {
        if (v.size() == 1) return GiNaC::sqrt(x);
        auto idx = exact_value(*e.args[1], b_);
        if (!idx || idx->get_den() != 1 || *idx < 2 || *idx > 64) throw Unsupported("root index");
        return GiNaC::pow(x, GiNaC::numeric(1, idx->get_num().get_si()));
      }
      case Fn::kAbs:
        return GiNaC::abs(x);
      case Fn::kBinom: {
        auto n = exact_value(*e.args[0], b_);
        auto k = exact_value(*e.args[1], b_);
        if ((n && abs(*n) > b_.opts().max_factorial) || (k && abs(*k) > b_.opts().max_factorial))
          Budget::exceed("binomial coefficient too large");
        return GiNaC::binomial(v[0], v[1]);
      }
      default:
        throw Unsupported("function without a CAS form");
    }
  }

  // GiNaC throws from inside its constructors on poles (1/0, 0^0, log 0, tan(pi/2)) and leaks
  // the half-built object; such inputs are kept away from it (numeric test instead).
  Complex value(const Expr& e) { return numeric_value(e, env_, b_); }
  bool near_zero(const Expr& e) {
    Complex v = value(e);
    return !(std::isfinite(v.real()) && std::isfinite(v.imag())) || std::abs(v) < 1e-9L;
  }

  Budget& b_;
  std::map<std::string, Complex> env_;
  std::map<std::string, GiNaC::symbol> syms_;
  bool transcendental_ = false;
};

// Height of the tower of non-constant exponents (x^{x^{x}} = 3); GiNaC's normal() is
// exponential in it.
int exponent_tower(const Expr& e) {
  int h = 0;
  for (const auto& a : e.args) h = std::max(h, exponent_tower(*a));
  if (e.op == Op::kPow) {
    std::set<std::string> names;
    collect_symbols(*e.args[1], names);
    if (!names.empty()) h = std::max(h, 1 + exponent_tower(*e.args[1]));
  }
  return h;
}

// Common guards before any GiNaC work.
bool cas_fits(const Expr& a, const Expr& b, Budget& budget) {
  if (exponent_tower(a) > 2 || exponent_tower(b) > 2) return false;
  if (node_count(a) + node_count(b) > static_cast<size_t>(budget.opts().max_symbolic_nodes))
    return false;
  if (contains_op(a, Op::kInf) || contains_op(b, Op::kInf)) return false;
  if (contains_op(a, Op::kPlusMinus) || contains_op(b, Op::kPlusMinus)) return false;
  return expanded_terms(a, budget) + expanded_terms(b, budget) <= 20000;
}

bool has_symbols(const GiNaC::ex& e, const ToGinac& conv) {
  for (const auto& [name, sym] : conv.symbols())
    if (e.has(sym)) return true;
  return false;
}

}  // namespace

Decision cas_equal(const Expr& a, const Expr& b, Budget& budget) {
  budget.check_clock();
  if (!cas_fits(a, b, budget)) return Decision::kUnknown;
  std::lock_guard<std::mutex> lock(ginac_mutex());
  try {
    ToGinac conv(budget, a, b);
    GiNaC::ex d = GiNaC::normal(conv.conv(a) - conv.conv(b));
    if (d.is_zero()) return Decision::kYes;
    if (!conv.transcendental()) return Decision::kNo;
    return Decision::kUnknown;
  } catch (const BudgetExceeded&) {
    throw;
  } catch (const std::exception&) {  // Unsupported, pole_error, domain errors
    return Decision::kUnknown;
  }
}

Decision cas_proportional(const Expr& a, const Expr& b, bool positive, Budget& budget) {
  budget.check_clock();
  if (!cas_fits(a, b, budget)) return Decision::kUnknown;
  std::lock_guard<std::mutex> lock(ginac_mutex());
  try {
    ToGinac conv(budget, a, b);
    GiNaC::ex ea = conv.conv(a), eb = conv.conv(b);
    if (GiNaC::normal(eb).is_zero()) return Decision::kUnknown;
    GiNaC::ex r = GiNaC::normal(ea / eb);
    if (!has_symbols(r, conv)) {
      GiNaC::ex v = r.evalf();
      if (!GiNaC::is_a<GiNaC::numeric>(v)) return Decision::kUnknown;
      const GiNaC::numeric& n = GiNaC::ex_to<GiNaC::numeric>(v);
      if (n.is_zero()) return Decision::kNo;
      if (positive && !(n.is_real() && n.is_positive())) return Decision::kNo;
      return Decision::kYes;
    }
    if (!conv.transcendental()) return Decision::kNo;
    return Decision::kUnknown;
  } catch (const BudgetExceeded&) {
    throw;
  } catch (const std::exception&) {
    return Decision::kUnknown;
  }
}

}  // namespace ds::verify
