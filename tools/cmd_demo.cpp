// `deepsearch demo [--out DIR] [key=value ...]`: the README's main job. Warm-starts the tiny model
// (or reuses DIR/model), measures held-out pass@1 on hard arithmetic, trains with DeepSearch for a
// few minutes, measures again, prints the before/after table and writes DIR/report.md,
// DIR/metrics.svg and DIR/tree.json. Logic lives in src/app/demo.h.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "app/demo.h"
#include "command.h"
#include "core/errors.h"
#include "core/options.h"

namespace {

void setup(CLI::App& app) {
  auto overrides = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  auto print_config = std::make_shared<bool>(false);
  auto list_options = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "demo", "the whole method on the built-in task in minutes: warm start, pass@1 before, "
              "DeepSearch training, pass@1 after, report");
  cmd->add_option("overrides", *overrides,
                  "KEY=VALUE settings, e.g. train.steps=6 eval.n=40 (see --list-options)");
  CLI::Option* out_opt = cmd->add_option("--out", *out, "output directory (default runs/demo)");
  cmd->add_flag("--print-config", *print_config, "print the effective settings as YAML and exit");
  cmd->add_flag("--list-options", *list_options, "list every setting with its default and exit");
  cmd->callback([=] {
    ds::app::DemoOptions o = ds::app::demo_options();
    if (*list_options) {
      std::fputs(ds::describe_options(o).c_str(), stdout);
      return;
    }
    for (const auto& kv : *overrides)
      if (kv.find('=') == std::string::npos)
        throw ds::ConfigError("command line", "'" + kv + "' is not a KEY=VALUE setting",
                              "write e.g. train.steps=6 (see deepsearch demo --list-options)");
    YAML::Node root(YAML::NodeType::Map);
    ds::apply_overrides(root, *overrides);
    ds::read_options(root, o, "command line");
    if (out_opt->count() > 0) o.out_dir = *out;
    if (*print_config) {
      std::fputs(ds::options_to_yaml_string(o).c_str(), stdout);
      return;
    }
    ds::app::DemoResult r = ds::app::run_demo(o);
    std::printf("\n%s\n", ds::app::format_before_after(r, o.eval).c_str());
    std::printf("training: %lld DeepSearch steps in %.0f s%s; whole demo %.0f s\n",
                static_cast<long long>(r.train_steps), r.seconds_train,
                r.train_stopped_by_time ? " (stopped by the time cap)" : "", r.seconds_total);
    std::printf("report: %s (metrics.svg, tree.json, summary.json beside it)\n",
                r.report_path.c_str());
  });
}

}  // namespace

DS_REGISTER_COMMAND(demo, setup);
