// String-level answer normalization (see normalize.h). Every step is a linear scan over a short
// string; the order of the steps matters and is documented in normalize_answer().
#include "verifier/normalize.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <utility>

#include "verifier/extract.h"

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

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (s.find(from) == std::string::npos) return;
  std::string out;
  out.reserve(s.size());
  size_t pos = 0;
  while (true) {
    size_t at = s.find(from, pos);
    if (at == std::string::npos) break;
    out.append(s, pos, at - pos);
    out.append(to);
    pos = at + from.size();
  }
  out.append(s, pos, std::string::npos);
  s = std::move(out);
}

// Replaces the command `\name` (not followed by a letter) by `to`.
void replace_command(std::string& s, std::string_view name, std::string_view to) {
  std::string pat = "\\" + std::string(name);
  size_t pos = 0;
  while ((pos = s.find(pat, pos)) != std::string::npos) {
    size_t end = pos + pat.size();
    if (end < s.size() && is_alpha(s[end])) {
      pos = end;
      continue;
    }
    s.replace(pos, pat.size(), to);
    pos += to.size();
  }
}

// Index of the '}' matching the '{' at `open` (escaped braces skipped), or npos.
size_t match_brace(const std::string& s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return i;
  }
  return std::string::npos;
}

// Exactly three digits at `i`, not followed by a further digit.
bool three_digits_at(const std::string& s, size_t i) {
  return i + 3 <= s.size() && is_digit(s[i]) && is_digit(s[i + 1]) && is_digit(s[i + 2]) &&
         (i + 3 == s.size() || !is_digit(s[i + 3]));
}

void map_unicode(std::string& s) {
  static const std::array<std::pair<std::string_view, std::string_view>, 20> kMap = {{
      {"\xe2\x88\x92", "-"},            // minus sign
      {"\xe2\x80\x93", "-"},            // en dash
      {"\xc3\x97", "\\times "},         // multiplication sign
      {"\xc2\xb7", "\\cdot "},          // middle dot
      {"\xe2\x8b\x85", "\\cdot "},      // dot operator
      {"\xc3\xb7", "\\div "},           // division sign
      {"\xcf\x80", "\\pi "},            // pi
      {"\xe2\x88\x9e", "\\infty "},     // infinity
      {"\xe2\x88\x9a", "\\sqrt"},       // square root
      {"\xe2\x89\xa4", "\\le "},        // <=
      {"\xe2\x89\xa5", "\\ge "},        // >=
      {"\xe2\x89\xa0", "\\ne "},        // !=
      {"\xc2\xb0", "^\\circ "},         // degree sign
      {"\xe2\x88\xaa", "\\cup "},       // union
      {"\xe2\x88\x88", "\\in "},        // element of
      {"\xc2\xb1", "\\pm "},            // plus-minus
      {"\xe2\x88\x93", "\\mp "},        // minus-plus
      {"\xc2\xa0", " "},                // no-break space
      {"\xe2\x80\x89", " "},            // thin space
      {"\xe2\x88\x85", "\\emptyset "},  // empty set
  }};
  bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
  if (ascii) return;
  for (const auto& [from, to] : kMap) replace_all(s, from, to);
}

// Drops $ and the \( \) \[ \] math delimiters and the escaped dollar \$ (currency); keeps \\.
std::string strip_delimiters(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      char d = s[i + 1];
      if (d == '\\') {
        out += "\\\\";
        ++i;
        continue;
      }
      if (d == '$' || d == '(' || d == ')' || d == '[' || d == ']') {
        ++i;
        out += ' ';
        continue;
      }
      out += c;
      continue;
    }
    if (c == '$') {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

// Removes sizing commands (\left \right \big \Bigl ...) and their null delimiter '.'.
std::string strip_sizing(const std::string& s) {
  static const std::array<std::string_view, 15> kSizing = {
      "left", "right", "bigl",  "bigr",  "Bigl",  "Bigr",  "big",   "Big",
      "bigg", "Bigg",  "biggl", "biggr", "Biggl", "Biggr", "middle"};
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '\\') {
      out += "\\\\";
      ++i;
      continue;
    }
    if (s[i] == '\\' && i + 1 < s.size() && is_alpha(s[i + 1])) {
      size_t j = i + 1;
      while (j < s.size() && is_alpha(s[j])) ++j;
      std::string_view name(s.data() + i + 1, j - i - 1);
      if (std::find(kSizing.begin(), kSizing.end(), name) != kSizing.end()) {
        size_t k = j;
        while (k < s.size() && is_space(s[k])) ++k;
        i = (k < s.size() && s[k] == '.') ? k : j - 1;
        out += ' ';
        continue;
      }
      out.append(s, i, j - i);
      i = j - 1;
      continue;
    }
    out += s[i];
  }
  return out;
}

// "{,}" and ",\!" used as thousands separators (before 3 digits) or "{,}" as a decimal comma.
void thousands_markers(std::string& s) {
  size_t pos = 0;
  while ((pos = s.find("{,}", pos)) != std::string::npos) {
    bool thousands = three_digits_at(s, pos + 3);
    s.replace(pos, 3, thousands ? "" : ".");
  }
  pos = 0;
  while ((pos = s.find(",\\!", pos)) != std::string::npos) {
    size_t k = pos + 3;
    while (k < s.size() && s[k] == ' ') ++k;
    if (three_digits_at(s, k)) {
      s.erase(pos, k - pos);
    } else {
      s.erase(pos + 1, 2);
      ++pos;
    }
  }
}

// Spacing commands become one space (or nothing for \!); "\\" row separators are kept.
std::string strip_spacing(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '~') {
      out += ' ';
      continue;
    }
    if (c != '\\' || i + 1 >= s.size()) {
      out += c;
      continue;
    }
    char d = s[i + 1];
    if (d == '\\') {
      out += "\\\\";
      ++i;
    } else if (d == '!') {
      ++i;
    } else if (d == ',' || d == ';' || d == ':' || d == '>' || d == ' ') {
      out += ' ';
      ++i;
    } else {
      out += c;
    }
  }
  replace_command(out, "qquad", " ");
  replace_command(out, "quad", " ");
  return out;
}

// Removes "^\circ", "^{\circ}", "\circ", "\degree" (with their ^{...} wrapper).
bool strip_degrees(std::string& s) {
  bool found = false;
  for (std::string_view cmd : {std::string_view("\\circ"), std::string_view("\\degree")}) {
    size_t pos = 0;
    while ((pos = s.find(cmd, pos)) != std::string::npos) {
      size_t end = pos + cmd.size();
      if (end < s.size() && is_alpha(s[end])) {
        pos = end;
        continue;
      }
      found = true;
      size_t start = pos;
      size_t b = pos;
      while (b > 0 && s[b - 1] == ' ') --b;
      if (b > 0 && s[b - 1] == '{') {
        size_t c = b - 1;
        while (c > 0 && s[c - 1] == ' ') --c;
        if (c > 0 && s[c - 1] == '^') {
          start = c - 1;
          size_t e = end;
          while (e < s.size() && s[e] == ' ') ++e;
          if (e < s.size() && s[e] == '}') end = e + 1;
        }
      } else if (b > 0 && s[b - 1] == '^') {
        start = b - 1;
      }
      s.replace(start, end - start, " ");
      pos = start;
    }
  }
  return found;
}

bool strip_percent(std::string& s) {
  bool found = s.find('%') != std::string::npos;
  if (!found) return false;
  replace_all(s, "\\%", " ");
  replace_all(s, "%", " ");
  return true;
}

bool is_unit_word(std::string_view w) {
  static const std::array<std::string_view, 80> kUnits = {
      "cm",     "mm",         "km",          "nm",        "meter",      "meters",  "metre",
      "metres", "centimeter", "centimeters", "kilometer", "kilometers", "inch",    "inches",
      "foot",   "feet",       "ft",          "yard",      "yards",      "mile",    "miles",
      "mph",    "kmh",        "unit",        "units",     "degree",     "degrees", "deg",
      "radian", "radians",    "rad",         "dollar",    "dollars",    "cent",    "cents",
      "hour",   "hours",      "hr",          "hrs",       "minute",     "minutes", "mins",
      "second", "seconds",    "secs",        "day",       "days",       "week",    "weeks",
      "month",  "months",     "year",        "years",     "square",     "sq",      "cubic",
      "kg",     "gram",       "grams",       "g",         "liter",      "liters",  "litre",
      "litres", "ml",         "pound",       "pounds",    "lb",         "lbs",     "ounce",
      "ounces", "oz",         "percent",     "points",    "point",      "people",  "students",
      "ways",   "cups",       "times"};
  return std::find(kUnits.begin(), kUnits.end(), w) != kUnits.end();
}

// True when `content` (the inside of a \text{}) is made of words, e.g. " cm", "square feet".
bool is_words(std::string_view content) {
  bool letter = false;
  for (char c : content) {
    if (is_alpha(c)) {
      letter = true;
    } else if (!(c == ' ' || c == '.' || c == '/' || c == '-' || c == '^' || is_digit(c))) {
      return false;
    }
  }
  return letter;
}

// Length of a unit exponent / period tail ("^2", "^{3}", ".") from `i` that ends the string,
// or npos when something else follows.
size_t trailing_tail(const std::string& s, size_t i) {
  size_t k = i;
  while (k < s.size() && s[k] == ' ') ++k;
  if (k < s.size() && s[k] == '^') {
    ++k;
    if (k < s.size() && is_digit(s[k])) {
      ++k;
    } else if (k < s.size() && s[k] == '{') {
      size_t close = s.find('}', k);
      if (close == std::string::npos) return std::string::npos;
      for (size_t q = k + 1; q < close; ++q)
        if (!is_digit(s[q]) && s[q] != ' ') return std::string::npos;
      k = close + 1;
    } else {
      return std::string::npos;
    }
  }
  while (k < s.size() && (s[k] == ' ' || s[k] == '.')) ++k;
  return k == s.size() ? k - i : std::string::npos;
}

constexpr std::array<std::string_view, 17> kTextCommands = {
    "text", "textbf", "textit", "textrm", "textup", "textnormal", "textsf", "texttt",    "mbox",
    "hbox", "emph",   "mathrm", "mathbf", "mathit", "mathsf",     "mathtt", "boldsymbol"};

bool is_math_font(std::string_view name) {
  return name.substr(0, 4) == "math" || name == "boldsymbol";
}

struct TextGroup {
  size_t start = 0, open = 0, close = 0;
  std::string_view name;
};

// The last \text-like group with braces, if any.
bool find_last_text_group(const std::string& s, TextGroup& g) {
  size_t best = std::string::npos;
  TextGroup found;
  for (auto name : kTextCommands) {
    std::string pat = "\\" + std::string(name);
    size_t pos = s.rfind(pat);
    while (pos != std::string::npos) {
      size_t k = pos + pat.size();
      if (k < s.size() && is_alpha(s[k])) {
        pos = pos == 0 ? std::string::npos : s.rfind(pat, pos - 1);
        continue;
      }
      while (k < s.size() && s[k] == ' ') ++k;
      if (k < s.size() && s[k] == '{') {
        size_t close = match_brace(s, k);
        if (close != std::string::npos && (best == std::string::npos || pos > best)) {
          best = pos;
          found = {pos, k, close, name};
        }
      }
      break;
    }
  }
  if (best == std::string::npos) return false;
  g = found;
  return true;
}

// Unwraps / removes \text-like groups: connectives become commas, trailing unit words go away,
// anything else keeps its content.
void process_text_groups(std::string& s) {
  for (int guard = 0; guard < 64; ++guard) {
    TextGroup g;
    if (!find_last_text_group(s, g)) return;
    std::string content = s.substr(g.open + 1, g.close - g.open - 1);
    std::string t = lower(trim(content));
    if (t == "and" || t == "or" || t == "," || t == "and/or") {
      s.replace(g.start, g.close + 1 - g.start, " , ");
      continue;
    }
    size_t tail = trailing_tail(s, g.close + 1);
    bool has_before = !trim(std::string_view(s).substr(0, g.start)).empty();
    bool unit_like = is_words(content);
    if (is_math_font(g.name)) {  // \mathrm{cm} is a unit, \mathrm{e} or \mathrm{d} is math
      bool spaced = !content.empty() && (content[0] == ' ' || content[0] == '~');
      unit_like = unit_like && (spaced || (t.size() > 1 && is_unit_word(t)));
    }
    if (tail != std::string::npos && has_before && unit_like) {
      s.erase(g.start);
      continue;
    }
    s.replace(g.start, g.close + 1 - g.start, " " + content + " ");
  }
}

// Removes bare unit words at the end ("18 inches", "5 square feet").
void strip_trailing_units(std::string& s) {
  for (int round = 0; round < 3; ++round) {
    std::string t = trim(s);
    size_t tail_start = t.size();
    // an optional "^2" / "^{2}" after the word
    size_t caret = t.rfind('^');
    if (caret != std::string::npos && trailing_tail(t, caret) != std::string::npos)
      tail_start = caret;
    size_t e = tail_start;
    while (e > 0 && t[e - 1] == ' ') --e;
    size_t b = e;
    while (b > 0 && is_alpha(t[b - 1])) --b;
    if (b == e || e - b < 2) return;
    if (b > 0 && (t[b - 1] == '\\' || t[b - 1] == '_' || t[b - 1] == '{' || t[b - 1] == '^'))
      return;
    std::string word = lower(std::string_view(t).substr(b, e - b));
    if (!is_unit_word(word)) return;
    std::string before = trim(std::string_view(t).substr(0, b));
    if (before.empty()) return;
    char last = before.back();
    if (!(is_digit(last) || last == '}' || last == ')' || is_alpha(last) || last == '.')) return;
    s = before;
  }
}

// "7,425,000" / "1 000 000" (optionally signed, optional decimals) -> digits only.
void top_level_thousands(std::string& s) {
  for (char sep : {',', ' '}) {
    size_t i = 0;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t first = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    size_t lead = i - first;
    if (lead < 1 || lead > 3) continue;
    int groups = 0;
    while (i < s.size() && s[i] == sep && three_digits_at(s, i + 1)) {
      i += 4;
      ++groups;
    }
    if (groups == 0) continue;
    if (i < s.size() && s[i] == '.') {
      ++i;
      size_t d = i;
      while (i < s.size() && is_digit(s[i])) ++i;
      if (i == d) continue;
    }
    if (i != s.size()) continue;
    s.erase(std::remove(s.begin(), s.end(), sep), s.end());
    return;
  }
}

std::string collapse_spaces(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (is_space(c)) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Strips trailing punctuation and row separators; leading "\quad"-like spaces are already gone.
void strip_trailing_punct(std::string& s) {
  while (!s.empty()) {
    char c = s.back();
    if (c == '.' || c == ';' || c == ',' || c == ' ') {
      s.pop_back();
    } else if (s.size() >= 2 && c == '\\' && s[s.size() - 2] == '\\') {
      s.resize(s.size() - 2);
    } else {
      break;
    }
  }
}

// The whole string is one `\cmd{...}` group of the given commands.
bool whole_group(const std::string& s, std::initializer_list<std::string_view> names,
                 std::string& content) {
  if (s.empty() || s[0] != '\\') return false;
  size_t j = 1;
  while (j < s.size() && is_alpha(s[j])) ++j;
  std::string_view name(s.data() + 1, j - 1);
  if (std::find(names.begin(), names.end(), name) == names.end()) return false;
  while (j < s.size() && s[j] == ' ') ++j;
  if (j >= s.size() || s[j] != '{') return false;
  size_t close = match_brace(s, j);
  if (close != s.size() - 1) return false;
  content = s.substr(j + 1, close - j - 1);
  return true;
}

}  // namespace

Normalized normalize_answer(std::string_view answer) {
  Normalized n;
  std::string s(answer);
  map_unicode(s);
  // A boxed gold / nested box: keep the box content.
  for (int k = 0; k < 4; ++k) {
    std::string t = trim(s), content;
    if (!whole_group(t, {"boxed", "fbox"}, content)) break;
    s = content;
  }
  s = strip_delimiters(s);
  s = strip_sizing(s);
  thousands_markers(s);
  s = strip_spacing(s);
  for (auto [from, to] : {std::pair<std::string_view, std::string_view>{"dfrac", "\\frac"},
                          {"tfrac", "\\frac"},
                          {"cfrac", "\\frac"},
                          {"dbinom", "\\binom"},
                          {"tbinom", "\\binom"},
                          {"displaystyle", " "},
                          {"textstyle", " "},
                          {"scriptstyle", " "},
                          {"limits", " "},
                          {"textdollar", " "},
                          {"dollar", " "}}) {
    replace_command(s, from, to);
  }
  for (size_t pos = 0; (pos = s.find("\\operatorname", pos)) != std::string::npos;) {
    size_t k = pos + 13;
    while (k < s.size() && s[k] == ' ') ++k;
    size_t close = k < s.size() && s[k] == '{' ? match_brace(s, k) : std::string::npos;
    if (close == std::string::npos) {
      pos = k;
      continue;
    }
    s.replace(pos, close + 1 - pos, "\\" + trim(s.substr(k + 1, close - k - 1)) + " ");
  }
  n.degrees = strip_degrees(s);
  n.percent = strip_percent(s);
  replace_command(s, "prime", "'");
  replace_all(s, "^{''}", "''");
  replace_all(s, "^{'}", "'");
  replace_all(s, "^'", "'");
  replace_all(s, "**", "^");
  for (std::string_view prefix : {"np.", "math.", "sympy.", "sp."}) replace_all(s, prefix, "");
  // The whole answer in one \text{}: a word / choice answer, or math written as text.
  {
    std::string t = collapse_spaces(s), content;
    strip_trailing_punct(t);
    for (int k = 0; k < 3 && whole_group(t,
                                         {"text", "textbf", "textit", "textrm", "mbox", "mathrm",
                                          "mathbf", "textnormal", "emph"},
                                         content);
         ++k) {
      n.text_only = true;
      t = collapse_spaces(content);
      strip_trailing_punct(t);
    }
    if (n.text_only) s = t;
  }
  process_text_groups(s);
  s = collapse_spaces(s);
  strip_trailing_punct(s);
  if (!n.text_only) strip_trailing_units(s);
  s = collapse_spaces(s);
  strip_trailing_punct(s);
  top_level_thousands(s);
  n.text = std::move(s);
  return n;
}

std::string text_key(std::string_view answer) {
  std::string s(answer);
  map_unicode(s);
  for (auto name : kTextCommands) replace_command(s, name, " ");
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {  // drop other commands' backslash, keep their letters apart
      out += ' ';
      continue;
    }
    if (is_alpha(c) || is_digit(c)) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (c == '\'' || c == '-') {
      out += c;
    } else {
      out += ' ';
    }
  }
  return collapse_spaces(trim(out));
}

std::optional<char> choice_letter(std::string_view answer, bool strict) {
  std::string s(answer);
  for (auto name : kTextCommands) replace_command(s, name, " ");
  std::string t;
  for (char c : s)
    if (c != '{' && c != '}' && c != '$') t += c;
  t = trim(t);
  if (strict) {
    t.erase(std::remove_if(t.begin(), t.end(), is_space), t.end());
    if (t.size() == 3 && t[0] == '(' && t[2] == ')' && t[1] >= 'A' && t[1] <= 'Z') return t[1];
    if (t.size() == 1 && t[0] >= 'A' && t[0] <= 'E') return t[0];
    return std::nullopt;
  }
  size_t i = 0;
  bool paren = i < t.size() && t[i] == '(';
  if (paren) ++i;
  if (i >= t.size() || !is_alpha(t[i])) return std::nullopt;
  char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(t[i])));
  ++i;
  if (paren) {
    if (i >= t.size() || t[i] != ')') return std::nullopt;
    ++i;
  } else if (i < t.size() && (is_alpha(t[i]) || is_digit(t[i]))) {
    // "B", "B) 12", "B: 12", "B 12" are choices; "B12", "Bob" are not.
    return std::nullopt;
  }
  // Another standalone capital letter later ("(B) or (C)", "B, C") is a hedge, not a choice.
  for (size_t k = i; k < t.size(); ++k) {
    if (t[k] < 'A' || t[k] > 'Z') continue;
    bool alone = (k == 0 || !is_alpha(t[k - 1])) && (k + 1 == t.size() || !is_alpha(t[k + 1]));
    if (alone && t[k] != letter) return std::nullopt;
  }
  return letter;
}

}  // namespace ds::verify
