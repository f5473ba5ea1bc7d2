// Owns the Hugging Face compatible byte-level BPE tokenizer: added tokens first (single ids), then
// optional NFC, the pre-tokenizer split rule, and BPE per piece; decode concatenates token bytes
// and repairs invalid UTF-8 with U+FFFD. Files are read and written by hf_files.h. Thread-safety:
// immutable after construction; all methods are const and thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/added_tokens.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/pretokenize.h"
#include "tokenizer/tokenizer.h"

namespace ds::tok {

// Everything a BpeTokenizer is built from (what the HF files say, after load options applied).
struct BpeTokenizerSpec {
  BpeModelSpec model;
  std::vector<AddedToken> added_tokens;
  // Special-token strings (eos, pad, bos, unk, additional_special_tokens): those that are ordinary
  // vocabulary entries but not added tokens become added special tokens, as in HF.
  std::vector<std::string> special_token_names;
  SplitRule split_rule = SplitRule::kGpt2;
  bool add_prefix_space = false;  // HF ByteLevel: prepend ' ' to each text segment lacking one
  bool nfc = false;               // NFC-normalize ordinary text before splitting
  bool declared_nfc = false;      // the files declare an NFC normalizer (written back on save)
  // Token strings; empty = not set. Without eos_token, an added token spelled <|endoftext|>,
  // <|end_of_text|>, </s>, <|im_end|> or <eos> is used; with none of them eos_id() is -1.
  // Without pad_token, pad = eos.
  std::string eos_token, pad_token, bos_token;
  std::string source;  // the directory or file named in errors
};

class BpeTokenizer final : public Tokenizer {
 public:
  // Throws DataError (naming spec.source / the files) for an inconsistent spec.
  explicit BpeTokenizer(BpeTokenizerSpec spec);

  std::vector<int32_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int32_t>& ids) const override;
  std::string token_bytes(int32_t id) const override;
  int32_t vocab_size() const override { return vocab_size_; }
  int32_t eos_id() const override { return eos_id_; }
  int32_t pad_id() const override { return pad_id_; }
  std::optional<int32_t> token_id(std::string_view token) const override;
  void save(const std::string& dir) const override;
  std::string kind() const override { return "bpe"; }
  bool is_special(int32_t id) const override;

  // Encodes without matching added tokens (their text is split and merged like any other).
  std::vector<int32_t> encode_ordinary(std::string_view text) const;

  const BpeModel& model() const { return model_; }
  const std::vector<AddedToken>& added_tokens() const { return added_.tokens(); }
  SplitRule split_rule() const { return split_rule_; }
  bool add_prefix_space() const { return add_prefix_space_; }
  bool declared_nfc() const { return declared_nfc_; }
  const std::string& eos_token() const { return eos_token_; }
  const std::string& pad_token() const { return pad_token_; }
  const std::string& bos_token() const { return bos_token_; }

 private:
  void encode_segment(std::string_view text, std::vector<int32_t>& out) const;
  std::optional<int32_t> resolve(const std::string& token) const;
  const AddedToken* added_by_id(int32_t id) const;

  BpeModel model_;
  AddedTokenMatcher added_;
  std::vector<int32_t> added_index_by_id_;  // id -> index into added_.tokens(), or -1
  SplitRule split_rule_;
  bool add_prefix_space_, nfc_, declared_nfc_;
  std::string eos_token_, pad_token_, bos_token_;
  int32_t vocab_size_ = 0, eos_id_ = -1, pad_id_ = -1;
};

}  // namespace ds::tok
