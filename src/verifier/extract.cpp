// Answer extraction from model responses (see extract.h).
#include "verifier/extract.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace ds::verify {

namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_alnum(char c) {
  return is_alpha(c) || (c >= '0' && c <= '9');
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Index of the '}' matching the '{' at `open`, or npos. Escaped braces (\{ \}) do not count.
size_t match_brace(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      ++i;  // skip the escaped character (\{, \}, \\)
      continue;
    }
    if (c == '{') {
      ++depth;
    } else if (c == '}') {
      if (--depth == 0) return i;
    }
  }
  return std::string_view::npos;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// First `needle` at or after `from` that is not preceded by a backslash (\$ is a dollar sign).
size_t find_unescaped(std::string_view s, std::string_view needle, size_t from) {
  for (size_t p = s.find(needle, from); p != std::string_view::npos; p = s.find(needle, p + 1)) {
    if (needle[0] != '$' || p == 0 || s[p - 1] != '\\') return p;
  }
  return std::string_view::npos;
}

// The math content right after an answer phrase: a $...$ / \(...\) / \[...\] group if it starts
// with one, else the rest of the line up to a sentence end.
std::string answer_span(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (is_space(s[i]) || s[i] == ':' || s[i] == '*')) ++i;
  s.remove_prefix(i);
  struct Pair {
    std::string_view open, close;
  };
  static const std::array<Pair, 4> kPairs = {
      {{"$$", "$$"}, {"\\[", "\\]"}, {"\\(", "\\)"}, {"$", "$"}}};
  for (const auto& p : kPairs) {
    if (s.substr(0, p.open.size()) == p.open) {
      auto end = find_unescaped(s, p.close, p.open.size());
      if (end != std::string_view::npos) return trim(s.substr(p.open.size(), end - p.open.size()));
    }
  }
  auto nl = s.find('\n');
  std::string_view line = s.substr(0, nl);
  // Cut at the first sentence end: a period followed by a space or the end (not a decimal point).
  for (size_t k = 0; k < line.size(); ++k) {
    if (line[k] == '.' && (k + 1 == line.size() || is_space(line[k + 1]))) {
      line = line.substr(0, k);
      break;
    }
  }
  std::string out = trim(line);
  while (!out.empty() && (out.back() == '*' || out.back() == '$')) out.pop_back();
  std::string kept;  // drop math-mode dollars, keep escaped ones (\$5)
  for (size_t k = 0; k < out.size(); ++k)
    if (out[k] != '$' || (k > 0 && out[k - 1] == '\\')) kept += out[k];
  return trim(kept);
}

}  // namespace

std::vector<std::string> find_boxed(std::string_view s, bool* unterminated) {
  std::vector<std::string> out;
  if (unterminated) *unterminated = false;
  size_t pos = 0;
  size_t a = s.find("\\boxed"), b = s.find("\\fbox");  // next occurrences, searched lazily
  while (pos < s.size()) {
    if (a != std::string_view::npos && a < pos) a = s.find("\\boxed", pos);
    if (b != std::string_view::npos && b < pos) b = s.find("\\fbox", pos);
    size_t at = std::min(a, b);
    if (at == std::string_view::npos) break;
    size_t i = at + (at == a ? 6 : 5);
    if (i < s.size() && is_alpha(s[i])) {  // another command, e.g. \boxedsymbol
      pos = i;
      continue;
    }
    while (i < s.size() && is_space(s[i])) ++i;
    if (i >= s.size()) break;
    std::string content;
    if (s[i] == '{') {
      size_t close = match_brace(s, i);
      if (close == std::string_view::npos) {
        if (unterminated) *unterminated = true;
        break;
      }
      content = trim(s.substr(i + 1, close - i - 1));
      pos = close + 1;
    } else if (s[i] == '\\') {  // \boxed \pi
      size_t j = i + 1;
      while (j < s.size() && is_alpha(s[j])) ++j;
      content = std::string(s.substr(i, j - i));
      pos = j;
    } else {  // \boxed 5
      size_t j = i;
      while (j < s.size() && (is_alnum(s[j]) || s[j] == '.')) ++j;
      while (j > i && s[j - 1] == '.') --j;
      content = std::string(s.substr(i, j - i));
      pos = std::max(j, i + 1);
    }
    if (!content.empty()) out.push_back(std::move(content));
  }
  return out;
}

Extraction extract(std::string_view response) {
  Extraction ex;
  ex.boxed = find_boxed(response, &ex.unterminated);
  if (ex.unterminated) {
    ex.method = "unterminated \\boxed{";
    return ex;
  }
  if (!ex.boxed.empty()) {
    ex.answer = ex.boxed.back();
    ex.found = true;
    ex.method = "boxed";
    return ex;
  }
  // No box: the last answer phrase.
  std::string lower = to_lower(response);
  static const std::array<std::string_view, 8> kPhrases = {
      "final answer is", "final answer:", "the answer is", "answer is",
      "answers are",     "answer:",       "answers:",      "####"};
  size_t best = std::string::npos, best_end = 0;
  for (auto phrase : kPhrases) {
    size_t p = lower.rfind(phrase);
    if (p == std::string::npos) continue;
    size_t end = p + phrase.size();
    if (best == std::string::npos || p > best || (p == best && end > best_end)) {
      // A later phrase wins; at the same start the longer one ("answer is" inside "final
      // answer is" starts later, so it wins unless the text continues).
      best = p;
      best_end = end;
    }
  }
  if (best != std::string::npos) {
    std::string span = answer_span(response.substr(best_end));
    if (!span.empty()) {
      ex.answer = span;
      ex.found = true;
      ex.method = "pattern";
      return ex;
    }
  }
  ex.method = "none";
  return ex;
}

}  // namespace ds::verify
