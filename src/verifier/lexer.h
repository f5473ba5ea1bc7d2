// Owns the tokenizer of normalized LaTeX answers: numbers (with "1 000" thousands groups and
// scientific notation), single-letter identifiers, Greek and other symbol commands, functions,
// brackets, operators and relations. Unknown constructs become kUnsupported tokens, which the
// parser reports as "cannot parse" (a value, never a crash). Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "verifier/answer.h"
#include "verifier/expr.h"

namespace ds::verify {

enum class Tok : uint8_t {
  kEnd,
  kNumber,
  kIdent,
  kFunc,
  kPi,
  kInf,
  kFrac,
  kSqrt,
  kBinom,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kLBrace,
  kRBrace,
  kLSet,
  kRSet,
  kComma,
  kSemicolon,
  kPlus,
  kMinus,
  kPlusMinus,
  kTimes,
  kDiv,
  kCaret,
  kUnderscore,
  kBang,
  kBar,
  kPrime,
  kRel,
  kCup,
  kCap,
  kAmp,
  kRowSep,
  kBeginEnv,
  kEndEnv,
  kLFloor,
  kRFloor,
  kLCeil,
  kRCeil,
  kEmptySet,
  kUnsupported,
};

struct Token {
  Tok kind = Tok::kEnd;
  Rel rel = Rel::kEq;  // kRel
  Fn fn = Fn::kSin;    // kFunc
  std::string text;    // identifier name, number literal, environment name, or the source text
};

// Always ends with one kEnd token. At most `max_tokens` tokens (more: a kUnsupported token).
std::vector<Token> tokenize(std::string_view s, size_t max_tokens = 4096);

}  // namespace ds::verify
