// `deepsearch filter`: the Pass1@K hard-subset filter (K direct rollouts per problem; keep the
// problems the model still fails), e.g.
//   deepsearch filter --model runs/sft/model --data train.jsonl --out hard.jsonl --k 4
// Writes the kept problems as JSON Lines with "pass_rate", "correct", "k"; prints kept/total and
// the pass-rate histogram on stdout, progress on stderr. Every setting also has a YAML key
// (--config FILE, --set key=value; the flags win). Logic lives in src/app/filter_command.h.
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/filter_command.h"
#include "command.h"
#include "core/options.h"
#include "train/hard_filter.h"

namespace {

using ds::app::FilterCommandOptions;
using ds::train::HardFilterOptions;

void setup(CLI::App& app) {
  auto cli = std::make_shared<FilterCommandOptions>();
  auto config = std::make_shared<std::string>();
  auto sets = std::make_shared<std::vector<std::string>>();
  auto list_options = std::make_shared<bool>(false);
  auto copies = std::make_shared<
      std::vector<std::pair<CLI::Option*, std::function<void(FilterCommandOptions&)>>>>();
  auto* cmd = app.add_subcommand(
      "filter", "keep the problems a model still fails (Pass1@K with K direct rollouts)");

  auto flag = [&](const char* name, auto FilterCommandOptions::*field, const char* doc) {
    CLI::Option* opt = cmd->add_option(name, (*cli).*field, doc)->capture_default_str();
    copies->emplace_back(opt, [cli, field](FilterCommandOptions& o) { o.*field = (*cli).*field; });
    return opt;
  };
  auto fflag = [&](const char* name, auto HardFilterOptions::*field, const char* doc) {
    CLI::Option* opt = cmd->add_option(name, cli->filter.*field, doc)->capture_default_str();
    copies->emplace_back(
        opt, [cli, field](FilterCommandOptions& o) { o.filter.*field = cli->filter.*field; });
    return opt;
  };

  flag("--model", &FilterCommandOptions::model,
       "model directory (Hugging Face layout, tokenizer files included) or builtin:NAME "
       "(micro|tiny|small|qwen2.5-0.5b: random weights, character tokenizer)");
  flag("--data", &FilterCommandOptions::data, "input problems (JSON Lines: id, problem, answer)");
  flag("--out", &FilterCommandOptions::out,
       "output JSON Lines: the kept problems with pass_rate, correct, k");
  flag("--task", &FilterCommandOptions::task,
       "verifier for lines without a \"task\" field (math = the math verifier; arith, countdown)");
  fflag("--k", &HardFilterOptions::k, "direct rollouts per problem");
  fflag("--threshold", &HardFilterOptions::threshold, "keep pass rate <= threshold");
  {
    CLI::Option* opt = cmd->add_flag("--strict", cli->filter.strict,
                                     "keep pass rate < threshold (the paper's rule)");
    copies->emplace_back(opt, [cli](FilterCommandOptions& o) { o.filter.strict = true; });
  }
  {
    CLI::Option* opt =
        cmd->add_flag("--all", cli->write_all, "write every problem with a \"kept\" field");
    copies->emplace_back(opt, [cli](FilterCommandOptions& o) { o.write_all = true; });
  }
  auto pflag = [&](const char* name, auto ds::SamplingOptions::*field, const char* doc) {
    CLI::Option* opt =
        cmd->add_option(name, cli->filter.sampling.*field, doc)->capture_default_str();
    copies->emplace_back(opt, [cli, field](FilterCommandOptions& o) {
      o.filter.sampling.*field = cli->filter.sampling.*field;
    });
  };
  pflag("--temperature", &ds::SamplingOptions::temperature, "sampling temperature");
  pflag("--top-p", &ds::SamplingOptions::top_p, "nucleus sampling mass (1 = off)");
  pflag("--top-k", &ds::SamplingOptions::top_k, "keep the k most likely tokens (0 = off)");
  fflag("--max-new-tokens", &HardFilterOptions::max_new_tokens, "maximum tokens per rollout");
  fflag("--template", &HardFilterOptions::prompt_template,
        "prompt template: auto|deepsearch|qwen-math|plain|tiny");
  fflag("--seed", &HardFilterOptions::seed, "base seed of the rollouts");
  fflag("--batch-problems", &HardFilterOptions::batch_problems,
        "problems decoded together (k rollouts each)");
  flag("--dtype", &FilterCommandOptions::dtype, "float32|bfloat16|float16");
  flag("--device", &FilterCommandOptions::device, "cpu|cuda|cuda:N");
  flag("--init-seed", &FilterCommandOptions::init_seed, "seed of a builtin:NAME model's weights");
  cmd->add_option("--config", *config, "YAML file with any of the settings (see --set)");
  cmd->add_option("--set", *sets,
                  "KEY=VALUE override of any setting, e.g. engine.max_batch_size=32 (repeatable)");
  cmd->add_flag("--list-options", *list_options, "list every setting with its default and exit");

  cmd->callback([cli, config, sets, copies, list_options] {
    if (*list_options) {
      std::fputs(ds::describe_options(FilterCommandOptions{}).c_str(), stdout);
      return;
    }
    FilterCommandOptions o = ds::load_options<FilterCommandOptions>(*config, *sets);
    for (auto& [opt, copy] : *copies)
      if (opt->count() > 0) copy(o);
    ds::train::HardFilterReport report = ds::app::run_filter_command(o);
    std::fputs(ds::train::filter_summary(report, o.filter).c_str(), stdout);
    std::printf("wrote %s (%d %s)\n", o.out.c_str(), o.write_all ? report.total : report.kept,
                o.write_all ? "problems" : "kept problems");
  });
}

}  // namespace

DS_REGISTER_COMMAND(filter, setup);
