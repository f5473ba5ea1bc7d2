// Owns the filter of garbled or endlessly repetitive INCORRECT samples that the DeepSearch paper
// applies before the update ([P]; [R] lacks it; DEEPSEARCH.md training loop step 2): such samples
// push a policy toward collapse when trained on. Correct samples are never dropped.
//
// A response is dropped when any of these holds (every threshold is an option):
//  - repetition, tail: the text ends with a span of p characters (1 <= p <= tail_max_period)
//    repeated so that the repeated tail covers >= tail_min_chars characters and >= tail_min_repeats
//    periods (a partial last period counts: a loop cut by the length limit is caught);
//  - repetition, n-grams: the text is split into fine tokens (runs of letters/digits, single
//    other characters; whitespace separates), and among its n-grams of ngram_n tokens the share
//    that repeats an earlier n-gram is >= ngram_max_repeat_fraction (when the text has at least
//    ngram_min_tokens tokens). Normal step-by-step math ("3 + 4 = 7\n7 * 2 = 14\n...") changes
//    numbers every line and stays far below the default;
//  - garbage: invalid UTF-8; more than max_replacement_chars U+FFFD (what a tokenizer's lossy
//    decode leaves of broken byte sequences); more than max_control_chars control characters
//    (C0 other than tab / newline / carriage return, DEL, C1); or, for texts with at least
//    min_chars_for_fraction non-whitespace characters, a share of letters/digits (any non-ASCII
//    code point counts as a letter) below min_alnum_fraction.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rl/sample.h"

namespace ds::train {

struct SampleFilterOptions {
  bool enable = true;
  int tail_max_period = 200;
  int tail_min_chars = 64;
  int tail_min_repeats = 4;
  int ngram_n = 10;
  int ngram_min_tokens = 60;
  double ngram_max_repeat_fraction = 0.5;
  int max_replacement_chars = 0;
  int max_control_chars = 0;
  double min_alnum_fraction = 0.2;
  int min_chars_for_fraction = 16;

  template <class V>
  void visit(V& v) {
    v("enable", enable,
      "drop incorrect samples that are garbled or endlessly repetitive before the update "
      "(correct ones are always kept)");
    v("tail_max_period", tail_max_period,
      "longest repeated span (characters) looked for at the end of a response");
    v("tail_min_chars", tail_min_chars,
      "a repeated tail must cover at least this many characters to count as a loop");
    v("tail_min_repeats", tail_min_repeats, "... and at least this many repetitions of its span");
    v("ngram_n", ngram_n, "tokens per n-gram of the repeated n-gram share");
    v("ngram_min_tokens", ngram_min_tokens,
      "the n-gram share is only judged for responses with at least this many tokens");
    v("ngram_max_repeat_fraction", ngram_max_repeat_fraction,
      "drop when at least this share of the n-grams repeats an earlier one");
    v("max_replacement_chars", max_replacement_chars,
      "drop when the text has more U+FFFD replacement characters than this");
    v("max_control_chars", max_control_chars,
      "drop when the text has more control characters (not tab/newline/CR) than this");
    v("min_alnum_fraction", min_alnum_fraction,
      "drop when letters/digits are less than this share of the non-whitespace characters");
    v("min_chars_for_fraction", min_chars_for_fraction,
      "the letter/digit share is only judged for at least this many non-whitespace characters");
  }
};

// ConfigError naming the field (prefixed by `where`) for out-of-range values.
void validate(const SampleFilterOptions& options, const std::string& where = "sample_filter");

struct FilterVerdict {
  bool drop = false;
  std::string reason;  // "" when kept; else e.g. "repetition: tail of 12 x 9 chars"
  // Kind of the reason: "" (kept), "repetition" or "garbage".
  std::string kind;
};

// Judges one response text (ignores options.enable: callers decide whether to filter).
FilterVerdict check_response(std::string_view text, const SampleFilterOptions& options = {});

// Measures behind the verdict, exposed for tests and diagnostics.
// Characters covered by the longest repeated tail (period <= max_period, >= min_repeats
// repetitions, partial last period included); 0 when none. *period receives its span.
int64_t repeated_tail_chars(std::string_view text, int max_period, int min_repeats,
                            int* period = nullptr);
// Share of n-grams (of n fine tokens) that repeat an earlier n-gram; 0 with fewer than n tokens.
double repeated_ngram_fraction(std::string_view text, int n, int64_t* num_tokens = nullptr);

struct SampleFilterResult {
  std::vector<char> keep;  // one per sample: 1 = keep
  int64_t dropped = 0;
  int64_t dropped_repetition = 0;
  int64_t dropped_garbage = 0;
  std::vector<std::string> reasons;  // one per sample ("" when kept)
};

// Applies check_response to every INCORRECT sample (texts[i] is samples[i]'s response text);
// correct samples are always kept. With options.enable false, everything is kept.
SampleFilterResult filter_samples(const std::vector<rl::Sample>& samples,
                                  const std::vector<std::string>& texts,
                                  const SampleFilterOptions& options = {});

}  // namespace ds::train
