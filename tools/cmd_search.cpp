// `deepsearch search`: one DeepSearch tree (MCTS over chunks of generated tokens) for one problem
// on a real model, e.g.
//   deepsearch search --model builtin:tiny --problem "1+2" --answer 3 --export tree.json
// Prints a summary (iterations, nodes, tokens generated, prefill tokens, prefill per generated
// token, correct found, time, bookkeeping fraction) on stdout and optionally writes the tree as
// JSON. Every setting also has a YAML key (--config FILE, --set key=value; see --help for the
// flags, which win over both). Logic lives in src/app/search_command.h.
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/search_command.h"
#include "command.h"
#include "core/options.h"

namespace {

using ds::app::ModelSearchOptions;

void setup(CLI::App& app) {
  auto cli = std::make_shared<ModelSearchOptions>();
  auto config = std::make_shared<std::string>();
  auto sets = std::make_shared<std::vector<std::string>>();
  // Flags given on the command line are copied over the YAML/--set options in the callback.
  auto copies = std::make_shared<
      std::vector<std::pair<CLI::Option*, std::function<void(ModelSearchOptions&)>>>>();
  auto* cmd = app.add_subcommand(
      "search", "run one DeepSearch tree for a problem on a model and print a summary");

  auto flag = [&](const char* name, auto ModelSearchOptions::*field, const char* doc) {
    CLI::Option* opt = cmd->add_option(name, (*cli).*field, doc)->capture_default_str();
    copies->emplace_back(opt, [cli, field](ModelSearchOptions& o) { o.*field = (*cli).*field; });
    return opt;
  };
  auto sflag = [&](const char* name, auto ds::search::SearchOptions::*field, const char* doc) {
    CLI::Option* opt = cmd->add_option(name, cli->search.*field, doc)->capture_default_str();
    copies->emplace_back(
        opt, [cli, field](ModelSearchOptions& o) { o.search.*field = cli->search.*field; });
    return opt;
  };

  flag("--model", &ModelSearchOptions::model,
       "model directory (Hugging Face layout, tokenizer files included) or builtin:NAME "
       "(micro|tiny|small|qwen2.5-0.5b: random weights, character tokenizer)");
  flag("--problem", &ModelSearchOptions::problem, "the problem text");
  flag("--answer", &ModelSearchOptions::answer, "the gold answer");
  flag("--id", &ModelSearchOptions::id, "problem id (shown in the export; seeds the tree)");
  sflag("--width", &ds::search::SearchOptions::width, "W: children per expansion");
  sflag("--chunk-tokens", &ds::search::SearchOptions::chunk_tokens, "maximum tokens per node");
  sflag("--delimiter", &ds::search::SearchOptions::delimiter,
        "a chunk also ends after this text (e.g. $'\\n'); empty = fixed-length chunks");
  sflag("--max-depth", &ds::search::SearchOptions::max_depth, "d_T: depth cap of the tree");
  sflag("--terminals", &ds::search::SearchOptions::terminals,
        "B: stop after this many backed-up terminals");
  sflag("--max-iterations", &ds::search::SearchOptions::max_iterations,
        "expansion budget of the tree");
  auto pflag = [&](const char* name, auto ds::SamplingOptions::*field, const char* doc) {
    CLI::Option* opt =
        cmd->add_option(name, cli->search.sampling.*field, doc)->capture_default_str();
    copies->emplace_back(opt, [cli, field](ModelSearchOptions& o) {
      o.search.sampling.*field = cli->search.sampling.*field;
    });
  };
  pflag("--temperature", &ds::SamplingOptions::temperature, "sampling temperature of expansions");
  pflag("--top-p", &ds::SamplingOptions::top_p, "nucleus sampling mass (1 = off)");
  pflag("--top-k", &ds::SamplingOptions::top_k, "keep the k most likely tokens (0 = off)");
  sflag("--seed", &ds::search::SearchOptions::seed, "base seed of the search");
  flag("--template", &ModelSearchOptions::prompt_template,
       "prompt template: auto|deepsearch|qwen-math|plain|tiny (auto: tiny for character-"
       "tokenizer models, deepsearch otherwise)");
  flag("--task", &ModelSearchOptions::task,
       "score with this built-in task's verifier (e.g. arith, countdown) instead of the math "
       "verifier");
  flag("--export", &ModelSearchOptions::export_path, "write the tree as JSON to this file");
  flag("--dtype", &ModelSearchOptions::dtype, "float32|bfloat16|float16");
  flag("--device", &ModelSearchOptions::device, "cpu|cuda|cuda:N");
  flag("--init-seed", &ModelSearchOptions::init_seed, "seed of a builtin:NAME model's weights");
  cmd->add_option("--config", *config, "YAML file with any of the settings (see --set)");
  cmd->add_option("--set", *sets,
                  "KEY=VALUE override of any setting, e.g. search.frontier_l2=0.4, "
                  "engine.kv_budget_bytes=100000000 (repeatable)");

  cmd->callback([cli, config, sets, copies] {
    ModelSearchOptions o = ds::load_options<ModelSearchOptions>(*config, *sets);
    for (auto& [opt, copy] : *copies)
      if (opt->count() > 0) copy(o);
    ds::app::ModelSearchReport report = ds::app::run_model_search(o);
    std::fputs(ds::app::search_summary(report).c_str(), stdout);
    if (!o.export_path.empty()) std::printf("export: %s\n", o.export_path.c_str());
  });
}

}  // namespace

DS_REGISTER_COMMAND(search, setup);
