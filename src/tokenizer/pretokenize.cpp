// Hand-written scanners for the GPT-2 / Qwen2 / Llama-3 split patterns (see pretokenize.h). Each
// function below follows one pattern's alternatives in order; the comments name the alternative.
#include "tokenizer/pretokenize.h"

#include <array>

#include "core/errors.h"
#include "tokenizer/char_class.h"
#include "tokenizer/utf8.h"

namespace ds::tok {

namespace {

struct Char {
  int32_t cp;   // -1 for a byte that is not part of valid UTF-8
  uint8_t cls;  // CharClass
  uint8_t len;  // bytes
};

struct AsciiTable {
  std::array<uint8_t, 128> cls{};
  AsciiTable() {
    for (int c = 0; c < 128; ++c) cls[c] = classify_char(c);
  }
};

inline Char peek(std::string_view s, size_t pos) {
  static const AsciiTable ascii;
  auto b = static_cast<unsigned char>(s[pos]);
  if (b < 0x80) return {b, ascii.cls[b], 1};
  int32_t cp;
  size_t len = decode_utf8(s, pos, &cp);
  if (cp < 0) len = 1;  // one "other" character per stray byte
  return {cp, classify_char(cp), static_cast<uint8_t>(len)};
}

inline bool is_cr_or_lf(int32_t cp) {
  return cp == '\r' || cp == '\n';
}

// End of the run of characters of class `cls` starting at pos.
inline size_t run_end(std::string_view s, size_t pos, uint8_t cls) {
  while (pos < s.size()) {
    Char c = peek(s, pos);
    if (c.cls != cls) break;
    pos += c.len;
  }
  return pos;
}

// Simple case folding onto the ASCII letters the contractions use (Oniguruma's (?i) maps U+017F
// LATIN SMALL LETTER LONG S onto 's').
inline int32_t fold(int32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp == 0x17F) return 's';
  return cp;
}

// 's|'t|'re|'ve|'m|'ll|'d at pos (s[pos] == '\''), case-insensitively or not; 0 when none matches.
size_t contraction_end(std::string_view s, size_t pos, bool ignore_case) {
  size_t n = s.size();
  size_t p1 = pos + 1;
  if (p1 >= n) return 0;
  Char c1 = peek(s, p1);
  int32_t a = ignore_case ? fold(c1.cp) : c1.cp;
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return p1 + c1.len;
  if (a != 'r' && a != 'v' && a != 'l') return 0;
  size_t p2 = p1 + c1.len;
  if (p2 >= n) return 0;
  Char c2 = peek(s, p2);
  int32_t b = ignore_case ? fold(c2.cp) : c2.cp;
  bool ok = (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l');
  return ok ? p2 + c2.len : 0;
}

// \s+(?!\S) then \s+, for a whitespace run starting at pos: the whole run at the end of the text,
// else the run minus its last character (so that character can prefix the next word), else the
// single character.
size_t trailing_space_end(std::string_view s, size_t pos) {
  size_t q = pos, last_start = pos;
  int count = 0;
  while (q < s.size()) {
    Char c = peek(s, q);
    if (c.cls != kSpace) break;
    last_start = q;
    q += c.len;
    ++count;
  }
  if (q == s.size()) return q;
  return count >= 2 ? last_start : q;
}

size_t qwen2_piece_end(std::string_view s, size_t i, int max_digits) {
  const size_t n = s.size();
  Char c = peek(s, i);
  // (?i:'s|'t|'re|'ve|'m|'ll|'d)
  if (c.cp == '\'') {
    if (size_t e = contraction_end(s, i, /*ignore_case=*/true)) return e;
  }
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (c.cls != kLetter && c.cls != kNumber && !is_cr_or_lf(c.cp)) {
    size_t j = i + c.len;
    if (j < n && peek(s, j).cls == kLetter) return run_end(s, j, kLetter);
  }
  if (c.cls == kLetter) return run_end(s, i, kLetter);
  // \p{N} (qwen2) or \p{N}{1,3} (llama3)
  if (c.cls == kNumber) {
    size_t j = i + c.len;
    for (int k = 1; k < max_digits && j < n; ++k) {
      Char d = peek(s, j);
      if (d.cls != kNumber) break;
      j += d.len;
    }
    return j;
  }
  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  size_t j = i;
  if (c.cp == ' ' && i + 1 < n && peek(s, i + 1).cls == kOther) j = i + 1;
  if (j > i || c.cls == kOther) {
    j = run_end(s, j, kOther);
    while (j < n && (s[j] == '\r' || s[j] == '\n')) ++j;
    return j;
  }
  // c is whitespace from here on.
  // \s*[\r\n]+ : up to and including the last CR/LF of the whitespace run.
  size_t q = i, last_newline_end = 0;
  while (q < n) {
    Char d = peek(s, q);
    if (d.cls != kSpace) break;
    q += d.len;
    if (is_cr_or_lf(d.cp)) last_newline_end = q;
  }
  if (last_newline_end > 0) return last_newline_end;
  // \s+(?!\S)|\s+
  return trailing_space_end(s, i);
}

size_t gpt2_piece_end(std::string_view s, size_t i) {
  const size_t n = s.size();
  Char c = peek(s, i);
  // 's|'t|'re|'ve|'m|'ll|'d
  if (c.cp == '\'') {
    if (size_t e = contraction_end(s, i, /*ignore_case=*/false)) return e;
  }
  //  ?\p{L}+|  ?\p{N}+|  ?[^\s\p{L}\p{N}]+
  if (c.cp == ' ' && i + 1 < n) {
    Char d = peek(s, i + 1);
    if (d.cls != kSpace) return run_end(s, i + 1, d.cls);
  }
  if (c.cls != kSpace) return run_end(s, i, c.cls);
  // \s+(?!\S)|\s+
  return trailing_space_end(s, i);
}

}  // namespace

SplitRule parse_split_rule(const std::string& name) {
  if (name == "gpt2") return SplitRule::kGpt2;
  if (name == "qwen2") return SplitRule::kQwen2;
  if (name == "llama3") return SplitRule::kLlama3;
  throw ConfigError("split rule", "unknown pre-tokenizer split rule '" + name + "'",
                    "use one of: gpt2, qwen2, llama3 (or auto to detect it from the files)");
}

std::string split_rule_name(SplitRule rule) {
  switch (rule) {
    case SplitRule::kGpt2:
      return "gpt2";
    case SplitRule::kQwen2:
      return "qwen2";
    case SplitRule::kLlama3:
      return "llama3";
  }
  return "?";
}

const std::string& split_rule_pattern(SplitRule rule) {
  static const std::string gpt2 =
      R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
  static const std::string qwen2 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  static const std::string llama3 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  switch (rule) {
    case SplitRule::kGpt2:
      return gpt2;
    case SplitRule::kQwen2:
      return qwen2;
    case SplitRule::kLlama3:
      return llama3;
  }
  return gpt2;
}

size_t next_piece_end(std::string_view text, size_t begin, SplitRule rule) {
  switch (rule) {
    case SplitRule::kGpt2:
      return gpt2_piece_end(text, begin);
    case SplitRule::kQwen2:
      return qwen2_piece_end(text, begin, 1);
    case SplitRule::kLlama3:
      return qwen2_piece_end(text, begin, 3);
  }
  return text.size();
}

std::vector<std::string_view> pretokenize(std::string_view text, SplitRule rule) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = next_piece_end(text, pos, rule);
    DS_CHECK(end > pos && end <= text.size(), "pre-tokenizer made no progress");
    out.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

}  // namespace ds::tok
