// `deepsearch cache list|show|export RUN_DIR`: looks into a run's replay buffer of verified
// solutions (RUN_DIR/replay_buffer.sqlite; RUN_DIR may also be the .sqlite file itself):
//   deepsearch cache list RUN_DIR               one line per problem: id, solutions, step, fraction
//   deepsearch cache show RUN_DIR PROBLEM_ID    the problem, its answer and every solution's text
//   deepsearch cache export RUN_DIR --out F.jsonl   one JSON object per problem, solutions included
// Reading never changes the buffer's content (safe while a run is training).
// Logic lives in src/train/replay_buffer.h.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "core/errors.h"
#include "core/jsonl.h"
#include "train/replay_buffer.h"

namespace {

namespace fs = std::filesystem;
using ds::train::CacheEntry;
using ds::train::ReplayBuffer;

std::string buffer_file(const std::string& run_dir) {
  if (fs::is_regular_file(run_dir)) return run_dir;
  if (!fs::exists(run_dir))
    throw ds::DataError(run_dir, "run directory not found",
                        "pass the directory of a training run (the one holding checkpoints)");
  const std::string path = ds::train::replay_buffer_path(run_dir);
  if (!fs::exists(path))
    throw ds::DataError(path, "no replay buffer in this run directory",
                        "the buffer is written by `deepsearch train` (DeepSearch with the replay "
                        "buffer enabled); check the run directory");
  return path;
}

std::string one_line(const std::string& s, size_t max_chars) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (out.size() > max_chars) out = out.substr(0, max_chars) + "...";
  return out;
}

void run_list(const std::string& run_dir) {
  ReplayBuffer buffer(buffer_file(run_dir));
  std::vector<CacheEntry> entries = buffer.list();
  size_t id_width = 10;
  for (const CacheEntry& e : entries) id_width = std::max(id_width, e.problem_id.size());
  std::fputs(fmt::format("{:<{}}  {:>9}  {:>8}  {:>8}  {}\n", "problem_id", id_width, "solutions",
                         "step", "fraction", "problem")
                 .c_str(),
             stdout);
  int64_t solutions = 0;
  for (const CacheEntry& e : entries) {
    solutions += static_cast<int64_t>(e.solutions.size());
    std::fputs(fmt::format("{:<{}}  {:>9}  {:>8}  {:>8.3f}  {}\n", e.problem_id, id_width,
                           e.solutions.size(), e.step, e.fraction_correct, one_line(e.problem, 60))
                   .c_str(),
               stdout);
  }
  std::printf("%zu problems, %lld solutions (%s)\n", entries.size(),
              static_cast<long long>(solutions), buffer.path().c_str());
}

void run_show(const std::string& run_dir, const std::string& id) {
  ReplayBuffer buffer(buffer_file(run_dir));
  CacheEntry e;
  if (!buffer.get(id, e))
    throw ds::DataError(buffer.path(), "problem '" + id + "' is not in the replay buffer",
                        "list the registered ids with `deepsearch cache list RUN_DIR`");
  std::printf("problem_id: %s\nregistered at step %lld, fraction correct %.3f, %zu solutions\n",
              e.problem_id.c_str(), static_cast<long long>(e.step), e.fraction_correct,
              e.solutions.size());
  std::printf("problem: %s\nanswer: %s\n", e.problem.c_str(), e.answer.c_str());
  for (size_t i = 0; i < e.solutions.size(); ++i) {
    const auto& s = e.solutions[i];
    std::printf("\n--- solution %zu (step %lld, reward %+.2f, %zu tokens) ---\n%s\n", i,
                static_cast<long long>(s.step), s.reward, s.response_ids.size(),
                s.response.c_str());
  }
}

void run_export(const std::string& run_dir, const std::string& out) {
  if (out.empty()) throw ds::ConfigError("--out", "no output file given", "pass --out FILE.jsonl");
  ReplayBuffer buffer(buffer_file(run_dir));
  std::vector<ds::json> lines;
  int64_t solutions = 0;
  for (const CacheEntry& e : buffer.list()) {
    ds::json j = {{"id", e.problem_id},
                  {"problem", e.problem},
                  {"answer", e.answer},
                  {"step", e.step},
                  {"fraction_correct", e.fraction_correct}};
    ds::json sols = ds::json::array();
    for (const auto& s : e.solutions) {
      sols.push_back({{"response", s.response},
                      {"response_ids", s.response_ids},
                      {"reward", s.reward},
                      {"step", s.step}});
      ++solutions;
    }
    j["solutions"] = std::move(sols);
    lines.push_back(std::move(j));
  }
  ds::write_jsonl_atomic(out, lines);
  std::printf("wrote %s: %zu problems, %lld solutions\n", out.c_str(), lines.size(),
              static_cast<long long>(solutions));
}

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "cache", "look into a run's replay buffer of verified solutions (list | show | export)");
  cmd->require_subcommand(1);

  auto list_dir = std::make_shared<std::string>();
  auto* list = cmd->add_subcommand("list", "one line per registered problem");
  list->add_option("run_dir", *list_dir, "run directory (or the .sqlite file)")->required();
  list->callback([list_dir] { run_list(*list_dir); });

  auto show_dir = std::make_shared<std::string>();
  auto show_id = std::make_shared<std::string>();
  auto* show = cmd->add_subcommand("show", "a problem, its answer and every cached solution");
  show->add_option("run_dir", *show_dir, "run directory (or the .sqlite file)")->required();
  show->add_option("problem_id", *show_id, "the problem's id (see cache list)")->required();
  show->callback([show_dir, show_id] { run_show(*show_dir, *show_id); });

  auto export_dir = std::make_shared<std::string>();
  auto export_out = std::make_shared<std::string>();
  auto* exp = cmd->add_subcommand("export", "write the whole buffer as JSON Lines");
  exp->add_option("run_dir", *export_dir, "run directory (or the .sqlite file)")->required();
  exp->add_option("--out", *export_out, "output JSON Lines file")->required();
  exp->callback([export_dir, export_out] { run_export(*export_dir, *export_out); });
}

}  // namespace

DS_REGISTER_COMMAND(cache, setup);
