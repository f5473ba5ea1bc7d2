// Owns `deepsearch eval` as a library call: load a Hugging Face model directory (weights +
// tokenizer), build the generation engine and the engine-backed generator, load the benchmark
// files, choose the prompt template and scorer, run the resumable evaluation and write
// OUT/results.json, OUT/results.md and OUT/responses.jsonl. The CLI (tools/cmd_eval.cpp) only
// parses flags into these options. No torch in this header.
// Thread-safety: one call at a time per output directory.
#pragma once

#include <string>

#include "eval/evaluator.h"

namespace ds::app {

struct ModelEvalOptions {
  std::string model;                     // model directory (config.json, safetensors, tokenizer)
  std::string data;                      // FILE[,FILE...] of {"id","problem","answer"} lines
  std::string task = "math";             // scorer of lines without a "task" field
  std::string prompt_template = "auto";  // see prompt_template.h
  int limit = 0;                         // first N problems per file (0 = all)
  std::string dtype = "float32";         // weights and K/V dtype
  std::string device = "cpu";            // cpu | cuda | cuda:N
  int64_t kv_budget_bytes = int64_t{2} << 30;  // engine K/V cache budget
  eval::EvalOptions eval;                      // n, sampling, batch size, seed, out_dir

  template <class V>
  void visit(V& v) {
    v("model", model, "model directory (Hugging Face layout, tokenizer files included)");
    v("data", data, "comma-separated JSON Lines files; each file is one benchmark (its stem)");
    v("task", task, "verifier for lines without a \"task\" field (math = the math verifier)");
    v("template", prompt_template,
      "prompt template: auto | deepsearch | qwen-math | plain | tiny (auto: tiny for char-"
      "tokenizer models, deepsearch otherwise)");
    v("limit", limit, "evaluate only the first N problems of each file (0 = all)");
    v("dtype", dtype, "weights / K/V dtype: float32 | bfloat16 | float16");
    v("device", device, "cpu | cuda | cuda:N");
    v("kv_budget_bytes", kv_budget_bytes, "engine K/V cache budget in bytes");
    v("eval", eval, "evaluation loop settings");
  }
};

// Runs the evaluation (see evaluator.h for resume semantics) and returns its report; writes
// results.md next to results.json. Throws ConfigError / DataError / UsageError for bad input.
eval::EvalReport evaluate_model(const ModelEvalOptions& options);

}  // namespace ds::app
