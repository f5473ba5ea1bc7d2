// Answer extraction for task verifiers (see answer_extract.h).
#include "tasks/answer_extract.h"

#include <cctype>

namespace ds::tasks {

namespace {

std::string trim(std::string_view s) {
  auto is_pad = [](char c) { return std::isspace(static_cast<unsigned char>(c)) || c == '$'; };
  size_t b = 0, e = s.size();
  while (b < e && is_pad(s[b])) ++b;
  while (e > b && is_pad(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

// The brace-balanced group starting at text[open] == '{'; nullopt when unclosed.
std::optional<std::string> braced_group(std::string_view text, size_t open) {
  int depth = 0;
  for (size_t i = open; i < text.size(); ++i) {
    if (text[i] == '{') ++depth;
    if (text[i] == '}' && --depth == 0) return std::string(text.substr(open + 1, i - open - 1));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> last_boxed(std::string_view text) {
  std::optional<std::string> best;
  size_t best_pos = 0;
  for (std::string_view macro : {std::string_view("\\boxed"), std::string_view("\\fbox")}) {
    size_t pos = text.rfind(macro);
    // Walk back until a complete group is found (an unclosed last one is skipped).
    while (pos != std::string_view::npos) {
      size_t open = pos + macro.size();
      while (open < text.size() && text[open] == ' ') ++open;
      if (open < text.size() && text[open] == '{') {
        auto g = braced_group(text, open);
        if (g) {
          if (!best || pos > best_pos) {
            best = std::move(g);
            best_pos = pos;
          }
          break;
        }
      }
      if (pos == 0) break;
      pos = text.rfind(macro, pos - 1);
    }
  }
  if (best) *best = trim(*best);
  return best;
}

std::optional<std::string> extract_final_answer(std::string_view text) {
  if (auto b = last_boxed(text)) return b;
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t pos = lower.rfind("answer:");
  if (pos == std::string::npos) return std::nullopt;
  size_t start = pos + 7;
  size_t end = text.find('\n', start);
  if (end == std::string_view::npos) end = text.size();
  std::string out = trim(text.substr(start, end - start));
  if (!out.empty() && out.back() == '.') out.pop_back();
  return trim(out);
}

}  // namespace ds::tasks
