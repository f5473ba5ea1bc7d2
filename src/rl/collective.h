// Owns the trainer's view of data-parallel communication: rank, world size, and in-place sums
// across ranks. The rl module (trainer, update) depends only on this interface; the dist module
// implements it on PyTorch's c10d (Gloo on CPU, NCCL on CUDA), and LocalCollective is the
// single-process identity, so one code path serves 1 and N processes.
// Thread-safety: one training thread per process uses its Collective.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace ds::rl {

class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // Sums every tensor in place across ranks (each rank passes tensors of equal shapes, in the same
  // order). Throws ds::Error with a clear message when a peer is gone or the timeout expires.
  virtual void all_reduce_sum(std::vector<torch::Tensor>& tensors) = 0;
  // Waits for every rank (same failure behaviour as all_reduce_sum).
  virtual void barrier() = 0;
  bool is_main() const { return rank() == 0; }
};

// One process: rank 0 of 1, every operation is the identity.
class LocalCollective final : public Collective {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  void all_reduce_sum(std::vector<torch::Tensor>&) override {}
  void barrier() override {}
};

// Sums plain numbers across ranks (one float64 all-reduce).
inline std::vector<double> all_reduce_sum(Collective& collective, std::vector<double> values) {
  if (collective.world_size() == 1 || values.empty()) return values;
  std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64)};
  collective.all_reduce_sum(t);
  auto acc = t[0].accessor<double, 1>();
  for (size_t i = 0; i < values.size(); ++i) values[i] = acc[static_cast<int64_t>(i)];
  return values;
}

}  // namespace ds::rl
