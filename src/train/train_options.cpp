// Loading and checking the run description (see train_options.h).
#include "train/train_options.h"

#include <filesystem>
#include <string_view>

#include "core/errors.h"
#include "core/options.h"
#include "eval/prompt_template.h"
#include "model/checkpoint.h"
#include "model/model_config.h"
#include "model/model_loader.h"
#include "tasks/corpus.h"
#include "tasks/problem_io.h"

namespace ds::train {

namespace {

namespace fs = std::filesystem;

void bad(const std::string& field, const std::string& problem, const std::string& hint) {
  throw ConfigError(field, problem, hint);
}

// Reads just the algorithm (whose presets are the defaults of the rest).
struct AlgorithmOnly {
  rl::Algorithm algorithm = rl::Algorithm::kDeepSearch;
  template <class V>
  void visit(V& v) {
    v.choice("algorithm", algorithm, rl::kAlgorithmChoices, "algorithm");
  }
};

}  // namespace

TrainOptions train_options_for(rl::Algorithm algorithm) {
  TrainOptions o;
  o.algorithm = algorithm;
  o.advantage = rl::advantage_preset(algorithm);
  o.loss = rl::policy_loss_preset(algorithm);
  return o;
}

TrainOptions load_train_options(const std::string& yaml_path,
                                const std::vector<std::string>& overrides) {
  YAML::Node root = yaml_path.empty() ? YAML::Node(YAML::NodeType::Map) : load_yaml_file(yaml_path);
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  const std::string source = yaml_path.empty() ? std::string("command line") : yaml_path;
  if (!root.IsMap())
    throw ConfigError(source, "the config must be a mapping of settings",
                      "write 'key: value' lines, e.g. 'algorithm: deepsearch'");
  apply_overrides(root, overrides);
  // The algorithm first: its presets are the defaults the rest of the file overrides.
  TrainOptions probe;
  if (YAML::Node a = root["algorithm"]) {
    AlgorithmOnly only;
    YAML::Node just(YAML::NodeType::Map);
    just["algorithm"] = a;
    read_options(just, only, source);
    probe.algorithm = only.algorithm;
  }
  TrainOptions o = train_options_for(probe.algorithm);
  read_options(root, o, source);
  return o;
}

int max_response_tokens(const TrainOptions& o) {
  if (o.rollout.max_new_tokens > 0) return o.rollout.max_new_tokens;
  return o.search.max_depth * o.search.chunk_tokens;
}

std::vector<tasks::Problem> load_train_problems(const TrainOptions& o) {
  if (!o.data.path.empty()) return tasks::load_problems(o.data.path, o.data.task);
  const tasks::Task& task = tasks::get_task(o.data.task);
  std::vector<tasks::Problem> out;
  for (int d : o.data.difficulties) {
    std::vector<tasks::Problem> level = tasks::generate_split(
        task, d, o.data.per_level, static_cast<uint64_t>(o.data.seed), tasks::Split::kTrain);
    for (auto& p : level) out.push_back(std::move(p));
  }
  return out;
}

void resolve_automatic_options(TrainOptions& o) {
  const int max_len = max_response_tokens(o);
  if (o.advantage.overlong.enable && o.advantage.overlong.max_length == 0)
    o.advantage.overlong.max_length = max_len;
  if (o.loss.norm_length == 0) o.loss.norm_length = max_len;
  if (o.optim.total_steps == 0) o.optim.total_steps = o.steps * o.rounds;
}

void validate_train_options(const TrainOptions& given) {
  TrainOptions o = given;
  resolve_automatic_options(o);
  if (o.model.empty())
    bad("model", "no model given",
        "set model: DIR (a Hugging Face directory) or model: builtin:tiny (random weights)");
  if (!model::is_builtin_model(o.model)) {
    if (!fs::is_directory(o.model))
      throw DataError(o.model, "model directory not found",
                      "set model: to a directory holding config.json, model.safetensors and the "
                      "tokenizer files (e.g. make one with `deepsearch sft --out " +
                          o.model + "`), or use model: builtin:tiny");
    if (!fs::exists(fs::path(o.model) / "config.json"))
      throw DataError(o.model + "/config.json", "missing",
                      "point model: at a Hugging Face model directory");
  } else {
    model::make_builtin_config(o.model.substr(std::string_view(model::kBuiltinModelPrefix).size()),
                               256);
  }
  model::parse_dtype(o.dtype);
  if (o.prompt_template != "auto") eval::check_prompt_template(o.prompt_template);
  if (o.run_dir.empty()) bad("run_dir", "must not be empty", "set run_dir: runs/NAME");
  if (o.steps < 0) bad("steps", "must be >= 0", "use e.g. steps: 20");
  if (o.prompts_per_step < 1) bad("prompts_per_step", "must be >= 1", "use e.g. 8");
  if (o.rounds < 1) bad("rounds", "must be >= 1", "use 1 (no re-filtering) or more");
  if (o.max_seconds < 0) bad("max_seconds", "must be >= 0", "0 = no limit");
  if (o.rollout.n < 1) bad("rollout.n", "must be >= 1", "use e.g. 8 responses per prompt");
  if (o.rollout.max_new_tokens < 0) bad("rollout.max_new_tokens", "must be >= 0", "0 = automatic");
  ds::validate(o.rollout.sampling, "rollout");
  search::validate(o.search);
  engine::validate(o.engine);
  validate(o.advantage);
  validate(o.loss);
  validate(o.update);
  validate(o.optim);
  if (o.checkpoint.every < 0) bad("checkpoint.every", "must be >= 0", "0 = only at the end");
  if (o.checkpoint.keep_last < 0) bad("checkpoint.keep_last", "must be >= 0", "0 = keep all");
  if (o.refill.max_batches < 0) bad("refill.max_batches", "must be >= 0", "use e.g. 3");
  if (o.hard_filter.k < 1) bad("hard_filter.k", "must be >= 1", "use e.g. 4");
  if (!(o.hard_filter.threshold >= 0 && o.hard_filter.threshold <= 1))
    bad("hard_filter.threshold", "must be in [0, 1]", "use e.g. 0.25");
  if (o.max_generated_tokens < 0) bad("max_generated_tokens", "must be >= 0", "0 = no limit");
  if (o.export_tree_every < 0) bad("export_tree_every", "must be >= 0", "0 = no tree export");
  validate(o.replay, "replay");
  validate(o.sample_filter, "sample_filter");
  if (o.eval.every < 0) bad("eval.every", "must be >= 0", "0 = no evaluation");
  if (o.eval.every > 0) {
    validate(o.eval.levels, "eval.levels");
    tasks::get_task(o.eval.levels.task);
  }
  if (o.data.path.empty()) {
    const tasks::Task& task = tasks::get_task(o.data.task);  // ConfigError listing the tasks
    if (o.data.difficulties.empty())
      bad("data.difficulties", "is empty", "list the levels to train on, e.g. [5, 6]");
    for (int d : o.data.difficulties)
      if (d < 1 || d > task.max_difficulty())
        bad("data.difficulties", "level " + std::to_string(d) + " does not exist",
            "task " + task.name() + " has levels 1.." + std::to_string(task.max_difficulty()));
    if (o.data.per_level < 1) bad("data.per_level", "must be >= 1", "use e.g. 200");
  } else {
    if (!fs::exists(o.data.path))
      throw DataError(o.data.path, "data file not found",
                      "set data.path: to a JSON Lines file of {\"id\",\"problem\",\"answer\"}, or "
                      "leave it empty to generate problems of data.task");
    tasks::load_problems(o.data.path, o.data.task);  // DataError naming path:line and the field
  }
  if (max_response_tokens(o) < 1)
    bad("rollout.max_new_tokens", "the response limit is 0", "set rollout.max_new_tokens");
}

}  // namespace ds::train
