// Owns the stop rules of one generated chunk that depend on token identity or text: end-of-sequence
// ids and a delimiter string searched incrementally in the chunk's raw bytes (a token's bytes may
// be a partial UTF-8 character, so matching works on bytes, never on repaired text). Length and
// context limits are plain counts and live in the decode loop. Thread-safety: one matcher per
// sequence; EosSet is immutable after construction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ds::engine {

// A small set of end-of-sequence ids.
class EosSet {
 public:
  EosSet() = default;
  explicit EosSet(std::vector<int32_t> ids);
  bool contains(int32_t id) const;
  const std::vector<int32_t>& ids() const { return ids_; }

 private:
  std::vector<int32_t> ids_;  // sorted, unique
};

// Reports when the bytes fed so far (the chunk's text) contain `delimiter`. Only the last
// delimiter.size() - 1 bytes are kept between calls, so feeding is O(token length).
class DelimiterMatcher {
 public:
  DelimiterMatcher() = default;
  explicit DelimiterMatcher(std::string delimiter) : delimiter_(std::move(delimiter)) {}
  // Appends one token's bytes; true once the delimiter has occurred (stays true).
  bool feed(std::string_view token_bytes);
  bool matched() const { return matched_; }
  bool enabled() const { return !delimiter_.empty(); }

 private:
  std::string delimiter_;
  std::string tail_;  // last bytes of the chunk that could start a match
  bool matched_ = false;
};

}  // namespace ds::engine
