// Log-prob recomputation (see logprob.h).
#include "rl/logprob.h"

#include <algorithm>

#include "core/errors.h"

namespace ds::rl {

TokenLogprobs response_logprobs(TrainablePolicy& policy, const SampleBatch& batch,
                                bool with_entropy) {
  // The logits that predict response token j sit at column response_index - 1.
  torch::Tensor at = batch.response_index - 1;                              // (B, R)
  torch::Tensor picked = policy.logits_at(batch.ids, batch.positions, at);  // (B, R, V)
  DS_CHECK(picked.dim() == 3 && picked.size(0) == at.size(0) && picked.size(1) == at.size(1),
           "logits_at must return (B, R, V)");
  torch::Tensor logsm = torch::log_softmax(picked.to(torch::kFloat32), -1);  // (B, R, V)
  TokenLogprobs out;
  out.logp = logsm.gather(-1, batch.response_ids.unsqueeze(-1)).squeeze(-1) *
             batch.response_mask;                                                        // (B, R)
  if (with_entropy) out.entropy = -(logsm.exp() * logsm).sum(-1) * batch.response_mask;  // (B, R)
  return out;
}

TokenLogprobs response_logprobs_no_grad(TrainablePolicy& policy, const SampleBatch& batch,
                                        int micro_batch_size, bool with_entropy) {
  DS_CHECK(micro_batch_size > 0, "micro_batch_size must be positive");
  torch::NoGradGuard no_grad;
  const int64_t b = batch.size(), r = batch.response_ids.size(1);
  auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(batch.ids.device());
  TokenLogprobs out;
  out.logp = torch::zeros({b, r}, f32);                       // (B, R)
  if (with_entropy) out.entropy = torch::zeros({b, r}, f32);  // (B, R)
  for (int64_t start = 0; start < b; start += micro_batch_size) {
    const int64_t end = std::min(b, start + micro_batch_size);
    std::vector<int64_t> rows;
    for (int64_t i = start; i < end; ++i) rows.push_back(i);
    SampleBatch mb = batch.select(rows);
    TokenLogprobs part = response_logprobs(policy, mb, with_entropy);
    const int64_t w = part.logp.size(1);
    out.logp.narrow(0, start, end - start).narrow(1, 0, w).copy_(part.logp);
    if (with_entropy) out.entropy.narrow(0, start, end - start).narrow(1, 0, w).copy_(part.entropy);
  }
  return out;
}

}  // namespace ds::rl
