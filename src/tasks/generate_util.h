// Owns what every built-in generator shares: one independent random stream per problem
// (derived from task, difficulty, seed, index and retry), duplicate-text avoidance, and the
// stable id scheme "<task>-d<difficulty>-s<seed>-<index>".
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "tasks/task.h"

namespace ds::tasks {

// Retries per problem before a duplicate text is accepted (tiny levels have few distinct problems).
inline constexpr int kMaxDuplicateRetries = 32;

// "<task>-d<difficulty>-s<seed>-<index>".
std::string problem_id(const std::string& task, int difficulty, uint64_t seed, int index);

// Calls make(rng) once per problem with a stream that depends only on (task, difficulty, seed,
// index, retry); a problem whose text repeats an earlier one is redrawn (up to
// kMaxDuplicateRetries times). Fills id, difficulty and task of each result.
std::vector<Problem> generate_problems(const std::string& task, int difficulty, int n,
                                       uint64_t seed, const std::function<Problem(Rng&)>& make);

// Validates a difficulty for `task` (ConfigError naming the valid range otherwise) and n >= 0;
// UsageError when the task has no generator (max_difficulty() == 0).
void check_generate_args(const Task& task, int difficulty, int n);

// Uniform integer in [lo, hi] (lo <= hi).
int64_t uniform_int(Rng& rng, int64_t lo, int64_t hi);

}  // namespace ds::tasks
