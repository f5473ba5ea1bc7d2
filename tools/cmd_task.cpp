// `deepsearch task`: the built-in verifiable tasks from the command line.
//   task list                                   names, difficulty ranges, descriptions
//   task generate --task T --difficulty D --n N --seed S [--split train|heldout] [--out FILE]
//                                               JSONL problems to stdout or FILE (atomic write)
//   task score --data FILE --responses FILE [--task T] [--out FILE]
//                                               scores {"id","text"} responses with each
//                                               problem's task verifier
//   task check --data FILE [--task T]           verifies every problem's worked solution
// Input errors are ds::Error (printed by main without a stack trace).
#include <cstdio>
#include <memory>
#include <unordered_map>

#include "command.h"
#include "core/errors.h"
#include "core/jsonl.h"
#include "core/log.h"
#include "tasks/corpus.h"
#include "tasks/problem_io.h"
#include "tasks/task.h"

namespace {

using namespace ds;
using namespace ds::tasks;

struct GenerateArgs {
  std::string task, out, split;
  int difficulty = 1;
  int n = 100;
  uint64_t seed = 0;
};

void run_list() {
  for (const auto& name : task_names()) {
    const Task& t = get_task(name);
    std::string levels =
        t.max_difficulty() > 0 ? "1.." + std::to_string(t.max_difficulty()) : "scoring only";
    std::printf("%-10s %-13s %s\n", name.c_str(), levels.c_str(), t.description().c_str());
  }
}

void run_generate(const GenerateArgs& a) {
  const Task& task = get_task(a.task);
  std::vector<Problem> problems =
      a.split.empty() ? task.generate(a.difficulty, a.n, a.seed)
                      : generate_split(task, a.difficulty, a.n, a.seed, parse_split(a.split));
  if (a.out.empty() || a.out == "-") {
    for (const auto& p : problems) std::printf("%s\n", to_jsonl_line(p).c_str());
    std::fflush(stdout);
  } else {
    write_problems(a.out, problems);
    log_info("wrote {} {} problems (difficulty {}) to {}", problems.size(), a.task, a.difficulty,
             a.out);
  }
}

struct ScoreArgs {
  std::string data, responses, task = "math", out;
};

void run_score(const ScoreArgs& a) {
  std::vector<Problem> problems = load_problems(a.data, a.task);
  std::unordered_map<std::string, const Problem*> by_id;
  for (const auto& p : problems) by_id.emplace(p.id, &p);
  std::vector<json> results;
  size_t correct = 0;
  for_each_jsonl(a.responses, [&](const json& v, size_t line) {
    std::string id = require_string(v, "id", a.responses, line);
    auto it = by_id.find(id);
    if (it == by_id.end())
      throw DataError(location(a.responses, line), "id '" + id + "' is not a problem of " + a.data,
                      "score responses against the problem file they were generated for");
    const char* field = v.contains("text") ? "text" : "response";
    std::string text = require_string(v, field, a.responses, line);
    Score s = score_response(*it->second, text);
    json r = {{"id", id}, {"correct", s.correct}, {"extracted", s.extracted}, {"reason", s.reason}};
    if (v.contains("sample")) r["sample"] = v["sample"];
    correct += s.correct;
    results.push_back(std::move(r));
  });
  if (a.out.empty() || a.out == "-") {
    for (const auto& r : results) std::printf("%s\n", r.dump().c_str());
    std::fflush(stdout);
  } else {
    write_jsonl_atomic(a.out, results);
  }
  double pct = results.empty() ? 0.0 : 100.0 * correct / results.size();
  std::fprintf(stderr, "scored %zu responses: %zu correct (%.1f%%)\n", results.size(), correct,
               pct);
}

void run_check(const ScoreArgs& a) {
  std::vector<Problem> problems = load_problems(a.data, a.task);
  size_t checked = 0, failed = 0;
  for (const auto& p : problems) {
    if (p.solution.empty()) continue;
    ++checked;
    Score s = score_response(p, p.solution);
    if (!s.correct) {
      ++failed;
      std::printf("FAIL %s: %s (extracted '%s')\n", p.id.c_str(), s.reason.c_str(),
                  s.extracted.c_str());
    }
  }
  std::printf("%zu problems, %zu with worked solutions, %zu failed\n", problems.size(), checked,
              failed);
  if (failed > 0) ds::cli::set_exit_code(1);
}

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("task", "built-in verifiable tasks: list, generate, score, check");
  cmd->require_subcommand(1);

  cmd->add_subcommand("list", "list the registered tasks")->callback(run_list);

  auto g = std::make_shared<GenerateArgs>();
  auto* gen = cmd->add_subcommand("generate", "write generated problems as JSON Lines");
  gen->add_option("--task", g->task, "task name (see `deepsearch task list`)")->required();
  gen->add_option("--difficulty", g->difficulty, "difficulty level, 1..max of the task")
      ->required();
  gen->add_option("--n", g->n, "number of problems")->capture_default_str();
  gen->add_option("--seed", g->seed, "generator seed (same seed, same problems)")
      ->capture_default_str();
  gen->add_option("--split", g->split,
                  "train|heldout: draw from that split's disjoint seed stream (default: the seed "
                  "itself)");
  gen->add_option("--out", g->out, "output file (default: stdout); written atomically");
  gen->callback([g] { run_generate(*g); });

  auto s = std::make_shared<ScoreArgs>();
  auto* score = cmd->add_subcommand("score", "score responses against problems");
  score->add_option("--data", s->data, "problems JSONL")->required();
  score
      ->add_option("--responses", s->responses,
                   "responses JSONL: {\"id\", \"text\"} per line (\"sample\" is copied)")
      ->required();
  score->add_option("--task", s->task, "verifier for problems without a \"task\" field")
      ->capture_default_str();
  score->add_option("--out", s->out, "output file (default: stdout)");
  score->callback([s] { run_score(*s); });

  auto c = std::make_shared<ScoreArgs>();
  auto* check =
      cmd->add_subcommand("check", "verify each problem's worked solution (exit 1 if any fails)");
  check->add_option("--data", c->data, "problems JSONL")->required();
  check->add_option("--task", c->task, "verifier for problems without a \"task\" field")
      ->capture_default_str();
  check->callback([c] { run_check(*c); });
}

}  // namespace

DS_REGISTER_COMMAND(task, setup);
