// Sampling transforms and the per-step chain (see sampling.h).
#include "engine/sampling.h"

#include <algorithm>
#include <limits>

#include "core/errors.h"

namespace ds::engine {

namespace {

// Selects the top m candidates of each row, sorted descending.
void select_top(Candidates& c, int64_t m) {
  auto [values, index] = c.logits.topk(m, /*dim=*/-1, /*largest=*/true, /*sorted=*/true);
  c.ids = c.ids.defined() ? c.ids.gather(-1, index) : index;  // (B, m)
  c.logits = values;                                          // (B, m)
  c.sorted = true;
}

// Masks, in sorted candidates, every entry whose preceding mass within `probs` is >= p.
void mask_nucleus(Candidates& c, const torch::Tensor& sorted_probs, double p) {
  auto before = sorted_probs.cumsum(-1) - sorted_probs;  // (B, K) mass of the more likely ones
  auto drop = before >= p;
  c.logits = c.logits.masked_fill(drop, -std::numeric_limits<float>::infinity());
}

}  // namespace

Candidates full_candidates(const torch::Tensor& logits) {
  DS_CHECK(logits.dim() == 2, "full_candidates expects (B, V) logits");
  Candidates c;
  c.logits = logits.to(torch::kFloat32);
  return c;
}

void apply_temperature(Candidates& c, double temperature) {
  DS_CHECK(temperature > 0.0, "apply_temperature needs a positive temperature");
  if (temperature != 1.0) c.logits = c.logits / temperature;
}

void apply_top_k(Candidates& c, int k) {
  DS_CHECK(k > 0, "apply_top_k needs k > 0");
  int64_t K = c.logits.size(-1);
  if (k >= K) return;
  select_top(c, k);
}

void apply_top_p(Candidates& c, double p) {
  DS_CHECK(p > 0.0, "apply_top_p needs p > 0");
  if (p >= 1.0) return;
  int64_t K = c.logits.size(-1);
  if (c.sorted) {
    mask_nucleus(c, torch::softmax(c.logits, -1), p);
    return;
  }
  // The nucleus is usually small: sort only the top m candidates while their mass (under the
  // full distribution) falls short of p in some row, growing m geometrically.
  // Probabilities computed as softmax does (max subtracted, then divided by the full sum), so
  // ties and exact boundaries behave as on the fully sorted distribution.
  auto max = std::get<0>(c.logits.max(-1, /*keepdim=*/true));     // (B, 1)
  auto denom = (c.logits - max).exp().sum(-1, /*keepdim=*/true);  // (B, 1)
  for (int64_t m = std::min<int64_t>(64, K);; m = std::min<int64_t>(m * 16, K)) {
    auto [values, index] = c.logits.topk(m, -1, true, true);
    auto probs = (values - max).exp() / denom;  // (B, m) full-distribution probabilities
    bool covered = m == K || (probs.sum(-1) >= p).all().item<bool>();
    if (covered) {
      c.ids = c.ids.defined() ? c.ids.gather(-1, index) : index;
      c.logits = values;
      c.sorted = true;
      mask_nucleus(c, probs, p);
      return;
    }
  }
}

namespace {

// Inverse-CDF draw from log-probabilities logp (B, K) of candidates `ids` (undefined = identity).
Drawn draw_from_logp(const torch::Tensor& logp, const torch::Tensor& ids,
                     const torch::Tensor& uniforms) {
  auto cdf = logp.exp().cumsum(-1);                                   // (B, K)
  auto total = cdf.narrow(-1, cdf.size(-1) - 1, 1);                   // (B, 1)
  auto u = uniforms.to(cdf.device(), torch::kFloat32).view({-1, 1});  // (B, 1)
  // x < total keeps the pick on a candidate with positive mass even when u rounds up to 1.
  auto x = torch::minimum(u * total, torch::nextafter(total, torch::zeros_like(total)));
  auto pos = torch::searchsorted(cdf, x, /*out_int32=*/false, /*right=*/true);  // (B, 1)
  pos = pos.clamp_max(cdf.size(-1) - 1);
  Drawn d;
  d.logprobs = logp.gather(-1, pos).squeeze(-1);
  d.ids = (ids.defined() ? ids.gather(-1, pos) : pos).squeeze(-1);
  return d;
}

}  // namespace

Drawn draw(const Candidates& c, const torch::Tensor& uniforms) {
  return draw_from_logp(torch::log_softmax(c.logits, -1), c.ids, uniforms);
}

Drawn greedy(const torch::Tensor& logits) {
  Drawn d;
  d.ids = logits.argmax(-1);  // (B)
  d.logprobs = torch::zeros({logits.size(0)}, logits.options().dtype(torch::kFloat32));
  return d;
}

ModelStats model_stats(const torch::Tensor& logits, const torch::Tensor& ids) {
  auto logp = torch::log_softmax(logits.to(torch::kFloat32), -1);  // (B, V)
  ModelStats s;
  s.logprobs = logp.gather(-1, ids.view({-1, 1})).squeeze(-1);
  s.entropy = torch::special::entr(logp.exp()).sum(-1);
  return s;
}

StepSample sample_step(const torch::Tensor& logits, const SamplingOptions& params,
                       const torch::Tensor& uniforms) {
  if (params.temperature == 0.0) {
    Drawn d = greedy(logits);
    ModelStats m = model_stats(logits, d.ids);
    return {d.ids, d.logprobs, m.logprobs, m.entropy};
  }
  if (params.temperature == 1.0 && params.top_k == 0 && params.top_p >= 1.0) {
    // Sampling from the model's own distribution: one log-softmax serves both log-probs.
    auto logp = torch::log_softmax(logits.to(torch::kFloat32), -1);  // (B, V)
    Drawn d = draw_from_logp(logp, torch::Tensor(), uniforms);
    auto entropy = torch::special::entr(logp.exp()).sum(-1);
    return {d.ids, d.logprobs, d.logprobs, entropy};
  }
  Candidates c = full_candidates(logits);
  apply_temperature(c, params.temperature);
  if (params.top_k > 0) apply_top_k(c, params.top_k);
  apply_top_p(c, params.top_p);
  Drawn d = draw(c, uniforms);
  ModelStats m = model_stats(logits, d.ids);
  return {d.ids, d.logprobs, m.logprobs, m.entropy};
}

torch::Tensor next_uniforms(const std::vector<Rng*>& rngs, const torch::Device& device) {
  auto u = torch::empty({static_cast<int64_t>(rngs.size())}, torch::kFloat64);
  auto* p = u.data_ptr<double>();
  for (size_t i = 0; i < rngs.size(); ++i) p[i] = rngs[i]->uniform();
  return device.is_cpu() ? u : u.to(device);
}

}  // namespace ds::engine
