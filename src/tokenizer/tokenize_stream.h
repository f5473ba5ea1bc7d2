// Owns the JSON Lines tokenization filter behind `deepsearch tokenize`: {"text": ...} lines become
// {"ids": [...]} lines, or with decode {"ids": [...]} lines become {"text": ...}. Kept in the
// library (not the CLI) so it is tested without the whole program. Bad lines are DataErrors naming
// source:line and the field. Blank lines are skipped.
// Thread-safety: uses only the (thread-safe) tokenizer and the given streams.
#pragma once

#include <iosfwd>
#include <string>

#include "tokenizer/tokenizer.h"

namespace ds::tok {

struct TokenizeStreamOptions {
  bool decode = false;           // ids -> text instead of text -> ids
  std::string chat_template;     // when set (encode only), wrap each text with this template first
  std::string system;            // system message for the chat template
  std::string source = "stdin";  // named in error messages
};

// Returns the number of lines written.
size_t tokenize_stream(const Tokenizer& tokenizer, std::istream& in, std::ostream& out,
                       const TokenizeStreamOptions& options);

}  // namespace ds::tok
