// The byte-level BPE tokenizer (see bpe_tokenizer.h).
#include "tokenizer/bpe_tokenizer.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>

#include "core/errors.h"
#include "core/log.h"
#include "tokenizer/hf_files.h"
#include "tokenizer/utf8.h"

namespace ds::tok {

namespace {

// NFC of valid UTF-8 text; invalid text is returned unchanged (it cannot be normalized).
std::string nfc(std::string_view text) {
  utf8proc_uint8_t* dst = nullptr;
  utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                   static_cast<utf8proc_ssize_t>(text.size()), &dst,
                   static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) return std::string(text);
  std::string out(reinterpret_cast<char*>(dst), static_cast<size_t>(n));
  std::free(dst);
  return out;
}

}  // namespace

BpeTokenizer::BpeTokenizer(BpeTokenizerSpec spec)
    : model_(std::move(spec.model)),
      split_rule_(spec.split_rule),
      add_prefix_space_(spec.add_prefix_space),
      nfc_(spec.nfc),
      declared_nfc_(spec.declared_nfc),
      eos_token_(std::move(spec.eos_token)),
      pad_token_(std::move(spec.pad_token)),
      bos_token_(std::move(spec.bos_token)) {
  std::vector<AddedToken> added = std::move(spec.added_tokens);
  int32_t max_id = model_.max_id();
  for (const auto& t : added) {
    if (t.id < 0 || t.id > (1 << 24))
      throw DataError(spec.source,
                      "added token '" + t.content + "' has invalid id " + std::to_string(t.id),
                      "added token ids must be small non-negative integers");
    max_id = std::max(max_id, t.id);
  }
  // Special tokens named by the config: an ordinary vocabulary entry becomes an added token; one
  // that exists nowhere gets the next free id (both as HF transformers does).
  std::vector<std::string> names = spec.special_token_names;
  names.insert(names.end(), {eos_token_, pad_token_, bos_token_});
  for (const std::string& name : names) {
    if (name.empty()) continue;
    bool known = std::any_of(added.begin(), added.end(),
                             [&](const AddedToken& t) { return t.content == name; });
    if (known) continue;
    auto id = model_.id_of_spelling(name);
    if (!id) {
      id = ++max_id;
      log_warn("{}: special token '{}' is not in the vocabulary; it gets the new id {}",
               spec.source, name, *id);
    }
    added.push_back({*id, name, false, false, false, false, true});
  }
  added_ = AddedTokenMatcher(std::move(added));
  vocab_size_ = max_id + 1;
  added_index_by_id_.assign(static_cast<size_t>(vocab_size_), -1);
  for (size_t i = 0; i < added_.tokens().size(); ++i)
    added_index_by_id_[added_.tokens()[i].id] = static_cast<int32_t>(i);

  auto find = [&](const std::string& token) -> int32_t {
    if (token.empty()) return -1;
    auto id = resolve(token);
    DS_CHECK(id.has_value(), "special token '" + token + "' was registered above");
    return *id;
  };
  eos_id_ = find(eos_token_);
  pad_id_ = find(pad_token_);
  if (eos_id_ < 0) {  // no config: an added token with one of the usual end-of-text spellings
    for (const char* name : {"<|endoftext|>", "<|end_of_text|>", "</s>", "<|im_end|>", "<eos>"}) {
      auto it = std::find_if(added_.tokens().begin(), added_.tokens().end(),
                             [&](const AddedToken& t) { return t.content == name; });
      if (it != added_.tokens().end()) {
        eos_id_ = it->id;
        eos_token_ = name;
        break;
      }
    }
  }
  if (pad_id_ < 0) {
    pad_id_ = eos_id_;
    pad_token_ = eos_token_;
  }
}

std::optional<int32_t> BpeTokenizer::resolve(const std::string& token) const {
  for (const auto& t : added_.tokens())
    if (t.content == token) return t.id;
  return model_.id_of_spelling(token);
}

const AddedToken* BpeTokenizer::added_by_id(int32_t id) const {
  if (id < 0 || id >= vocab_size_) return nullptr;
  int32_t k = added_index_by_id_[id];
  return k < 0 ? nullptr : &added_.tokens()[k];
}

void BpeTokenizer::encode_segment(std::string_view text, std::vector<int32_t>& out) const {
  std::string normalized;
  if (nfc_ || add_prefix_space_) {
    normalized = nfc_ ? nfc(text) : std::string(text);
    if (add_prefix_space_ && (normalized.empty() || normalized[0] != ' '))
      normalized.insert(0, " ");
    text = normalized;
  }
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = next_piece_end(text, pos, split_rule_);
    model_.encode_word(text.substr(pos, end - pos), out);
    pos = end;
  }
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  if (added_.empty()) {
    encode_segment(text, out);
    return out;
  }
  std::vector<TextSegment> segments;
  added_.split(text, segments);
  for (const auto& s : segments) {
    if (s.id >= 0)
      out.push_back(s.id);
    else
      encode_segment(text.substr(s.begin, s.end - s.begin), out);
  }
  return out;
}

std::vector<int32_t> BpeTokenizer::encode_ordinary(std::string_view text) const {
  std::vector<int32_t> out;
  encode_segment(text, out);
  return out;
}

std::string BpeTokenizer::token_bytes(int32_t id) const {
  if (const AddedToken* t = added_by_id(id)) return t->content;
  return model_.bytes_of(id);
}

std::string BpeTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string bytes;
  bytes.reserve(ids.size() * 4);
  for (int32_t id : ids) {
    if (const AddedToken* t = added_by_id(id))
      bytes += t->content;
    else
      bytes += model_.bytes_of(id);  // unknown ids contribute nothing (as in HF)
  }
  return repair_utf8(bytes);
}

std::optional<int32_t> BpeTokenizer::token_id(std::string_view token) const {
  for (const auto& t : added_.tokens())
    if (t.content == token) return t.id;
  if (auto id = model_.id_of_spelling(token)) return id;
  return model_.id_of_bytes(token);
}

bool BpeTokenizer::is_special(int32_t id) const {
  const AddedToken* t = added_by_id(id);
  return t != nullptr && t->special;
}

void BpeTokenizer::save(const std::string& dir) const {
  write_hf_tokenizer(*this, dir);
}

}  // namespace ds::tok
