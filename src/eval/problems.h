// Owns reading evaluation sets: JSON Lines files of {"id", "problem", "answer"} (the format of
// ../shared/data/eval/ and of `deepsearch task generate`), one benchmark per file, named by the
// file's stem. Thread-safety: pure functions over values.
#pragma once

#include <string>
#include <vector>

namespace ds::eval {

struct Problem {
  std::string id;       // unique within its benchmark (the resume key)
  std::string problem;  // the question, inserted into the prompt template
  std::string answer;   // gold final answer given to the scorer
};

struct Benchmark {
  std::string name;  // file stem, e.g. "math500"
  std::string path;
  std::vector<Problem> problems;
};

// "…/math500.jsonl" -> "math500".
std::string benchmark_name(const std::string& path);

// Reads one file; keeps the first `limit` problems when limit > 0. Numeric ids and answers are
// accepted and written as their JSON text. Throws DataError (path:line, field) for a missing file,
// a malformed line, a missing/empty field, a duplicate id, or a file without problems.
Benchmark load_benchmark(const std::string& path, int limit = 0);

// Splits "a.jsonl,b.jsonl" (empty items ignored) and loads each. Throws ConfigError when two files
// share a stem (their names would collide in the report) or when no file is given.
std::vector<Benchmark> load_benchmarks(const std::string& comma_separated_paths, int limit = 0);

}  // namespace ds::eval
