// Teacher-forced per-token log-probabilities (see logprobs.h).
#include "model/logprobs.h"

#include <algorithm>
#include <string>

#include "core/errors.h"

namespace ds::model {

std::vector<double> sequence_logprobs(TransformerImpl& model, const std::vector<int32_t>& ids,
                                      int64_t chunk) {
  DS_CHECK(chunk > 0, "chunk must be positive");
  const int64_t n = static_cast<int64_t>(ids.size());
  if (n < 2) return {};
  for (int32_t id : ids)
    if (id < 0 || id >= model.config().vocab_size)
      throw UsageError("logprobs",
                       "token id " + std::to_string(id) + " is outside the vocabulary (" +
                           std::to_string(model.config().vocab_size) + ")",
                       "use the tokenizer saved with the model");
  torch::NoGradGuard no_grad;
  const auto dev = model.device();
  torch::Tensor t = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kInt64)
                        .to(dev)
                        .unsqueeze(0);  // (1, n)
  ForwardInput in;
  in.ids = t;
  torch::Tensor hidden = model.forward_hidden(in)[0];  // (n, C)
  std::vector<double> out;
  out.reserve(n - 1);
  for (int64_t s = 0; s < n - 1; s += chunk) {
    const int64_t e = std::min(n - 1, s + chunk);
    torch::Tensor logits = model.logits(hidden.slice(0, s, e));  // (e-s, V) f32
    torch::Tensor lp = torch::log_softmax(logits.to(torch::kFloat32), -1);
    torch::Tensor next = t[0].slice(0, s + 1, e + 1).unsqueeze(1);  // (e-s, 1)
    torch::Tensor picked = lp.gather(1, next).squeeze(1).to(torch::kFloat64).cpu();
    auto acc = picked.accessor<double, 1>();
    for (int64_t i = 0; i < acc.size(0); ++i) out.push_back(acc[i]);
  }
  return out;
}

}  // namespace ds::model
