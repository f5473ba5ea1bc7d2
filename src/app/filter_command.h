// Owns `deepsearch filter` as a library call: loads the problems and the model (a Hugging Face
// directory, or builtin:NAME = random weights with the character tokenizer, through
// model/model_loader.h), builds the engine and runs the Pass1@K filter (train/hard_filter.h).
// No torch in this header. Thread-safety: independent calls are independent.
#pragma once

#include <cstdint>
#include <string>

#include "engine/types.h"
#include "train/hard_filter.h"

namespace ds::app {

// `deepsearch filter` as a library call.
struct FilterCommandOptions {
  std::string model;          // DIR or builtin:NAME
  int64_t init_seed = 0;      // weights of a builtin:NAME model
  std::string data;           // IN.jsonl
  std::string out;            // OUT.jsonl
  std::string task = "math";  // scorer of lines without a "task" field
  std::string dtype = "float32";
  std::string device = "cpu";
  bool write_all = false;  // write every problem (with "kept") instead of the kept subset
  engine::EngineOptions engine;
  train::HardFilterOptions filter;

  template <class V>
  void visit(V& v) {
    v("model", model,
      "model directory (config.json, safetensors, tokenizer files) or builtin:NAME (random "
      "weights with the character tokenizer)");
    v("init_seed", init_seed, "seed of the random weights of a builtin:NAME model");
    v("data", data, "input problems (JSON Lines with id, problem, answer)");
    v("out", out, "output JSON Lines: the kept problems with pass_rate, correct, k");
    v("task", task, "verifier for lines without a \"task\" field (math = the math verifier)");
    v("dtype", dtype, "weights / K/V dtype: float32 | bfloat16 | float16");
    v("device", device, "cpu | cuda | cuda:N");
    v("write_all", write_all, "write every problem with a \"kept\" field, not only the kept ones");
    v("engine", engine, "generation engine settings");
    v("filter", filter, "Pass1@K filter settings");
  }
};

// Loads the problems (DataError naming file:line) and the model, filters, writes `out`.
// Progress on stderr. Throws ConfigError / DataError / UsageError for bad input.
train::HardFilterReport run_filter_command(const FilterCommandOptions& options);

}  // namespace ds::app
