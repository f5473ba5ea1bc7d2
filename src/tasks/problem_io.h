// Owns the JSON Lines form of task problems: one object per line with "problem" and "answer"
// (required), "id" (optional: the line number when absent), "difficulty", "solution" and "task"
// (optional; "task" names the verifier that scores the line). This is the format written by
// `deepsearch task generate` and read by every command that takes problems.
// Thread-safety: pure functions (loading calls the registry, which is thread-safe).
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "core/jsonl.h"
#include "tasks/task.h"

namespace ds::tasks {

// {"id","problem","answer"} plus "difficulty" (when > 0), "solution" and "task" (when non-empty).
json to_json(const Problem& p);
// The same fields as one compact JSON line (no newline) in the order id, problem, answer,
// difficulty, solution, task (the order `deepsearch task generate` writes).
std::string to_jsonl_line(const Problem& p);

// Reads one line's object. `default_task` scores lines without a "task" field. Throws DataError
// naming path:line and the field for a missing/empty "problem" or "answer", a field of the wrong
// type, an unknown task, or an answer the task rejects (Task::check_problem).
Problem problem_from_json(const json& v, const std::string& path, size_t line,
                          const std::string& default_task);

// Reads a whole file (or stream) of problems; also rejects duplicate ids and empty files.
std::vector<Problem> load_problems(const std::string& path,
                                   const std::string& default_task = "math");
std::vector<Problem> load_problems_stream(std::istream& in, const std::string& source,
                                          const std::string& default_task = "math");

// Writes problems atomically (temp file + rename).
void write_problems(const std::string& path, const std::vector<Problem>& problems);

}  // namespace ds::tasks
