// Shared generator plumbing (see generate_util.h).
#include "tasks/generate_util.h"

#include <unordered_set>

#include "core/errors.h"

namespace ds::tasks {

namespace {
uint64_t name_key(const std::string& s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}
}  // namespace

std::string problem_id(const std::string& task, int difficulty, uint64_t seed, int index) {
  return task + "-d" + std::to_string(difficulty) + "-s" + std::to_string(seed) + "-" +
         std::to_string(index);
}

std::vector<Problem> generate_problems(const std::string& task, int difficulty, int n,
                                       uint64_t seed, const std::function<Problem(Rng&)>& make) {
  DS_CHECK(n >= 0, "negative problem count");
  uint64_t base = Rng::derive(Rng::derive(seed, name_key(task)), static_cast<uint64_t>(difficulty));
  std::vector<Problem> out;
  out.reserve(static_cast<size_t>(n));
  std::unordered_set<std::string> seen;
  for (int i = 0; i < n; ++i) {
    uint64_t item = Rng::derive(base, static_cast<uint64_t>(i));
    Problem p;
    for (int retry = 0; retry <= kMaxDuplicateRetries; ++retry) {
      Rng rng(Rng::derive(item, static_cast<uint64_t>(retry)));
      p = make(rng);
      if (!seen.count(p.problem)) break;
    }
    seen.insert(p.problem);
    p.id = problem_id(task, difficulty, seed, i);
    p.difficulty = difficulty;
    p.task = task;
    out.push_back(std::move(p));
  }
  return out;
}

int64_t uniform_int(Rng& rng, int64_t lo, int64_t hi) {
  DS_CHECK(lo <= hi, "uniform_int: empty range");
  return lo + static_cast<int64_t>(rng.below(static_cast<uint64_t>(hi - lo) + 1));
}

void check_generate_args(const Task& task, int difficulty, int n) {
  if (task.max_difficulty() <= 0)
    throw UsageError("--task " + task.name(), "task '" + task.name() + "' has no generator",
                     "it only scores user data; generate with one of the built-in generators "
                     "(e.g. --task arith or --task countdown)");
  if (difficulty < 1 || difficulty > task.max_difficulty())
    throw ConfigError("--difficulty",
                      "difficulty " + std::to_string(difficulty) + " is out of range for task '" +
                          task.name() + "'",
                      "use an integer from 1 to " + std::to_string(task.max_difficulty()));
  if (n < 0)
    throw ConfigError("--n",
                      "the number of problems must not be negative (got " + std::to_string(n) + ")",
                      "pass --n 1 or more");
}

}  // namespace ds::tasks
