// `deepsearch eval` as a library call (see model_eval.h). The only torch-including file of the
// module (model loading).
#include "app/eval_command.h"

#include <torch/torch.h>

#include <filesystem>

#include "core/errors.h"
#include "core/fs_util.h"
#include "core/log.h"
#include "engine/engine.h"
#include "engine/stop_rules.h"
#include "eval/engine_generator.h"
#include "eval/prompt_template.h"
#include "model/checkpoint.h"
#include "tasks/task.h"
#include "tokenizer/tokenizer.h"

namespace ds::app {

namespace fs = std::filesystem;

eval::EvalReport evaluate_model(const ModelEvalOptions& options) {
  if (options.model.empty())
    throw ConfigError("--model", "no model directory given",
                      "pass --model DIR (config.json + model.safetensors + tokenizer files)");
  if (!fs::is_directory(options.model))
    throw DataError(options.model, "model directory not found",
                    "pass the directory holding config.json and model.safetensors");
  if (options.limit < 0)
    throw ConfigError("--limit", "must be >= 0, got " + std::to_string(options.limit),
                      "use 0 for every problem");
  options.eval.validate();
  tasks::get_task(options.task);  // ConfigError listing the tasks when unknown

  // Cheap checks before the model is loaded.
  std::vector<eval::Benchmark> benchmarks =
      eval::load_benchmarks(options.data, options.limit, options.task);
  std::unique_ptr<tok::Tokenizer> tokenizer = tok::load_tokenizer(options.model);
  const std::string template_name =
      eval::resolve_prompt_template(options.prompt_template, tokenizer->kind());
  eval::PromptFn make_prompt = eval::make_prompt_fn(template_name);

  const torch::Device device = model::parse_device(options.device, "--device");
  log_info("loading {} ({}, {})", options.model, options.dtype, options.device);
  model::Transformer model =
      model::load_model(options.model, model::parse_dtype(options.dtype), device);
  model->eval();

  engine::EngineOptions engine_options;
  engine_options.max_batch_size = options.eval.batch_size;
  engine_options.kv_budget_bytes = options.kv_budget_bytes;
  engine_options.eos_ids = engine::stop_token_ids(*tokenizer, model->config(),
                                                  eval::prompt_template_end_of_turn(template_name));
  engine::Engine engine(model, *tokenizer, engine_options);
  eval::EngineGenerator generator(engine, *tokenizer);

  json identity = {{"model", fs::weakly_canonical(options.model).string()},
                   {"template", template_name},
                   {"task", options.task}};
  eval::EvalReport report = eval::run_eval(benchmarks, generator, make_prompt,
                                           tasks::score_response, options.eval, identity);

  const auto& s = report.stats;
  log_info(
      "generated {} samples ({} resumed): {} new tokens in {:.1f} s = {:.1f} tok/s "
      "(prefill/decode {:.2f})",
      s.samples_generated, s.samples_resumed, s.new_tokens, s.seconds, s.tokens_per_second(),
      engine.counters().prefill_per_decode());
  if (!options.eval.out_dir.empty())
    atomic_write_file((fs::path(options.eval.out_dir) / "results.md").string(),
                      markdown_table(report));
  return report;
}

}  // namespace ds::app
