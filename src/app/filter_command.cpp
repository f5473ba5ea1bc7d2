// `deepsearch filter` as a library call (see filter_command.h). The only torch-including file of
// the filter.
#include "app/filter_command.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <memory>

#include "core/errors.h"
#include "core/log.h"
#include "core/progress.h"
#include "engine/engine.h"
#include "engine/stop_rules.h"
#include "eval/prompt_template.h"
#include "model/checkpoint.h"
#include "model/model_loader.h"
#include "tasks/problem_io.h"
#include "tokenizer/tokenizer.h"
#include "train/hard_filter.h"

namespace ds::app {

train::HardFilterReport run_filter_command(const FilterCommandOptions& o) {
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
  tasks::get_task(o.task);      // ConfigError listing the tasks
  model::parse_dtype(o.dtype);  // ConfigError before the problems are read
  std::vector<tasks::Problem> problems = tasks::load_problems(o.data, o.task);
  model::LoadedModel m =
      model::load_model_or_builtin(o.model, o.init_seed, o.dtype, o.device, "--model");
  const std::string template_name =
      eval::resolve_prompt_template(o.filter.prompt_template, m.tokenizer->kind());
  engine::EngineOptions eo = o.engine;
  if (eo.eos_ids.empty())
    eo.eos_ids = engine::stop_token_ids(*m.tokenizer, m.model->config(),
                                        eval::prompt_template_end_of_turn(template_name));
  engine::Engine engine(m.model, *m.tokenizer, eo);

  train::HardFilterOptions fo = o.filter;
  fo.prompt_template = template_name;
  log_info("filter: {} problems from {}, k={}, model {}, template {}", problems.size(), o.data,
           fo.k, o.model, template_name);
  Progress bar("filter", problems.size());
  train::HardFilterReport report = train::run_hard_filter(
      engine, *m.tokenizer, problems, fo, [&bar](int done, int total, int kept) {
        bar.advance(static_cast<size_t>(done) - bar.done(), fmt::format("kept {}", kept));
      });
  bar.finish(fmt::format("kept {} of {}", report.kept, report.total));
  train::write_filter_jsonl(o.out, report, o.write_all);
  return report;
}

}  // namespace ds::app
