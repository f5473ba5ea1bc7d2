// `deepsearch info`: prints the build and runtime facts a bug report needs (version, libtorch,
// threads, BLAS library in use, CUDA availability).
#include <ATen/Parallel.h>
#include <torch/csrc/api/include/torch/version.h>
#include <ATen/Context.h>

#include <cstdio>

#include "command.h"
#include "core/blas_check.h"

namespace {

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "print build and runtime information");
  cmd->callback([] {
    std::string blas = ds::loaded_blas_path();
    std::printf("deepsearch 0.1.0\n");
    std::printf("libtorch: %d.%d.%d\n", TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, TORCH_VERSION_PATCH);
    std::printf("intra-op threads: %d\n", at::get_num_threads());
    std::printf("blas: %s%s\n", blas.empty() ? "(not loaded)" : blas.c_str(),
                ds::is_reference_blas(blas) ? "  [SLOW reference BLAS]" : "");
    std::printf("cuda available: %s\n", at::hasCUDA() ? "yes" : "no");
  });
}

}  // namespace

DS_REGISTER_COMMAND(info, setup);
