// Default weight persistence of a TrainablePolicy (see trainable_policy.h).
#include "rl/trainable_policy.h"

#include <map>

#include "core/errors.h"
#include "model/checkpoint.h"

namespace ds::rl {

namespace {
const char* kWeightsFile = "model.safetensors";
}

torch::Tensor TrainablePolicy::logits_at(const torch::Tensor& ids, const torch::Tensor& positions,
                                         const torch::Tensor& at) {
  torch::Tensor all = logits(ids, positions);  // (B, T, V)
  DS_CHECK(all.dim() == 3 && all.size(0) == ids.size(0) && all.size(1) == ids.size(1),
           "policy logits must be (B, T, V)");
  return all.gather(1, at.unsqueeze(-1).expand({at.size(0), at.size(1), all.size(2)}));
}

void TrainablePolicy::save(const std::string& dir) {
  ds::model::save_tensors(dir + "/" + kWeightsFile, named_parameters());
}

void TrainablePolicy::load(const std::string& dir) {
  const std::string path = dir + "/" + kWeightsFile;
  std::map<std::string, torch::Tensor> saved = ds::model::load_tensors(path);
  NamedTensors params = named_parameters();
  // Validate everything before the first copy.
  for (auto& [name, p] : params) {
    auto it = saved.find(name);
    if (it == saved.end())
      throw DataError(path, "parameter '" + name + "' is missing",
                      "the checkpoint belongs to a different model; check the model config");
    if (it->second.sizes() != p.sizes() || it->second.scalar_type() != p.scalar_type())
      throw DataError(path, "parameter '" + name + "' has a different shape or dtype",
                      "the checkpoint belongs to a different model; check the model config");
  }
  if (saved.size() != params.size())
    throw DataError(path,
                    "holds " + std::to_string(saved.size()) + " tensors, the policy has " +
                        std::to_string(params.size()) + " parameters",
                    "the checkpoint belongs to a different model; check the model config");
  torch::NoGradGuard no_grad;
  for (auto& [name, p] : params) p.copy_(saved.at(name));
}

}  // namespace ds::rl
