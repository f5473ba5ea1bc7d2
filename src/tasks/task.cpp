// The task registry and shared argument checks (see task.h).
#include "tasks/task.h"

#include <map>
#include <mutex>

#include "core/errors.h"
#include "tasks/arith.h"
#include "tasks/countdown.h"
#include "tasks/math_task.h"

namespace ds::tasks {

namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<const Task>> tasks;
};

// Built-ins are added on first use (not by static initializers, which a static library may drop).
Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry;
    for (auto t : {make_arith_task(), make_countdown_task(), make_math_task()})
      reg->tasks.emplace(t->name(), t);
    return reg;
  }();
  return *r;
}

std::string joined_names(const Registry& r) {
  std::string out;
  for (const auto& [name, t] : r.tasks) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

const Task& get_task(const std::string& name) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  auto it = r.tasks.find(name);
  if (it == r.tasks.end())
    throw ConfigError("--task", "unknown task '" + name + "'", "use one of: " + joined_names(r));
  return *it->second;
}

std::vector<std::string> task_names() {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  std::vector<std::string> out;
  for (const auto& [name, t] : r.tasks) out.push_back(name);
  return out;
}

void register_task(std::shared_ptr<const Task> task) {
  DS_CHECK(task != nullptr, "register_task(nullptr)");
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  std::string name = task->name();
  if (name.empty())
    throw UsageError("register_task", "a task needs a non-empty name", "return a name from name()");
  if (!r.tasks.emplace(name, std::move(task)).second)
    throw UsageError("register_task", "a task named '" + name + "' is already registered",
                     "choose another name (registered: " + joined_names(r) + ")");
}

Score score_response(const Problem& problem, const std::string& response) {
  return get_task(problem.task.empty() ? std::string(kMathTaskName) : problem.task)
      .score(problem, response);
}

}  // namespace ds::tasks
