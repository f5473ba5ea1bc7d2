// Owns the description of a whole training run (`deepsearch train --config FILE.yaml`): the model,
// the data, the algorithm (deepsearch | grpo | drgrpo | dapo) and every search, rollout, advantage,
// loss, update, optimizer, checkpoint and evaluation setting, as one options struct
// (core/options.h) whose effective value is written to RUN_DIR/config.yaml.
//
// Loading order: the struct defaults, then the algorithm's presets for `advantage` and `loss`
// (advantage_preset / policy_loss_preset, so `algorithm: grpo` alone gives GRPO), then the YAML
// file, then key=value overrides. validate_train_options() checks everything that can be checked
// without loading the model (files exist, every data line has an answer, values in range), so bad
// input fails before any compute is spent.
// Includes torch through the option headers of the update. Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/sampling.h"
#include "engine/types.h"
#include "eval/level_eval.h"
#include "rl/advantage.h"
#include "rl/algorithm.h"
#include "rl/optimizer.h"
#include "rl/policy_loss.h"
#include "rl/update.h"
#include "search/forest.h"
#include "search/options.h"
#include "tasks/task.h"
#include "train/engine_policy.h"
#include "train/replay_rules.h"
#include "train/sample_filter.h"
#include "train/train_state.h"
#include "verifier/verify_options.h"

namespace ds::train {

// Where the training problems come from.
struct TrainDataOptions {
  std::string path;  // JSON Lines {"id","problem","answer"}; empty = generate from `task`
  std::string task = "arith";
  std::vector<int> difficulties = {5, 6};
  int per_level = 200;
  int64_t seed = 1;
  bool shuffle = true;

  template <class V>
  void visit(V& v) {
    v("path", path,
      "JSON Lines file of {\"id\",\"problem\",\"answer\"} (optional \"task\"); empty = generate "
      "problems of the built-in `task`");
    v("task", task,
      "built-in task generated when `path` is empty (arith, countdown), else the verifier of "
      "lines without a \"task\" field (math = the math verifier)");
    v("difficulties", difficulties, "difficulty levels generated when `path` is empty");
    v("per_level", per_level, "problems generated per difficulty when `path` is empty");
    v("seed", seed, "generator seed (train split) of generated problems");
    v("shuffle", shuffle, "visit the problems in a new seeded order every epoch");
  }
};

// Direct rollouts: the responses of GRPO / Dr.GRPO / DAPO, and of DeepSearch problems that skip
// search because the replay buffer already holds a solution.
struct RolloutOptions {
  int n = 8;
  SamplingOptions sampling;
  int max_new_tokens = 0;

  template <class V>
  void visit(V& v) {
    v("n", n, "responses per prompt (the GRPO group size)");
    sampling.visit(v);  // temperature, top_p, top_k (also of the hard-subset filter's rollouts)
    v("max_new_tokens", max_new_tokens,
      "response token limit; 0 = search.max_depth * search.chunk_tokens (the longest response "
      "the search can produce, so every algorithm has the same limit)");
  }
};

// Held-out accuracy measured during training (the demo's and the benchmark's curve).
struct TrainEvalOptions {
  int every = 0;  // steps between evaluations; 0 = none
  bool at_start = true;
  eval::LevelEvalOptions levels;

  template <class V>
  void visit(V& v) {
    v("every", every, "evaluate every N training steps (and after the last); 0 = never");
    v("at_start", at_start, "also evaluate before the first step (when every > 0)");
    v("levels", levels, "held-out problems of a built-in task, per difficulty");
  }
};

// DAPO dynamic sampling: how hard the trainer tries to fill a batch with informative groups.
struct RefillOptions {
  int max_batches = 3;
  template <class V>
  void visit(V& v) {
    v("max_batches", max_batches,
      "when dynamic sampling drops groups, sample at most this many extra prompt batches per "
      "step to refill it (DAPO's max_num_gen_batches); the step trains on what it has then");
  }
};

// The hard-subset filter applied to the training problems before the first step and after every
// round (DEEPSEARCH.md "hard subset").
struct HardFilterTrainOptions {
  bool enable = false;
  int k = 4;
  double threshold = 0.25;
  bool strict = false;
  template <class V>
  void visit(V& v) {
    v("enable", enable, "train only on problems the policy fails (Pass1@K <= threshold)");
    v("k", k, "direct rollouts per problem for the pass rate");
    v("threshold", threshold, "keep problems whose pass rate is <= threshold");
    v("strict", strict, "keep only pass rate < threshold (the paper's rule)");
  }
};

struct TrainOptions {
  rl::Algorithm algorithm = rl::Algorithm::kDeepSearch;
  std::string model = "runs/demo/model";
  int64_t init_seed = 0;
  std::string dtype = "float32";
  std::string device = "cpu";
  std::string prompt_template = "auto";
  std::string run_dir = "runs/train";
  int64_t seed = 0;
  int steps = 20;
  int prompts_per_step = 8;
  int rounds = 1;
  TrainDataOptions data;
  RolloutOptions rollout;
  search::SearchOptions search;
  search::ForestOptions forest;
  rl::AdvantageOptions advantage;
  rl::PolicyLossOptions loss;
  rl::UpdateOptions update;
  rl::OptimizerOptions optim;
  CheckpointOptions checkpoint;
  RefillOptions refill;
  HardFilterTrainOptions hard_filter;
  ReplayOptions replay;
  SampleFilterOptions sample_filter;
  TrainEvalOptions eval;
  engine::EngineOptions engine;
  EnginePolicyOptions policy;
  verify::VerifyOptions verify;
  double max_seconds = 0;
  int64_t max_generated_tokens = 0;
  int export_tree_every = 0;
  bool progress = true;

  template <class V>
  void visit(V& v) {
    v.choice("algorithm", algorithm, rl::kAlgorithmChoices,
             "deepsearch = MCTS rollouts + Tree-GRPO; grpo / drgrpo / dapo = direct rollouts; "
             "sets the defaults of `advantage` and `loss`");
    v("model", model,
      "initial policy: a Hugging Face model directory (config.json, safetensors, tokenizer "
      "files) or builtin:NAME (micro, tiny, small = random weights, character tokenizer)");
    v("init_seed", init_seed, "seed of the random weights of a builtin:NAME model");
    v("dtype", dtype, "training weights dtype: float32 | bfloat16 | float16");
    v("device", device, "cpu | cuda | cuda:N");
    v("template", prompt_template,
      "prompt template: auto | deepsearch | qwen-math | plain | tiny (auto: tiny for "
      "character-tokenizer models, deepsearch otherwise)");
    v("run_dir", run_dir, "run directory (config.yaml, metrics.jsonl, checkpoints/, latest)");
    v("seed", seed, "seed of the data order, rollouts and searches");
    v("steps", steps, "training steps per round (one rollout batch + one policy update each)");
    v("prompts_per_step", prompts_per_step, "problems per training step (the global batch)");
    v("rounds", rounds,
      "rounds of `steps` steps; the hard-subset filter runs again on the remaining problems "
      "with the updated policy before every round after the first");
    v("data", data, "training problems");
    v("rollout", rollout, "direct rollouts (baselines, and DeepSearch's skip rule)");
    v("search", search, "DeepSearch tree (algorithm deepsearch)");
    v("forest", forest, "trees searched together");
    v("advantage", advantage, "advantages (defaults from `algorithm`)");
    v("loss", loss, "policy loss (defaults from `algorithm`)");
    v("update", update, "mini-batches, micro-batches and PPO epochs");
    v("optim", optim, "AdamW and learning-rate schedule");
    v("checkpoint", checkpoint, "checkpoints under run_dir/checkpoints");
    v("refill", refill, "DAPO dynamic-sampling refill");
    v("hard_filter", hard_filter, "train only on problems the policy still fails");
    v("replay", replay,
      "verified-solution cache (run_dir/replay_buffer.sqlite) and the skip rule; DeepSearch only");
    v("sample_filter", sample_filter, "drop garbled or endlessly repetitive incorrect samples");
    v("eval", eval, "held-out accuracy during training");
    v("engine", engine, "generation engine (K/V budget, batch size, context)");
    v("policy", policy, "how search chunks are handed to the reward");
    v("verify", verify, "math verifier bounds");
    v("max_seconds", max_seconds,
      "stop after the step during which this many seconds have passed (0 = no limit); a run "
      "stopped by time depends on timing");
    v("max_generated_tokens", max_generated_tokens,
      "stop after the step during which the run's generated tokens reach this budget (0 = no "
      "limit): equal-compute comparisons of algorithms");
    v("export_tree_every", export_tree_every,
      "write one search tree of every N-th step (and of the last) to "
      "run_dir/trees/step_N.json (0 = none)");
    v("progress", progress, "show a progress line on stderr");
  }
};

// The settings of `algorithm` applied to a default TrainOptions (advantage and loss presets).
TrainOptions train_options_for(rl::Algorithm algorithm);

// Defaults -> algorithm presets -> YAML file (optional) -> key=value overrides. Throws ConfigError
// naming the file/line and field for unknown keys, wrong types and bad choices.
TrainOptions load_train_options(const std::string& yaml_path,
                                const std::vector<std::string>& overrides);

// Every check that needs no model: ranges, search options, data file present and every line
// valid (DataError naming file:line), prompt template, task names. Throws on the first problem.
void validate_train_options(const TrainOptions& options);

// Fills the automatic settings: advantage.overlong.max_length and loss.norm_length (0 = the
// response limit) and optim.total_steps (0 = steps * rounds).
void resolve_automatic_options(TrainOptions& options);

// The response-token limit of the run (rollout.max_new_tokens, or the search's longest path).
int max_response_tokens(const TrainOptions& options);

// The training problems the options describe (the file, or the generated train split).
std::vector<tasks::Problem> load_train_problems(const TrainOptions& options);

}  // namespace ds::train
