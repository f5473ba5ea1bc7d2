// `deepsearch filter` as a library call (see hard_filter.h): loads the problems and the model (a
// Hugging Face directory, or builtin:NAME = random weights with the character tokenizer, as
// rl/model_search.cpp does), builds the engine and runs the Pass1@K filter. The only
// torch-including file of the filter.
#include <fmt/format.h>
#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <string_view>

#include "core/errors.h"
#include "core/log.h"
#include "core/progress.h"
#include "engine/engine.h"
#include "eval/prompt_template.h"
#include "model/checkpoint.h"
#include "model/model_config.h"
#include "rl/hard_filter.h"
#include "rl/model_search.h"
#include "tasks/problem_io.h"
#include "tokenizer/char_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace ds::rl {

namespace {

namespace fs = std::filesystem;

}  // namespace

HardFilterReport run_filter_command(const FilterCommandOptions& o) {
  // Cheap checks before the model is loaded.
  if (o.model.empty())
    throw ConfigError("--model", "no model given",
                      "pass --model DIR (a Hugging Face directory) or --model builtin:tiny");
  if (o.data.empty())
    throw ConfigError("--data", "no input problems given", "pass --data IN.jsonl");
  if (o.out.empty())
    throw ConfigError("--out", "no output file given", "pass --out OUT.jsonl for the kept subset");
  validate(o.filter, "filter");
  engine::validate(o.engine);
  tasks::get_task(o.task);  // ConfigError listing the tasks
  const torch::Dtype dtype = model::parse_dtype(o.dtype);
  const torch::Device device = model::parse_device(o.device);
  std::vector<tasks::Problem> problems = tasks::load_problems(o.data, o.task);

  model::Transformer net{nullptr};
  std::unique_ptr<tok::Tokenizer> tokenizer;
  const std::string_view prefix = kBuiltinModelPrefix;
  if (std::string_view(o.model).substr(0, prefix.size()) == prefix) {
    tokenizer = tok::make_char_tokenizer();
    model::ModelConfig config =
        model::make_builtin_config(o.model.substr(prefix.size()), tokenizer->vocab_size());
    net = model::Transformer(config, torch::TensorOptions().dtype(dtype).device(device),
                             static_cast<uint64_t>(o.init_seed));
  } else {
    if (!fs::is_directory(o.model))
      throw DataError(o.model, "model directory not found",
                      "pass the directory holding config.json and model.safetensors, or "
                      "builtin:tiny for a random built-in model");
    tokenizer = tok::load_tokenizer(o.model);
    net = model::load_model(o.model, dtype, device);
  }
  net->eval();

  const std::string template_name =
      eval::resolve_prompt_template(o.filter.prompt_template, tokenizer->kind());
  engine::EngineOptions eo = o.engine;
  if (eo.eos_ids.empty()) {
    // Stop at the tokenizer's and the config's EOS, and at the template's end of turn.
    eo.eos_ids.push_back(tokenizer->eos_id());
    for (int64_t id : net->config().eos_token_ids) eo.eos_ids.push_back(static_cast<int>(id));
    if (std::string eot = eval::prompt_template_end_of_turn(template_name); !eot.empty())
      if (auto id = tokenizer->token_id(eot)) eo.eos_ids.push_back(*id);
  }
  engine::Engine engine(net, *tokenizer, eo);

  HardFilterOptions fo = o.filter;
  fo.prompt_template = template_name;
  log_info("filter: {} problems from {}, k={}, model {}, template {}", problems.size(), o.data,
           fo.k, o.model, template_name);
  Progress bar("filter", problems.size());
  HardFilterReport report =
      run_hard_filter(engine, *tokenizer, problems, fo, [&bar](int done, int total, int kept) {
        bar.advance(static_cast<size_t>(done) - bar.done(), fmt::format("kept {}", kept));
      });
  bar.finish(fmt::format("kept {} of {}", report.kept, report.total));
  write_filter_jsonl(o.out, report, o.write_all);
  return report;
}

}  // namespace ds::rl
