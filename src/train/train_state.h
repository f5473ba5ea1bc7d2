// Owns exact, crash-safe training checkpoints. One checkpoint is one directory
//   RUN_DIR/checkpoints/step_N/
//     model/               the policy's weights (Policy::save: HF format for the Transformer)
//     optimizer.safetensors  AdamW moments as "<param name>.exp_avg" / ".exp_avg_sq"
//                            (+ ".max_exp_avg_sq"), per-parameter step counts in the metadata
//     train_state.json     step, data position, every ds::Rng state (hex), torch's CPU generator
//                          state (hex), free-form extras (format "deepsearch-train-state" v1)
//     config.yaml          the effective config of the run
//     ...                  whatever the caller's hook adds (e.g. the replay buffer)
// written into a hidden staging directory and renamed into place (core/fs_util.h), so a crash
// mid-write leaves the previous checkpoint intact; then RUN_DIR/latest (one line,
// "checkpoints/step_N") is replaced atomically and all but the newest keep_last are deleted.
// Loading validates every file before touching the policy or the optimizer and reports a missing or
// corrupt checkpoint as a DataError that names the file and what to do.
// Thread-safety: one writer per run directory.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "rl/trainable_policy.h"

namespace ds::train {

struct CheckpointOptions {
  int every = 10;
  int keep_last = 3;
  template <class V>
  void visit(V& v) {
    v("every", every, "save a checkpoint every N training steps (and at the end); 0 = end only");
    v("keep_last", keep_last, "checkpoints kept on disk (older ones are deleted); 0 = all");
  }
};

struct TrainState {
  int64_t step = 0;                                         // training steps completed
  nlohmann::json data_position = nlohmann::json::object();  // opaque to this module
  std::map<std::string, std::string> rngs;                  // name -> ds::Rng::state()
  std::string torch_cpu_rng;                                // torch_cpu_rng_state(); empty = none
  nlohmann::json extra = nlohmann::json::object();          // round, counters, ...
};

// torch's default CPU generator state as hex, and back (DataError naming `where` if malformed).
std::string torch_cpu_rng_state();
void set_torch_cpu_rng_state(const std::string& hex, const std::string& where);

// AdamW state by parameter name (only parameters that already have state are written).
void save_adamw_state(const std::string& path, const torch::optim::AdamW& optimizer,
                      const rl::NamedTensors& params);
// Restores it; parameters absent from the file get no state. Validates before modifying.
void load_adamw_state(const std::string& path, torch::optim::AdamW& optimizer,
                      const rl::NamedTensors& params);

std::string checkpoint_dir(const std::string& run_dir, int64_t step);

// Writes checkpoint `state.step` as described above and returns its directory. `extra_files`
// (optional) writes more files into the staging directory it is given.
std::string save_checkpoint(const std::string& run_dir, const TrainState& state,
                            rl::TrainablePolicy& policy, const torch::optim::AdamW& optimizer,
                            const std::string& config_yaml, int keep_last,
                            const std::function<void(const std::string& dir)>& extra_files = {});

// The directory `RUN_DIR/latest` points to; DataError when there is none or it is incomplete.
std::string latest_checkpoint(const std::string& run_dir);

// Reads train_state.json of a checkpoint directory (validated).
TrainState read_train_state(const std::string& checkpoint_dir);

// Restores policy weights, optimizer state and torch's CPU generator from `checkpoint_dir` and
// returns the rest of the state (the caller restores its Rngs and data position from it).
TrainState load_checkpoint(const std::string& checkpoint_dir, rl::TrainablePolicy& policy,
                           torch::optim::AdamW& optimizer);

}  // namespace ds::train
