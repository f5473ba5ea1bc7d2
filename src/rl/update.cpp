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

// Sampling vs recomputed old log-probs, over rows that have sampling log-probs: token sums.
struct MismatchSums {
  double n = 0.0, abs_sum = 0.0, abs_max = 0.0, kl_sum = 0.0;
};

MismatchSums mismatch_sums(const SampleBatch& batch, const torch::Tensor& old_logp) {
  torch::NoGradGuard no_grad;
  MismatchSums s;
  torch::Tensor valid =
      batch.response_mask * batch.has_sampling_logp.unsqueeze(1).to(torch::kFloat32);
  s.n = valid.sum().item<double>();
  if (s.n == 0) return s;
  torch::Tensor diff = old_logp - batch.sampling_logp;  // log(p_train / p_sample)
  s.abs_sum = (diff.abs() * valid).sum().item<double>();
  s.abs_max = (diff.abs() * valid).max().item<double>();
  s.kl_sum = ((diff.exp() - 1.0 - diff) * valid).sum().item<double>();
  return s;
}

void mismatch_metrics(const MismatchSums& s, std::map<std::string, double>& m) {
  m["logp_mismatch_tokens"] = s.n;
  if (s.n == 0) return;
  m["logp_mismatch_abs_mean"] = s.abs_sum / s.n;
  m["logp_mismatch_abs_max"] = s.abs_max;
  m["logp_mismatch_kl"] = s.kl_sum / s.n;
}

// Data parallel: sums `sums` across ranks and takes, per field, the maximum of `maxima` over
// ranks (one float64 all-reduce: each rank writes its maxima into its own slot, zeros elsewhere).
// Returns the per-rank maxima, rank-major (world x maxima.size()).
std::vector<double> reduce_sums_and_slots(Collective& c, std::vector<double>& sums,
                                          const std::vector<double>& maxima) {
  const size_t k = sums.size(), j = maxima.size();
  std::vector<double> v(k + j * static_cast<size_t>(c.world_size()), 0.0);
  std::copy(sums.begin(), sums.end(), v.begin());
  std::copy(maxima.begin(), maxima.end(), v.begin() + static_cast<std::ptrdiff_t>(k + j * c.rank()));
  v = all_reduce_sum(c, std::move(v));
  std::copy(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), sums.begin());
  return std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
}

// Data parallel: the loss statistics of every rank combined (sums summed; ratio max/min over the
// ranks that had tokens). The loss values are each rank's share of the global loss, so they sum.
void all_reduce_stats(Collective& c, LossStats& t, double& loss_sum, double& pg_sum) {
  std::vector<double> sums = {t.tokens,   t.clipped_low,    t.clipped_high, t.dual_clipped,
                              t.kl_k1,    t.kl_k3,          t.ratio_sum,    t.entropy,
                              t.entropy_tokens, t.ref_kl,   t.pg_loss,      t.kl_loss,
                              t.entropy_loss,   t.loss,     loss_sum,       pg_sum};
  const std::vector<double> slots =
      reduce_sums_and_slots(c, sums, {t.tokens, t.ratio_max, t.ratio_min});
  size_t i = 0;
  for (double* f : {&t.tokens, &t.clipped_low, &t.clipped_high, &t.dual_clipped, &t.kl_k1,
                    &t.kl_k3, &t.ratio_sum, &t.entropy, &t.entropy_tokens, &t.ref_kl, &t.pg_loss,
                    &t.kl_loss, &t.entropy_loss, &t.loss, &loss_sum, &pg_sum})
    *f = sums[i++];
  bool first = true;
  for (size_t r = 0; r < static_cast<size_t>(c.world_size()); ++r) {
    if (slots[3 * r] <= 0) continue;  // no tokens on that rank: its max/min mean nothing
    t.ratio_max = first ? slots[3 * r + 1] : std::max(t.ratio_max, slots[3 * r + 1]);
    t.ratio_min = first ? slots[3 * r + 2] : std::min(t.ratio_min, slots[3 * r + 2]);
    first = false;
  }
}

}  // namespace

std::map<std::string, double> update(TrainablePolicy& policy, torch::optim::Optimizer& optimizer,
                                     const SampleBatch& batch, const UpdateOptions& options,
                                     const PolicyLossOptions& loss_options, double grad_clip,
                                     const UpdateExtras& extras) {
  validate(options);
  validate(loss_options);
  Collective* coll =
      extras.collective != nullptr && extras.collective->world_size() > 1 ? extras.collective
                                                                          : nullptr;
  const int64_t world = coll ? coll->world_size() : 1;
  if (coll && options.mini_batch_size % world != 0)
    throw ConfigError("update.mini_batch_size",
                      std::to_string(options.mini_batch_size) +
                          " is not a multiple of the world size " + std::to_string(world),
                      "with several ranks it is the global mini-batch, split evenly over the "
                      "ranks; 0 = the whole batch");
  DS_CHECK(batch.size() > 0 || coll, "update() on an empty batch");
  DS_CHECK(!options.shuffle || extras.shuffle_rng, "shuffle needs an Rng");
  std::map<std::string, double> m;
  const int64_t b = batch.size();  // this rank's rows (may be 0 with several ranks)

  // 1-2. Old (and reference) log-probs with the policy as it is before the update.
  TokenLogprobs old;
  if (b > 0) old = response_logprobs_no_grad(policy, batch, options.micro_batch_size, true);
  double tokens = b > 0 ? batch.response_mask.sum().item<double>() : 0.0;
  MismatchSums mismatch = b > 0 ? mismatch_sums(batch, old.logp) : MismatchSums{};
  const int64_t mini = options.mini_batch_size > 0
                           ? std::max<int64_t>(1, std::min<int64_t>(options.mini_batch_size / world, b))
                           : std::max<int64_t>(b, 1);
  int64_t num_minibatches = (b + mini - 1) / mini;  // per epoch
  if (!coll) {
    m["tokens"] = tokens;
    m["entropy"] =
        tokens > 0 ? (old.entropy * batch.response_mask).sum().item<double>() / tokens : 0;
  } else {
    // Global token counts and metrics, and the common number of mini-batches (the maximum).
    std::vector<double> sums = {
        tokens, b > 0 ? (old.entropy * batch.response_mask).sum().item<double>() : 0.0,
        mismatch.n, mismatch.abs_sum, mismatch.kl_sum};
    const std::vector<double> slots = reduce_sums_and_slots(
        *coll, sums, {mismatch.abs_max, static_cast<double>(num_minibatches)});
    tokens = sums[0];
    m["tokens"] = tokens;
    m["entropy"] = tokens > 0 ? sums[1] / tokens : 0;
    mismatch.n = sums[2];
    mismatch.abs_sum = sums[3];
    mismatch.kl_sum = sums[4];
    for (int64_t r = 0; r < world; ++r) {
      mismatch.abs_max = std::max(mismatch.abs_max, slots[2 * r]);
      num_minibatches = std::max(num_minibatches, static_cast<int64_t>(slots[2 * r + 1]));
    }
  }
  mismatch_metrics(mismatch, m);
  torch::Tensor ref_logp;
  if (loss_options.kl_coef > 0) {
    DS_CHECK(extras.reference != nullptr, "kl_coef > 0 needs a reference policy");
    if (b > 0)
      ref_logp =
          response_logprobs_no_grad(*extras.reference, batch, options.micro_batch_size, false).logp;
  }

  std::vector<torch::Tensor> params;
  for (auto& [name, p] : policy.named_parameters())
    if (p.requires_grad()) params.push_back(p);
  const bool want_entropy = loss_options.entropy_coef > 0;

  LossStats total;
  double loss_sum = 0.0, pg_sum = 0.0, norm_sum = 0.0, norm_max = 0.0;
  int64_t steps = 0, skipped = 0, minibatches = 0;
  // Loss of the first and of the last PPO epoch (sums over their mini-batches): the update lowers
  // its own objective when the last is below the first.
  std::vector<double> epoch_loss(2, 0.0), epoch_minibatches(2, 0.0);
  std::vector<int64_t> order(b);
  for (int epoch = 0; epoch < options.ppo_epochs; ++epoch) {
    std::iota(order.begin(), order.end(), 0);
    if (options.shuffle)  // Fisher-Yates with the project's serializable Rng
      for (int64_t i = b - 1; i > 0; --i)
        std::swap(order[i], order[extras.shuffle_rng->below(static_cast<uint64_t>(i + 1))]);
    for (int64_t k = 0; k < num_minibatches; ++k) {
      const int64_t start = std::min(b, k * mini);  // past the end: an empty mini-batch
      std::vector<int64_t> rows(order.begin() + start, order.begin() + std::min(b, start + mini));
      LossScale scale;
      for (int64_t r : rows) scale.tokens += static_cast<double>(batch.response_lens[r]);
      scale.sequences = static_cast<double>(rows.size());
      if (coll) {  // global denominators: every rank's loss is its share of the global loss
        const std::vector<double> g = all_reduce_sum(*coll, {scale.tokens, scale.sequences});
        scale.tokens = g[0];
        scale.sequences = g[1];
      }
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
      if (coll) {  // sum the gradients (one flattened all-reduce) before clipping
        std::vector<torch::Tensor> grads;
        grads.reserve(params.size());
        for (auto& p : params) {
          if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);  // no rows here
          grads.push_back(p.grad());
        }
        coll->all_reduce_sum(grads);
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
      if (epoch == 0) {
        epoch_loss[0] += mb_stats.loss;
        epoch_minibatches[0] += 1;
      }
      if (epoch == options.ppo_epochs - 1) {
        epoch_loss[1] += mb_stats.loss;
        epoch_minibatches[1] += 1;
      }
      total.add(mb_stats);
    }
  }

  if (coll) {
    all_reduce_stats(*coll, total, loss_sum, pg_sum);
    epoch_loss = all_reduce_sum(*coll, epoch_loss);  // each rank's share of the global loss
  }
  for (const auto& [k, v] : total.metrics())
    if (k != "loss" && k != "pg_loss" && k != "entropy" && k != "entropy_loss" && k != "kl_loss")
      m[k] = v;
  if (loss_options.kl_coef > 0) m["kl_loss"] = total.kl_loss / std::max<int64_t>(minibatches, 1);
  m["loss"] = loss_sum / std::max<int64_t>(minibatches, 1);
  m["pg_loss"] = pg_sum / std::max<int64_t>(minibatches, 1);
  m["loss_first_epoch"] = epoch_loss[0] / std::max(epoch_minibatches[0], 1.0);
  m["loss_last_epoch"] = epoch_loss[1] / std::max(epoch_minibatches[1], 1.0);
  m["grad_norm"] = steps > 0 ? norm_sum / steps : 0.0;
  m["grad_norm_max"] = norm_max;
  m["optimizer_steps"] = static_cast<double>(steps);
  m["skipped_steps"] = static_cast<double>(skipped);
  m["lr"] = optimizer.param_groups().front().options().get_lr();
  if (loss_options.kl_coef <= 0) m.erase("ref_kl");
  return m;
}

}  // namespace ds::rl
