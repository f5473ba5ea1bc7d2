// Detects the reference BLAS among loaded libraries (see blas_check.h).
#include "core/blas_check.h"

#include <dlfcn.h>
#include <link.h>

#include <filesystem>

#include "core/log.h"

namespace ds {

namespace {
int collect(struct dl_phdr_info* info, size_t, void* data) {
  auto* out = static_cast<std::string*>(data);
  std::string name = info->dlpi_name ? info->dlpi_name : "";
  if (out->empty() && name.find("libblas.so") != std::string::npos) *out = name;
  return 0;
}
}  // namespace

std::string loaded_blas_path() {
  std::string name;
  dl_iterate_phdr(collect, &name);
  if (name.empty()) return "";
  std::error_code ec;
  auto real = std::filesystem::canonical(name, ec);
  return ec ? name : real.string();
}

bool is_reference_blas(const std::string& path) {
  return path.find("/blas/libblas.so") != std::string::npos;
}

bool warn_if_reference_blas() {
  std::string path = loaded_blas_path();
  if (!is_reference_blas(path)) return false;
  log_warn(
      "libblas resolves to the slow reference BLAS ({}); matrix products will be ~19x slower.\n"
      "  fix: apt-get install libopenblas0-pthread && update-alternatives --set "
      "libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3",
      path);
  return true;
}

bool set_blas_threads(int threads) {
  using SetThreads = void (*)(int);
  auto f = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (f == nullptr) return false;
  f(threads < 1 ? 1 : threads);
  return true;
}

}  // namespace ds
