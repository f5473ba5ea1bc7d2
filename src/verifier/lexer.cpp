// Tokenizer of normalized LaTeX answers (see lexer.h).
#include "verifier/lexer.h"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>

namespace ds::verify {

namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool three_digits_at(std::string_view s, size_t i) {
  return i + 3 <= s.size() && is_digit(s[i]) && is_digit(s[i + 1]) && is_digit(s[i + 2]) &&
         (i + 3 == s.size() || !(is_digit(s[i + 3]) || s[i + 3] == '.'));
}

enum class CmdClass : uint8_t {
  kToken,        // a fixed token kind
  kRelation,     // a relation
  kFunction,     // a function
  kSkip,         // formatting to ignore
  kTransparent,  // \text-like wrapper: the command vanishes, its {group} stays
  kEnv,          // \begin / \end
  kFont,         // \mathcal{F} -> identifier "mathcal{F}"
  kAccent,       // \dot{x} -> identifier "dot{x}"
  kUnsupported,  // \sum, \int, \ldots, ...
};

struct CmdInfo {
  CmdClass cls;
  Tok tok = Tok::kUnsupported;
  Rel rel = Rel::kEq;
  Fn fn = Fn::kSin;
};

const std::unordered_map<std::string_view, CmdInfo>& commands() {
  static const std::unordered_map<std::string_view, CmdInfo> kMap = [] {
    std::unordered_map<std::string_view, CmdInfo> m;
    auto tok = [&](std::string_view n, Tok t) { m[n] = {CmdClass::kToken, t}; };
    auto rel = [&](std::string_view n, Rel r) { m[n] = {CmdClass::kRelation, Tok::kRel, r}; };
    auto fn = [&](std::string_view n, Fn f) {
      m[n] = {CmdClass::kFunction, Tok::kFunc, Rel::kEq, f};
    };
    auto cls = [&](std::string_view n, CmdClass c) { m[n] = {c}; };
    tok("frac", Tok::kFrac);
    tok("sqrt", Tok::kSqrt);
    tok("binom", Tok::kBinom);
    tok("pi", Tok::kPi);
    tok("infty", Tok::kInf);
    tok("infin", Tok::kInf);
    tok("infinity", Tok::kInf);
    tok("cdot", Tok::kTimes);
    tok("times", Tok::kTimes);
    tok("ast", Tok::kTimes);
    tok("div", Tok::kDiv);
    tok("pm", Tok::kPlusMinus);
    tok("mp", Tok::kPlusMinus);
    tok("cup", Tok::kCup);
    tok("cap", Tok::kCap);
    tok("emptyset", Tok::kEmptySet);
    tok("varnothing", Tok::kEmptySet);
    tok("lfloor", Tok::kLFloor);
    tok("rfloor", Tok::kRFloor);
    tok("lceil", Tok::kLCeil);
    tok("rceil", Tok::kRCeil);
    for (auto n : {"vert", "lvert", "rvert", "Vert", "lVert", "rVert", "mid"}) tok(n, Tok::kBar);
    tok("prime", Tok::kPrime);
    for (auto n : {"le", "leq", "leqslant", "leqq"}) rel(n, Rel::kLe);
    for (auto n : {"ge", "geq", "geqslant", "geqq"}) rel(n, Rel::kGe);
    rel("lt", Rel::kLt);
    rel("gt", Rel::kGt);
    rel("ne", Rel::kNe);
    rel("neq", Rel::kNe);
    rel("in", Rel::kIn);
    rel("approx", Rel::kEq);
    rel("simeq", Rel::kEq);
    for (auto [n, f] : std::initializer_list<std::pair<std::string_view, Fn>>{
             {"sin", Fn::kSin},     {"cos", Fn::kCos},     {"tan", Fn::kTan},
             {"cot", Fn::kCot},     {"sec", Fn::kSec},     {"csc", Fn::kCsc},
             {"arcsin", Fn::kAsin}, {"arccos", Fn::kAcos}, {"arctan", Fn::kAtan},
             {"arccot", Fn::kAcot}, {"arcsec", Fn::kAsec}, {"arccsc", Fn::kAcsc},
             {"sinh", Fn::kSinh},   {"cosh", Fn::kCosh},   {"tanh", Fn::kTanh},
             {"coth", Fn::kCoth},   {"ln", Fn::kLn},       {"log", Fn::kLog},
             {"lg", Fn::kLog},      {"exp", Fn::kExp},     {"abs", Fn::kAbs},
             {"min", Fn::kMin},     {"max", Fn::kMax},     {"gcd", Fn::kGcd},
             {"lcm", Fn::kLcm}}) {
      fn(n, f);
    }
    for (auto n :
         {"displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "quad",  "qquad",
          "circ",         "degree",    "left",        "right",  "big",      "Big",   "bigg",
          "Bigg",         "bigl",      "bigr",        "Bigl",   "Bigr",     "biggl", "biggr",
          "middle",       "rm",        "bf",          "it",     "cal"}) {
      cls(n, CmdClass::kSkip);
    }
    for (auto n :
         {"text",   "textbf", "textit",     "textrm", "textup",       "textnormal", "textsf",
          "texttt", "mbox",   "hbox",       "emph",   "mathrm",       "mathbf",     "mathit",
          "mathsf", "mathtt", "boldsymbol", "bm",     "operatorname", "boxed",      "fbox"}) {
      cls(n, CmdClass::kTransparent);
    }
    cls("begin", CmdClass::kEnv);
    cls("end", CmdClass::kEnv);
    for (auto n : {"mathcal", "mathbb", "mathfrak", "mathscr"}) cls(n, CmdClass::kFont);
    for (auto n : {"dot", "ddot", "hat", "bar", "vec", "tilde", "overline", "widetilde", "widehat",
                   "underline", "overrightarrow", "check", "breve", "acute", "grave"}) {
      cls(n, CmdClass::kAccent);
    }
    for (auto n : {"sum",
                   "prod",
                   "int",
                   "iint",
                   "iiint",
                   "oint",
                   "lim",
                   "limsup",
                   "liminf",
                   "to",
                   "rightarrow",
                   "Rightarrow",
                   "longrightarrow",
                   "implies",
                   "iff",
                   "ldots",
                   "cdots",
                   "dots",
                   "vdots",
                   "ddots",
                   "mapsto",
                   "setminus",
                   "subset",
                   "subseteq",
                   "supset",
                   "supseteq",
                   "forall",
                   "exists",
                   "neg",
                   "land",
                   "lor",
                   "wedge",
                   "vee",
                   "pmod",
                   "bmod",
                   "mod",
                   "equiv",
                   "cong",
                   "sim",
                   "perp",
                   "parallel",
                   "triangle",
                   "square",
                   "hline",
                   "over",
                   "choose",
                   "not",
                   "notin",
                   "det",
                   "arg",
                   "deg",
                   "dim",
                   "ker",
                   "Pr",
                   "sup",
                   "inf"}) {
      cls(n, CmdClass::kUnsupported);
    }
    return m;
  }();
  return kMap;
}

// Bare words that name functions / constants even without a backslash.
bool bare_word(std::string_view w, Token& t) {
  static const std::unordered_map<std::string_view, Fn> kFns = {
      {"sin", Fn::kSin},     {"cos", Fn::kCos},   {"tan", Fn::kTan},     {"cot", Fn::kCot},
      {"sec", Fn::kSec},     {"csc", Fn::kCsc},   {"arcsin", Fn::kAsin}, {"arccos", Fn::kAcos},
      {"arctan", Fn::kAtan}, {"asin", Fn::kAsin}, {"acos", Fn::kAcos},   {"atan", Fn::kAtan},
      {"sinh", Fn::kSinh},   {"cosh", Fn::kCosh}, {"tanh", Fn::kTanh},   {"ln", Fn::kLn},
      {"log", Fn::kLog},     {"exp", Fn::kExp},   {"abs", Fn::kAbs}};
  auto it = kFns.find(w);
  if (it != kFns.end()) {
    t.kind = Tok::kFunc;
    t.fn = it->second;
    return true;
  }
  if (w == "sqrt") {
    t.kind = Tok::kSqrt;
    return true;
  }
  if (w == "pi") {
    t.kind = Tok::kPi;
    return true;
  }
  if (w == "infty" || w == "infinity") {
    t.kind = Tok::kInf;
    return true;
  }
  if (w == "and" || w == "or") {
    t.kind = Tok::kComma;
    return true;
  }
  return false;
}

// The raw text of a {group} or single character / command at `i` (spaces dropped); advances i.
std::string raw_argument(std::string_view s, size_t& i) {
  while (i < s.size() && is_space(s[i])) ++i;
  if (i >= s.size()) return "";
  std::string out;
  if (s[i] == '{') {
    int depth = 0;
    size_t j = i;
    for (; j < s.size(); ++j) {
      if (s[j] == '{') ++depth;
      if (s[j] == '}' && --depth == 0) break;
    }
    for (size_t k = i + 1; k < j && k < s.size(); ++k)
      if (!is_space(s[k])) out += s[k];
    i = j < s.size() ? j + 1 : j;
    return out;
  }
  if (s[i] == '\\') {
    size_t j = i + 1;
    while (j < s.size() && is_alpha(s[j])) ++j;
    out = std::string(s.substr(i + 1, j - i - 1));
    i = j;
    return out;
  }
  out = std::string(1, s[i]);
  ++i;
  return out;
}

}  // namespace

std::vector<Token> tokenize(std::string_view s, size_t max_tokens) {
  std::vector<Token> out;
  auto push = [&](Tok kind, std::string text) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    out.push_back(std::move(t));
  };
  size_t i = 0;
  while (i < s.size()) {
    if (out.size() >= max_tokens) {
      push(Tok::kUnsupported, "(too many tokens)");
      break;
    }
    char c = s[i];
    if (is_space(c)) {
      ++i;
      continue;
    }
    if (is_digit(c) || (c == '.' && i + 1 < s.size() && is_digit(s[i + 1]))) {
      std::string lit;
      size_t j = i;
      while (j < s.size() && is_digit(s[j])) lit += s[j++];
      // "1 000 000": LaTeX thousands groups separated by spaces.
      if (!lit.empty() && lit.size() <= 3) {
        while (j < s.size() && s[j] == ' ' && three_digits_at(s, j + 1)) {
          lit.append(s.substr(j + 1, 3));
          j += 4;
        }
      }
      if (j < s.size() && s[j] == '.' && j + 1 < s.size() && is_digit(s[j + 1])) {
        lit += s[j++];
        while (j < s.size() && is_digit(s[j])) lit += s[j++];
      } else if (j < s.size() && s[j] == '.' && !lit.empty() &&
                 (j + 1 == s.size() ||
                  std::string_view("/*+-)]},^ ").find(s[j + 1]) != std::string_view::npos)) {
        lit += s[j++];  // "3./2": a float written with a bare point
      }
      if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < s.size() && is_digit(s[k])) {
          while (k < s.size() && is_digit(s[k])) ++k;
          lit.append(s.substr(j, k - j));
          j = k;
        }
      }
      push(Tok::kNumber, std::move(lit));
      i = j;
      continue;
    }
    if (is_alpha(c)) {
      size_t j = i;
      while (j < s.size() && is_alpha(s[j])) ++j;
      std::string_view word = s.substr(i, j - i);
      Token t;
      t.text = std::string(word);
      if (word.size() > 1 && bare_word(word, t)) {
        out.push_back(std::move(t));
      } else {
        for (char ch : word) push(Tok::kIdent, std::string(1, ch));
      }
      i = j;
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= s.size()) {
        push(Tok::kUnsupported, "\\");
        ++i;
        continue;
      }
      char d = s[i + 1];
      if (!is_alpha(d)) {
        i += 2;
        switch (d) {
          case '\\':
            push(Tok::kRowSep, "\\\\");
            break;
          case '{':
            push(Tok::kLSet, "\\{");
            break;
          case '}':
            push(Tok::kRSet, "\\}");
            break;
          case '|':
            push(Tok::kBar, "|");
            break;
          case '(':
            push(Tok::kLParen, "(");
            break;
          case ')':
            push(Tok::kRParen, ")");
            break;
          case '[':
            push(Tok::kLBracket, "[");
            break;
          case ']':
            push(Tok::kRBracket, "]");
            break;
          case ',':
          case ';':
          case ':':
          case '!':
          case ' ':
          case '%':
          case '$':
          case '>':
            break;
          default:
            push(Tok::kUnsupported, std::string("\\") + d);
        }
        continue;
      }
      size_t j = i + 1;
      while (j < s.size() && is_alpha(s[j])) ++j;
      std::string_view name = s.substr(i + 1, j - i - 1);
      i = j;
      auto it = commands().find(name);
      if (it == commands().end()) {  // Greek letters and other symbols
        push(Tok::kIdent, std::string(name));
        continue;
      }
      const CmdInfo& info = it->second;
      switch (info.cls) {
        case CmdClass::kToken:
          push(info.tok, std::string(name));
          break;
        case CmdClass::kRelation: {
          Token t;
          t.kind = Tok::kRel;
          t.rel = info.rel;
          t.text = std::string(name);
          out.push_back(std::move(t));
          break;
        }
        case CmdClass::kFunction: {
          Token t;
          t.kind = Tok::kFunc;
          t.fn = info.fn;
          t.text = std::string(name);
          out.push_back(std::move(t));
          break;
        }
        case CmdClass::kSkip:
          if (name == "left" || name == "right" || name.substr(0, 3) == "big" ||
              name.substr(0, 3) == "Big") {
            size_t k = i;
            while (k < s.size() && is_space(s[k])) ++k;
            if (k < s.size() && s[k] == '.') i = k + 1;
          }
          break;
        case CmdClass::kTransparent:
          break;
        case CmdClass::kEnv: {
          std::string env = raw_argument(s, i);
          env.erase(std::remove(env.begin(), env.end(), '*'), env.end());
          push(name == "begin" ? Tok::kBeginEnv : Tok::kEndEnv, env);
          break;
        }
        case CmdClass::kFont:
        case CmdClass::kAccent:
          push(Tok::kIdent, std::string(name) + "{" + raw_argument(s, i) + "}");
          break;
        case CmdClass::kUnsupported:
          push(Tok::kUnsupported, "\\" + std::string(name));
          break;
      }
      continue;
    }
    ++i;
    auto rel = [&](Rel r, std::string text) {
      Token t;
      t.kind = Tok::kRel;
      t.rel = r;
      t.text = std::move(text);
      out.push_back(std::move(t));
    };
    char n = i < s.size() ? s[i] : '\0';
    switch (c) {
      case '+':
        push(Tok::kPlus, "+");
        break;
      case '-':
        push(Tok::kMinus, "-");
        break;
      case '*':
        push(Tok::kTimes, "*");
        break;
      case '/':
        push(Tok::kDiv, "/");
        break;
      case '^':
        push(Tok::kCaret, "^");
        break;
      case '_':
        push(Tok::kUnderscore, "_");
        break;
      case '|':
        push(Tok::kBar, "|");
        break;
      case '\'':
        push(Tok::kPrime, "'");
        break;
      case ',':
        push(Tok::kComma, ",");
        break;
      case ';':
        push(Tok::kSemicolon, ";");
        break;
      case '(':
        push(Tok::kLParen, "(");
        break;
      case ')':
        push(Tok::kRParen, ")");
        break;
      case '[':
        push(Tok::kLBracket, "[");
        break;
      case ']':
        push(Tok::kRBracket, "]");
        break;
      case '{':
        push(Tok::kLBrace, "{");
        break;
      case '}':
        push(Tok::kRBrace, "}");
        break;
      case '&':
        push(Tok::kAmp, "&");
        break;
      case '!':
        if (n == '=') {
          ++i;
          rel(Rel::kNe, "!=");
        } else {
          push(Tok::kBang, "!");
        }
        break;
      case '=':
        if (n == '=') ++i;
        rel(Rel::kEq, "=");
        break;
      case '<':
        if (n == '=') {
          ++i;
          rel(Rel::kLe, "<=");
        } else {
          rel(Rel::kLt, "<");
        }
        break;
      case '>':
        if (n == '=') {
          ++i;
          rel(Rel::kGe, ">=");
        } else {
          rel(Rel::kGt, ">");
        }
        break;
      default:
        push(Tok::kUnsupported, std::string(1, c));
    }
  }
  push(Tok::kEnd, "");
  return out;
}

}  // namespace ds::verify
