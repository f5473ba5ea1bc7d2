// `deepsearch demo` (see demo.h).
#include "app/demo.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "core/fs_util.h"
#include "core/log.h"
#include "core/options.h"
#include "core/timer.h"
#include "eval/svg_plot.h"
#include "model/model_loader.h"
#include "train/trainer.h"

namespace ds::app {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

double overall(const std::vector<eval::LevelAccuracy>& rows) {
  double c = 0, n = 0;
  for (const auto& r : rows) {
    c += r.correct;
    n += r.responses;
  }
  return n > 0 ? c / n : 0.0;
}

std::vector<eval::LevelAccuracy> measure(const std::string& model_dir,
                                         const eval::LevelEvalOptions& eval) {
  model::LoadedModel m = model::load_model_or_builtin(model_dir, 0, "float32", "cpu", "model");
  return evaluate_levels(m.model, *m.tokenizer, eval);
}

std::vector<json> read_jsonl(const std::string& path) {
  std::vector<json> out;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line))
    if (!line.empty()) out.push_back(json::parse(line, nullptr, false));
  return out;
}

std::string metrics_svg(const std::vector<json>& lines) {
  eval::PlotSeries reward{"reward mean", {}, {}, false};
  eval::PlotSeries correct{"correct fraction", {}, {}, false};
  eval::PlotSeries solved{"solved by search", {}, {}, false};
  for (const json& m : lines) {
    if (!m.is_object() || !m.contains("step") || !m.contains("reward_mean")) continue;
    const double step = m["step"].get<double>();
    auto get = [&](const char* k) {
      return m.contains(k) && m[k].is_number() ? m[k].get<double>() : std::nan("");
    };
    reward.x.push_back(step);
    reward.y.push_back(get("reward_mean"));
    correct.x.push_back(step);
    correct.y.push_back(get("correct_frac"));
    solved.x.push_back(step);
    solved.y.push_back(get("search_solved_frac"));
  }
  eval::PlotOptions po;
  po.title = "DeepSearch training (per step)";
  po.x_label = "training step";
  po.y_label = "value";
  po.y_min = -1.0;
  po.y_max = 1.0;
  return eval::svg_line_chart({reward, correct, solved}, po);
}

// A few lines that show the shape of the exported tree: nodes per depth, terminals, the path of
// a correct terminal if there is one.
std::string describe_tree(const json& tree) {
  if (!tree.is_object() || !tree.contains("nodes")) return "(no tree was exported)\n";
  const json& nodes = tree["nodes"];
  std::map<int, int> per_depth;
  int terminals = 0, correct = 0;
  for (const json& n : nodes) {
    per_depth[n.value("depth", 0)]++;
    if (n.value("terminal", false)) {
      ++terminals;
      if (n.contains("reward") && n["reward"].is_number() && n["reward"].get<double>() > 0)
        ++correct;
    }
  }
  std::string s = fmt::format("Problem: `{}` (gold answer {})\n\n", tree.value("problem", ""),
                              tree.value("answer", ""));
  s += fmt::format("{} nodes, {} terminals ({} correct). Nodes per depth:", nodes.size(), terminals,
                   correct);
  for (const auto& [d, c] : per_depth) s += fmt::format(" d{}={}", d, c);
  s += "\n\n";
  // The path to the first correct (else first) backed-up terminal, chunk by chunk with q.
  int pick = -1;
  for (const json& n : nodes)
    if (n.value("terminal", false) && n.value("backed_up", false)) {
      const bool ok = n.contains("reward") && n["reward"].is_number() && n["reward"] > 0;
      if (pick < 0 || ok) pick = n.value("id", -1);
      if (ok) break;
    }
  if (pick < 0) return s;
  std::vector<const json*> path;
  std::map<int, const json*> by_id;
  for (const json& n : nodes) by_id[n.value("id", -1)] = &n;
  for (int id = pick; id >= 0 && by_id.count(id);) {
    path.push_back(by_id[id]);
    const json& p = (*by_id[id])["parent"];
    id = p.is_number() ? p.get<int>() : -1;
  }
  s += "A backed-up path (root to terminal; q after backup, mean token NLL):\n\n```\n";
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    const json& n = **it;
    if (n.value("depth", 0) == 0) continue;
    std::string text = n.value("text", "");
    for (char& c : text)
      if (c == '\n') c = ' ';
    s += fmt::format("d{} q={:+.3f} nll={:.2f} | {}\n", n.value("depth", 0), n.value("q", 0.0),
                     n.value("nll", 0.0), text);
  }
  s += "```\n";
  return s;
}

}  // namespace

DemoOptions demo_options() {
  DemoOptions o;
  // Warm start: the tiny preset on worked solutions of arithmetic levels 1-4.
  o.sft.model.preset = "tiny";
  o.sft.data.tasks = {"arith"};
  o.sft.data.difficulties = {1, 2, 3, 4};
  o.sft.steps = 300;
  o.sft.eval.n = 0;  // the demo measures the hard levels itself
  // Held-out problems of the levels the warm start still fails most of the time (pass@1 around
  // 5-15% for this budget), sampled like the training rollouts.
  o.eval.task = "arith";
  o.eval.difficulties = {1, 2};
  o.eval.n = 60;
  o.eval.samples = 2;
  o.eval.sampling.temperature = 1.0;
  o.eval.max_new_tokens = 160;
  o.eval.seed = o.sft.data.seed;  // the held-out split the warm start never saw
  // DeepSearch on train-split problems of the same levels.
  o.train = train::train_options_for(rl::Algorithm::kDeepSearch);
  o.train.data.task = "arith";
  o.train.data.difficulties = {1, 2};
  o.train.data.per_level = 200;
  o.train.steps = 30;
  o.train.prompts_per_step = 8;
  o.train.search.width = 4;
  o.train.search.chunk_tokens = 24;
  o.train.search.delimiter = "\n";
  o.train.search.max_depth = 8;
  o.train.search.terminals = 4;
  o.train.search.max_iterations = 24;
  o.train.update.micro_batch_size = 16;
  o.train.optim.lr = 5e-4;
  o.train.optim.warmup_steps = 2;
  o.train.checkpoint.every = 0;
  o.train.checkpoint.keep_last = 1;
  o.train.export_tree_every = 1000000;  // the last step's tree
  o.train.max_seconds = 300;
  return o;
}

std::string format_before_after(const DemoResult& r, const eval::LevelEvalOptions& eval) {
  std::string s = fmt::format(
      "held-out pass@1 on arithmetic levels {} ({} problems per level, {} sampled responses "
      "each, temperature {:g})\n\n",
      fmt::join(eval.difficulties, ","), eval.n, eval.samples, eval.sampling.temperature);
  s += "| level | before RL | after RL | change |\n|---:|---:|---:|---:|\n";
  for (size_t i = 0; i < r.before.size() && i < r.after.size(); ++i)
    s += fmt::format("| {} | {:.1f}% | {:.1f}% | {:+.1f} |\n", r.before[i].difficulty,
                     100 * r.before[i].accuracy, 100 * r.after[i].accuracy,
                     100 * (r.after[i].accuracy - r.before[i].accuracy));
  s += fmt::format("| all | {:.1f}% | {:.1f}% | {:+.1f} |\n", 100 * r.accuracy_before,
                   100 * r.accuracy_after, 100 * (r.accuracy_after - r.accuracy_before));
  return s;
}

DemoResult run_demo(const DemoOptions& options) {
  DemoOptions o = options;
  const double t0 = monotonic_seconds();
  DemoResult r;
  r.out_dir = o.out_dir;
  const fs::path out(o.out_dir);
  const std::string model_dir = (out / "model").string();
  const std::string run_dir = (out / "train").string();
  o.train.model = model_dir;
  o.train.run_dir = run_dir;
  o.train.eval.every = 0;  // measured here, before and after
  // Everything checkable before the first minute of compute.
  validate(o.sft);
  validate(o.eval, "eval");
  {
    train::TrainOptions check = o.train;
    check.model = "builtin:tiny";  // the warm start does not exist yet
    train::validate_train_options(check);
  }
  fs::create_directories(out);

  log_info("demo [1/4] warm start of the tiny model -> {}", model_dir);
  const double tw = monotonic_seconds();
  sft::WarmStart ws = sft::ensure_warm_start(model_dir, o.sft);
  r.warm_start_reused = ws.reused;
  r.seconds_warm_start = monotonic_seconds() - tw;

  log_info("demo [2/4] held-out pass@1 before RL (levels {})", fmt::join(o.eval.difficulties, ","));
  double te = monotonic_seconds();
  r.before = measure(model_dir, o.eval);
  r.accuracy_before = overall(r.before);
  r.seconds_eval = monotonic_seconds() - te;
  log_info("demo: pass@1 before RL {:.1f}%", 100 * r.accuracy_before);

  log_info("demo [3/4] DeepSearch training -> {}", run_dir);
  fs::remove_all(run_dir);  // the demo's own run: always a fresh one from the warm start
  const double tt = monotonic_seconds();
  train::TrainResult tr = train::start_training(o.train);
  r.seconds_train = monotonic_seconds() - tt;
  r.train_steps = tr.steps_done;
  r.train_stopped_by_time = tr.stopped_by_time;

  log_info("demo [4/4] held-out pass@1 after RL");
  te = monotonic_seconds();
  r.after = measure(tr.last_checkpoint + "/model", o.eval);
  r.accuracy_after = overall(r.after);
  r.seconds_eval += monotonic_seconds() - te;
  r.seconds_total = monotonic_seconds() - t0;

  // The report.
  std::vector<json> metrics = read_jsonl(run_dir + "/metrics.jsonl");
  atomic_write_file((out / "metrics.svg").string(), metrics_svg(metrics));
  json tree;
  const std::string tree_src = fmt::format("{}/trees/step_{}.json", run_dir, tr.steps_done);
  if (fs::exists(tree_src)) {
    std::ifstream f(tree_src);
    tree = json::parse(f, nullptr, false);
    fs::copy_file(tree_src, out / "tree.json", fs::copy_options::overwrite_existing);
  }
  std::string md = "# deepsearch demo\n\n";
  md += format_before_after(r, o.eval) + "\n";
  md += fmt::format(
      "Warm start: {} ({:.0f} s). DeepSearch training: {} steps of {} problems (levels {}), "
      "W={} chunk<= {} tokens split at newlines, depth cap {}, B={} terminals, lr {:g} "
      "({:.0f} s{}). Evaluation: {:.0f} s. Total: {:.0f} s.\n\n",
      r.warm_start_reused ? "reused " + model_dir : "trained into " + model_dir,
      r.seconds_warm_start, r.train_steps, o.train.prompts_per_step,
      fmt::join(o.train.data.difficulties, ","), o.train.search.width, o.train.search.chunk_tokens,
      o.train.search.max_depth, o.train.search.terminals, o.train.optim.lr, r.seconds_train,
      r.train_stopped_by_time ? ", stopped by the time cap" : "", r.seconds_eval, r.seconds_total);
  md += "Per-step training metrics: `train/metrics.jsonl`, plotted in `metrics.svg`:\n\n";
  md += "![metrics](metrics.svg)\n\n";
  if (!metrics.empty()) {
    md += "| step | reward mean | correct | solved by search | tokens generated | seconds |\n";
    md += "|---:|---:|---:|---:|---:|---:|\n";
    for (const json& m : metrics) {
      if (!m.is_object() || !m.contains("reward_mean")) continue;
      md += fmt::format("| {} | {:+.3f} | {:.3f} | {:.3f} | {} | {:.1f} |\n", m.value("step", 0),
                        m.value("reward_mean", 0.0), m.value("correct_frac", 0.0),
                        m.value("search_solved_frac", 0.0), m.value("generated_tokens", 0),
                        m.value("time_step_s", 0.0));
    }
    md += "\n";
  }
  md += "## An example search tree (last training step, `tree.json`)\n\n" + describe_tree(tree);
  r.report_path = (out / "report.md").string();
  atomic_write_file(r.report_path, md);

  json summary = {{"accuracy_before", r.accuracy_before},
                  {"accuracy_after", r.accuracy_after},
                  {"train_steps", r.train_steps},
                  {"train_stopped_by_time", r.train_stopped_by_time},
                  {"warm_start_reused", r.warm_start_reused},
                  {"seconds",
                   {{"warm_start", r.seconds_warm_start},
                    {"eval", r.seconds_eval},
                    {"train", r.seconds_train},
                    {"total", r.seconds_total}}}};
  json lv = json::array();
  for (size_t i = 0; i < r.before.size() && i < r.after.size(); ++i)
    lv.push_back({{"difficulty", r.before[i].difficulty},
                  {"before", r.before[i].accuracy},
                  {"after", r.after[i].accuracy}});
  summary["levels"] = lv;
  atomic_write_file((out / "summary.json").string(), summary.dump(1) + "\n");
  atomic_write_file((out / "demo_config.yaml").string(), options_to_yaml_string(o));
  return r;
}

}  // namespace ds::app
