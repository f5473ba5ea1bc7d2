// Owns the UTF-8 helpers the tokenizers share: decoding one code point with validation, encoding
// one, and the lossy repair that decode() applies (each maximal ill-formed subpart becomes one
// U+FFFD, as Python's bytes.decode(errors="replace") and Rust's String::from_utf8_lossy do, which
// is what Hugging Face's byte-level decoder produces). Does not classify characters
// (pretokenize.h). Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ds::tok {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Decodes the code point starting at s[pos]. Returns its length in bytes (1..4) and stores it in
// *cp; for an ill-formed sequence returns the length of its maximal subpart (>= 1) and stores -1.
// Requires pos < s.size().
size_t decode_utf8(std::string_view s, size_t pos, int32_t* cp);

// Appends the UTF-8 encoding of cp (cp must be a Unicode scalar value).
void append_utf8(std::string& out, char32_t cp);

// True when s is well-formed UTF-8.
bool is_valid_utf8(std::string_view s);

// s with every maximal ill-formed subpart replaced by U+FFFD (unchanged when s is valid).
std::string repair_utf8(std::string_view s);

}  // namespace ds::tok
