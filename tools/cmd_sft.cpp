// `deepsearch sft [--config FILE.yaml] [key=value ...]`: the supervised warm start of the tiny
// built-in model, trained from scratch on worked solutions of the easy task levels, e.g.
//   deepsearch sft out_dir=runs/sft/model steps=600 model.preset=micro
// Settings come from the SftOptions defaults, then the YAML file, then the key=value overrides
// (then --out / --steps, which win). Prints the held-out per-level accuracy table on stdout.
// Logic lives in src/sft/sft.h.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "core/options.h"
#include "sft/sft.h"

namespace {

using ds::sft::SftOptions;

void setup(CLI::App& app) {
  auto config = std::make_shared<std::string>();
  auto overrides = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  auto steps = std::make_shared<int>(0);
  auto print_config = std::make_shared<bool>(false);
  auto list_options = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "sft", "train the tiny model from scratch on worked solutions (supervised warm start)");
  cmd->add_option("overrides", *overrides,
                  "KEY=VALUE settings, e.g. steps=600 model.preset=micro data.difficulties=[1,2] "
                  "(see --list-options)");
  cmd->add_option("--config", *config, "YAML file with any of the settings");
  CLI::Option* out_opt =
      cmd->add_option("--out", *out, "checkpoint directory (same as out_dir=DIR)");
  CLI::Option* steps_opt = cmd->add_option("--steps", *steps, "optimizer steps (same as steps=N)");
  cmd->add_flag("--print-config", *print_config, "print the effective settings as YAML and exit");
  cmd->add_flag("--list-options", *list_options, "list every setting with its default and exit");
  cmd->callback([=] {
    if (*list_options) {
      std::fputs(ds::describe_options(SftOptions{}).c_str(), stdout);
      return;
    }
    for (const auto& o : *overrides)
      if (o.find('=') == std::string::npos)
        throw ds::ConfigError("command line", "'" + o + "' is not a KEY=VALUE setting",
                              "write e.g. steps=600 (see deepsearch sft --list-options)");
    SftOptions o = ds::load_options<SftOptions>(*config, *overrides);
    if (out_opt->count() > 0) o.out_dir = *out;
    if (steps_opt->count() > 0) o.steps = *steps;
    if (*print_config) {
      std::fputs(ds::options_to_yaml_string(o).c_str(), stdout);
      return;
    }
    ds::sft::SftResult r = ds::sft::run_sft(o);
    std::printf("checkpoint: %s\n", r.dir.c_str());
    std::printf("steps %lld, %lld examples (%.1f epochs), %lld parameters\n",
                static_cast<long long>(r.steps), static_cast<long long>(r.examples), r.epochs,
                static_cast<long long>(r.parameters));
    std::printf("loss %.4f -> %.4f; %.0f tokens/s wall, %.0f tokens per CPU second (%.1f s CPU)\n",
                r.first_loss, r.final_loss, r.tokens_per_second(), r.tokens_per_cpu_second(),
                r.cpu_seconds);
    if (!r.accuracy.empty()) {
      std::string title =
          "held-out " + o.eval.task + " accuracy (" +
          (o.eval.sampling.temperature == 0 ? std::string("greedy")
                                            : "T=" + std::to_string(o.eval.sampling.temperature)) +
          ")";
      std::fputs(("\n" + ds::eval::format_level_table(r.accuracy, title)).c_str(), stdout);
    }
  });
}

}  // namespace

DS_REGISTER_COMMAND(sft, setup);
