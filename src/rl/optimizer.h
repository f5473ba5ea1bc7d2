// Owns the optimizer side of training: AdamW over a policy's named parameters (optionally without
// weight decay on 1-D tensors), the learning-rate schedule (linear warmup, then constant or cosine
// decay), and setting the rate on every parameter group. The schedule advances once per training
// step (one rollout batch), as veRL's does, however many mini-batch steps the update takes.
// Thread-safety: pure functions, except that make_adamw/set_learning_rate touch the optimizer.
#pragma once

#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "core/options.h"
#include "rl/trainable_policy.h"

namespace ds::rl {

enum class LrSchedule : uint8_t { kConstant, kCosine };
inline constexpr std::array<Choice<LrSchedule>, 2> kLrScheduleChoices{
    {{"constant", LrSchedule::kConstant}, {"cosine", LrSchedule::kCosine}}};

// AdamW and the learning-rate schedule: the one optimizer description of RL training (`optim:` of
// a train config) and of the supervised warm start (SftOptions sets its own defaults).
struct OptimizerOptions {
  double lr = 1e-6;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.1;
  bool decay_1d = true;
  double grad_clip = 1.0;
  int warmup_steps = 10;
  LrSchedule schedule = LrSchedule::kConstant;
  int total_steps = 0;
  double min_lr_ratio = 0.0;

  template <class V>
  void visit(V& v) {
    v("lr", lr, "peak learning rate (1e-6 for a 1.5B model; tiny models need far larger)");
    v("beta1", beta1, "AdamW beta1");
    v("beta2", beta2, "AdamW beta2");
    v("eps", eps, "AdamW epsilon");
    v("weight_decay", weight_decay, "AdamW decoupled weight decay");
    v("decay_1d", decay_1d, "also decay 1-D tensors (norm weights, biases), as veRL does");
    v("grad_clip", grad_clip, "clip the global gradient L2 norm to this; 0 = no clipping");
    v("warmup_steps", warmup_steps, "linear warmup over this many training steps");
    v.choice("schedule", schedule, kLrScheduleChoices, "learning-rate shape after warmup");
    v("total_steps", total_steps, "steps of the cosine schedule; 0 = the run's training steps");
    v("min_lr_ratio", min_lr_ratio, "cosine floor as a fraction of lr");
  }
};

// Throws ConfigError naming the field (prefix "optim.").
void validate(const OptimizerOptions& options);

// Learning rate of training step `step` (0-based): lr * (step + 1) / warmup during warmup (so the
// first step already moves), then lr (constant) or the cosine from lr down to min_lr_ratio * lr
// reached at total_steps.
double learning_rate_at(int64_t step, const OptimizerOptions& options);

// AdamW over `params` (one group, or two when decay_1d is false: 1-D tensors without decay).
// Parameters that do not require a gradient are left out.
std::unique_ptr<torch::optim::AdamW> make_adamw(const NamedTensors& params,
                                                const OptimizerOptions& options);
// The same over the policy's parameters.
std::unique_ptr<torch::optim::AdamW> make_adamw(TrainablePolicy& policy,
                                                const OptimizerOptions& options);

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace ds::rl
