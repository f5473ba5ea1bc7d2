// Owns the supervised warm start of the built-in tiny reasoning model (`deepsearch sft`): a small
// Qwen2-architecture model is trained FROM SCRATCH with the character/byte tokenizer on
// (prompt, worked solution) pairs of the easy levels of the built-in tasks, with the loss on the
// solution tokens + EOS only, and written as a normal Hugging Face checkpoint directory
// (config.json + model.safetensors + char_tokenizer.json) through model::save_model (atomic).
// After the weights, the directory also receives sft_config.yaml (the effective options),
// sft_log.jsonl (the loss log) and sft_summary.json (totals and the held-out accuracy table).
//
// Determinism: for fixed options (seed included) and a fixed torch thread count the trained
// weights are identical run to run, unless `max_seconds` stops training early.
// This header includes no torch (the demo and the CLI include it cheaply); the training loop over
// an in-memory model is in sft/sft_train.h.
// Thread-safety: one run per output directory at a time; everything else is plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eval/level_eval.h"
#include "rl/optimizer.h"

namespace ds::sft {

// The architecture: a built-in preset (model/model_config.h) with optional overrides.
struct SftModelOptions {
  std::string preset = "tiny";
  int64_t hidden_size = 0;        // 0 = the preset's
  int64_t intermediate_size = 0;  // 0 = the preset's
  int64_t num_layers = 0;         // 0 = the preset's
  int64_t num_heads = 0;          // 0 = the preset's
  int64_t num_kv_heads = 0;       // 0 = the preset's
  int64_t max_positions = 1024;   // max_position_embeddings (the engine's default context)

  template <class V>
  void visit(V& v) {
    v("preset", preset, "built-in architecture: micro | tiny | small (see model_config.h)");
    v("hidden_size", hidden_size, "model width (0 = the preset's)");
    v("intermediate_size", intermediate_size, "SwiGLU hidden width (0 = the preset's)");
    v("num_layers", num_layers, "decoder layers (0 = the preset's)");
    v("num_heads", num_heads, "attention heads; must divide hidden_size (0 = the preset's)");
    v("num_kv_heads", num_kv_heads, "key/value heads; must divide num_heads (0 = the preset's)");
    v("max_positions", max_positions,
      "max_position_embeddings written to config.json (0 = the preset's)");
  }
};

// What is trained on: worked solutions of generated train-split problems.
struct SftDataOptions {
  std::vector<std::string> tasks = {"arith"};
  std::vector<int> difficulties = {1, 2, 3, 4};
  // Problems per difficulty: one count per entry of `difficulties`, or a single count for all.
  std::vector<int> per_level = {3000, 4000, 6000, 1500};
  int64_t seed = 1;
  // The first N held-out problems (corpus.h, Split::kHeldout, this seed) of every level of every
  // task are never trained on, so an evaluation on up to N held-out problems is clean.
  int heldout_exclude = 1000;

  template <class V>
  void visit(V& v) {
    v("tasks", tasks, "built-in tasks whose worked solutions are trained on (arith, countdown)");
    v("difficulties", difficulties, "difficulty levels of the corpus");
    v("per_level", per_level,
      "problems generated per difficulty: one count per entry of 'difficulties', or one count "
      "for all (tiny levels have fewer distinct problems; repeats are dropped)");
    v("seed", seed, "problem generator seed (train split; the held-out split derives from it)");
    v("heldout_exclude", heldout_exclude,
      "first N held-out problems of every task level that are kept out of the corpus");
  }
};

struct SftOptions {
  SftModelOptions model;
  SftDataOptions data;
  int batch_size = 32;  // examples per optimizer step
  int steps = 1200;     // optimizer steps
  double max_seconds =
      0;  // wall-clock cap on training (0 = none); makes the result timing-dependent
  // AdamW and the learning-rate schedule (rl/optimizer.h); defaults suit a ~1M-parameter model
  // trained from scratch. total_steps 0 = `steps`.
  rl::OptimizerOptions optim{.lr = 3e-3,
                             .beta2 = 0.98,
                             .decay_1d = false,  // norm weights and biases are not pulled to 0
                             .warmup_steps = 50,
                             .schedule = rl::LrSchedule::kCosine,
                             .min_lr_ratio = 0.1};
  int64_t seed = 0;  // weight init and data order
  std::string out_dir = "runs/sft/model";
  int log_every = 25;  // steps per sft_log.jsonl record (and progress update)
  // Held-out accuracy table printed and stored after training (n = 0 skips it).
  eval::LevelEvalOptions eval;

  template <class V>
  void visit(V& v) {
    v("model", model, "architecture of the model trained from scratch");
    v("data", data, "the warm-start corpus");
    v("batch_size", batch_size,
      "examples per optimizer step (bucketed by length, right-padded to the longest)");
    v("steps", steps, "optimizer steps");
    v("max_seconds", max_seconds,
      "stop training after this many wall-clock seconds (0 = run all steps); a run stopped "
      "early depends on timing and is not reproducible");
    v("optim", optim, "AdamW and learning-rate schedule");
    v("seed", seed, "seed of the weight initialization and of the data order");
    v("out_dir", out_dir, "checkpoint directory to write (replaced atomically)");
    v("log_every", log_every, "steps between loss-log records and progress updates");
    v("eval", eval, "held-out per-level accuracy measured after training (n = 0: skip)");
  }
};

// Throws ConfigError naming the field (and how to fix it) for an invalid option.
void validate(const SftOptions& options);

// One record of the loss log (sft_log.jsonl).
struct SftLogEntry {
  int64_t step = 0;        // steps done
  double loss = 0;         // mean token loss over the steps since the previous record
  double lr = 0;           // learning rate of the last step
  int64_t tokens = 0;      // tokens fed so far (padding excluded)
  double cpu_seconds = 0;  // process CPU time since training began
  double wall_seconds = 0;
};

struct SftResult {
  std::string dir;       // checkpoint written ("" for in-memory training)
  int64_t steps = 0;     // optimizer steps done
  int64_t examples = 0;  // corpus size (distinct examples)
  int64_t parameters = 0;
  int64_t tokens = 0;         // tokens fed (prompts + solutions, no padding)
  int64_t target_tokens = 0;  // tokens the loss was computed on (solutions + EOS)
  double epochs = 0;          // passes over the corpus
  double first_loss = 0;      // mean loss of the first log window
  double final_loss = 0;      // mean loss of the last log window
  double cpu_seconds = 0;     // process CPU time of training (all threads)
  double wall_seconds = 0;
  bool stopped_by_time = false;  // max_seconds ended training before `steps`
  std::vector<SftLogEntry> log;
  std::vector<eval::LevelAccuracy> accuracy;  // empty when eval.n == 0
  double tokens_per_second() const { return wall_seconds > 0 ? tokens / wall_seconds : 0; }
  double tokens_per_cpu_second() const { return cpu_seconds > 0 ? tokens / cpu_seconds : 0; }
};

// Builds the corpus, trains, saves the checkpoint to options.out_dir and the log files beside
// the weights, and measures the held-out table. Throws ConfigError for invalid options.
SftResult run_sft(const SftOptions& options);

// "" when `dir` holds a loadable checkpoint (config, weights and tokenizer files that load),
// else the reason it does not.
std::string check_checkpoint(const std::string& dir);

struct WarmStart {
  std::string dir;
  bool reused = false;  // an existing valid checkpoint was kept (no training)
  SftResult result;     // the training run (empty when reused)
};

// The warm start for the demo: reuses the valid checkpoint at `dir` (whatever options made it;
// a warning names differences from `options`), or trains one there with `options` (out_dir is
// replaced by `dir`). A directory that exists but does not load is retrained (with a warning).
WarmStart ensure_warm_start(const std::string& dir, const SftOptions& options);

}  // namespace ds::sft
