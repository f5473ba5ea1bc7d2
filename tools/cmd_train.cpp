// `deepsearch train --config FILE.yaml [key=value ...]` and `deepsearch train --resume RUN_DIR`:
// one RL training run (DeepSearch, GRPO, Dr.GRPO or DAPO) described by a YAML config, e.g.
//   deepsearch train model=runs/demo/model algorithm=grpo steps=40 run_dir=runs/grpo
// Settings: TrainOptions defaults, the algorithm's presets, the YAML file, key=value overrides,
// then --out / --steps. Prints a summary; the run directory holds config, metrics and
// checkpoints. Logic lives in src/train/trainer.h.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "core/errors.h"
#include "core/options.h"
#include "dist/c10d_collective.h"
#include "dist/dist_env.h"
#include "dist/launcher.h"
#include "train/trainer.h"

namespace {

using ds::train::TrainOptions;

void print_summary(const ds::train::TrainResult& r) {
  std::printf("run: %s\n", r.run_dir.c_str());
  std::printf("steps: %lld -> %lld%s in %.1f s\n", static_cast<long long>(r.start_step),
              static_cast<long long>(r.steps_done), r.stopped_by_time ? " (stopped by time)" : "",
              r.seconds);
  if (!r.metrics.empty()) {
    auto mean_of = [&](const char* key, size_t from, size_t to) {
      double s = 0;
      size_t n = 0;
      for (size_t i = from; i < to; ++i)
        if (r.metrics[i].contains(key) && r.metrics[i][key].is_number()) {
          s += r.metrics[i][key].get<double>();
          ++n;
        }
      return n ? s / n : 0.0;
    };
    const size_t n = r.metrics.size();
    const size_t k = std::max<size_t>(1, n / 4);
    std::printf("reward mean: first %zu steps %.3f, last %zu steps %.3f\n", k,
                mean_of("reward_mean", 0, k), k, mean_of("reward_mean", n - k, n));
    std::printf("correct fraction: first %.3f, last %.3f\n", mean_of("correct_frac", 0, k),
                mean_of("correct_frac", n - k, n));
  }
  for (const auto& e : r.evals)
    std::printf("held-out accuracy at step %lld: %.3f\n",
                static_cast<long long>(e.value("step", 0)), e.value("accuracy", 0.0));
  if (!r.last_checkpoint.empty()) std::printf("checkpoint: %s\n", r.last_checkpoint.c_str());
}

// This process's command line as started (for relaunching it as N ranks).
std::vector<std::string> own_argv() {
  std::ifstream f("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  std::string cur;
  for (char c : all) {
    if (c == '\0') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

void setup(CLI::App& app) {
  auto config = std::make_shared<std::string>();
  auto overrides = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  auto resume = std::make_shared<std::string>();
  auto steps = std::make_shared<int>(0);
  auto print_config = std::make_shared<bool>(false);
  auto list_options = std::make_shared<bool>(false);
  auto nproc = std::make_shared<int>(0);
  auto dist_timeout = std::make_shared<double>(120.0);
  auto* cmd = app.add_subcommand("train", "RL training: DeepSearch (MCTS + Tree-GRPO), GRPO, "
                                          "Dr.GRPO or DAPO");
  cmd->add_option("overrides", *overrides,
                  "KEY=VALUE settings, e.g. algorithm=grpo steps=40 search.width=4 "
                  "(see --list-options)");
  cmd->add_option("--config", *config, "YAML file describing the run");
  CLI::Option* out_opt = cmd->add_option("--out", *out, "run directory (same as run_dir=DIR)");
  cmd->add_option("--resume", *resume,
                  "continue the run in this directory from its latest checkpoint");
  CLI::Option* steps_opt =
      cmd->add_option("--steps", *steps, "training steps per round (same as steps=N)");
  cmd->add_option("--nproc", *nproc,
                  "launch N local ranks (data parallel over c10d/Gloo, torchrun-style environment)");
  cmd->add_option("--dist-timeout", *dist_timeout,
                  "seconds a rank waits for the others before failing (multi-process runs)");
  cmd->add_flag("--print-config", *print_config, "print the effective settings as YAML and exit");
  cmd->add_flag("--list-options", *list_options, "list every setting with its default and exit");
  cmd->callback([=] {
    if (*list_options) {
      std::fputs(ds::describe_options(TrainOptions{}).c_str(), stdout);
      return;
    }
    if (*nproc > 1 && std::getenv("RANK") == nullptr) {
      // The launcher: the same command line, without --nproc, once per rank.
      int n = 0;
      std::vector<std::string> argv = ds::dist::strip_nproc_flag(own_argv(), &n);
      ds::cli::set_exit_code(ds::dist::launch_local_ranks(n, argv));
      return;
    }
    // Rendezvous with the other ranks (a single process when no RANK/WORLD_SIZE is set).
    auto connect = [&] {
      ds::dist::DistOptions dopt;
      dopt.timeout_s = *dist_timeout;
      ds::dist::validate(dopt);
      return ds::dist::make_collective(ds::dist::read_dist_env(), dopt);
    };
    for (const auto& o : *overrides)
      if (o.find('=') == std::string::npos)
        throw ds::ConfigError("command line", "'" + o + "' is not a KEY=VALUE setting",
                              "write e.g. steps=40 (see deepsearch train --list-options)");
    if (!resume->empty()) {
      if (!config->empty() || out_opt->count() > 0)
        throw ds::UsageError("--resume", "a resumed run keeps its own config and directory",
                             "drop --config/--out; key=value overrides (e.g. steps=N) still apply");
      std::vector<std::string> ov = *overrides;
      if (steps_opt->count() > 0) ov.push_back("steps=" + std::to_string(*steps));
      std::unique_ptr<ds::rl::Collective> collective = connect();
      ds::train::TrainResult r = ds::train::resume_training(*resume, ov, collective.get());
      if (collective->rank() == 0) print_summary(r);
      return;
    }
    TrainOptions o = ds::train::load_train_options(*config, *overrides);
    if (out_opt->count() > 0) o.run_dir = *out;
    if (steps_opt->count() > 0) o.steps = *steps;
    if (*print_config) {
      std::fputs(ds::options_to_yaml_string(o).c_str(), stdout);
      return;
    }
    ds::train::validate_train_options(o);  // before any rendezvous or compute
    std::unique_ptr<ds::rl::Collective> collective = connect();
    ds::train::TrainResult r = ds::train::start_training(o, collective.get());
    if (collective->rank() == 0) print_summary(r);
  });
}

}  // namespace

DS_REGISTER_COMMAND(train, setup);
