// Entry point of the `deepsearch` CLI: global flags, the subcommand registry, and the one place
// where input errors are turned into a message and a non-zero exit (never a stack trace).
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <vector>

#include "command.h"
#include "core/blas_check.h"
#include "core/errors.h"
#include "core/log.h"

namespace ds::cli {

namespace {
std::vector<std::pair<std::string, CommandSetup>>& registry() {
  static std::vector<std::pair<std::string, CommandSetup>> r;
  return r;
}
int g_exit_code = 0;
}  // namespace

bool register_command(const char* name, CommandSetup setup) {
  registry().emplace_back(name, setup);
  return true;
}

void set_exit_code(int code) { g_exit_code = code; }

}  // namespace ds::cli

int main(int argc, char** argv) {
  CLI::App app{"deepsearch: Monte Carlo Tree Search inside RL training for reasoning models"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "help for every subcommand");
  std::string log_level = "info";
  int threads = 1;
  app.add_option("--log-level", log_level, "debug|info|warn|error")->capture_default_str();
  app.add_option("--threads", threads, "torch intra-op threads (1 is fastest on 2 cores)")
      ->capture_default_str();

  auto& reg = ds::cli::registry();
  std::sort(reg.begin(), reg.end());
  for (auto& [name, setup] : reg) setup(app);

  try {
    app.parse_complete_callback([&] {
      ds::set_log_level(ds::parse_log_level(log_level));
      at::set_num_threads(std::max(1, threads));
      ds::set_blas_threads(std::max(1, threads));  // OpenBLAS's own pool spins otherwise
      ds::warn_if_reference_blas();
    });
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const ds::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "error: out of memory\n  hint: use a smaller batch size or model\n");
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return ds::cli::g_exit_code;
}
