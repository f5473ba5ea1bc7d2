// Owns the public API of the math verifier, the reward that training trusts:
//   verify(gold, response) -> Verdict {correct, status, extracted, reason}.
// Rules, in order:
//  1. Extraction (extract.h): the answer is the content of the LAST \boxed{} / \fbox{} (nested
//     braces, "\boxed x"); without a box, the text after "final answer is", "the answer is",
//     "answers are", "answer:" or "####". None (or a cut-off "\boxed{") -> Status::kNoAnswer.
//  2. Hedging: with reject_hedging (default), EVERY boxed answer of the response must be
//     equivalent to the gold; a response boxing "3" and later "5" is wrong ("multiple different
//     answers") even when one of them is right. Repeating the same answer is fine.
//  3. The gold may itself contain \boxed{} (its last box is used).
//  4. Normalization (normalize.h), parsing (parser.h) and equivalence (compare.h).
//  5. Bounds: every check has a time budget (time_budget_ms, default 50 ms) and size bounds
//     (answer length, nesting depth, exact number size, factorials, CAS size). Hitting one gives
//     Status::kUndecided ("could not decide"), which counts as incorrect. Nothing from the
//     response is ever executed; nothing throws out of these functions except std::bad_alloc.
// Numbers: integers, fractions and terminating decimals are exact (GMP): 1/3 != 0.333 and
// 0.5 == \frac12 == 50\%-of-1. A decimal against an irrational (\sqrt2 vs 1.414214) uses the
// relative tolerance float_rel_tol (1e-6); exact forms use exact_rel_tol (1e-10) in the numeric
// test. gold_decimal_rounding (off by default) would also accept answers that round to a decimal
// gold. Symbols are treated as positive reals by the numeric test.
// Thread-safety: all functions are reentrant; the GiNaC part is serialized internally.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "verifier/verify_options.h"

namespace ds::verify {

enum class Status : uint8_t {
  kCorrect,    // equivalent to the gold
  kWrong,      // an answer that is not equivalent (or hedged, or not parsable as math)
  kNoAnswer,   // nothing could be extracted from the response
  kUndecided,  // a time or size bound was hit: treated as incorrect
};

const char* status_name(Status s);

struct Verdict {
  bool correct = false;
  Status status = Status::kNoAnswer;
  std::string extracted;  // the answer taken from the response ("" when none)
  std::string reason;     // one line: why
};

// The main entry point: gold answer (may contain \boxed{}) vs a full model response.
Verdict verify(const std::string& gold, const std::string& response,
               const VerifyOptions& opts = {});

// The final answer of a response (last \boxed{}, else an answer phrase); nullopt when none.
std::optional<std::string> extract_answer(std::string_view response);

// Gold answer vs an already extracted candidate answer (no extraction, no hedging rule).
Verdict compare_answers(std::string_view gold, std::string_view candidate,
                        const VerifyOptions& opts = {});
bool answers_equivalent(std::string_view gold, std::string_view candidate,
                        const VerifyOptions& opts = {});

// How a gold answer is understood: for dataset checks ("does every gold parse?").
struct GoldReport {
  bool parsed = false;     // parsed as math / choice / words (not only the text fallback)
  std::string kind;        // "expression", "tuple/interval", "set", ..., or "" when !parsed
  std::string normalized;  // after normalization
  std::string canonical;   // the parsed structure, canonically printed
  std::string error;       // why it did not parse
};
GoldReport describe_answer(std::string_view gold, const VerifyOptions& opts = {});

}  // namespace ds::verify
