// Owns the evaluation loop: for every benchmark, problem and sample index, get a response (from
// OUT/responses.jsonl when an earlier run saved it, else from the generator in batches), score
// it, save it, and summarize pass@1 / pass@k / standard errors into an EvalReport, written as
// OUT/results.json. It does not know about models or tokenizers (see generator.h), so it serves
// `deepsearch eval`, held-out evaluation inside training, and tests with mock generators alike.
// Thread-safety: one call at a time per output directory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/jsonl.h"
#include "eval/generator.h"
#include "eval/problems.h"
#include "eval/report.h"

namespace ds::eval {

struct EvalOptions {
  int n = 32;                     // samples per problem (paper: 32)
  SamplingOptions sampling{.temperature = 0.6, .top_p = 0.95};  // the paper's: T 0.6, top-p 0.95
  int max_new_tokens = 1024;      // response length cap
  int batch_size = 64;            // sequences per generator call
  int64_t seed = 0;               // base of the per-sample seeds
  std::string out_dir;            // "" = keep everything in memory (no files, no resume)
  double progress_interval = 10;  // seconds between progress lines when stderr is not a terminal

  template <class V>
  void visit(V& v) {
    v("n", n, "samples per problem");
    sampling.visit(v);  // temperature, top_p, top_k
    v("max_new_tokens", max_new_tokens, "maximum tokens per response");
    v("batch_size", batch_size, "sequences generated per batch");
    v("seed", seed, "base seed; each sample's seed derives from (seed, benchmark, id, sample)");
    v("out_dir", out_dir, "output directory (results.json, responses.jsonl); empty = in memory");
    v("progress_interval", progress_interval, "seconds between progress lines off a terminal");
  }
  SamplingSpec spec() const { return {sampling, max_new_tokens}; }
  // Throws ConfigError naming the field for out-of-range values.
  void validate() const;
};

// Runs the evaluation. `identity` holds caller settings that determine the responses (model path,
// prompt template, scorer); together with the sampling settings and seed it is stored in
// OUT/run.json, and resuming into a directory made with different values throws ConfigError
// (n, batch size and the data limit may change: samples are keyed by (benchmark, id, sample)).
// The report's params = identity + the options.
EvalReport run_eval(const std::vector<Benchmark>& benchmarks, ResponseGenerator& generator,
                    const PromptFn& make_prompt, const Scorer& scorer, const EvalOptions& options,
                    const json& identity = json::object());

}  // namespace ds::eval
