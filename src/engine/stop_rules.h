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

namespace ds::tok {
class Tokenizer;
}
namespace ds::model {
struct ModelConfig;
}

namespace ds::engine {

// The ids generation stops at, each once: the tokenizer's EOS, the model config's eos_token_ids and
// the token of `end_of_turn` (the prompt or chat template's end of the assistant turn; "" = none):
// a chat model may end its answer with <|im_end|> while its config names <|endoftext|>. For
// EngineOptions::eos_ids.
std::vector<int> stop_token_ids(const tok::Tokenizer& tokenizer, const model::ModelConfig& config,
                                const std::string& end_of_turn);

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
