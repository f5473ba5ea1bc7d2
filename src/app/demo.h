// Owns `deepsearch demo`, the README's main job: the whole method on a laptop CPU in minutes,
// from nothing but this repository.
//   1. warm start: the tiny Qwen2-architecture model trained from scratch on worked solutions of
//      the easy arithmetic levels (sft/sft.h), written to OUT/model and reused when present;
//   2. pass@1 on held-out problems (never trained on) of the levels the warm start still fails
//      most of the time (arithmetic levels 1-2: pass@1 around 5-15% after this short warm
//      start), before RL;
//   3. DeepSearch training (MCTS rollouts + Tree-GRPO, train/trainer.h) on train-split problems of
//      those levels, run directory OUT/train;
//   4. pass@1 on the same held-out problems after RL;
//   5. the report: OUT/report.md (before/after table, training summary, an example search tree),
//      OUT/metrics.svg (per-step reward, accuracy of the sampled responses, problems solved by
//      search), OUT/tree.json (the exported tree) and OUT/summary.json.
// Every stage is seeded, so a run is reproducible (unless the time cap `max_seconds` of the
// training stage is reached; the report says so when it is).
// No torch in this header. Thread-safety: one demo per output directory.
#pragma once

#include <string>
#include <vector>

#include "eval/level_eval.h"
#include "sft/sft.h"
#include "train/train_options.h"

namespace ds::app {

struct DemoOptions {
  std::string out_dir = "runs/demo";
  sft::SftOptions sft;          // the warm start (defaults from demo_options())
  eval::LevelEvalOptions eval;  // held-out hard problems, measured before and after training
  train::TrainOptions train;    // the DeepSearch run (model and run_dir are set by the demo)

  template <class V>
  void visit(V& v) {
    v("out_dir", out_dir, "output directory (model/, train/, report.md, metrics.svg, tree.json)");
    v("sft", sft, "supervised warm start of the tiny model (skipped when out_dir/model exists)");
    v("eval", eval, "held-out pass@1 measured before and after training");
    v("train", train, "the DeepSearch training run (model and run_dir are set by the demo)");
  }
};

// The demo's defaults: sized so the whole run (warm start included) fits in about 10 minutes on
// 2 CPU cores.
DemoOptions demo_options();

struct DemoResult {
  std::string out_dir;
  bool warm_start_reused = false;
  std::vector<eval::LevelAccuracy> before, after;
  double accuracy_before = 0.0, accuracy_after = 0.0;  // over all measured responses
  int64_t train_steps = 0;
  bool train_stopped_by_time = false;
  double seconds_warm_start = 0.0, seconds_eval = 0.0, seconds_train = 0.0, seconds_total = 0.0;
  std::string report_path;
};

// Runs the demo (progress on stderr). Throws ConfigError for invalid options before any work.
DemoResult run_demo(const DemoOptions& options);

// The before/after table printed by the CLI and written into the report (Markdown).
std::string format_before_after(const DemoResult& result, const eval::LevelEvalOptions& eval);

}  // namespace ds::app
