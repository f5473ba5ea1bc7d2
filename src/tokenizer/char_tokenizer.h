// Owns the character/byte tokenizer of the built-in tiny models: ids 0..S-1 are the special tokens
// (by default <pad>, <eos>, <bos>, <|im_start|>, <|im_end|>), ids S..S+255 the 256 byte values, so
// every byte string round-trips and the vocabulary stays tiny. Special-token strings in the text
// are matched first (longest first). Saved as char_tokenizer.json:
//   {"type": "char", "version": 1, "special_tokens": [...], "eos_token": ..., "pad_token": ...,
//    "bos_token": ..., "byte_offset": S}
// Thread-safety: immutable after construction; all methods are const and thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/added_tokens.h"
#include "tokenizer/tokenizer.h"

namespace ds::tok {

inline constexpr const char* kCharTokenizerFile = "char_tokenizer.json";

struct CharTokenizerOptions {
  std::vector<std::string> special_tokens = {"<pad>", "<eos>", "<bos>", "<|im_start|>",
                                             "<|im_end|>"};
  std::string eos_token = "<eos>";
  std::string pad_token = "<pad>";
  std::string bos_token = "<bos>";  // "" for none

  template <class V>
  void visit(V& v) {
    v("special_tokens", special_tokens, "special tokens, ids 0.. in this order; bytes follow");
    v("eos_token", eos_token, "end-of-sequence token (one of special_tokens)");
    v("pad_token", pad_token, "padding token (one of special_tokens)");
    v("bos_token", bos_token, "beginning-of-sequence token (one of special_tokens, or empty)");
  }
};

class CharTokenizer final : public Tokenizer {
 public:
  // Throws ConfigError for duplicate / empty special tokens or an eos/pad/bos not among them.
  explicit CharTokenizer(CharTokenizerOptions options);
  // Reads char_tokenizer.json; DataError naming the file when it is missing or wrong.
  static std::unique_ptr<CharTokenizer> load(const std::string& path);

  std::vector<int32_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int32_t>& ids) const override;
  std::string token_bytes(int32_t id) const override;
  int32_t vocab_size() const override { return byte_offset_ + 256; }
  int32_t eos_id() const override { return eos_id_; }
  int32_t pad_id() const override { return pad_id_; }
  std::optional<int32_t> token_id(std::string_view token) const override;
  void save(const std::string& dir) const override;
  std::string kind() const override { return "char"; }
  bool is_special(int32_t id) const override { return id >= 0 && id < byte_offset_; }

  int32_t bos_id() const { return bos_id_; }  // -1 when there is none
  int32_t byte_id(uint8_t b) const { return byte_offset_ + b; }
  const CharTokenizerOptions& options() const { return options_; }

 private:
  CharTokenizerOptions options_;
  AddedTokenMatcher specials_;
  int32_t byte_offset_ = 0, eos_id_ = -1, pad_id_ = -1, bos_id_ = -1;
};

std::unique_ptr<Tokenizer> make_char_tokenizer(const CharTokenizerOptions& options = {});

}  // namespace ds::tok
