// Owns `deepsearch train` as a library call: the whole RL loop of one run.
//
//   setup:   validate the options (before any compute), load or build the policy, the engine that
//            samples from the same weights, AdamW, the training problems;
//   a step:  take prompts_per_step problems (seeded order per epoch), roll them out (DeepSearch
//            trees, or n direct rollouts for grpo / drgrpo / dapo; DAPO dynamic sampling drops
//            zero-variance groups and refills from further problems), compute advantages
//            (advantage.h), collate, run the PPO-style update (update.h: old log-probs recomputed,
//            mismatch to the sampling log-probs logged), invalidate the engine's K/V (the weights
//            changed), log one metrics line, evaluate held-out accuracy and checkpoint when due.
//
// Run directory: config.yaml (effective config), metrics.jsonl (one line per step; step 0 holds
// the evaluation before training), checkpoints/step_N/ + latest (train_state.h; the data position
// and every RNG state are in it), and eval.jsonl (held-out accuracy per evaluation).
//
// Exactness: every random draw derives from (seed, step, problem key) or from Rngs saved in the
// checkpoint, so `resume_training` after a crash continues bit for bit (on CPU, same thread
// count): the parameters after 2N steps equal those of an uninterrupted run.
// Data parallel: with a Collective of world size > 1, rank r rolls out the problems r, r + W, ...
// of each step's global batch and the update token-means over the global batch (update.h); rank 0
// alone writes the run directory.
// No torch in this header. Thread-safety: one run per run directory.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "train/train_options.h"

namespace ds::train {

class rl::Collective;

struct TrainResult {
  std::string run_dir;
  int64_t start_step = 0;  // steps already done when this call started (resume)
  int64_t steps_done = 0;  // total steps completed when it returned
  bool stopped_by_time = false;
  bool stopped_by_budget = false;       // max_generated_tokens reached
  bool stopped_no_problems = false;     // the hard-subset filter kept no problem
  std::vector<nlohmann::json> rounds;   // hard-subset filter report per round (rounds.jsonl)
  std::vector<nlohmann::json> metrics;  // the lines written by this call, in order
  std::vector<nlohmann::json> evals;    // {"step", "accuracy", "levels": [...]} of this call
  std::string last_checkpoint;
  double seconds = 0.0;
};

// Starts a new run in options.run_dir. Throws UsageError when the directory already holds a run
// (use resume_training), and ConfigError / DataError for bad options before any compute.
TrainResult start_training(const TrainOptions& options, rl::Collective* collective = nullptr);

// Continues the run in `run_dir` from its latest checkpoint with its config.yaml; `overrides`
// (key=value) may change e.g. steps to extend the run. DataError when there is nothing to resume.
TrainResult resume_training(const std::string& run_dir, const std::vector<std::string>& overrides,
                            rl::Collective* collective = nullptr);

}  // namespace ds::train
