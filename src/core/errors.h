// Owns the project's failure vocabulary (see ARCHITECTURE.md "Three kinds of failure"):
//  - bugs: DS_CHECK(cond, msg) is always on (also in release builds) and aborts with file:line;
//  - bad input: typed exceptions derived from ds::Error, whose message names the file / line /
//    field and says how to fix it; the CLI catches them once and exits non-zero;
//  - expected outcomes (an unparsable answer, an unsolved problem) are values, not exceptions.
// Thread-safety: everything here is stateless.
#pragma once

#include <stdexcept>
#include <string>

namespace ds {

// Base of every input error. what() = "<where>: <problem>\n  hint: <how to fix>".
class Error : public std::runtime_error {
 public:
  Error(const std::string& where, const std::string& problem, const std::string& hint);
  const std::string& where() const { return where_; }
  const std::string& problem() const { return problem_; }
  const std::string& hint() const { return hint_; }

 private:
  std::string where_, problem_, hint_;
};

// A config file, config key or command-line override is wrong.
class ConfigError : public Error {
  using Error::Error;
};
// A data file (JSONL, checkpoint, tokenizer file, safetensors) is missing, unreadable or corrupt.
class DataError : public Error {
  using Error::Error;
};
// A request that is well formed but cannot be served (e.g. a model too large for the KV budget).
class UsageError : public Error {
  using Error::Error;
};

// "path:line" or "path" when line == 0.
std::string location(const std::string& path, size_t line = 0);

[[noreturn]] void check_failed(const char* file, int line, const char* cond, const std::string& msg);

}  // namespace ds

// Always-on invariant check for programming errors (never for user input).
#define DS_CHECK(cond, msg)                                  \
  do {                                                       \
    if (!(cond)) ::ds::check_failed(__FILE__, __LINE__, #cond, (msg)); \
  } while (0)
