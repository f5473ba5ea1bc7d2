// AdamW construction and the learning-rate schedule (see optimizer.h).
#include "rl/optimizer.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"

namespace ds::rl {

void validate(const OptimizerOptions& o) {
  auto bad = [](const char* field, const std::string& problem, const char* hint) {
    throw ConfigError(std::string("optim.") + field, problem, hint);
  };
  if (!(o.lr >= 0.0) || !std::isfinite(o.lr)) bad("lr", "must be a finite value >= 0", "e.g. 1e-6");
  if (!(o.beta1 >= 0.0 && o.beta1 < 1.0)) bad("beta1", "must be in [0, 1)", "use 0.9");
  if (!(o.beta2 >= 0.0 && o.beta2 < 1.0)) bad("beta2", "must be in [0, 1)", "use 0.999");
  if (!(o.eps > 0.0)) bad("eps", "must be > 0", "use 1e-8");
  if (!(o.weight_decay >= 0.0)) bad("weight_decay", "must be >= 0", "use 0.1 or 0");
  if (!(o.grad_clip >= 0.0)) bad("grad_clip", "must be >= 0", "use 1.0, or 0 for no clipping");
  if (o.warmup_steps < 0) bad("warmup_steps", "must be >= 0", "use 10, or 0 for none");
  if (o.total_steps < 0) bad("total_steps", "must be >= 0", "0 = the run's steps");
  if (!(o.min_lr_ratio >= 0.0 && o.min_lr_ratio <= 1.0))
    bad("min_lr_ratio", "must be in [0, 1]", "use 0 or e.g. 0.1");
}

double learning_rate_at(int64_t step, const OptimizerOptions& o) {
  DS_CHECK(step >= 0, "negative step");
  if (step < o.warmup_steps)
    return o.lr * static_cast<double>(step + 1) / static_cast<double>(o.warmup_steps);
  if (o.schedule == LrSchedule::kConstant) return o.lr;
  const int64_t span = std::max<int64_t>(1, o.total_steps - o.warmup_steps);
  const double progress = std::clamp(static_cast<double>(step - o.warmup_steps) / span, 0.0, 1.0);
  const double floor = o.min_lr_ratio * o.lr;
  return floor + (o.lr - floor) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

std::unique_ptr<torch::optim::AdamW> make_adamw(TrainablePolicy& policy,
                                                const OptimizerOptions& o) {
  return make_adamw(policy.named_parameters(), o);
}

std::unique_ptr<torch::optim::AdamW> make_adamw(const NamedTensors& params,
                                                const OptimizerOptions& o) {
  validate(o);
  auto defaults = torch::optim::AdamWOptions(o.lr)
                      .betas(std::make_tuple(o.beta1, o.beta2))
                      .eps(o.eps)
                      .weight_decay(o.weight_decay);
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& [name, p] : params) {
    if (!p.requires_grad()) continue;
    (o.decay_1d || p.dim() >= 2 ? decay : no_decay).push_back(p);
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay);
  if (!no_decay.empty()) {
    auto opts = std::make_unique<torch::optim::AdamWOptions>(defaults);
    opts->weight_decay(0.0);
    groups.emplace_back(no_decay, std::move(opts));
  }
  return std::make_unique<torch::optim::AdamW>(std::move(groups), defaults);
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

}  // namespace ds::rl
