// `deepsearch search` as a library call (see model_search.h). The only torch-including file of
// the search-on-a-model path (model construction and loading).
#include "app/search_command.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <string_view>

#include "core/errors.h"
#include "core/fs_util.h"
#include "core/log.h"
#include "core/timer.h"
#include "engine/engine.h"
#include "eval/prompt_template.h"
#include "model/checkpoint.h"
#include "model/model_config.h"
#include "model/model_loader.h"
#include "search/export.h"
#include "search/math_reward.h"
#include "search/tree_search.h"
#include "tasks/task.h"
#include "tokenizer/char_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace ds::app {

namespace {

model::LoadedModel load(const ModelSearchOptions& o) {
  return model::load_model_or_builtin(o.model, o.init_seed, o.dtype, o.device, "model");
}

// The reward of the search: the math verifier, or a task's own scorer.
search::RewardFn make_reward(const ModelSearchOptions& o, std::string& name) {
  if (o.task.empty()) {
    name = "math verifier";
    return search::math_reward(o.verify);
  }
  const tasks::Task& task = tasks::get_task(o.task);  // ConfigError listing the tasks
  tasks::Problem gold;
  gold.id = o.id;
  gold.problem = o.problem;
  gold.answer = o.answer;
  gold.task = task.name();
  task.check_problem(gold, "--answer");  // DataError when the gold cannot be an answer
  name = "task " + task.name();
  return [&task](const search::SearchProblem& p, std::string_view response) {
    tasks::Problem q;
    q.id = p.id;
    q.problem = p.question;
    q.answer = p.answer;
    q.task = task.name();
    tasks::Score s = task.score(q, std::string(response));
    return search::Verdict{s.correct, !s.extracted.empty()};
  };
}

}  // namespace

ModelSearchReport run_model_search(const ModelSearchOptions& o) {
  // Cheap checks before the model is loaded.
  if (o.problem.empty())
    throw ConfigError("problem", "no problem text given", "pass --problem \"TEXT\"");
  if (o.answer.empty()) throw ConfigError("answer", "no gold answer given", "pass --answer GOLD");
  search::validate(o.search);  // ConfigError naming the invalid search field
  engine::validate(o.engine);
  if (o.prompt_template != "auto") eval::check_prompt_template(o.prompt_template);
  ModelSearchReport report;
  search::RewardFn reward = make_reward(o, report.reward);

  const double t0 = monotonic_seconds();
  model::LoadedModel m = load(o);
  report.load_seconds = monotonic_seconds() - t0;
  report.model = o.model;
  report.prompt_template = eval::resolve_prompt_template(o.prompt_template, m.tokenizer->kind());

  report.problem.id = o.id;
  report.problem.question = o.problem;
  report.problem.answer = o.answer;
  report.problem.prompt = eval::apply_prompt_template(report.prompt_template, o.problem);

  engine::Engine engine(m.model, *m.tokenizer, o.engine);
  train::EnginePolicy policy(engine, *m.tokenizer, o.policy);
  search::Forest forest(policy, o.search, reward);
  log_info("search: {} ({} parameters), W={} chunk={} d_T={} B={}", o.model,
           m.model->num_parameters(), o.search.width, o.search.chunk_tokens, o.search.max_depth,
           o.search.terminals);
  std::vector<search::SearchResult> results = forest.run({report.problem});
  report.result = std::move(results.front());
  report.forest = forest.stats();
  report.recompute_tokens = policy.recompute_tokens();
  report.kv_peak_bytes = engine.kv_peak_bytes();

  if (!o.export_path.empty()) {
    json j = search::tree_to_json(report.result, report.problem, o.search);
    j["model"] = o.model;
    j["template"] = report.prompt_template;
    j["prompt"] = report.problem.prompt;
    j["reward_fn"] = report.reward;
    j["stats"]["recompute_tokens"] = report.recompute_tokens;
    j["stats"]["kv_peak_bytes"] = report.kv_peak_bytes;
    atomic_write_file(o.export_path, j.dump(1, ' ', false, json::error_handler_t::replace) + "\n");
  }
  return report;
}

std::string search_summary(const ModelSearchReport& r) {
  const search::SearchStats& s = r.result.stats;
  const search::ForestStats& f = r.forest;
  auto pct = [](double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; };
  std::string out;
  out +=
      fmt::format("problem: {}  gold: {}  reward: {}\n", r.problem.id, r.problem.answer, r.reward);
  out += fmt::format("model: {}  template: {}  (loaded in {:.2f} s)\n", r.model, r.prompt_template,
                     r.load_seconds);
  out += fmt::format("iterations: {}  (stop: {})\n", s.iterations, s.stop_reason);
  out += fmt::format("nodes: {}  terminals found: {}  backed up: {} ({} by budget fill)\n", s.nodes,
                     s.terminals_found, s.backed_up, s.filled);
  out += fmt::format("tokens generated: {}\n", f.generated_tokens);
  out += fmt::format("prefill tokens: {}  (recomputed after eviction: {})\n", f.prefill_tokens,
                     r.recompute_tokens);
  out += fmt::format(
      "prefill per generated token: {:.4f}\n",
      f.generated_tokens > 0 ? static_cast<double>(f.prefill_tokens) / f.generated_tokens : 0.0);
  out += fmt::format("correct found: {}\n", s.correct_found ? "yes" : "no");
  out += fmt::format("time: {:.3f} s  (model {:.3f} s, {:.0f} generated tokens/s)\n", f.seconds,
                     f.policy_seconds, f.seconds > 0 ? f.generated_tokens / f.seconds : 0.0);
  out += fmt::format("bookkeeping fraction: {:.2f}%  (of which verifier {:.2f}%)\n",
                     pct(f.bookkeeping_seconds, f.seconds), pct(s.reward_seconds, f.seconds));
  // The first correct trajectory, else the first one: what the tree hands the trainer.
  const search::Trajectory* shown = nullptr;
  for (const auto& t : r.result.trajectories)
    if (!shown || (t.correct && !shown->correct)) shown = &t;
  if (shown) {
    std::string text = shown->response;
    constexpr size_t kMaxShown = 400;
    if (text.size() > kMaxShown) text = text.substr(0, kMaxShown) + "...";
    out += fmt::format("trajectory {} ({}, reward {:+.0f}, {} tokens): {}\n", shown->backup_index,
                       search::outcome_name(shown->outcome), shown->reward, shown->tokens.size(),
                       json(text).dump(-1, ' ', false, json::error_handler_t::replace));
  }
  return out;
}

}  // namespace ds::app
