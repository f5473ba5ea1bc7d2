// Owns reading evaluation sets: one benchmark per JSON Lines file of {"id", "problem", "answer"}
// (+ optional "task", "difficulty", "solution"), the format of ../shared/data/eval/ and of
// `deepsearch task generate`, named by the file's stem. Lines are parsed by ds::tasks'
// problem_io, so `eval` accepts exactly what every other command accepts, and each problem keeps
// the task whose verifier scores it. Thread-safety: pure functions over values.
#pragma once

#include <string>
#include <vector>

#include "tasks/task.h"

namespace ds::eval {

// {id, problem, answer, difficulty, solution, task}; `id` is unique within its benchmark (the
// resume key) and `task` names the scorer ("math": the math verifier).
using Problem = ds::tasks::Problem;

struct Benchmark {
  std::string name;  // file stem, e.g. "math500"
  std::string path;
  std::vector<Problem> problems;
};

// "…/math500.jsonl" -> "math500".
std::string benchmark_name(const std::string& path);

// Reads one file; keeps the first `limit` problems when limit > 0. Lines without a "task" field
// are scored by `default_task`. Throws DataError (path:line, field) for a missing file, a
// malformed line, a missing/empty field, a duplicate id, an unknown task, or an empty file.
Benchmark load_benchmark(const std::string& path, int limit = 0,
                         const std::string& default_task = "math");

// Splits "a.jsonl,b.jsonl" (empty items ignored) and loads each. Throws ConfigError when two files
// share a stem (their names would collide in the report) or when no file is given.
std::vector<Benchmark> load_benchmarks(const std::string& comma_separated_paths, int limit = 0,
                                       const std::string& default_task = "math");

}  // namespace ds::eval
