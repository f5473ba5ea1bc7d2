// The garbled / repetitive sample filter (see sample_filter.h).
#include "train/sample_filter.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/errors.h"
#include "tokenizer/utf8.h"

namespace ds::train {

namespace {

bool is_space(int32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f';
}

bool is_control(int32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

// ASCII letters/digits, and every non-ASCII code point that is not a control character
// (letters of other scripts, math symbols written in Unicode).
bool is_word_char(int32_t cp) {
  if (cp >= 0x80) return !is_control(cp) && cp != static_cast<int32_t>(tok::kReplacementChar);
  return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

// Fine tokens: maximal runs of word characters, every other non-space character alone.
std::vector<std::string_view> fine_tokens(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0, word_start = std::string_view::npos;
  while (pos < text.size()) {
    int32_t cp = 0;
    const size_t len = tok::decode_utf8(text, pos, &cp);
    const bool word = cp >= 0 && is_word_char(cp);
    if (!word && word_start != std::string_view::npos) {
      out.push_back(text.substr(word_start, pos - word_start));
      word_start = std::string_view::npos;
    }
    if (word) {
      if (word_start == std::string_view::npos) word_start = pos;
    } else if (cp < 0 || !is_space(cp)) {
      out.push_back(text.substr(pos, len));
    }
    pos += len;
  }
  if (word_start != std::string_view::npos) out.push_back(text.substr(word_start));
  return out;
}

}  // namespace

void validate(const SampleFilterOptions& o, const std::string& where) {
  auto bad = [&](const char* field, const std::string& problem, const std::string& hint) {
    throw ConfigError(where + "." + field, problem, hint);
  };
  if (o.tail_max_period < 1) bad("tail_max_period", "must be >= 1", "use e.g. 200");
  if (o.tail_min_chars < 1) bad("tail_min_chars", "must be >= 1", "use e.g. 64");
  if (o.tail_min_repeats < 2) bad("tail_min_repeats", "must be >= 2", "use e.g. 4");
  if (o.ngram_n < 1) bad("ngram_n", "must be >= 1", "use e.g. 10");
  if (o.ngram_min_tokens < o.ngram_n)
    bad("ngram_min_tokens", fmt::format("must be >= ngram_n ({})", o.ngram_n), "use e.g. 60");
  if (!(o.ngram_max_repeat_fraction > 0.0 && o.ngram_max_repeat_fraction <= 1.0))
    bad("ngram_max_repeat_fraction", "must be in (0, 1]", "use e.g. 0.5");
  if (o.max_replacement_chars < 0) bad("max_replacement_chars", "must be >= 0", "use e.g. 0");
  if (o.max_control_chars < 0) bad("max_control_chars", "must be >= 0", "use e.g. 0");
  if (!(o.min_alnum_fraction >= 0.0 && o.min_alnum_fraction <= 1.0))
    bad("min_alnum_fraction", "must be in [0, 1]", "use e.g. 0.2 (0 = off)");
  if (o.min_chars_for_fraction < 1) bad("min_chars_for_fraction", "must be >= 1", "use e.g. 16");
}

int64_t repeated_tail_chars(std::string_view s, int max_period, int min_repeats, int* period) {
  const int64_t n = static_cast<int64_t>(s.size());
  int64_t best = 0;
  int best_period = 0;
  for (int p = 1; p <= max_period && 2 * static_cast<int64_t>(p) <= n; ++p) {
    // Matching characters going back from the end: s[i] == s[i - p].
    int64_t matched = 0;
    for (int64_t i = n - 1;
         i - p >= 0 && s[static_cast<size_t>(i)] == s[static_cast<size_t>(i - p)]; --i)
      ++matched;
    const int64_t covered = matched + p;
    if (covered >= static_cast<int64_t>(min_repeats) * p && covered > best) {
      best = covered;
      best_period = p;
    }
  }
  if (period) *period = best_period;
  return best;
}

double repeated_ngram_fraction(std::string_view text, int n, int64_t* num_tokens) {
  DS_CHECK(n >= 1, "n-gram length must be >= 1");
  const std::vector<std::string_view> tokens = fine_tokens(text);
  if (num_tokens) *num_tokens = static_cast<int64_t>(tokens.size());
  if (tokens.size() < static_cast<size_t>(n)) return 0.0;
  std::unordered_map<std::string_view, uint64_t> ids;
  ids.reserve(tokens.size());
  std::vector<uint64_t> seq;
  seq.reserve(tokens.size());
  for (std::string_view t : tokens)
    seq.push_back(ids.emplace(t, static_cast<uint64_t>(ids.size())).first->second);
  // Each n-gram as a 64-bit hash of its token ids (a collision only ever over-counts one repeat
  // in 2^64).
  const size_t total = seq.size() - static_cast<size_t>(n) + 1;
  std::unordered_set<uint64_t> seen;
  seen.reserve(total);
  size_t repeated = 0;
  for (size_t i = 0; i < total; ++i) {
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (size_t k = 0; k < static_cast<size_t>(n); ++k) {
      h ^= seq[i + k] + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
      h *= 0xFF51AFD7ED558CCDull;
    }
    if (!seen.insert(h).second) ++repeated;
  }
  return static_cast<double>(repeated) / static_cast<double>(total);
}

FilterVerdict check_response(std::string_view text, const SampleFilterOptions& o) {
  FilterVerdict v;
  auto drop = [&](const char* kind, std::string reason) {
    v.drop = true;
    v.kind = kind;
    v.reason = std::string(kind) + ": " + std::move(reason);
    return v;
  };
  // Garbage first: it is cheap and its reasons are the most specific.
  int64_t replacement = 0, control = 0, alnum = 0, non_space = 0;
  for (size_t pos = 0; pos < text.size();) {
    int32_t cp = 0;
    const size_t len = tok::decode_utf8(text, pos, &cp);
    if (cp < 0) return drop("garbage", fmt::format("invalid UTF-8 at byte {}", pos));
    pos += len;
    if (cp == static_cast<int32_t>(tok::kReplacementChar)) ++replacement;
    if (is_control(cp)) ++control;
    if (!is_space(cp)) ++non_space;
    if (is_word_char(cp)) ++alnum;
  }
  if (replacement > o.max_replacement_chars)
    return drop("garbage", fmt::format("{} replacement characters (U+FFFD)", replacement));
  if (control > o.max_control_chars)
    return drop("garbage", fmt::format("{} control characters", control));
  if (non_space >= o.min_chars_for_fraction &&
      static_cast<double>(alnum) < o.min_alnum_fraction * static_cast<double>(non_space))
    return drop("garbage",
                fmt::format("only {} of {} characters are letters or digits", alnum, non_space));

  int period = 0;
  const int64_t tail = repeated_tail_chars(text, o.tail_max_period, o.tail_min_repeats, &period);
  if (tail >= o.tail_min_chars)
    return drop("repetition",
                fmt::format("the last {} characters repeat a {}-character span", tail, period));
  int64_t tokens = 0;
  const double frac = repeated_ngram_fraction(text, o.ngram_n, &tokens);
  if (tokens >= o.ngram_min_tokens && frac >= o.ngram_max_repeat_fraction)
    return drop("repetition",
                fmt::format("{:.0f}% of its {}-grams repeat", 100.0 * frac, o.ngram_n));
  return v;
}

SampleFilterResult filter_samples(const std::vector<rl::Sample>& samples,
                                  const std::vector<std::string>& texts,
                                  const SampleFilterOptions& o) {
  DS_CHECK(samples.size() == texts.size(), "filter_samples: one text per sample");
  SampleFilterResult r;
  r.keep.assign(samples.size(), 1);
  r.reasons.assign(samples.size(), std::string());
  if (!o.enable) return r;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (samples[i].correct) continue;
    FilterVerdict v = check_response(texts[i], o);
    if (!v.drop) continue;
    r.keep[i] = 0;
    ++r.dropped;
    if (v.kind == "repetition")
      ++r.dropped_repetition;
    else
      ++r.dropped_garbage;
    r.reasons[i] = std::move(v.reason);
  }
  return r;
}

}  // namespace ds::train
