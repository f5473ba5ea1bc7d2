// Owns added (special) tokens: strings such as "<|im_start|>" that bypass the pre-tokenizer and BPE
// and map to one id. Matching follows Hugging Face's AddedVocabulary: leftmost-longest over the raw
// text; `single_word` tokens only match between non-word characters; `lstrip` / `rstrip` tokens
// swallow the white space on their left / right. Does not own ids of ordinary tokens.
// Thread-safety: immutable after construction; split() is const and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ds::tok {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
  bool special = true;  // special tokens are dropped by decode(skip_special=true) style callers
};

// One piece of a text: [begin, end) is ordinary text when id < 0, else one added token.
struct TextSegment {
  size_t begin = 0, end = 0;
  int32_t id = -1;
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  // Tokens with empty content are ignored; for duplicate contents the last one wins.
  explicit AddedTokenMatcher(std::vector<AddedToken> tokens);

  // Appends the segments of `text` (covering it exactly, in order, no empty ordinary segments).
  void split(std::string_view text, std::vector<TextSegment>& out) const;
  bool empty() const { return tokens_.empty(); }
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  // Index of the longest token matching at `pos`, or -1.
  int longest_match_at(std::string_view text, size_t pos) const;

  std::vector<AddedToken> tokens_;
  // by_first_byte_[b]: indexes of tokens starting with byte b, longest first.
  std::array<std::vector<uint32_t>, 256> by_first_byte_;
};

}  // namespace ds::tok
