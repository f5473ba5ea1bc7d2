// Owns the Unicode character classes the tokenizers need: the pre-tokenizers' letter / number /
// white-space / other split (\p{L}, \p{N}, \s as Hugging Face's regex engines define them), and the
// "word character" (\w) test of added tokens marked single_word. Categories come from libutf8proc.
// Thread-safety: pure functions over constant tables.
#pragma once

#include <cstdint>

namespace ds::tok {

enum CharClass : uint8_t { kLetter, kNumber, kSpace, kOther };

// The Unicode White_Space property (equal to the \s of Oniguruma and of Rust's regex).
bool is_white_space(int32_t cp);

// kLetter for general category L*, kNumber for N*, kSpace for White_Space, else kOther (also for
// cp < 0, which stands for a byte that is not valid UTF-8).
CharClass classify_char(int32_t cp);

// \w: letters, marks, numbers, connector punctuation (e.g. '_'), U+200C/U+200D.
bool is_word_char(int32_t cp);

}  // namespace ds::tok
