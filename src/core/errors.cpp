// Formatting of input errors and the always-on check failure path.
#include "core/errors.h"

#include <cstdio>
#include <cstdlib>

namespace ds {

namespace {
std::string compose(const std::string& where, const std::string& problem, const std::string& hint) {
  std::string out = where.empty() ? problem : where + ": " + problem;
  if (!hint.empty()) out += "\n  hint: " + hint;
  return out;
}
}  // namespace

Error::Error(const std::string& where, const std::string& problem, const std::string& hint)
    : std::runtime_error(compose(where, problem, hint)), where_(where), problem_(problem), hint_(hint) {}

std::string location(const std::string& path, size_t line) {
  return line == 0 ? path : path + ":" + std::to_string(line);
}

void check_failed(const char* file, int line, const char* cond, const std::string& msg) {
  std::fprintf(stderr, "deepsearch internal error at %s:%d: check `%s` failed: %s\n", file, line, cond,
               msg.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace ds
