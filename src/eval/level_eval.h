// Owns the per-level held-out accuracy of a model on a built-in task: for each difficulty, the
// first n held-out problems (tasks/corpus.h, Split::kHeldout) are answered through the generation
// engine with the tiny model's prompt template, and every response is scored by the task's own
// verifier. This is how the warm start is judged ("good at easy levels, weak at hard ones") and
// what the SFT benchmark prints. No torch in this header.
// Thread-safety: none (drives one engine); concurrent calls need distinct models or NoGradGuard.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/sampling.h"

namespace ds::tok {
class Tokenizer;
}
namespace ds::model {
class Transformer;
}

namespace ds::eval {

struct LevelEvalOptions {
  std::string task = "arith";
  std::vector<int> difficulties = {1, 2, 3, 4, 5};
  int n = 100;               // held-out problems per difficulty (0 = no evaluation)
  int samples = 1;           // responses per problem
  SamplingOptions sampling{.temperature = 0.0};  // greedy by default
  int max_new_tokens = 160;  // response length cap
  int64_t seed = 1;          // held-out split seed (the corpus seed keeps them out of training)
  int64_t sample_seed = 0;   // base seed of the sampled responses
  int batch_size = 64;       // sequences decoded together
  int show = 0;              // responses kept per level for display

  template <class V>
  void visit(V& v) {
    v("task", task, "built-in task whose held-out problems are answered");
    v("difficulties", difficulties, "difficulty levels to measure");
    v("n", n, "held-out problems per difficulty (0 = skip the evaluation)");
    v("samples", samples, "responses per problem");
    sampling.visit(v);  // temperature (0 = greedy), top_p, top_k
    v("max_new_tokens", max_new_tokens, "maximum tokens per response");
    v("seed", seed, "held-out split seed (use the corpus seed so no problem was trained on)");
    v("sample_seed", sample_seed, "base seed of the sampled responses");
    v("batch_size", batch_size, "sequences decoded together");
    v("show", show, "first responses kept per level for display (0 = none)");
  }
};

// Throws ConfigError naming the field (prefixed by `where`).
void validate(const LevelEvalOptions& options, const std::string& where = "eval");

struct LevelAccuracy {
  int difficulty = 0;
  int problems = 0;
  int responses = 0;       // problems * samples
  int correct = 0;         // correct responses
  int solved = 0;          // problems with at least one correct response
  double accuracy = 0;     // correct / responses (pass@1)
  double mean_tokens = 0;  // mean generated tokens per response
  int finished = 0;        // responses that ended with EOS
  // The first `show` responses of the level (problem, response, gold answer, verdict).
  struct Shown {
    std::string problem, response, answer;
    bool correct = false;
  };
  std::vector<Shown> shown;
};

// Measures every difficulty of options.difficulties on `model` (generation under InferenceMode).
std::vector<LevelAccuracy> evaluate_levels(const model::Transformer& model,
                                           const tok::Tokenizer& tokenizer,
                                           const LevelEvalOptions& options);

// A markdown table: level | problems | responses | accuracy | solved | mean tokens | EOS.
std::string format_level_table(const std::vector<LevelAccuracy>& rows, const std::string& title);

}  // namespace ds::eval
