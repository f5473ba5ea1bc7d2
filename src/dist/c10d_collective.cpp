// c10d (Gloo / NCCL) implementation of rl::Collective (see c10d_collective.h).
#include "dist/c10d_collective.h"

#include <c10/util/Exception.h>
#include <torch/torch.h>

#include <csignal>
#include <map>

// The Gloo backend is compiled into every libtorch this project supports (Debian's included);
// its header is guarded by this define, which libtorch's CMake config does not export.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

// NCCL: only where CMake found a CUDA build of libtorch (it defines DS_WITH_NCCL).
#if defined(DS_WITH_NCCL) && __has_include(<nccl.h>) && \
    __has_include(<torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>)
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL 1
#endif
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define DS_HAVE_NCCL 1
#else
#define DS_HAVE_NCCL 0
#endif

namespace ds::dist {

namespace {

std::string fmt_seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g s", s);
  return buf;
}

// The message of a c10d / Gloo exception without libtorch's C++ backtrace, on one line.
std::string exception_text(const std::exception_ptr& e) {
  std::string text;
  try {
    std::rethrow_exception(e);
  } catch (const c10::Error& err) {
    text = err.what_without_backtrace();
  } catch (const std::exception& err) {
    text = err.what();
  } catch (...) {
    text = "unknown exception";
  }
  const auto nl = text.find('\n');
  if (nl != std::string::npos) text = text.substr(0, nl);
  if (text.size() > 600) text = text.substr(0, 600) + "...";
  return text;
}

bool is_loopback(const std::string& addr) {
  return addr == "localhost" || addr.rfind("127.", 0) == 0 || addr == "::1";
}

}  // namespace

void validate(const DistOptions& o) {
  if (!(o.timeout_s > 0.0) || o.timeout_s > 7 * 24 * 3600.0)
    throw ConfigError("dist.timeout_s", "must be > 0 (and at most a week), got " +
                                            std::to_string(o.timeout_s),
                      "e.g. 120; raise it when one rank's rollouts take much longer than another's");
  if (o.backend != "auto" && o.backend != "gloo" && o.backend != "nccl")
    throw ConfigError("dist.backend", "unknown backend '" + o.backend + "'", "auto, gloo or nccl");
}

bool nccl_compiled() { return DS_HAVE_NCCL != 0; }

struct C10dCollective::Impl {
  DistEnv env;
  DistOptions options;
  std::string backend;
  torch::Device buffer_device = torch::kCPU;  // where flattened buffers live for the backend
  std::chrono::milliseconds timeout{0};
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  std::string broken;  // the first failure; non-empty = every later call throws

  std::string who() const {
    return "dist rank " + std::to_string(env.rank) + "/" + std::to_string(env.world_size);
  }

  [[noreturn]] void fail(const std::string& op, const std::string& problem) {
    const std::string hint =
        "another rank probably died or stopped answering: check the other ranks' logs (the "
        "first rank to fail names the real cause); if a rank is only slow (uneven rollouts, a "
        "checkpoint write), raise dist.timeout_s (now " +
        fmt_seconds(options.timeout_s) + ")";
    broken = op + ": " + problem;
    throw DistError(who() + " (" + backend + "): " + op, problem, hint);
  }

  void check_usable(const std::string& op) {
    if (!broken.empty())
      throw DistError(who() + " (" + backend + "): " + op,
                      "the process group already failed earlier (" + broken + ")",
                      "a failed collective cannot be retried; restart all ranks (resume from the "
                      "last checkpoint)");
  }

  // Waits for `work` a little longer than the backend's own timeout, so its (more precise)
  // message usually wins; converts every failure into a DistError.
  void wait(const c10::intrusive_ptr<c10d::Work>& work, const std::string& op) {
    try {
      work->wait(timeout + std::chrono::milliseconds(5000));
    } catch (...) {
      fail(op, exception_text(std::current_exception()));
    }
  }
};

C10dCollective::C10dCollective(const DistEnv& env, const DistOptions& options)
    : impl_(std::make_unique<Impl>()) {
  validate(options);
  DS_CHECK(env.world_size >= 1 && env.rank >= 0 && env.rank < env.world_size,
           "DistEnv out of range (use parse_dist_env)");
  Impl& s = *impl_;
  s.env = env;
  s.options = options;
  s.timeout = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_s * 1000.0));

  const bool cuda = torch::cuda::is_available();
  if (options.backend == "nccl") {
    if (!nccl_compiled())
      throw ConfigError("dist.backend", "nccl is not available in this build of libtorch",
                        "use gloo (CPU) or a CUDA build of libtorch with NCCL");
    if (!cuda) throw ConfigError("dist.backend", "nccl needs a CUDA device", "use gloo on CPU");
  }
  s.backend = options.backend == "auto" ? (nccl_compiled() && cuda ? "nccl" : "gloo")
                                        : options.backend;

  // Writing to a socket whose peer died raises SIGPIPE, whose default action kills this process
  // silently; ignore it so the failure surfaces as an exception (Python does the same).
  std::signal(SIGPIPE, SIG_IGN);

  const std::string rendezvous = "rendezvous at " + env.master_addr + ":" +
                                 std::to_string(env.master_port) + " (" +
                                 std::to_string(env.world_size) + " ranks)";
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(env.master_port);
    so.isServer = env.rank == 0;
    so.numWorkers = static_cast<std::size_t>(env.world_size);
    so.waitWorkers = true;
    so.timeout = s.timeout;
    auto tcp = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
    s.store = c10::make_intrusive<c10d::PrefixStore>("deepsearch", tcp);
    if (s.backend == "gloo") {
      auto go = c10d::ProcessGroupGloo::Options::create(s.timeout);
      if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
        go->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      else if (is_loopback(env.master_addr))  // one machine: stay on loopback
        go->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      else
        go->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      go->threads = 2;
      s.group = c10::make_intrusive<c10d::ProcessGroupGloo>(s.store, env.rank, env.world_size, go);
      s.buffer_device = torch::kCPU;
    } else {
#if DS_HAVE_NCCL
      c10::cuda::set_device(static_cast<c10::DeviceIndex>(env.local_rank));
      auto no = c10d::ProcessGroupNCCL::Options::create();
      no->timeout = s.timeout;
      s.group = c10::make_intrusive<c10d::ProcessGroupNCCL>(s.store, env.rank, env.world_size, no);
      s.buffer_device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(env.local_rank));
#else
      DS_CHECK(false, "nccl selected without NCCL support");
#endif
    }
  } catch (const Error&) {
    throw;
  } catch (...) {
    const std::string why = exception_text(std::current_exception());
    throw DistError(s.who() + ": " + rendezvous, why,
                    "start all WORLD_SIZE ranks with the same MASTER_ADDR / MASTER_PORT within "
                    "dist.timeout_s (now " + fmt_seconds(options.timeout_s) +
                        ") of each other; rank 0 must be able to listen on MASTER_PORT (not in use) "
                        "and the others to reach it; check the other ranks' logs");
  }
}

C10dCollective::~C10dCollective() = default;

int C10dCollective::rank() const { return impl_->env.rank; }
int C10dCollective::world_size() const { return impl_->env.world_size; }
const std::string& C10dCollective::backend() const { return impl_->backend; }

void C10dCollective::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  Impl& s = *impl_;
  s.check_usable("all_reduce_sum");
  if (tensors.empty()) return;
  torch::NoGradGuard no_grad;
  // One flat buffer per dtype (in practice one: float32 gradients, or float64 metrics).
  std::map<c10::ScalarType, std::vector<size_t>> by_dtype;
  for (size_t i = 0; i < tensors.size(); ++i) {
    DS_CHECK(tensors[i].defined(), "all_reduce_sum on an undefined tensor");
    by_dtype[tensors[i].scalar_type()].push_back(i);
  }
  for (const auto& [dtype, idx] : by_dtype) {
    std::vector<torch::Tensor> flat_parts;
    flat_parts.reserve(idx.size());
    int64_t numel = 0;
    for (size_t i : idx) {
      flat_parts.push_back(tensors[i].reshape({-1}).to(s.buffer_device));
      numel += tensors[i].numel();
    }
    std::vector<torch::Tensor> buf{torch::cat(flat_parts)};  // (numel,)
    const std::string op = "all_reduce_sum of " + std::to_string(idx.size()) + " tensors (" +
                           std::to_string(numel) + " " + std::string(c10::toString(dtype)) +
                           " values)";
    c10::intrusive_ptr<c10d::Work> work;
    try {
      c10d::AllreduceOptions ao;
      ao.reduceOp = c10d::ReduceOp::SUM;
      ao.timeout = s.timeout;
      work = s.group->allreduce(buf, ao);
    } catch (...) {
      s.fail(op, exception_text(std::current_exception()));
    }
    s.wait(work, op);
    int64_t off = 0;
    for (size_t i : idx) {
      torch::Tensor& t = tensors[i];
      t.copy_(buf[0].narrow(0, off, t.numel()).view(t.sizes()));
      off += t.numel();
    }
  }
}

void C10dCollective::barrier() {
  Impl& s = *impl_;
  s.check_usable("barrier");
  // A barrier is an all-reduce of one number: the same failure detection as the gradients, on
  // every backend (Gloo's barrier also works, but this keeps one code path).
  std::vector<torch::Tensor> one{torch::ones({1}, torch::kFloat32)};
  try {
    all_reduce_sum(one);
  } catch (const DistError& e) {
    s.broken = "barrier: " + e.problem();
    throw DistError(s.who() + " (" + s.backend + "): barrier", e.problem(), e.hint());
  }
  DS_CHECK(one[0].item<float>() == static_cast<float>(s.env.world_size),
           "barrier sum != world size: the ranks are out of step");
}

std::unique_ptr<rl::Collective> make_collective(const DistEnv& env, const DistOptions& options) {
  validate(options);
  if (env.world_size == 1) return std::make_unique<rl::LocalCollective>();
  return std::make_unique<C10dCollective>(env, options);
}

void broadcast_parameters(rl::Collective& collective, rl::TrainablePolicy& policy) {
  if (collective.world_size() == 1) return;
  std::vector<torch::Tensor> params;
  {
    torch::NoGradGuard no_grad;
    for (auto& [name, p] : policy.named_parameters()) {
      if (!collective.is_main()) p.zero_();
      params.push_back(p);
    }
  }
  collective.all_reduce_sum(params);  // rank 0's values + zeros: exact
}

}  // namespace ds::dist
