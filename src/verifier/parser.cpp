// Recursive-descent LaTeX answer parser (see parser.h).
#include "verifier/parser.h"

#include <cctype>
#include <stdexcept>
#include <string_view>

#include "verifier/lexer.h"
#include "verifier/number.h"

namespace ds::verify {

namespace {

// Internal: unwinds the descent on a syntax error; parse_answer() turns it into a value.
class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

bool is_int_literal(const Expr& e) {
  return e.op == Op::kNumber && !e.decimal && e.value.get_den() == 1 && !e.paren;
}

// A word answer written without \text: "yes", "Evelyn", "east", "no solution". Needs a vowel
// and three letters ("no" too), so "p - q", "xy" or "MR" stay math.
bool is_bare_word(const std::string& s) {
  if (s == "no" || s == "No") return true;
  if (s.size() < 3 || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  bool vowel = false;
  size_t word_len = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ') {
      if (word_len < 2) return false;
      word_len = 0;
      continue;
    }
    if (i > 0 && (c < 'a' || c > 'z')) return false;
    vowel = vowel || std::string_view("aeiouAEIOU").find(c) != std::string_view::npos;
    ++word_len;
  }
  if (word_len < 2 || !vowel) return false;
  // Words that are math on their own.
  static const char* kMath[] = {"sin",    "cos",    "tan",  "cot",   "sec",      "csc",
                                "log",    "exp",    "sqrt", "infty", "infinity", "arcsin",
                                "arccos", "arctan", "sinh", "cosh",  "tanh",     "pi"};
  std::string first = s.substr(0, s.find(' '));
  for (const char* m : kMath)
    if (first == m) return false;
  return true;
}

bool is_words_only(const std::string& s) {
  bool letters = false;
  for (char c : s) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      letters = true;
    } else if (!(c == ' ' || c == '-' || c == '\'' || c == '.' || c == ',')) {
      return false;
    }
  }
  return letters && s.size() > 1;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, Budget& budget) : t_(std::move(tokens)), b_(budget) {}

  Answer parse_top() {
    if (at(Tok::kEnd)) fail("empty answer");
    std::vector<Answer> items;
    items.push_back(parse_item());
    while (at(Tok::kComma) || at(Tok::kSemicolon)) {
      next();
      while (at(Tok::kComma)) next();  // "3, 5, and 7": "and" is a separator too
      if (at(Tok::kEnd)) break;
      items.push_back(parse_item());
      check_items(items.size());
    }
    if (!at(Tok::kEnd)) fail_unexpected();
    if (items.size() == 1) return std::move(items[0]);
    Answer list;
    list.kind = Kind::kList;
    list.items = std::move(items);
    return list;
  }

 private:
  // ---- token access ----
  const Token& peek(size_t k = 0) const {
    size_t j = i_ + k;
    return j < t_.size() ? t_[j] : t_.back();
  }
  bool at(Tok kind) const { return peek().kind == kind; }
  const Token& next() {
    const Token& t = peek();
    if (i_ < t_.size() - 1) ++i_;
    return t;
  }
  void expect(Tok kind, const char* what) {
    if (!at(kind)) fail(std::string("expected ") + what + describe_here());
    next();
  }
  std::string describe_here() const {
    if (at(Tok::kEnd)) return " at the end";
    return " before '" + peek().text + "'";
  }
  [[noreturn]] void fail(const std::string& msg) const { throw ParseError(msg); }
  [[noreturn]] void fail_unexpected() const {
    if (at(Tok::kUnsupported)) fail("unsupported '" + peek().text + "'");
    fail("unexpected '" + peek().text + "'");
  }
  void check_items(size_t n) const {
    if (static_cast<int>(n) > b_.opts().max_items)
      Budget::exceed("more than " + std::to_string(b_.opts().max_items) + " items");
  }
  int max_depth() const { return b_.opts().max_depth; }

  // ---- structures ----
  Answer parse_item() {
    DepthGuard guard(depth_, max_depth());
    // "x \in S": the variable is not part of the answer.
    if (at(Tok::kIdent) && peek(1).kind == Tok::kRel && peek(1).rel == Rel::kIn) {
      next();
      next();
    }
    Answer first = parse_setexpr();
    if (!at(Tok::kRel)) return first;
    if (first.kind == Kind::kTuple && peek().rel == Rel::kEq) {  // "(x, y) = (1, 2)"
      bool symbols = true;
      for (const auto& it : first.items)
        symbols = symbols && it.kind == Kind::kExpr && it.expr->op == Op::kSymbol;
      if (symbols) {
        next();
        return parse_setexpr();
      }
    }
    if (first.kind != Kind::kExpr) fail("a relation between structures");
    Answer rel;
    rel.kind = Kind::kRelation;
    rel.sides.push_back(first.expr);
    while (at(Tok::kRel)) {
      Rel r = next().rel;
      if (r == Rel::kIn) fail("'\\in' after an expression");
      Answer rhs = parse_setexpr();
      if (rhs.kind != Kind::kExpr) {
        // "S = \{1, 2\}", "x = (1, 2)": a named structure.
        if (rel.rels.empty() && r == Rel::kEq && is_simple_head(*rel.sides[0]) && !at(Tok::kRel))
          return rhs;
        fail("a relation with a structure on one side");
      }
      rel.sides.push_back(rhs.expr);
      rel.rels.push_back(r);
      check_items(rel.sides.size());
    }
    return rel;
  }

  Answer parse_setexpr() {
    Answer a = parse_struct_atom();
    if (!at(Tok::kCup)) return a;
    Answer u;
    u.kind = Kind::kUnion;
    u.items.push_back(std::move(a));
    while (at(Tok::kCup)) {
      next();
      u.items.push_back(parse_struct_atom());
      check_items(u.items.size());
    }
    for (const auto& part : u.items)
      if (part.kind != Kind::kTuple && part.kind != Kind::kSet) fail("\\cup of a non-interval");
    return u;
  }

  Answer parse_struct_atom() {
    DepthGuard guard(depth_, max_depth());
    if (at(Tok::kLSet)) return parse_set_literal(Tok::kRSet);
    if (at(Tok::kEmptySet)) {
      next();
      Answer s;
      s.kind = Kind::kSet;
      return s;
    }
    if (at(Tok::kBeginEnv)) return parse_matrix();
    if ((at(Tok::kLParen) || at(Tok::kLBracket)) && group_has_comma())
      return parse_bracket_struct();
    if (at(Tok::kLBrace) && group_has_comma()) return parse_set_literal(Tok::kRBrace);
    Answer e;
    e.kind = Kind::kExpr;
    e.expr = parse_expr();
    return e;
  }

  // Whether the bracket group starting here has a comma directly inside it.
  bool group_has_comma() const {
    int depth = 0;
    for (size_t j = i_; j < t_.size(); ++j) {
      switch (t_[j].kind) {
        case Tok::kLParen:
        case Tok::kLBracket:
        case Tok::kLBrace:
        case Tok::kLSet:
        case Tok::kLFloor:
        case Tok::kLCeil:
          ++depth;
          break;
        case Tok::kRParen:
        case Tok::kRBracket:
        case Tok::kRBrace:
        case Tok::kRSet:
        case Tok::kRFloor:
        case Tok::kRCeil:
          if (--depth == 0) return false;
          break;
        case Tok::kComma:
          if (depth == 1) return true;
          break;
        case Tok::kEnd:
          return false;
        default:
          break;
      }
    }
    return false;
  }

  Answer parse_bracket_struct() {
    Answer t;
    t.kind = Kind::kTuple;
    t.open = at(Tok::kLParen) ? '(' : '[';
    next();
    t.items.push_back(parse_item());
    while (at(Tok::kComma)) {
      next();
      t.items.push_back(parse_item());
      check_items(t.items.size());
    }
    if (at(Tok::kRParen)) {
      t.close = ')';
    } else if (at(Tok::kRBracket)) {
      t.close = ']';
    } else {
      fail("expected ')' or ']'" + describe_here());
    }
    next();
    return t;
  }

  Answer parse_set_literal(Tok close) {
    next();
    Answer s;
    s.kind = Kind::kSet;
    if (at(close)) {
      next();
      return s;
    }
    s.items.push_back(parse_item());
    while (at(Tok::kComma) || at(Tok::kSemicolon)) {
      next();
      s.items.push_back(parse_item());
      check_items(s.items.size());
    }
    expect(close, close == Tok::kRSet ? "'\\}'" : "'}'");
    return s;
  }

  Answer parse_matrix() {
    std::string env = next().text;
    static const char* kEnvs[] = {"pmatrix", "bmatrix",     "Bmatrix",
                                  "matrix",  "smallmatrix", "array"};
    bool known = false;
    for (const char* e : kEnvs) known = known || env == e;
    if (!known) fail("unsupported environment '" + env + "'");
    if (env == "array" && at(Tok::kLBrace)) {  // column spec {cc}
      while (!at(Tok::kRBrace) && !at(Tok::kEnd)) next();
      expect(Tok::kRBrace, "'}'");
    }
    Answer m;
    m.kind = Kind::kMatrix;
    Answer row;
    row.kind = Kind::kTuple;
    row.open = '(';
    row.close = ')';
    while (true) {
      if (at(Tok::kEndEnv)) {
        next();
        break;
      }
      Answer cell;
      cell.kind = Kind::kExpr;
      cell.expr = parse_expr();
      row.items.push_back(std::move(cell));
      check_items(row.items.size());
      if (at(Tok::kAmp)) {
        next();
      } else if (at(Tok::kRowSep)) {
        next();
        m.items.push_back(row);
        row.items.clear();
        check_items(m.items.size());
      } else if (!at(Tok::kEndEnv)) {
        fail("expected '&', '\\\\' or \\end in a matrix" + describe_here());
      }
    }
    if (!row.items.empty()) m.items.push_back(row);
    if (m.items.empty()) fail("empty matrix");
    for (const auto& r : m.items)
      if (r.items.size() != m.items[0].items.size()) fail("matrix rows of different lengths");
    return m;
  }

  // ---- expressions ----
  ExprPtr parse_expr() {
    DepthGuard guard(depth_, max_depth());
    std::vector<ExprPtr> terms;
    terms.push_back(parse_term());
    while (true) {
      b_.tick();
      if (at(Tok::kPlus)) {
        next();
        terms.push_back(parse_term());
      } else if (at(Tok::kMinus)) {
        next();
        terms.push_back(make_unary(Op::kNeg, parse_term()));
      } else if (at(Tok::kPlusMinus)) {
        next();
        ExprPtr sum = terms.size() == 1 ? terms[0] : make_nary(Op::kAdd, terms);
        terms = {make_binary(Op::kPlusMinus, sum, parse_term())};
      } else {
        break;
      }
    }
    return terms.size() == 1 ? terms[0] : make_nary(Op::kAdd, std::move(terms));
  }

  ExprPtr parse_term() {
    DepthGuard guard(depth_, max_depth());
    if (at(Tok::kMinus)) {
      next();
      return make_unary(Op::kNeg, parse_term());
    }
    if (at(Tok::kPlus)) {
      next();
      return parse_term();
    }
    if (at(Tok::kPlusMinus)) {
      next();
      return make_binary(Op::kPlusMinus, make_int(0), parse_term());
    }
    std::vector<ExprPtr> factors;
    factors.push_back(parse_power());
    while (true) {
      b_.tick();
      if (at(Tok::kTimes)) {
        next();
        factors.push_back(parse_signed_power());
      } else if (at(Tok::kDiv)) {
        next();
        ExprPtr num = factors.size() == 1 ? factors[0] : make_nary(Op::kMul, factors);
        factors = {make_binary(Op::kDiv, num, parse_signed_power())};
      } else if (at(Tok::kLParen) && factors.back()->op == Op::kSymbol &&
                 peek(1).kind == Tok::kNumber && peek(2).kind == Tok::kRParen) {
        // "I(0)", "f(1)": a function value, not a product with a number.
        std::string name = factors.back()->name + "(" + peek(1).text + ")";
        next();
        next();
        next();
        factors.back() = make_symbol(name);
      } else if (starts_primary(peek())) {
        bool mixed_candidate = factors.size() == 1 && is_int_literal(*factors[0]) && at(Tok::kFrac);
        ExprPtr g = parse_power();
        if (mixed_candidate && g->op == Op::kDiv && is_int_literal(*g->args[0]) &&
            is_int_literal(*g->args[1]) && g->args[0]->value > 0 &&
            g->args[0]->value < g->args[1]->value) {
          // A mixed number: 137 \frac{1}{2} = 137 + 1/2.
          factors[0] = with_paren(make_nary(Op::kAdd, {factors[0], g}));
        } else {
          factors.push_back(g);
        }
      } else {
        break;
      }
    }
    return factors.size() == 1 ? factors[0] : make_nary(Op::kMul, std::move(factors));
  }

  ExprPtr parse_signed_power() {
    DepthGuard guard(depth_, max_depth());
    if (at(Tok::kMinus)) {
      next();
      return make_unary(Op::kNeg, parse_signed_power());
    }
    if (at(Tok::kPlus)) next();
    return parse_power();
  }

  bool starts_primary(const Token& t) const {
    switch (t.kind) {
      case Tok::kNumber:
      case Tok::kIdent:
      case Tok::kPi:
      case Tok::kInf:
      case Tok::kLParen:
      case Tok::kLBracket:
      case Tok::kLBrace:
      case Tok::kFrac:
      case Tok::kSqrt:
      case Tok::kBinom:
      case Tok::kFunc:
      case Tok::kLFloor:
      case Tok::kLCeil:
        return true;
      case Tok::kBar:
        return abs_depth_ == 0;
      default:
        return false;
    }
  }

  ExprPtr parse_power() {
    ExprPtr base = parse_postfix();
    if (at(Tok::kCaret)) {
      next();
      ExprPtr exponent = parse_script();
      base = make_binary(Op::kPow, base, exponent);
      while (at(Tok::kBang)) {
        next();
        base = make_unary(Op::kFactorial, base);
      }
      if (at(Tok::kCaret)) fail("double superscript");
    }
    return base;
  }

  ExprPtr parse_postfix() {
    ExprPtr p = parse_primary();
    while (at(Tok::kBang)) {
      next();
      p = make_unary(Op::kFactorial, p);
    }
    return p;
  }

  // A number token's first digit as its own token (LaTeX: \frac12, x^23 take one character).
  ExprPtr take_first_digit() {
    Token& t = t_[i_];
    if (t.text.size() > 1 && std::isdigit(static_cast<unsigned char>(t.text[0]))) {
      std::string digit(1, t.text[0]);
      t.text.erase(0, 1);
      return make_number(mpq_class(digit[0] - '0'), digit);
    }
    return number_from(next().text);
  }

  ExprPtr number_from(const std::string& lit) {
    NumberLiteral n;
    long max_exp10 = b_.opts().max_number_bits / 3;
    switch (parse_decimal_literal(lit, max_exp10, n)) {
      case LiteralStatus::kOk:
        break;
      case LiteralStatus::kTooLarge:
        Budget::exceed("number literal too large: " + lit.substr(0, 40));
      case LiteralStatus::kNotANumber:
        fail("bad number '" + lit + "'");
    }
    return make_number(n.value, lit, n.decimal, n.frac_digits);
  }

  ExprPtr parse_group(Tok close, const char* what) {
    next();
    ExprPtr e = parse_expr();
    expect(close, what);
    return e;
  }

  // Argument of \frac, \sqrt, \binom: a {group} or one token.
  ExprPtr parse_arg() {
    DepthGuard guard(depth_, max_depth());
    if (at(Tok::kLBrace)) return parse_group(Tok::kRBrace, "'}'");
    if (at(Tok::kNumber)) return take_first_digit();
    if (at(Tok::kIdent)) {
      std::string name = next().text;
      return symbol_or_constant(name);
    }
    if (at(Tok::kMinus)) {  // not LaTeX, but "\frac-12" style input should not crash
      next();
      return make_unary(Op::kNeg, parse_arg());
    }
    if (starts_primary(peek())) return parse_primary();
    fail("expected an argument" + describe_here());
  }

  // Superscript: {group}, one digit, one letter or command; "e^-x" is read as e^{-x}.
  ExprPtr parse_script() {
    DepthGuard guard(depth_, max_depth());
    if (at(Tok::kLBrace)) return parse_group(Tok::kRBrace, "'}'");
    if (at(Tok::kNumber)) return take_first_digit();
    if (at(Tok::kMinus)) {
      next();
      return make_unary(Op::kNeg, parse_script());
    }
    if (at(Tok::kIdent)) return symbol_or_constant(next().text);
    if (starts_primary(peek())) return parse_primary();
    fail("expected an exponent" + describe_here());
  }

  // Subscript text: "x_1", "x_{n+1}", "m_{\max}" -> "1", "n+1", "max".
  std::string parse_subscript_name() {
    if (at(Tok::kLBrace)) {
      next();
      std::string name;
      int depth = 1;
      while (!at(Tok::kEnd)) {
        if (at(Tok::kLBrace)) ++depth;
        if (at(Tok::kRBrace) && --depth == 0) break;
        name += next().text;
      }
      expect(Tok::kRBrace, "'}'");
      return name;
    }
    if (at(Tok::kNumber)) {
      Token& t = t_[i_];
      if (t.text.size() > 1) {
        std::string first(1, t.text[0]);
        t.text.erase(0, 1);
        return first;
      }
      return next().text;
    }
    if (at(Tok::kIdent) || at(Tok::kPi) || at(Tok::kInf)) return next().text;
    fail("expected a subscript" + describe_here());
  }

  ExprPtr symbol_or_constant(const std::string& name) {
    if (name == "e") return make_const(Op::kE);
    if (name == "i") return make_const(Op::kI);
    return make_symbol(name);
  }

  ExprPtr parse_primary() {
    DepthGuard guard(depth_, max_depth());
    b_.tick();
    switch (peek().kind) {
      case Tok::kNumber: {
        std::string lit = next().text;
        if (at(Tok::kUnderscore)) {  // 204_5: digits in base 5
          next();
          std::string base_text = parse_subscript_name();
          int base = 0;
          for (char c : base_text) {
            if (!std::isdigit(static_cast<unsigned char>(c)) || base > 100)
              fail("bad base subscript");
            base = base * 10 + (c - '0');
          }
          if (base < 2 || base > 36) fail("base outside 2..36");
          for (char c : lit)
            if (!std::isalnum(static_cast<unsigned char>(c))) fail("bad digits in base number");
          auto e = std::make_shared<Expr>();
          e->op = Op::kBaseNumber;
          e->literal = lit;
          e->base = base;
          return e;
        }
        return number_from(lit);
      }
      case Tok::kIdent: {
        std::string name = next().text;
        bool decorated = false;
        if (at(Tok::kUnderscore)) {
          next();
          name += "_" + parse_subscript_name();
          decorated = true;
        }
        while (at(Tok::kPrime)) {
          next();
          name += "'";
          decorated = true;
        }
        return decorated ? make_symbol(name) : symbol_or_constant(name);
      }
      case Tok::kPi:
        next();
        return make_const(Op::kPi);
      case Tok::kInf:
        next();
        return make_const(Op::kInf);
      case Tok::kLParen:
        return with_paren(parse_group(Tok::kRParen, "')'"));
      case Tok::kLBracket:
        return parse_group(Tok::kRBracket, "']'");
      case Tok::kLBrace:
        return parse_group(Tok::kRBrace, "'}'");
      case Tok::kBar: {
        next();
        ++abs_depth_;
        ExprPtr e = parse_expr();
        --abs_depth_;
        expect(Tok::kBar, "'|'");
        return make_func(Fn::kAbs, {e});
      }
      case Tok::kLFloor:
        return make_func(Fn::kFloor, {parse_group(Tok::kRFloor, "\\rfloor")});
      case Tok::kLCeil:
        return make_func(Fn::kCeil, {parse_group(Tok::kRCeil, "\\rceil")});
      case Tok::kFrac: {
        next();
        ExprPtr num = parse_arg();
        ExprPtr den = parse_arg();
        return make_binary(Op::kDiv, num, den);
      }
      case Tok::kSqrt: {
        next();
        ExprPtr index;
        if (at(Tok::kLBracket)) index = parse_group(Tok::kRBracket, "']'");
        ExprPtr x = parse_arg();
        if (index) return make_func(Fn::kSqrt, {x, index});
        return make_func(Fn::kSqrt, {x});
      }
      case Tok::kBinom: {
        next();
        ExprPtr n = parse_arg();
        ExprPtr k = parse_arg();
        return make_func(Fn::kBinom, {n, k});
      }
      case Tok::kFunc:
        return parse_function();
      default:
        fail_unexpected();
    }
  }

  static bool is_trig(Fn fn) {
    return fn == Fn::kSin || fn == Fn::kCos || fn == Fn::kTan || fn == Fn::kCot || fn == Fn::kSec ||
           fn == Fn::kCsc;
  }
  static Fn inverse_of(Fn fn) {
    switch (fn) {
      case Fn::kSin:
        return Fn::kAsin;
      case Fn::kCos:
        return Fn::kAcos;
      case Fn::kTan:
        return Fn::kAtan;
      case Fn::kCot:
        return Fn::kAcot;
      case Fn::kSec:
        return Fn::kAsec;
      default:
        return Fn::kAcsc;
    }
  }

  ExprPtr parse_function() {
    Fn fn = next().fn;
    ExprPtr base, power;
    for (int k = 0; k < 2; ++k) {
      if (at(Tok::kUnderscore) && fn == Fn::kLog && !base) {
        next();
        base = parse_script();
      } else if (at(Tok::kCaret) && !power) {
        next();
        power = parse_script();
      } else {
        break;
      }
    }
    bool multi = fn == Fn::kMin || fn == Fn::kMax || fn == Fn::kGcd || fn == Fn::kLcm;
    std::vector<ExprPtr> args;
    if (at(Tok::kLParen)) {
      next();
      args.push_back(parse_expr());
      while (multi && at(Tok::kComma)) {
        next();
        args.push_back(parse_expr());
        check_items(args.size());
      }
      expect(Tok::kRParen, "')'");
    } else if (at(Tok::kLBrace)) {
      args.push_back(parse_group(Tok::kRBrace, "'}'"));
    } else {
      // "\sin 2x" = sin(2x); "\sin x \cos x" = sin(x) cos(x).
      std::vector<ExprPtr> factors;
      factors.push_back(parse_signed_power());
      while (starts_primary(peek()) && !at(Tok::kFunc)) factors.push_back(parse_power());
      args.push_back(factors.size() == 1 ? factors[0] : make_nary(Op::kMul, std::move(factors)));
    }
    if (multi && args.size() < 2 && fn != Fn::kMin && fn != Fn::kMax)
      fail(std::string(fn_name(fn)) + " needs two arguments");
    if (base) args.push_back(base);
    if (power && is_trig(fn) && power->op == Op::kNeg && power->args[0]->op == Op::kNumber &&
        power->args[0]->value == 1) {
      return make_func(inverse_of(fn), std::move(args));  // \sin^{-1} x = arcsin x
    }
    ExprPtr f = make_func(fn, std::move(args));
    return power ? make_binary(Op::kPow, f, power) : f;
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  Budget& b_;
  int depth_ = 0;
  int abs_depth_ = 0;
};

}  // namespace

bool is_simple_head(const Expr& e) {
  if (e.op == Op::kSymbol) return true;
  if (e.op == Op::kMul && e.args.size() == 2 && e.args[0]->op == Op::kSymbol && e.args[1]->paren) {
    Op inner = e.args[1]->op;
    return inner == Op::kSymbol || inner == Op::kNumber || inner == Op::kE || inner == Op::kI;
  }
  return false;
}

ParseResult parse_answer(const Normalized& normalized, Budget& budget) {
  ParseResult r;
  const std::string& s = normalized.text;
  if (s.empty()) {
    r.error = "empty answer";
    return r;
  }
  if (static_cast<int>(s.size()) > budget.opts().max_answer_chars)
    Budget::exceed("answer longer than " + std::to_string(budget.opts().max_answer_chars) +
                   " chars");
  if (auto letter = choice_letter(s, /*strict=*/true)) {
    r.ok = true;
    r.answer.kind = Kind::kChoice;
    r.answer.text = std::string(1, *letter);
    return r;
  }
  if ((normalized.text_only && is_words_only(s)) || is_bare_word(s)) {
    r.ok = true;
    r.answer.kind = Kind::kText;
    r.answer.text = text_key(s);
    return r;
  }
  try {
    Parser p(tokenize(s), budget);
    r.answer = p.parse_top();
    r.ok = true;
  } catch (const ParseError& e) {
    r.ok = false;
    r.error = e.what();
  }
  return r;
}

}  // namespace ds::verify
