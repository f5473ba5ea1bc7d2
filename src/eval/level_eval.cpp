// Per-level held-out accuracy through the generation engine (see sft_eval.h).
#include "eval/level_eval.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/errors.h"
#include "core/rng.h"
#include "engine/engine.h"
#include "model/transformer.h"
#include "tasks/corpus.h"
#include "tasks/task.h"
#include "tokenizer/tokenizer.h"

namespace ds::eval {

void validate(const LevelEvalOptions& o, const std::string& where) {
  auto bad = [&](const char* field, const std::string& problem, const std::string& hint) {
    throw ConfigError(where + "." + field, problem, hint);
  };
  const tasks::Task* found = nullptr;
  try {
    found = &tasks::get_task(o.task);
  } catch (const ConfigError& e) {
    throw ConfigError(where + ".task", e.problem(), e.hint());
  }
  const tasks::Task& task = *found;
  if (o.n < 0) bad("n", "must be >= 0", "use e.g. 100, or 0 to skip the evaluation");
  if (o.n > 0 && o.difficulties.empty())
    bad("difficulties", "is empty", "list the levels to measure, e.g. [1, 2, 3, 4, 5]");
  for (int d : o.difficulties)
    if (d < 1 || d > task.max_difficulty())
      bad("difficulties",
          fmt::format("level {} is outside 1..{} of task '{}'", d, task.max_difficulty(), o.task),
          fmt::format("use levels between 1 and {}", task.max_difficulty()));
  if (o.samples < 1) bad("samples", "must be >= 1", "use 1 for greedy decoding");
  ds::validate(o.sampling, where);
  if (o.max_new_tokens < 1) bad("max_new_tokens", "must be >= 1", "use e.g. 160");
  if (o.batch_size < 1) bad("batch_size", "must be >= 1", "use e.g. 64");
  if (o.show < 0) bad("show", "must be >= 0", "use 0, or e.g. 3 to keep a few responses");
}

std::vector<LevelAccuracy> evaluate_levels(const model::Transformer& model,
                                           const tok::Tokenizer& tokenizer,
                                           const LevelEvalOptions& options) {
  validate(options);
  std::vector<LevelAccuracy> out;
  if (options.n == 0) return out;
  const tasks::Task& task = tasks::get_task(options.task);
  engine::EngineOptions eo;
  eo.max_batch_size = options.batch_size;
  engine::Engine engine(model, tokenizer, eo);
  const SamplingOptions& sp = options.sampling;
  const int32_t eos = tokenizer.eos_id();

  for (int d : options.difficulties) {
    std::vector<tasks::Problem> problems = tasks::generate_split(
        task, d, options.n, static_cast<uint64_t>(options.seed), tasks::Split::kHeldout);
    std::vector<engine::GenerateRequest> requests;
    requests.reserve(problems.size());
    for (size_t i = 0; i < problems.size(); ++i) {
      engine::GenerateRequest r;
      r.prompt = tokenizer.encode(tasks::format_prompt(problems[i].problem));
      r.num_samples = options.samples;
      r.max_new_tokens = options.max_new_tokens;
      r.seed = Rng::derive(static_cast<uint64_t>(options.sample_seed),
                           static_cast<uint64_t>(d) * 1000003u + i);
      requests.push_back(std::move(r));
    }
    LevelAccuracy row;
    row.difficulty = d;
    row.problems = static_cast<int>(problems.size());
    int64_t tokens = 0;
    // Batches of whole problems keep the engine's working set bounded.
    const size_t per_call = std::max<size_t>(1, options.batch_size / options.samples);
    for (size_t start = 0; start < requests.size(); start += per_call) {
      const size_t end = std::min(requests.size(), start + per_call);
      std::vector<engine::GenerateRequest> chunk(requests.begin() + start, requests.begin() + end);
      auto results = engine.generate(chunk, sp);
      for (size_t i = 0; i < results.size(); ++i) {
        bool any = false;
        for (const engine::Sample& s : results[i]) {
          std::vector<int32_t> ids;
          ids.reserve(s.tokens.size());
          for (int32_t t : s.tokens)
            if (t != eos && !tokenizer.is_special(t)) ids.push_back(t);
          const tasks::Problem& problem = problems[start + i];
          const std::string text = tokenizer.decode(ids);
          const bool ok = task.score(problem, text).correct;
          if (static_cast<int>(row.shown.size()) < options.show)
            row.shown.push_back({problem.problem, text, problem.answer, ok});
          row.correct += ok;
          any = any || ok;
          row.finished += s.finish == engine::FinishReason::kEos;
          tokens += static_cast<int64_t>(s.tokens.size());
          ++row.responses;
        }
        row.solved += any;
      }
    }
    row.accuracy = row.responses > 0 ? static_cast<double>(row.correct) / row.responses : 0.0;
    row.mean_tokens = row.responses > 0 ? static_cast<double>(tokens) / row.responses : 0.0;
    out.push_back(row);
  }
  return out;
}

std::string format_level_table(const std::vector<LevelAccuracy>& rows, const std::string& title) {
  std::string s = title.empty() ? "" : title + "\n\n";
  s += "| level | problems | responses | accuracy | solved | mean tokens | ended (EOS) |\n";
  s += "|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : rows)
    s += fmt::format("| {} | {} | {} | {:.1f}% | {} | {:.1f} | {:.0f}% |\n", r.difficulty,
                     r.problems, r.responses, 100.0 * r.accuracy, r.solved, r.mean_tokens,
                     r.responses > 0 ? 100.0 * r.finished / r.responses : 0.0);
  return s;
}

}  // namespace ds::eval
