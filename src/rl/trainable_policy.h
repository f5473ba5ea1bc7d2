// Owns the trainer's view of a policy: something that maps a right-padded batch of token ids to
// next-token logits and exposes its trainable parameters under stable names. The update, the
// log-prob recomputation and the checkpoint code depend only on this interface, so they are tested
// with tiny torch modules and serve the Qwen2/Llama Transformer through an adapter.
// Thread-safety: a TrainablePolicy is used by one training thread.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ds::rl {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

class TrainablePolicy {
 public:
  virtual ~TrainablePolicy() = default;
  // Next-token logits (B, T, V) float32 for ids (B, T) and positions (B, T) under a causal mask;
  // rows are right-padded, so padding never influences a real token.
  virtual torch::Tensor logits(const torch::Tensor& ids, const torch::Tensor& positions) = 0;
  // Logits (B, R, V) float32 at the columns `at` (B, R) int64 only. The default gathers them from
  // logits(); a model that can apply its output layer to a few positions overrides this to avoid
  // the (B, T, V) tensor.
  virtual torch::Tensor logits_at(const torch::Tensor& ids, const torch::Tensor& positions,
                                  const torch::Tensor& at);
  // Trainable parameters in a fixed order under stable names (Hugging Face names for the
  // Transformer): the optimizer state is saved and restored by these names.
  virtual NamedTensors named_parameters() = 0;
  // Writes the weights into directory `dir` (created by the caller) so that load() restores them
  // bit for bit. Default: `dir`/model.safetensors with named_parameters(); the Transformer adapter
  // writes a Hugging Face model directory instead.
  virtual void save(const std::string& dir);
  // Copies the weights saved by save() into this policy's parameters (names, shapes and dtypes
  // must match; DataError naming the file otherwise). Nothing is modified when validation fails.
  virtual void load(const std::string& dir);
};

// A TrainablePolicy over any torch module plus a forward function (tests, benchmarks, custom
// models).
class ModulePolicy : public TrainablePolicy {
 public:
  using Forward = std::function<torch::Tensor(const torch::Tensor& ids, const torch::Tensor& pos)>;
  ModulePolicy(std::shared_ptr<torch::nn::Module> module, Forward forward)
      : module_(std::move(module)), forward_(std::move(forward)) {}
  torch::Tensor logits(const torch::Tensor& ids, const torch::Tensor& positions) override {
    return forward_(ids, positions);
  }
  NamedTensors named_parameters() override {
    NamedTensors out;
    for (const auto& item : module_->named_parameters(/*recurse=*/true))
      out.emplace_back(item.key(), item.value());
    return out;
  }
  torch::nn::Module& module() { return *module_; }

 private:
  std::shared_ptr<torch::nn::Module> module_;
  Forward forward_;
};

}  // namespace ds::rl
