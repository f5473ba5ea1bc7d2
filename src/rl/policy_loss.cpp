// PPO loss with decoupled and dual clipping (see policy_loss.h).
#include "rl/policy_loss.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"

namespace ds::rl {

PolicyLossOptions policy_loss_preset(Algorithm algorithm) {
  PolicyLossOptions o;
  if (algorithm == Algorithm::kDeepSearch || algorithm == Algorithm::kDapo) {
    o.clip_high = 0.28;
    o.aggregation = "token_mean";
  } else if (algorithm == Algorithm::kGrpo) {
    o.clip_high = 0.2;
    o.aggregation = "seq_mean_token_mean";
  } else {
    DS_CHECK(algorithm == Algorithm::kDrGrpo, "policy_loss_preset: an algorithm without a preset");
    o.clip_high = 0.2;
    o.aggregation = "seq_mean_token_sum_norm";
  }
  return o;
}

void validate(const PolicyLossOptions& o) {
  auto bad = [](const char* field, const std::string& problem, const char* hint) {
    throw ConfigError(std::string("loss.") + field, problem, hint);
  };
  if (!(o.clip_low >= 0.0 && o.clip_low < 1.0))
    bad("clip_low", "must be in [0, 1), got " + std::to_string(o.clip_low), "the paper uses 0.2");
  if (!(o.clip_high >= 0.0)) bad("clip_high", "must be >= 0", "the paper uses 0.28");
  if (!(o.dual_clip == 0.0 || o.dual_clip > 1.0))
    bad("dual_clip", "must be 0 (off) or > 1, got " + std::to_string(o.dual_clip),
        "the paper uses 10");
  if (o.norm_length < 0) bad("norm_length", "must be >= 0", "0 = the rollout's max tokens");
  if (!(o.kl_coef >= 0.0)) bad("kl_coef", "must be >= 0", "0 disables the KL penalty");
  if (!(o.entropy_coef >= 0.0)) bad("entropy_coef", "must be >= 0", "0 disables the bonus");
  if (!(o.log_ratio_clamp > 0.0)) bad("log_ratio_clamp", "must be > 0", "use 20");
}

torch::Tensor aggregate(const torch::Tensor& x, const torch::Tensor& mask,
                        const PolicyLossOptions& o, const LossScale& scale) {
  torch::Tensor masked = x * mask;  // (B, R)
  const double seqs = scale.sequences > 0 ? scale.sequences : static_cast<double>(x.size(0));
  if (o.aggregation == "token_mean") {
    const double tokens = scale.tokens > 0 ? scale.tokens : mask.sum().item<double>();
    return masked.sum() / std::max(tokens, 1.0);
  }
  if (o.aggregation == "seq_mean_token_mean") {
    torch::Tensor lens = mask.sum(1).clamp_min(1.0);  // (B)
    return (masked.sum(1) / lens).sum() / std::max(seqs, 1.0);
  }
  DS_CHECK(o.aggregation == "seq_mean_token_sum_norm", "unknown aggregation " + o.aggregation);
  if (o.norm_length <= 0)
    throw ConfigError(
        "loss.norm_length",
        "seq_mean_token_sum_norm needs a constant length, got " + std::to_string(o.norm_length),
        "set loss.norm_length to the maximum response tokens");
  return masked.sum() / (static_cast<double>(o.norm_length) * std::max(seqs, 1.0));
}

torch::Tensor kl_penalty(const torch::Tensor& logp, const torch::Tensor& ref_logp,
                         const std::string& estimator) {
  torch::Tensor log_ratio = logp - ref_logp;  // (B, R)
  if (estimator == "k1") return log_ratio;
  if (estimator == "k2") return 0.5 * log_ratio.square();
  DS_CHECK(estimator == "k3", "unknown KL estimator " + estimator);
  // Schulman's k3 of KL(pi || ref) with samples from pi: exp(ref - logp) - (ref - logp) - 1.
  torch::Tensor kl = ref_logp - logp;
  return (kl.exp() - kl - 1.0).clamp(-10.0, 10.0);
}

void LossStats::add(const LossStats& o) {
  if (o.tokens > 0) {
    if (tokens == 0) {
      ratio_max = o.ratio_max;
      ratio_min = o.ratio_min;
    } else {
      ratio_max = std::max(ratio_max, o.ratio_max);
      ratio_min = std::min(ratio_min, o.ratio_min);
    }
  }
  tokens += o.tokens;
  clipped_low += o.clipped_low;
  clipped_high += o.clipped_high;
  dual_clipped += o.dual_clipped;
  kl_k1 += o.kl_k1;
  kl_k3 += o.kl_k3;
  ratio_sum += o.ratio_sum;
  entropy += o.entropy;
  entropy_tokens += o.entropy_tokens;
  ref_kl += o.ref_kl;
  pg_loss += o.pg_loss;
  kl_loss += o.kl_loss;
  entropy_loss += o.entropy_loss;
  loss += o.loss;
}

std::map<std::string, double> LossStats::metrics() const {
  const double n = std::max(tokens, 1.0);
  std::map<std::string, double> m;
  m["clip_frac_low"] = clipped_low / n;
  m["clip_frac_high"] = clipped_high / n;
  m["dual_clip_frac"] = dual_clipped / n;
  m["approx_kl"] = kl_k3 / n;
  m["approx_kl_k1"] = kl_k1 / n;
  m["ratio_mean"] = ratio_sum / n;
  m["ratio_max"] = ratio_max;
  m["ratio_min"] = ratio_min;
  if (entropy_tokens > 0) m["entropy"] = entropy / entropy_tokens;
  m["ref_kl"] = ref_kl / n;
  m["pg_loss"] = pg_loss;
  m["kl_loss"] = kl_loss;
  m["entropy_loss"] = entropy_loss;
  m["loss"] = loss;
  return m;
}

LossResult policy_loss(const LossInputs& in, const PolicyLossOptions& o, const LossScale& scale) {
  DS_CHECK(in.logp.sizes() == in.old_logp.sizes() && in.logp.sizes() == in.advantages.sizes() &&
               in.logp.sizes() == in.mask.sizes(),
           "logp, old_logp, advantages and mask must all be (B, R)");
  const torch::Tensor& a = in.advantages;  // (B, R)
  const torch::Tensor& m = in.mask;        // (B, R)
  torch::Tensor old = in.old_logp.detach();
  torch::Tensor log_ratio = (in.logp - old).clamp(-o.log_ratio_clamp, o.log_ratio_clamp);
  torch::Tensor ratio = log_ratio.exp();  // (B, R)

  torch::Tensor pg1 = -a * ratio;
  torch::Tensor pg2 = -a * ratio.clamp(1.0 - o.clip_low, 1.0 + o.clip_high);
  torch::Tensor pg = torch::max(pg1, pg2);  // (B, R)
  torch::Tensor negative = a < 0;
  torch::Tensor dual_hit = torch::zeros_like(negative);
  if (o.dual_clip > 0) {
    torch::Tensor pg3 = -a * o.dual_clip;
    dual_hit = negative & (pg > pg3);
    pg = torch::where(negative, torch::min(pg, pg3), pg);
  }

  LossResult out;
  torch::Tensor pg_loss = aggregate(pg, m, o, scale);
  torch::Tensor loss = pg_loss;
  LossStats& s = out.stats;
  if (o.kl_coef > 0) {
    DS_CHECK(in.ref_logp.defined(), "kl_coef > 0 needs reference log-probs");
    torch::Tensor kl = kl_penalty(in.logp, in.ref_logp.detach(), o.kl_estimator);
    torch::Tensor kl_loss = aggregate(kl, m, o, scale);
    loss = loss + o.kl_coef * kl_loss;
    s.kl_loss = kl_loss.item<double>();
    s.ref_kl = (kl.detach() * m).sum().item<double>();
  }
  if (in.entropy.defined()) {
    torch::Tensor ent_loss = aggregate(in.entropy, m, o, scale);
    if (o.entropy_coef > 0) loss = loss - o.entropy_coef * ent_loss;
    s.entropy_loss = ent_loss.item<double>();
    s.entropy = (in.entropy.detach() * m).sum().item<double>();
    s.entropy_tokens = m.sum().item<double>();
  } else {
    DS_CHECK(o.entropy_coef == 0, "entropy_coef > 0 needs per-token entropies");
  }
  out.loss = loss;

  // Diagnostics (token sums over the mask).
  torch::NoGradGuard no_grad;
  torch::Tensor mb = m > 0;
  torch::Tensor r = ratio.detach();
  s.tokens = m.sum().item<double>();
  s.clipped_low = ((negative & (r < 1.0 - o.clip_low) & mb).sum()).item<double>();
  s.clipped_high = (((a > 0) & (r > 1.0 + o.clip_high) & mb).sum()).item<double>();
  s.dual_clipped = ((dual_hit & mb).sum()).item<double>();
  torch::Tensor lr = log_ratio.detach();  // log(new / old)
  s.kl_k1 = (-lr * m).sum().item<double>();
  s.kl_k3 = ((r - 1.0 - lr) * m).sum().item<double>();
  s.ratio_sum = (r * m).sum().item<double>();
  if (s.tokens > 0) {
    s.ratio_max = r.masked_select(mb).max().item<double>();
    s.ratio_min = r.masked_select(mb).min().item<double>();
  }
  s.pg_loss = pg_loss.item<double>();
  s.loss = loss.item<double>();
  return out;
}

}  // namespace ds::rl
