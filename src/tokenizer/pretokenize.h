// Owns the pre-tokenizer split rules of byte-level BPE tokenizers, written as hand-made scanners
// over code points (no regex engine) that reproduce these Hugging Face patterns exactly, including
// leftmost-first alternation and backtracking:
//   gpt2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   qwen2:  (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|
//           \s*[\r\n]+|\s+(?!\S)|\s+
//   llama3: the qwen2 pattern with \p{N}{1,3} instead of \p{N}
// \p{L} / \p{N} are Unicode general categories (libutf8proc); \s is the White_Space property (what
// Oniguruma, the HF regex engine, uses). Bytes that are not valid UTF-8 count as "other" characters
// one byte at a time, so any byte string is split losslessly. Normalization is not done here.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ds::tok {

enum class SplitRule { kGpt2, kQwen2, kLlama3 };

// "gpt2" | "qwen2" | "llama3"; throws ConfigError listing the valid names otherwise.
SplitRule parse_split_rule(const std::string& name);
std::string split_rule_name(SplitRule rule);

// The exact regex string HF tokenizer.json files carry for a rule (used to recognise it on load and
// to write it on save).
const std::string& split_rule_pattern(SplitRule rule);

// End (byte offset, > begin) of the piece that starts at `begin` (< text.size()).
size_t next_piece_end(std::string_view text, size_t begin, SplitRule rule);

// All pieces of `text`, in order; their concatenation is `text`.
std::vector<std::string_view> pretokenize(std::string_view text, SplitRule rule);

}  // namespace ds::tok
