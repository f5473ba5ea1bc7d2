// Owns FinishReason: why a generated chunk ended. One enum shared by the generation engine
// (engine/types.h) and the search's policy interface (search/policy.h), which sit in modules that
// do not depend on each other. Thread-safety: constants and pure functions.
#pragma once

#include <cstdint>

namespace ds {

// Precedence when several hold for the same token: eos > context > delimiter > length.
enum class FinishReason : uint8_t {
  kEos,        // sampled an end-of-sequence id (the EOS token is the chunk's last token)
  kLength,     // reached the request's max_new_tokens
  kDelimiter,  // the chunk's text contains the request's stop delimiter (it ends right after it)
  kContext,    // the whole sequence reached the context limit (it cannot be extended)
};

// "eos" | "length" | "delimiter" | "context".
const char* finish_reason_name(FinishReason reason);

}  // namespace ds
