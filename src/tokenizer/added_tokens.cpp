// Added-token matching (see added_tokens.h). A first-byte index keeps the scan cheap: most bytes of
// ordinary text start no added token, so they cost one table load.
#include "tokenizer/added_tokens.h"

#include <algorithm>
#include <unordered_map>

#include "tokenizer/char_class.h"
#include "tokenizer/utf8.h"

namespace ds::tok {

namespace {

// Code point that ends just before `end` (for the single_word and lstrip tests); -1 if invalid.
int32_t char_before(std::string_view s, size_t end, size_t* start) {
  size_t b = end;
  int steps = 0;
  while (b > 0 && steps < 4) {
    --b;
    ++steps;
    if ((static_cast<unsigned char>(s[b]) & 0xC0) != 0x80) break;
  }
  int32_t cp;
  size_t len = decode_utf8(s, b, &cp);
  if (cp < 0 || b + len != end) {
    *start = end - 1;
    return -1;
  }
  *start = b;
  return cp;
}

int32_t char_at(std::string_view s, size_t pos, size_t* len) {
  int32_t cp;
  *len = decode_utf8(s, pos, &cp);
  return cp;
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens) {
  std::unordered_map<std::string, size_t> index;
  for (auto& t : tokens) {
    if (t.content.empty()) continue;
    auto it = index.find(t.content);
    if (it != index.end()) {
      tokens_[it->second] = std::move(t);
    } else {
      index.emplace(t.content, tokens_.size());
      tokens_.push_back(std::move(t));
    }
  }
  for (uint32_t i = 0; i < tokens_.size(); ++i)
    by_first_byte_[static_cast<unsigned char>(tokens_[i].content[0])].push_back(i);
  for (auto& list : by_first_byte_)
    std::stable_sort(list.begin(), list.end(), [&](uint32_t a, uint32_t b) {
      return tokens_[a].content.size() > tokens_[b].content.size();
    });
}

int AddedTokenMatcher::longest_match_at(std::string_view text, size_t pos) const {
  const auto& list = by_first_byte_[static_cast<unsigned char>(text[pos])];
  for (uint32_t i : list) {
    const std::string& c = tokens_[i].content;
    if (c.size() <= text.size() - pos && text.compare(pos, c.size(), c) == 0)
      return static_cast<int>(i);
  }
  return -1;
}

void AddedTokenMatcher::split(std::string_view text, std::vector<TextSegment>& out) const {
  size_t done = 0;  // end of the last emitted segment
  size_t pos = 0;
  while (pos < text.size()) {
    if (by_first_byte_[static_cast<unsigned char>(text[pos])].empty()) {
      ++pos;
      continue;
    }
    int k = longest_match_at(text, pos);
    if (k < 0) {
      ++pos;
      continue;
    }
    const AddedToken& t = tokens_[k];
    size_t start = pos, stop = pos + t.content.size();
    if (t.single_word) {
      size_t prev_start, len;
      bool left_ok = start == 0 || !is_word_char(char_before(text, start, &prev_start));
      bool right_ok = stop == text.size() || !is_word_char(char_at(text, stop, &len));
      if (!left_ok || !right_ok) {  // HF discards the match and resumes after it
        pos = stop;
        continue;
      }
    }
    if (t.lstrip) {
      while (start > done) {
        size_t prev_start;
        int32_t cp = char_before(text, start, &prev_start);
        if (cp < 0 || !is_white_space(cp) || prev_start < done) break;
        start = prev_start;
      }
    }
    if (t.rstrip) {
      while (stop < text.size()) {
        size_t len;
        int32_t cp = char_at(text, stop, &len);
        if (cp < 0 || !is_white_space(cp)) break;
        stop += len;
      }
    }
    if (start > done) out.push_back({done, start, -1});
    out.push_back({start, stop, t.id});
    done = pos = stop;
  }
  if (done < text.size()) out.push_back({done, text.size(), -1});
}

}  // namespace ds::tok
