// Countdown expression parser and exact evaluator (see countdown_expr.h).
#include "tasks/countdown_expr.h"

#include <cstdio>
#include <limits>
#include <numeric>

namespace ds::tasks {

namespace {

enum class Tok { kNum, kPlus, kMinus, kTimes, kDivide, kOpen, kClose, kEnd };

struct Token {
  Tok kind;
  int64_t value = 0;  // kNum only
  size_t pos = 0;     // byte offset in the input (for error messages)
};

const char* tok_name(Tok t) {
  switch (t) {
    case Tok::kNum:
      return "a number";
    case Tok::kPlus:
      return "'+'";
    case Tok::kMinus:
      return "'-'";
    case Tok::kTimes:
      return "'*'";
    case Tok::kDivide:
      return "'/'";
    case Tok::kOpen:
      return "'('";
    case Tok::kClose:
      return "')'";
    case Tok::kEnd:
      return "the end";
  }
  return "?";
}

// Multi-byte spellings accepted for the operators and parentheses.
struct Alias {
  std::string_view text;
  Tok kind;
};
constexpr Alias kAliases[] = {
    {"\u00d7", Tok::kTimes},  {"\u00f7", Tok::kDivide},  {"\u2212", Tok::kMinus},
    {"\u00b7", Tok::kTimes},  {"\u22c5", Tok::kTimes},   {"\u2013", Tok::kMinus},
    {"\\times", Tok::kTimes}, {"\\cdot", Tok::kTimes},   {"\\div", Tok::kDivide},
    {"\\left(", Tok::kOpen},  {"\\right)", Tok::kClose},
};

bool tokenize(std::string_view s, std::vector<Token>& out, std::string& error) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    if (c >= '0' && c <= '9') {
      size_t start = i;
      int64_t v = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) {
          error = "number too large at position " + std::to_string(start);
          return false;
        }
        v = v * 10 + (s[i] - '0');
        ++i;
      }
      if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
        error = "only whole numbers are allowed (position " + std::to_string(i) + ")";
        return false;
      }
      out.push_back({Tok::kNum, v, start});
      continue;
    }
    Tok kind = Tok::kEnd;
    switch (c) {
      case '+':
        kind = Tok::kPlus;
        break;
      case '-':
        kind = Tok::kMinus;
        break;
      case '*':
        kind = Tok::kTimes;
        break;
      case '/':
        kind = Tok::kDivide;
        break;
      case '(':
        kind = Tok::kOpen;
        break;
      case ')':
        kind = Tok::kClose;
        break;
      default:
        break;
    }
    if (kind != Tok::kEnd) {
      out.push_back({kind, 0, i});
      ++i;
      continue;
    }
    bool matched = false;
    for (const Alias& a : kAliases) {
      if (s.substr(i, a.text.size()) == a.text) {
        out.push_back({a.kind, 0, i});
        i += a.text.size();
        matched = true;
        break;
      }
    }
    if (matched) continue;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", c);
    std::string shown =
        c >= 0x20 && c < 0x7f ? std::string(1, static_cast<char>(c)) : std::string("byte ") + hex;
    error = "unexpected character '" + shown + "' at position " + std::to_string(i);
    return false;
  }
  out.push_back({Tok::kEnd, 0, s.size()});
  return true;
}

using i128 = __int128;

bool make_rational(i128 num, i128 den, Rational& out) {
  if (den < 0) num = -num, den = -den;
  i128 a = num < 0 ? -num : num, b = den;
  while (b != 0) {
    i128 t = a % b;
    a = b;
    b = t;
  }
  if (a > 1) num /= a, den /= a;
  constexpr i128 kMax = std::numeric_limits<int64_t>::max();
  if (num > kMax || num < -kMax || den > kMax) return false;
  out = {static_cast<int64_t>(num), static_cast<int64_t>(den)};
  return true;
}

class Parser {
 public:
  Parser(const std::vector<Token>& toks, bool allow_fractions, ParsedExpr& out)
      : toks_(toks), allow_fractions_(allow_fractions), out_(out) {}

  bool parse_all(Rational& v) {
    if (!expr(v, 0)) return false;
    if (peek().kind != Tok::kEnd)
      return fail(peek().kind == Tok::kClose ? "unbalanced parentheses: unexpected ')'"
                                             : std::string("unexpected ") + tok_name(peek().kind) +
                                                   " at position " + std::to_string(peek().pos));
    return true;
  }

 private:
  const Token& peek() const { return toks_[i_]; }
  bool fail(const std::string& msg) {
    if (out_.error.empty()) out_.error = msg;
    return false;
  }

  // expr := term (('+' | '-') term)*
  bool expr(Rational& v, int depth) {
    if (!term(v, depth)) return false;
    while (peek().kind == Tok::kPlus || peek().kind == Tok::kMinus) {
      bool plus = toks_[i_++].kind == Tok::kPlus;
      Rational r;
      if (!term(r, depth)) return false;
      i128 num =
          static_cast<i128>(v.num) * r.den + (plus ? 1 : -1) * static_cast<i128>(r.num) * v.den;
      if (!make_rational(num, static_cast<i128>(v.den) * r.den, v))
        return fail("value out of range");
    }
    return true;
  }

  // term := factor (('*' | '/') factor)*
  bool term(Rational& v, int depth) {
    if (!factor(v, depth)) return false;
    while (peek().kind == Tok::kTimes || peek().kind == Tok::kDivide) {
      bool times = toks_[i_++].kind == Tok::kTimes;
      Rational r;
      if (!factor(r, depth)) return false;
      Rational left = v;
      if (times) {
        if (!make_rational(static_cast<i128>(v.num) * r.num, static_cast<i128>(v.den) * r.den, v))
          return fail("value out of range");
      } else {
        if (r.num == 0) return fail("division by zero");
        if (!make_rational(static_cast<i128>(v.num) * r.den, static_cast<i128>(v.den) * r.num, v))
          return fail("value out of range");
        if (!allow_fractions_ && !v.is_integer())
          return fail("non-integer division " + to_string(left) + "/" + to_string(r));
      }
    }
    return true;
  }

  // factor := NUMBER | '(' expr ')'
  bool factor(Rational& v, int depth) {
    const Token& t = peek();
    if (t.kind == Tok::kNum) {
      ++i_;
      out_.numbers.push_back(t.value);
      v = {t.value, 1};
      return true;
    }
    if (t.kind == Tok::kOpen) {
      if (depth + 1 > kMaxExprDepth) return fail("parentheses nested too deeply");
      ++i_;
      if (!expr(v, depth + 1)) return false;
      if (peek().kind != Tok::kClose) {
        if (peek().kind == Tok::kEnd) return fail("unbalanced parentheses: missing ')'");
        return fail(std::string("expected ')' but found ") + tok_name(peek().kind) +
                    " at position " + std::to_string(peek().pos));
      }
      ++i_;
      return true;
    }
    if (t.kind == Tok::kEnd)
      return fail(toks_.size() == 1 ? "empty expression" : "expression ends with an operator");
    if (t.kind == Tok::kMinus || t.kind == Tok::kPlus)
      return fail("unary " + std::string(tok_name(t.kind)) + " at position " +
                  std::to_string(t.pos) + " (signs are not allowed)");
    return fail(std::string("expected a number or '(' but found ") + tok_name(t.kind) +
                " at position " + std::to_string(t.pos));
  }

  const std::vector<Token>& toks_;
  bool allow_fractions_;
  ParsedExpr& out_;
  size_t i_ = 0;
};

}  // namespace

std::string to_string(const Rational& r) {
  return r.den == 1 ? std::to_string(r.num) : std::to_string(r.num) + "/" + std::to_string(r.den);
}

ParsedExpr parse_countdown_expression(std::string_view text, bool allow_fractions) {
  ParsedExpr out;
  if (text.size() > kMaxExprChars) {
    out.error = "expression longer than " + std::to_string(kMaxExprChars) + " characters";
    return out;
  }
  std::vector<Token> toks;
  if (!tokenize(text, toks, out.error)) return out;
  Parser parser(toks, allow_fractions, out);
  Rational v;
  if (!parser.parse_all(v)) {
    out.numbers.clear();
    return out;
  }
  out.ok = true;
  out.value = v;
  return out;
}

}  // namespace ds::tasks
