// The PPO-style update (see update.h).
#include "rl/update.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/errors.h"
#include "rl/logprob.h"

namespace ds::rl {

void validate(const UpdateOptions& o) {
  if (o.mini_batch_size < 0)
    throw ConfigError("update.mini_batch_size", "must be >= 0", "0 = the whole batch");
  if (o.micro_batch_size <= 0)
    throw ConfigError("update.micro_batch_size", "must be >= 1", "e.g. 8");
  if (o.ppo_epochs <= 0) throw ConfigError("update.ppo_epochs", "must be >= 1", "the paper uses 1");
}

namespace {

// Rows `rows` of a (B, R) tensor, trimmed to `width` columns.
torch::Tensor take_rows(const torch::Tensor& x, const std::vector<int64_t>& rows, int64_t width) {
  auto idx = torch::tensor(rows, torch::TensorOptions().dtype(torch::kInt64)).to(x.device());
  return x.index_select(0, idx).narrow(1, 0, width);
}

// Sampling vs recomputed old log-probs, over rows that have sampling log-probs.
void mismatch_metrics(const SampleBatch& batch, const torch::Tensor& old_logp,
                      std::map<std::string, double>& m) {
  torch::NoGradGuard no_grad;
  torch::Tensor valid =
      batch.response_mask * batch.has_sampling_logp.unsqueeze(1).to(torch::kFloat32);
  const double n = valid.sum().item<double>();
  m["logp_mismatch_tokens"] = n;
  if (n == 0) return;
  torch::Tensor diff = old_logp - batch.sampling_logp;  // log(p_train / p_sample)
  m["logp_mismatch_abs_mean"] = (diff.abs() * valid).sum().item<double>() / n;
  m["logp_mismatch_abs_max"] = (diff.abs() * valid).max().item<double>();
  m["logp_mismatch_kl"] = ((diff.exp() - 1.0 - diff) * valid).sum().item<double>() / n;
}

}  // namespace

std::map<std::string, double> update(Policy& policy, torch::optim::Optimizer& optimizer,
                                     const SampleBatch& batch, const UpdateOptions& options,
                                     const PolicyLossOptions& loss_options, double grad_clip,
                                     const UpdateExtras& extras) {
  validate(options);
  validate(loss_options);
  DS_CHECK(batch.size() > 0, "update() on an empty batch");
  DS_CHECK(!options.shuffle || extras.shuffle_rng, "shuffle needs an Rng");
  std::map<std::string, double> m;

  // 1-2. Old (and reference) log-probs with the policy as it is before the update.
  TokenLogprobs old = response_logprobs_no_grad(policy, batch, options.micro_batch_size, true);
  const double tokens = batch.response_mask.sum().item<double>();
  m["tokens"] = tokens;
  m["entropy"] = tokens > 0 ? (old.entropy * batch.response_mask).sum().item<double>() / tokens : 0;
  mismatch_metrics(batch, old.logp, m);
  torch::Tensor ref_logp;
  if (loss_options.kl_coef > 0) {
    DS_CHECK(extras.reference != nullptr, "kl_coef > 0 needs a reference policy");
    ref_logp =
        response_logprobs_no_grad(*extras.reference, batch, options.micro_batch_size, false).logp;
  }

  std::vector<torch::Tensor> params;
  for (auto& [name, p] : policy.named_parameters())
    if (p.requires_grad()) params.push_back(p);
  const bool want_entropy = loss_options.entropy_coef > 0;
  const int64_t b = batch.size();
  const int64_t mini =
      options.mini_batch_size > 0 ? std::min<int64_t>(options.mini_batch_size, b) : b;

  LossStats total;
  double loss_sum = 0.0, pg_sum = 0.0, norm_sum = 0.0, norm_max = 0.0;
  int64_t steps = 0, skipped = 0, minibatches = 0;
  std::vector<int64_t> order(b);
  for (int epoch = 0; epoch < options.ppo_epochs; ++epoch) {
    std::iota(order.begin(), order.end(), 0);
    if (options.shuffle)  // Fisher-Yates with the project's serializable Rng
      for (int64_t i = b - 1; i > 0; --i)
        std::swap(order[i], order[extras.shuffle_rng->below(static_cast<uint64_t>(i + 1))]);
    for (int64_t start = 0; start < b; start += mini) {
      std::vector<int64_t> rows(order.begin() + start, order.begin() + std::min(b, start + mini));
      LossScale scale;
      for (int64_t r : rows) scale.tokens += static_cast<double>(batch.response_lens[r]);
      scale.sequences = static_cast<double>(rows.size());
      if (scale.tokens == 0) continue;
      optimizer.zero_grad();
      LossStats mb_stats;
      for (size_t ms = 0; ms < rows.size(); ms += options.micro_batch_size) {
        std::vector<int64_t> sub(
            rows.begin() + ms, rows.begin() + std::min(rows.size(), ms + options.micro_batch_size));
        SampleBatch mb = batch.select(sub);
        const int64_t w = mb.response_ids.size(1);
        TokenLogprobs cur = response_logprobs(policy, mb, want_entropy);
        LossInputs in;
        in.logp = cur.logp;
        in.entropy = cur.entropy;
        in.old_logp = take_rows(old.logp, sub, w);
        in.advantages = mb.advantages;
        in.mask = mb.response_mask;
        if (ref_logp.defined()) in.ref_logp = take_rows(ref_logp, sub, w);
        LossResult res = policy_loss(in, loss_options, scale);
        res.loss.backward();
        mb_stats.add(res.stats);
      }
      const double norm = torch::nn::utils::clip_grad_norm_(
          params, grad_clip > 0 ? grad_clip : std::numeric_limits<double>::infinity());
      if (std::isfinite(norm)) {
        optimizer.step();
        ++steps;
        norm_sum += norm;
        norm_max = std::max(norm_max, norm);
      } else {
        ++skipped;  // a non-finite gradient would poison AdamW's moments
      }
      optimizer.zero_grad();
      loss_sum += mb_stats.loss;
      pg_sum += mb_stats.pg_loss;
      ++minibatches;
      total.add(mb_stats);
    }
  }

  for (const auto& [k, v] : total.metrics())
    if (k != "loss" && k != "pg_loss" && k != "entropy" && k != "entropy_loss" && k != "kl_loss")
      m[k] = v;
  if (loss_options.kl_coef > 0) m["kl_loss"] = total.kl_loss / std::max<int64_t>(minibatches, 1);
  m["loss"] = loss_sum / std::max<int64_t>(minibatches, 1);
  m["pg_loss"] = pg_sum / std::max<int64_t>(minibatches, 1);
  m["grad_norm"] = steps > 0 ? norm_sum / steps : 0.0;
  m["grad_norm_max"] = norm_max;
  m["optimizer_steps"] = static_cast<double>(steps);
  m["skipped_steps"] = static_cast<double>(skipped);
  m["lr"] = optimizer.param_groups().front().options().get_lr();
  if (loss_options.kl_coef <= 0) m.erase("ref_kl");
  return m;
}

}  // namespace ds::rl
