// Owns the hard-subset filter (DEEPSEARCH.md training loop step 1): Pass1@K with K direct
// rollouts per problem under the current policy; a problem is kept (is "hard") when its pass rate
// c / K is <= threshold ([R]'s rule: with K = 4 and 0.25, 0/4 and 1/4 are kept), or < threshold
// with strict (the paper's "below 25%": only 0/4 kept).
//
// Rollouts go through the generation engine in batches of whole problems (K samples each; the K
// samples of a problem share their prompt's prefill). Sample i of problem `id` is seeded by
// eval::sample_seed(seed, "filter", id, i) only, so the verdicts do not depend on the batching;
// pass a different seed per round to re-filter with fresh draws. Responses are scored by the
// verifier of each problem's task (tasks::score_response; "math" = the math verifier).
//
// Two entry points: run_hard_filter() on any ResponseGenerator (tests use mocks) and on an
// in-memory engine + tokenizer (the trainer, between rounds). `deepsearch filter`, which loads a
// model directory or builtin:NAME first, is app/filter_command.h.
// The kept subset is written as JSONL: each problem's own fields (tasks/problem_io.h) plus
// "pass_rate", "correct" and "k".
// No torch in this header (the engine is pimpl). Thread-safety: none (drives one engine).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/jsonl.h"
#include "core/sampling.h"
#include "engine/types.h"
#include "eval/generator.h"
#include "tasks/task.h"

namespace ds::engine {
class Engine;
}
namespace ds::tok {
class Tokenizer;
}

namespace ds::train {

struct HardFilterOptions {
  int k = 4;                // direct rollouts per problem
  double threshold = 0.25;  // keep pass rate <= threshold (< with strict)
  bool strict = false;
  SamplingOptions sampling;  // of the rollouts
  int max_new_tokens = 1024;
  int64_t seed = 0;
  int batch_problems = 16;               // problems per engine call (k samples each)
  std::string prompt_template = "auto";  // see eval/prompt_template.h

  template <class V>
  void visit(V& v) {
    v("k", k, "direct rollouts per problem (the K of Pass1@K)");
    v("threshold", threshold,
      "keep problems whose pass rate is <= threshold (0.25 with k=4: 0/4 or 1/4 correct, as the "
      "reference code)");
    v("strict", strict, "keep pass rate < threshold instead (the paper's rule: only 0/4 with k=4)");
    sampling.visit(v);  // temperature, top_p, top_k of the rollouts
    v("max_new_tokens", max_new_tokens, "maximum tokens per rollout");
    v("seed", seed, "base seed of the rollouts (use a different one per round)");
    v("batch_problems", batch_problems, "problems whose rollouts are decoded in one engine call");
    v("template", prompt_template,
      "prompt template: auto | deepsearch | qwen-math | plain | tiny (auto: tiny for character-"
      "tokenizer models, deepsearch otherwise)");
  }
};

// ConfigError naming the field (prefixed by `where`).
void validate(const HardFilterOptions& options, const std::string& where = "filter");

// The decision: c / k <= threshold (strict: < threshold), exact for fractions like 1/4 = 0.25.
bool keep_problem(int correct, int k, const HardFilterOptions& options);

struct FilterRow {
  tasks::Problem problem;
  int correct = 0;
  int k = 0;
  double pass_rate = 0.0;  // correct / k
  bool kept = false;
  int64_t tokens = 0;  // tokens generated for this problem
};

struct HardFilterReport {
  std::vector<FilterRow> rows;  // one per input problem, input order
  int kept = 0;
  int total = 0;
  std::vector<int> histogram;  // histogram[c] = problems with c correct of k (size k + 1)
  int64_t generated_tokens = 0;
  double seconds = 0.0;
  std::string prompt_template;  // resolved name

  std::vector<tasks::Problem> kept_problems() const;
};

// Called after each batch with (problems done, total, kept so far).
using FilterProgressFn = std::function<void(int done, int total, int kept)>;

// Generic: rollouts from `generator`, prompts from `prompt`, verdicts from `scorer`.
// `resolved_template` is only recorded in the report.
HardFilterReport run_hard_filter(eval::ResponseGenerator& generator,
                                 const std::vector<tasks::Problem>& problems,
                                 const eval::PromptFn& prompt, const eval::Scorer& scorer,
                                 const HardFilterOptions& options,
                                 const FilterProgressFn& progress = {},
                                 const std::string& resolved_template = "");

// On an in-memory engine (e.g. the trainer's, after an update: call engine.invalidate_kv()
// first if it holds states). Template "auto" resolves with tokenizer.kind(); scorer =
// tasks::score_response.
HardFilterReport run_hard_filter(engine::Engine& engine, const tok::Tokenizer& tokenizer,
                                 const std::vector<tasks::Problem>& problems,
                                 const HardFilterOptions& options,
                                 const FilterProgressFn& progress = {});

// One output line: tasks::to_json(problem) + "pass_rate", "correct", "k".
json filter_row_json(const FilterRow& row);
// Writes the kept rows (atomically). With `all`, every row (kept or not, plus "kept").
void write_filter_jsonl(const std::string& path, const HardFilterReport& report, bool all = false);

// "kept 12 / 40 problems (30.0%) ..." plus the pass-rate histogram, one line per c.
std::string filter_summary(const HardFilterReport& report, const HardFilterOptions& options);

}  // namespace ds::train
