// Owns the string-level normalization of an answer before parsing: math delimiters ($, \(, \[),
// \left/\right, spacing commands (\! \, ~), \dfrac/\tfrac, thousands separators (7,425,000,
// 1{,}000, 10,\!080, 1 000), degrees, percent and dollar signs, \text{} units and connectives,
// trailing periods, unicode math symbols. What it does NOT do: decide meaning (that is the
// parser's job) or compare. Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ds::verify {

struct Normalized {
  std::string text;        // normalized LaTeX
  bool percent = false;    // a % sign was removed
  bool degrees = false;    // a degree sign was removed
  bool text_only = false;  // the whole answer was one \text{...}-like group (now unwrapped)
};

Normalized normalize_answer(std::string_view answer);

// Lowercase letters/digits/spaces of an answer with LaTeX markup removed, for word answers:
// "\text{East}." -> "east".
std::string text_key(std::string_view answer);

// A multiple-choice letter. strict (gold): "(B)", "\text{(B)}", "B" (A-E only when bare).
// Loose (candidate): also "B) 12", "(b)", "\textbf{(B)} 12".
std::optional<char> choice_letter(std::string_view answer, bool strict);

}  // namespace ds::verify
