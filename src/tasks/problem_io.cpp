// JSON Lines reading and writing of task problems (see problem_io.h).
#include "tasks/problem_io.h"

#include <unordered_map>

#include "core/errors.h"
#include "core/fs_util.h"

namespace ds::tasks {

json to_json(const Problem& p) {
  json j = {{"id", p.id}, {"problem", p.problem}, {"answer", p.answer}};
  if (p.difficulty > 0) j["difficulty"] = p.difficulty;
  if (!p.solution.empty()) j["solution"] = p.solution;
  if (!p.task.empty()) j["task"] = p.task;
  return j;
}

std::string to_jsonl_line(const Problem& p) {
  nlohmann::ordered_json j;
  j["id"] = p.id;
  j["problem"] = p.problem;
  j["answer"] = p.answer;
  if (p.difficulty > 0) j["difficulty"] = p.difficulty;
  if (!p.solution.empty()) j["solution"] = p.solution;
  if (!p.task.empty()) j["task"] = p.task;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Problem problem_from_json(const json& v, const std::string& path, size_t line,
                          const std::string& default_task) {
  const std::string where = location(path, line);
  if (!v.is_object())
    throw DataError(where, "expected a JSON object, got " + std::string(v.type_name()),
                    "write one {\"id\", \"problem\", \"answer\"} object per line");
  Problem p;
  p.problem = require_string(v, "problem", path, line);
  p.answer = require_string(v, "answer", path, line);
  if (p.problem.empty())
    throw DataError(where, "field 'problem' is empty", "write the question text in \"problem\"");
  if (p.answer.empty())
    throw DataError(where, "field 'answer' is empty", "write the gold answer in \"answer\"");
  if (v.contains("id")) {
    p.id = require_string(v, "id", path, line);
    if (p.id.empty())
      throw DataError(where, "field 'id' is empty", "give a unique id or leave the field out");
  } else {
    p.id = std::to_string(line);
  }
  if (auto it = v.find("difficulty"); it != v.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 1000000)
      throw DataError(where, "field 'difficulty' must be a non-negative integer, got " + it->dump(),
                      "write e.g. \"difficulty\": 3, or leave the field out");
    p.difficulty = it->get<int>();
  }
  if (auto it = v.find("solution"); it != v.end() && !it->is_null())
    p.solution = require_string(v, "solution", path, line);
  p.task = default_task;
  if (auto it = v.find("task"); it != v.end() && !it->is_null())
    p.task = require_string(v, "task", path, line);
  const Task* task = nullptr;
  try {
    task = &get_task(p.task);
  } catch (const ConfigError& e) {
    throw DataError(where, "unknown task '" + p.task + "'", e.hint());
  }
  task->check_problem(p, where);
  return p;
}

namespace {

// Accumulates problems line by line, rejecting duplicate ids and empty inputs.
class Collector {
 public:
  Collector(std::string source, std::string default_task)
      : source_(std::move(source)), default_task_(std::move(default_task)) {}

  void add(const json& v, size_t line) {
    Problem p = problem_from_json(v, source_, line, default_task_);
    auto [it, fresh] = first_line_.emplace(p.id, line);
    if (!fresh)
      throw DataError(
          location(source_, line),
          "duplicate id '" + p.id + "' (first used on line " + std::to_string(it->second) + ")",
          "ids must be unique within a file (lines without an id use their line "
          "number)");
    problems_.push_back(std::move(p));
  }

  std::vector<Problem> finish() {
    if (problems_.empty())
      throw DataError(source_, "no problems in file",
                      "write one {\"id\", \"problem\", \"answer\"} object per line");
    return std::move(problems_);
  }

 private:
  std::string source_, default_task_;
  std::vector<Problem> problems_;
  std::unordered_map<std::string, size_t> first_line_;
};

}  // namespace

std::vector<Problem> load_problems_stream(std::istream& in, const std::string& source,
                                          const std::string& default_task) {
  Collector c(source, default_task);
  for_each_jsonl_stream(in, source, [&](const json& v, size_t line) { c.add(v, line); });
  return c.finish();
}

std::vector<Problem> load_problems(const std::string& path, const std::string& default_task) {
  Collector c(path, default_task);
  for_each_jsonl(path, [&](const json& v, size_t line) { c.add(v, line); });
  return c.finish();
}

void write_problems(const std::string& path, const std::vector<Problem>& problems) {
  std::string text;
  for (const auto& p : problems) text += to_jsonl_line(p) + "\n";
  atomic_write_file(path, text);
}

}  // namespace ds::tasks
