// Exact decimal literals and the plain-number fast path (see number.h).
#include "verifier/number.h"

#include <cctype>
#include <string>

namespace ds::verify {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

mpz_class pow10(unsigned long n) {
  mpz_class r;
  mpz_ui_pow_ui(r.get_mpz_t(), 10, n);
  return r;
}

// Reads an unsigned integer made of digits only; false when empty or not all digits.
bool parse_uint(std::string_view s, mpz_class& out) {
  if (s.empty() || s.size() > 4000) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  out.set_str(std::string(s), 10);
  return true;
}

}  // namespace

LiteralStatus parse_decimal_literal(std::string_view s, long max_exp10, NumberLiteral& out) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  size_t int_start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  std::string_view int_part = s.substr(int_start, i - int_start);
  std::string_view frac_part;
  bool decimal = false;
  if (i < s.size() && s[i] == '.') {
    decimal = true;
    size_t f = ++i;
    while (i < s.size() && is_digit(s[i])) ++i;
    frac_part = s.substr(f, i - f);
  }
  if (int_part.empty() && frac_part.empty()) return LiteralStatus::kNotANumber;
  long exp10 = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    decimal = true;
    ++i;
    bool exp_negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) exp_negative = s[i++] == '-';
    size_t e = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == e) return LiteralStatus::kNotANumber;
    if (i - e > 9) return LiteralStatus::kTooLarge;
    exp10 = std::stol(std::string(s.substr(e, i - e)));
    if (exp_negative) exp10 = -exp10;
  }
  if (i != s.size()) return LiteralStatus::kNotANumber;
  if (int_part.size() + frac_part.size() > 4000) return LiteralStatus::kTooLarge;
  long shift = exp10 - static_cast<long>(frac_part.size());
  if (shift > max_exp10 || -shift > max_exp10) return LiteralStatus::kTooLarge;
  mpz_class mantissa;
  std::string digits = std::string(int_part) + std::string(frac_part);
  mantissa.set_str(digits, 10);
  mpq_class v;
  if (shift >= 0) {
    v = mpq_class(mantissa * pow10(static_cast<unsigned long>(shift)));
  } else {
    v = mpq_class(mantissa, pow10(static_cast<unsigned long>(-shift)));
    v.canonicalize();
  }
  out.value = negative ? mpq_class(-v) : v;
  out.decimal = decimal;
  out.frac_digits = decimal ? static_cast<int>(-shift) : 0;
  return LiteralStatus::kOk;
}

std::optional<NumberLiteral> parse_plain_number(std::string_view s, long max_exp10) {
  if (s.empty() || s.size() > 200) return std::nullopt;
  NumberLiteral out;
  if (parse_decimal_literal(s, max_exp10, out) == LiteralStatus::kOk) return out;
  bool negative = false;
  std::string_view rest = s;
  if (rest[0] == '-' || rest[0] == '+') {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  mpz_class num, den;
  auto slash = rest.find('/');
  if (slash != std::string_view::npos) {  // "a/b" with integers
    if (!parse_uint(rest.substr(0, slash), num) || !parse_uint(rest.substr(slash + 1), den))
      return std::nullopt;
  } else if (rest.substr(0, 6) == "\\frac{") {  // "\frac{a}{b}" with integers
    auto close = rest.find('}', 6);
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != '{' ||
        rest.back() != '}')
      return std::nullopt;
    if (!parse_uint(rest.substr(6, close - 6), num) ||
        !parse_uint(rest.substr(close + 2, rest.size() - close - 3), den))
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (den == 0) return std::nullopt;
  out.value = mpq_class(num, den);
  out.value.canonicalize();
  if (negative) out.value = -out.value;
  out.decimal = false;
  out.frac_digits = 0;
  return out;
}

}  // namespace ds::verify
