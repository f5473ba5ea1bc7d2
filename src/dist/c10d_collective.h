// Owns the c10d implementation of rl::Collective: rendezvous through a TCPStore hosted by rank 0
// (MASTER_ADDR:MASTER_PORT), then a ProcessGroupGloo (CPU) or, on CUDA builds of libtorch with
// NCCL, a ProcessGroupNCCL. all_reduce_sum flattens its tensors into one buffer (one collective
// per call and dtype), waits under the timeout and turns every c10d/Gloo failure (a peer that
// closed its connection, a timeout) into a DistError naming this rank, the operation and what to
// check. After a failure the collective is broken: every later call throws at once.
// Also: make_collective (LocalCollective for one process) and broadcast_parameters.
// Thread-safety: one thread uses a collective (the training thread), as rl::Collective says.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/errors.h"
#include "dist/dist_env.h"
#include "rl/collective.h"
#include "rl/trainable_policy.h"

namespace ds::dist {

// A collective operation failed (peer gone, timeout, rendezvous failure). A ds::Error, so the CLI
// prints it and exits non-zero.
class DistError : public Error {
  using Error::Error;
};

struct DistOptions {
  double timeout_s = 120.0;
  std::string backend = "auto";

  template <class V>
  void visit(V& v) {
    v("timeout_s",
      timeout_s,
      "seconds a rendezvous or a collective (gradient all-reduce, barrier) may wait for the "
      "other ranks before failing; raise it when ranks do long uneven work between steps");
    v.one_of("backend", backend, {"auto", "gloo", "nccl"},
             "c10d backend: auto = NCCL when CUDA and NCCL are available, else Gloo");
  }
};

// Throws ConfigError naming the field (prefix "dist.").
void validate(const DistOptions& options);

// True when this build of libtorch has the NCCL backend compiled in (CUDA builds).
bool nccl_compiled();

class C10dCollective final : public rl::Collective {
 public:
  // Rendezvous with the other env.world_size - 1 ranks (blocks up to timeout_s); throws
  // DistError when they do not all arrive, ConfigError for bad options / backend choice.
  C10dCollective(const DistEnv& env, const DistOptions& options = {});
  ~C10dCollective() override;
  C10dCollective(const C10dCollective&) = delete;
  C10dCollective& operator=(const C10dCollective&) = delete;

  int rank() const override;
  int world_size() const override;
  // tensors: any shapes/devices; every rank passes the same shapes and dtypes in the same order.
  void all_reduce_sum(std::vector<torch::Tensor>& tensors) override;
  void barrier() override;

  const std::string& backend() const;  // "gloo" or "nccl"

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// LocalCollective when env.world_size == 1, else a C10dCollective.
std::unique_ptr<rl::Collective> make_collective(const DistEnv& env,
                                                const DistOptions& options = {});

// Makes every rank's trainable parameters equal to rank 0's (one all-reduce in which the other
// ranks contribute zeros; exact). A no-op for one process. Call once after building/loading the
// policy, before the first update.
void broadcast_parameters(rl::Collective& collective, rl::TrainablePolicy& policy);

}  // namespace ds::dist
