// Owns the Task interface of the built-in verifiable tasks and the task registry.
//
// A Task is a problem generator with a difficulty knob plus the verifier that scores responses to
// its problems. The verifier is chosen per task (arith and user data: the math verifier;
// countdown: its own expression checker), so a user can plug a new task with its own scorer by
// calling register_task(). Problems are plain values; the same JSON Lines shape
// ({"id","problem","answer"} + optional fields) is read and written by problem_io.h.
// Thread-safety: Task implementations are immutable after construction; generate() and score()
// are const and safe to call from several threads. The registry is guarded by a mutex; registered
// tasks are never removed, so references returned by get_task() stay valid for the program's life.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ds::tasks {

// One verifiable problem.
struct Problem {
  std::string id;        // unique within its set, stable for a (task, difficulty, seed, index)
  std::string problem;   // the question text inserted into the prompt template
  std::string answer;    // gold answer handed to the task's verifier
  int difficulty = 0;    // 1..max_difficulty for generated problems, 0 = unknown (user data)
  std::string solution;  // worked step-by-step solution ending in \boxed{...}; "" when unknown
  std::string task;      // name of the task whose verifier scores it (e.g. "arith", "math")
};

// The verdict of a task's verifier on one response (an expected outcome, never an exception).
struct Score {
  bool correct = false;
  std::string extracted;  // the answer the verifier read from the response ("" when none)
  std::string reason;     // short human-readable why (e.g. "number 7 not given")
};

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string name() const = 0;
  // One line for `deepsearch task list`.
  virtual std::string description() const = 0;
  // Difficulties are 1..max_difficulty(); 0 means the task has no generator (scoring only).
  virtual int max_difficulty() const = 0;
  // n problems of one difficulty, deterministic for (difficulty, seed): problem i depends only on
  // (difficulty, seed) and the problems before it, so a smaller n gives a prefix of a larger n.
  // Throws ConfigError for a difficulty out of range or a negative n; UsageError when the task has
  // no generator.
  virtual std::vector<Problem> generate(int difficulty, int n, uint64_t seed) const = 0;
  // Scores one response (the model's text after the prompt) against problem.answer.
  virtual Score score(const Problem& problem, const std::string& response) const = 0;
  // Throws DataError (using `where` as the location) when problem.answer cannot be a gold answer
  // of this task (e.g. not a valid countdown expression). Default: accepts everything.
  virtual void check_problem(const Problem& problem, const std::string& where) const {}
};

// The task called `name`; throws ConfigError listing the registered names when unknown.
const Task& get_task(const std::string& name);
// Registered names, sorted (the built-ins "arith", "countdown", "math" are always there).
std::vector<std::string> task_names();
// Adds a task (e.g. a user's own generator/verifier). Throws UsageError when the name is taken.
void register_task(std::shared_ptr<const Task> task);

// Scores `response` with the verifier of problem.task ("" means "math").
Score score_response(const Problem& problem, const std::string& response);

}  // namespace ds::tasks
