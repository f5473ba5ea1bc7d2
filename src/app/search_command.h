// Owns `deepsearch search` as a library call: load a model (a Hugging Face directory, or
// "builtin:NAME" = a built-in config with random weights and the character tokenizer), build the
// engine and the EnginePolicy, wrap the problem in a prompt template, pick the reward (the math
// verifier, or a built-in task's scorer), run one DeepSearch tree through the forest driver, and
// optionally export the tree as JSON. The CLI (tools/cmd_search.cpp) only parses flags into
// ModelSearchOptions and prints search_summary(). No torch in this header.
// Thread-safety: independent calls are independent (each builds its own model and engine).
#pragma once

#include <cstdint>
#include <string>

#include "engine/types.h"
#include "search/forest.h"
#include "search/options.h"
#include "search/problem.h"
#include "search/trajectory.h"
#include "train/engine_policy.h"
#include "verifier/verify_options.h"

namespace ds::app {

struct ModelSearchOptions {
  std::string model;           // DIR or builtin:NAME
  int64_t init_seed = 0;       // weights of a builtin:NAME model
  std::string problem;         // the question
  std::string answer;          // gold answer
  std::string id = "problem";  // shown in the export
  std::string prompt_template = "auto";
  std::string task;  // "" = the math verifier
  std::string dtype = "float32";
  std::string device = "cpu";
  std::string export_path;  // "" = no export
  search::SearchOptions search;
  engine::EngineOptions engine;
  train::EnginePolicyOptions policy;
  verify::VerifyOptions verify;

  template <class V>
  void visit(V& v) {
    v("model", model,
      "model directory (config.json, safetensors, tokenizer files) or builtin:NAME (micro, tiny, "
      "small, qwen2.5-0.5b) = random weights with the character tokenizer");
    v("init_seed", init_seed, "seed of the random weights of a builtin:NAME model");
    v("problem", problem, "the problem text");
    v("answer", answer, "the gold answer handed to the reward");
    v("id", id, "problem id shown in the export (also seeds the tree with search.seed)");
    v("template", prompt_template,
      "prompt template: auto | deepsearch | qwen-math | plain | tiny (auto: tiny for "
      "character-tokenizer models, deepsearch otherwise)");
    v("task", task,
      "reward: empty = the math verifier; else a built-in task's scorer (e.g. arith, countdown)");
    v("dtype", dtype, "weights / K/V dtype: float32 | bfloat16 | float16");
    v("device", device, "cpu | cuda | cuda:N");
    v("export", export_path, "write the tree as JSON to this file (empty = no export)");
    v("search", search, "DeepSearch tree settings");
    v("engine", engine, "generation engine settings (K/V budget, batch size, context)");
    v("policy", policy, "engine policy settings");
    v("verify", verify, "math verifier bounds (the default reward)");
  }
};

struct ModelSearchReport {
  search::SearchProblem problem;
  search::SearchResult result;
  search::ForestStats forest;
  std::string model;             // as given
  std::string prompt_template;   // resolved name
  std::string reward;            // "math verifier" or "task <name>"
  int64_t recompute_tokens = 0;  // part of the prefill caused by K/V eviction
  int64_t kv_peak_bytes = 0;
  double load_seconds = 0.0;  // model + tokenizer loading (not part of the search time)
};

// Runs the search. Throws ConfigError / DataError / UsageError for bad input (missing model,
// unknown template / task / builtin name, invalid search options, a gold answer the task rejects).
ModelSearchReport run_model_search(const ModelSearchOptions& options);

// The human-readable summary the CLI prints: iterations, nodes, tokens generated, prefill tokens,
// prefill per generated token, correct found, time, bookkeeping fraction, best response.
std::string search_summary(const ModelSearchReport& report);

}  // namespace ds::app
