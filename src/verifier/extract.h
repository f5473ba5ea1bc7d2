// Owns answer extraction from a model response: the content of every \boxed{...} / \fbox{...}
// (nested braces; also "\boxed x"), and when there is none, the text after "final answer is",
// "the answer is", "answers are", "answer:" or "####" (last occurrence), with $...$, \(...\),
// \[...\] stripped. A response without an answer is a value (found = false), never an exception.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ds::verify {

struct Extraction {
  std::vector<std::string> boxed;  // every complete non-empty boxed answer, in order
  std::string answer;              // the answer: the last boxed one, else the pattern match
  bool found = false;
  bool unterminated = false;  // a \boxed{ whose closing brace is missing (truncated output)
  std::string method;         // "boxed", "pattern", "none", "unterminated \\boxed{"
};

Extraction extract(std::string_view response);

// Contents of every complete \boxed{} / \fbox{} in `s`; sets *unterminated when a box is cut off
// (scanning stops there).
std::vector<std::string> find_boxed(std::string_view s, bool* unterminated);

}  // namespace ds::verify
