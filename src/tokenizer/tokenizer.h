// CONTRACT (written before the implementation so the model, engine and trainer can code against
// it; the tokenizer owner may add members but must keep these signatures).
//
// Owns the Tokenizer interface shared by every model: byte-level BPE compatible with Hugging Face
// (vocab.json + merges.txt [+ tokenizer_config.json], or tokenizer.json) and the character/byte
// tokenizer of the built-in tiny models. Thread-safety: encode/decode are const and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ds::tok {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Text -> ids. Added/special tokens (e.g. "<|im_start|>") in the text map to their single ids.
  virtual std::vector<int32_t> encode(std::string_view text) const = 0;
  // Ids -> text; the exact inverse of encode. Invalid UTF-8 partial sequences are handled as
  // Hugging Face does (replacement character U+FFFD).
  virtual std::string decode(const std::vector<int32_t>& ids) const = 0;
  // Raw bytes of one token (no UTF-8 repair): lets streaming decoders and stop-string checks work
  // on partial characters.
  virtual std::string token_bytes(int32_t id) const = 0;
  virtual int32_t vocab_size() const = 0;
  // End-of-sequence id used to stop generation (from tokenizer_config.json / the model's config).
  // -1 only for a BPE tokenizer whose files name no eos token and hold none of the usual ones.
  virtual int32_t eos_id() const = 0;
  // Padding id (may equal eos_id; -1 when eos_id is -1 and no pad token is named).
  virtual int32_t pad_id() const = 0;
  // Id of a token given by its string form (e.g. "<|im_end|>"), if any.
  virtual std::optional<int32_t> token_id(std::string_view token) const = 0;
  // Writes the tokenizer files into `dir` (so a checkpoint directory is self-contained).
  virtual void save(const std::string& dir) const = 0;
  // "bpe" or "char".
  virtual std::string kind() const = 0;
  // True for special tokens (e.g. "<|im_end|>", "<eos>"): callers showing text may drop them.
  virtual bool is_special(int32_t id) const { return false; }
};

// How load_tokenizer interprets the files (all fields have working defaults).
struct TokenizerLoadOptions {
  // Pre-tokenizer split rule: "auto" reads it from tokenizer.json's pre_tokenizer, or from
  // tokenizer_config.json's tokenizer_class (Qwen2Tokenizer -> qwen2, else gpt2).
  std::string split_rule = "auto";
  // "none" keeps decode(encode(s)) == s for every s; "nfc" applies Unicode NFC before splitting
  // (what HF's Qwen2 tokenizer does, so ids equal HF's also on non-NFC input); "auto" applies NFC
  // when the files declare an NFC normalizer.
  std::string normalization = "none";
  // BPE results memoised per pre-token (0 disables the cache).
  int cache_capacity = 1 << 16;

  template <class V>
  void visit(V& v) {
    v.one_of("split_rule", split_rule, {"auto", "gpt2", "qwen2", "llama3"},
             "pre-tokenizer split rule (auto: from the tokenizer files)");
    v.one_of("normalization", normalization, {"none", "nfc", "auto"},
             "Unicode normalization before splitting (none keeps exact round trips)");
    v("cache_capacity", cache_capacity, "pre-tokens whose BPE result is memoised (0: off)");
  }
};

// Loads whatever tokenizer files `dir` holds: tokenizer.json, or vocab.json + merges.txt
// (+ tokenizer_config.json), or the char tokenizer's file. Throws DataError naming the file.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& dir);
// Same with explicit options; `dir` may also name a tokenizer.json / char_tokenizer.json file.
// Throws ConfigError for invalid options.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& dir,
                                          const TokenizerLoadOptions& options);

}  // namespace ds::tok
