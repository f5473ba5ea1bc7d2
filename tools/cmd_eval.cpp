// `deepsearch eval`: pass@k evaluation of a model on benchmark files with the paper's protocol
// (n samples per problem, T = 0.6, top-p 0.95, answer = last \boxed{}, checked by the verifier).
// Prints the markdown table on stdout; writes OUT/results.json, results.md, responses.jsonl, and
// resumes from OUT/responses.jsonl when it exists. Logic lives in src/app/eval_command.h.
#include <cstdio>
#include <memory>

#include "app/eval_command.h"
#include "command.h"
#include "eval/report.h"

namespace {

void setup(CLI::App& app) {
  auto opts = std::make_shared<ds::app::ModelEvalOptions>();
  opts->eval.out_dir = "runs/eval";
  auto* cmd = app.add_subcommand(
      "eval", "pass@k of a model on benchmark files (resumable; table on stdout)");
  cmd->add_option("--model", opts->model, "model directory (config.json, safetensors, tokenizer)")
      ->required();
  cmd->add_option("--data", opts->data,
                  "FILE[,FILE...]: JSON Lines of {\"id\",\"problem\",\"answer\"}; one benchmark "
                  "per file, named by its stem")
      ->required();
  cmd->add_option("--n", opts->eval.n, "samples per problem")->capture_default_str();
  cmd->add_option("--temperature", opts->eval.sampling.temperature,
                  "sampling temperature (0 = greedy)")
      ->capture_default_str();
  cmd->add_option("--top-p", opts->eval.sampling.top_p, "nucleus sampling mass (1 = off)")
      ->capture_default_str();
  cmd->add_option("--top-k", opts->eval.sampling.top_k, "top-k sampling (0 = off)")
      ->capture_default_str();
  cmd->add_option("--max-new-tokens", opts->eval.max_new_tokens, "maximum tokens per response")
      ->capture_default_str();
  cmd->add_option("--template", opts->prompt_template,
                  "prompt template: auto|deepsearch|qwen-math|plain|tiny (auto: tiny for "
                  "character-tokenizer models, deepsearch otherwise)")
      ->capture_default_str();
  cmd->add_option("--batch-size", opts->eval.batch_size, "sequences generated together")
      ->capture_default_str();
  cmd->add_option("--seed", opts->eval.seed, "base seed (per-sample seeds derive from it)")
      ->capture_default_str();
  cmd->add_option("--out", opts->eval.out_dir,
                  "output directory; an existing one is resumed (same settings required)")
      ->capture_default_str();
  cmd->add_option("--limit", opts->limit, "only the first N problems of each file (0 = all)")
      ->capture_default_str();
  cmd->add_option("--task", opts->task,
                  "scorer for lines without a \"task\" field: math (the math verifier) or a "
                  "built-in task, e.g. arith, countdown")
      ->capture_default_str();
  cmd->add_option("--dtype", opts->dtype, "float32|bfloat16|float16")->capture_default_str();
  cmd->add_option("--device", opts->device, "cpu|cuda|cuda:N")->capture_default_str();
  cmd->callback([opts] {
    ds::eval::EvalReport report = ds::app::evaluate_model(*opts);
    std::fputs(ds::eval::markdown_table(report).c_str(), stdout);
    if (report.benchmarks.size() > 1)
      std::printf("\naverage pass@1: %.2f%%\n", 100 * ds::eval::average_pass1(report.benchmarks));
    std::printf("results: %s/results.json\n", opts->eval.out_dir.c_str());
  });
}

}  // namespace

DS_REGISTER_COMMAND(eval, setup);
