// Owns the "math" task (user problems scored by the math verifier, no generator) and the adapter
// from ds::verify's verdict to a task Score, which the arith task reuses.
// Thread-safety: stateless.
#pragma once

#include <memory>
#include <string>

#include "tasks/task.h"

namespace ds::tasks {

inline constexpr const char* kMathTaskName = "math";

// The math verifier (numeric / symbolic equivalence of the last \boxed{} answer with `gold`).
Score score_with_math_verifier(const std::string& gold, const std::string& response);

std::shared_ptr<const Task> make_math_task();

}  // namespace ds::tasks
