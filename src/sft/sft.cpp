// `deepsearch sft` as a library call: options, the whole warm-start run, checkpoint reuse
// (see sft.h).
#include "sft/sft.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/errors.h"
#include "core/fs_util.h"
#include "core/jsonl.h"
#include "core/log.h"
#include "core/options.h"
#include "model/checkpoint.h"
#include "sft/sft_data.h"
#include "sft/sft_train.h"
#include "tokenizer/char_tokenizer.h"

namespace ds::sft {

namespace fs = std::filesystem;

namespace {

constexpr const char* kConfigYaml = "sft_config.yaml";
constexpr const char* kLogFile = "sft_log.jsonl";
constexpr const char* kSummaryFile = "sft_summary.json";

json accuracy_json(const std::vector<eval::LevelAccuracy>& rows) {
  json a = json::array();
  for (const auto& r : rows)
    a.push_back({{"difficulty", r.difficulty},
                 {"problems", r.problems},
                 {"responses", r.responses},
                 {"correct", r.correct},
                 {"solved", r.solved},
                 {"accuracy", r.accuracy},
                 {"mean_tokens", r.mean_tokens},
                 {"finished", r.finished}});
  return a;
}

// The parts of the options that determine the trained weights, as YAML text.
std::string training_identity(const SftOptions& o) {
  YAML::Node all = options_to_yaml(o);
  YAML::Node id(YAML::NodeType::Map);
  for (const char* key : {"model", "data", "batch_size", "steps", "optim", "seed"})
    id[key] = all[key];
  YAML::Emitter e;
  e << id;
  return e.c_str();
}

void write_run_files(const std::string& dir, const SftOptions& o, const SftResult& r) {
  atomic_write_file((fs::path(dir) / kConfigYaml).string(), options_to_yaml_string(o));
  std::string log;
  for (const auto& e : r.log)
    log += json{{"step", e.step},
                {"loss", e.loss},
                {"lr", e.lr},
                {"tokens", e.tokens},
                {"cpu_seconds", e.cpu_seconds},
                {"wall_seconds", e.wall_seconds}}
               .dump() +
           "\n";
  atomic_write_file((fs::path(dir) / kLogFile).string(), log);
  json s = {{"steps", r.steps},
            {"examples", r.examples},
            {"parameters", r.parameters},
            {"tokens", r.tokens},
            {"target_tokens", r.target_tokens},
            {"epochs", r.epochs},
            {"first_loss", r.first_loss},
            {"final_loss", r.final_loss},
            {"cpu_seconds", r.cpu_seconds},
            {"wall_seconds", r.wall_seconds},
            {"tokens_per_second", r.tokens_per_second()},
            {"tokens_per_cpu_second", r.tokens_per_cpu_second()},
            {"stopped_by_time", r.stopped_by_time},
            {"heldout",
             {{"task", o.eval.task},
              {"temperature", o.eval.sampling.temperature},
              {"samples", o.eval.samples},
              {"levels", accuracy_json(r.accuracy)}}}};
  atomic_write_file((fs::path(dir) / kSummaryFile).string(), s.dump(2) + "\n");
}

}  // namespace

void validate(const SftOptions& o) {
  auto bad = [](const std::string& field, const std::string& problem, const std::string& hint) {
    throw ConfigError(field, problem, hint);
  };
  auto tokenizer = tok::make_char_tokenizer();
  sft_model_config(o.model, tokenizer->vocab_size(),
                   tokenizer->eos_id());  // throws for bad model options
  validate(o.data);
  if (o.batch_size < 1)
    bad("batch_size", fmt::format("must be >= 1 (got {})", o.batch_size), "use e.g. 32");
  if (o.steps < 1) bad("steps", fmt::format("must be >= 1 (got {})", o.steps), "use e.g. 1200");
  if (!(o.max_seconds >= 0) || !std::isfinite(o.max_seconds))
    bad("max_seconds", "must be a finite number >= 0", "use 0 for no time limit");
  if (o.log_every < 1) bad("log_every", "must be >= 1", "use e.g. 25");
  if (o.out_dir.empty()) bad("out_dir", "is empty", "name the checkpoint directory to write");
  rl::validate(o.optim);
  if (!(o.optim.lr > 0)) bad("optim.lr", "must be > 0 for a warm start", "e.g. 3e-3");
  validate(o.eval, "eval");
}

SftResult run_sft(const SftOptions& options) {
  validate(options);
  auto tokenizer = tok::make_char_tokenizer();
  std::vector<tasks::SftExample> corpus = build_sft_corpus(options.data);
  if (corpus.empty())
    throw ConfigError("data.per_level", "the corpus is empty",
                      "generate at least one problem per level, e.g. per_level: [2000]");
  std::vector<TokenizedExample> examples = tokenize_corpus(corpus, *tokenizer);
  model::ModelConfig config =
      sft_model_config(options.model, tokenizer->vocab_size(), tokenizer->eos_id());
  model::Transformer model(config, torch::TensorOptions().dtype(torch::kFloat32),
                           sft_init_seed(options.seed));
  size_t longest = 0;
  for (const auto& e : examples) longest = std::max(longest, e.ids.size());
  if (static_cast<int64_t>(longest) > config.max_position_embeddings)
    throw ConfigError("model.max_positions",
                      fmt::format("{} is shorter than the longest example ({} tokens)",
                                  config.max_position_embeddings, longest),
                      fmt::format("set model.max_positions to at least {}", longest));
  log_info(
      "sft: {} parameters ({} layers, width {}), {} examples (longest {} tokens), {} steps "
      "x {} examples",
      model->num_parameters(), config.num_hidden_layers, config.hidden_size, examples.size(),
      longest, options.steps, options.batch_size);

  SftResult r = train_sft(*model, examples, tokenizer->pad_id(), options);
  if (r.stopped_by_time)
    log_warn("sft: max_seconds = {} stopped training after {} of {} steps", options.max_seconds,
             r.steps, options.steps);
  model::save_model(*model, options.out_dir, tokenizer.get());
  r.dir = options.out_dir;
  log_info("sft: loss {:.4f} -> {:.4f}; {:.0f} tokens/s ({:.0f} per CPU second); saved {}",
           r.first_loss, r.final_loss, r.tokens_per_second(), r.tokens_per_cpu_second(),
           options.out_dir);
  if (options.eval.n > 0) {
    torch::NoGradGuard no_grad;
    r.accuracy = evaluate_levels(model, *tokenizer, options.eval);
  }
  write_run_files(options.out_dir, options, r);
  return r;
}

std::string check_checkpoint(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return "no directory " + dir;
  try {
    auto tokenizer = tok::load_tokenizer(dir);
    model::Transformer model = model::load_model(dir);
    if (model->config().vocab_size < tokenizer->vocab_size())
      return fmt::format("{}: the model's vocabulary ({}) is smaller than the tokenizer's ({})",
                         dir, model->config().vocab_size, tokenizer->vocab_size());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

WarmStart ensure_warm_start(const std::string& dir, const SftOptions& options) {
  SftOptions o = options;
  o.out_dir = dir;
  validate(o);
  WarmStart w;
  w.dir = dir;
  std::error_code ec;
  const bool exists = fs::exists(dir, ec);
  const std::string problem = exists ? check_checkpoint(dir) : "missing";
  if (problem.empty()) {
    w.reused = true;
    const fs::path made_with = fs::path(dir) / kConfigYaml;
    if (!fs::exists(made_with, ec)) {
      log_info("warm start: reusing the checkpoint at {} (not made by deepsearch sft)", dir);
    } else {
      SftOptions previous;
      std::string differs;
      try {
        previous = load_options<SftOptions>(made_with.string(), {});
        if (training_identity(previous) != training_identity(o))
          differs = "it was trained with other options than the requested ones";
      } catch (const Error& e) {
        differs = std::string("its ") + kConfigYaml + " does not load (" + e.problem() + ")";
      }
      if (differs.empty())
        log_info("warm start: reusing {} (same options; delete it to retrain)", dir);
      else
        log_warn("warm start: reusing {}, although {}; delete the directory to retrain", dir,
                 differs);
    }
    return w;
  }
  if (exists)
    log_warn("warm start: {} is not a usable checkpoint ({}); training a new one there", dir,
             problem);
  else
    log_info("warm start: no checkpoint at {}; training one", dir);
  w.result = run_sft(o);
  return w;
}

}  // namespace ds::sft
