// The paper's claim in miniature (issue 8): GRPO, DAPO and DeepSearch trained from the SAME
// warm-started tiny model, on the SAME hard training problems, with the SAME budget of generated
// tokens, for several seeds; held-out accuracy is measured along the way, so accuracy can be read
// against compute. Plus the ablations of the paper's Tables 3-5 in small (one seed each): vanilla
// UCT vs the global frontier, most-confident vs random vs least-confident terminal, mean-only vs
// std advantage normalization.
//
// Outputs (the Markdown table starts with the exact command line):
//   RESULTS/paper_table.md               Table-2-like table per run, mean +- std over seeds
//   RESULTS/paper_accuracy_vs_tokens.svg held-out accuracy against generated tokens (seed means)
//   RESULTS/paper_ablations_vs_tokens.svg the same for the ablation runs
//   RESULTS/paper_runs.json              every run's raw numbers (evals, per-step metrics subset)
//   OUT/model                            the warm start (reused when present)
//   OUT/runs/NAME/                       each training run (config.yaml, metrics.jsonl, eval.jsonl)
//   OUT/runs/NAME.result.json            each run's summary, so `--only` can redo some runs and
//                                        the tables still show all of them
//
// Everything except the demo's time cap comes from demo_options() (app/demo.h), so the comparison
// runs the setting the demo shows. Baselines use rollout.n = search.terminals (equal group size).
// The step-0 evaluation is the same for every run (same weights, same held-out problems and
// sampling seed), so it is measured once here instead of once per run.
//
// A plain main() program (not google-benchmark): `bench_app_paper --help`. With --jobs 2, runs go
// to child processes of this program (one torch thread each), two at a time.
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/demo.h"
#include "core/errors.h"
#include "core/fs_util.h"
#include "core/log.h"
#include "core/options.h"
#include "eval/level_eval.h"
#include "eval/svg_plot.h"
#include "model/model_loader.h"
#include "sft/sft.h"
#include "train/train_options.h"
#include "train/trainer.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ds::train::TrainOptions;

constexpr const char* kUsage =
    R"(bench_app_paper: GRPO vs DAPO vs DeepSearch at an equal generated-token budget,
from one warm start, several seeds, plus the DeepSearch ablations (paper Tables 2-5 in small).

options:
  --budget-tokens N   generated tokens per training run (default 150000; --quick 2500)
  --seeds N           seeds of the main comparison: 0..N-1 (default 3; --quick 1)
  --quick             tiny smoke configuration (about 2-3 minutes on 2 cores)
  --out DIR           warm start DIR/model and run directories DIR/runs
                      (default bench/results/paper_run; --quick bench/results/paper_quick)
  --results DIR       where paper_table.md, the SVGs and paper_runs.json go
                      (default bench/results; --quick: the --out directory)
  --only A,B,...      run only these runs (names: see --list); the tables still include every
                      other planned run that has a saved result in DIR/runs
  --no-ablations      plan only the main comparison
  --evals K           held-out evaluations per run besides step 0 (default 4; --quick 1)
  --jobs J            runs at the same time, each in its own process (default 1)
  --threads T         torch intra-op threads per process (default 1)
  --list              print the planned runs and exit
  --help              this text
)";

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_./=,:+") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

struct Args {
  bool quick = false;
  int64_t budget_tokens = -1;  // -1 = the mode's default
  int seeds = -1;
  std::string out, results;
  std::set<std::string> only;
  bool ablations = true;
  int evals = -1;
  int jobs = 1;
  int threads = 1;
  bool list = false;
  std::string child;              // internal: run this one run and write its result file
  std::vector<std::string> argv;  // as given (the children get the same plan)
  std::string command;            // the exact command line, for the table
};

int64_t parse_int(const std::string& flag, const std::string& v) {
  try {
    size_t pos = 0;
    const long long x = std::stoll(v, &pos);
    if (pos != v.size()) throw std::invalid_argument(v);
    return x;
  } catch (const std::exception&) {
    throw ds::UsageError(flag, "'" + v + "' is not an integer", "pass a whole number");
  }
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 0; i < argc; ++i) a.argv.push_back(argv[i]);
  for (int i = 0; i < argc; ++i) a.command += (i ? " " : "") + shell_quote(argv[i]);
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw ds::UsageError(f, "needs a value", "see --help");
      return argv[++i];
    };
    if (f == "--help" || f == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (f == "--quick") {
      a.quick = true;
    } else if (f == "--budget-tokens") {
      a.budget_tokens = parse_int(f, value());
    } else if (f == "--seeds") {
      a.seeds = static_cast<int>(parse_int(f, value()));
    } else if (f == "--out") {
      a.out = value();
    } else if (f == "--results") {
      a.results = value();
    } else if (f == "--only") {
      for (const auto& n : split_commas(value())) a.only.insert(n);
    } else if (f == "--no-ablations") {
      a.ablations = false;
    } else if (f == "--evals") {
      a.evals = static_cast<int>(parse_int(f, value()));
    } else if (f == "--jobs") {
      a.jobs = static_cast<int>(parse_int(f, value()));
    } else if (f == "--threads") {
      a.threads = static_cast<int>(parse_int(f, value()));
    } else if (f == "--list") {
      a.list = true;
    } else if (f == "--child") {
      a.child = value();
    } else {
      throw ds::UsageError(f, "unknown option", "see --help");
    }
  }
  const std::string src = DS_SOURCE_DIR;
  if (a.out.empty())
    a.out = src + (a.quick ? "/bench/results/paper_quick" : "/bench/results/paper_run");
  if (a.results.empty()) a.results = a.quick ? a.out : src + "/bench/results";
  if (a.budget_tokens < 0) a.budget_tokens = a.quick ? 2500 : 150000;
  if (a.seeds < 0) a.seeds = a.quick ? 1 : 3;
  if (a.evals < 0) a.evals = a.quick ? 1 : 4;
  if (a.budget_tokens <= 0)
    throw ds::UsageError("--budget-tokens", "must be positive", "e.g. --budget-tokens 150000");
  if (a.seeds < 1) throw ds::UsageError("--seeds", "must be at least 1", "e.g. --seeds 3");
  if (a.evals < 1) throw ds::UsageError("--evals", "must be at least 1", "e.g. --evals 4");
  if (a.jobs < 1) throw ds::UsageError("--jobs", "must be at least 1", "e.g. --jobs 2");
  if (a.threads < 1) throw ds::UsageError("--threads", "must be at least 1", "e.g. --threads 1");
  return a;
}

// ---------------------------------------------------------------------------------------------
// The plan.

// Generated tokens per training step of each algorithm with the demo's settings, measured on the
// demo's warm start (8 prompts per step, first 15k tokens of seed 0; --quick scales them by its
// prompts). They only choose eval.every so that every run gets about --evals evaluations; the
// budget itself is exact.
double tokens_per_step_estimate(const std::string& algorithm) {
  if (algorithm == "deepsearch") return 2750;
  if (algorithm == "dapo") return 4250;  // dynamic sampling refills the many all-wrong groups
  return 1050;                           // grpo: 8 prompts x 4 short responses
}

// Generated tokens per second of a training run including its updates (one torch thread, measured
// as above on the shared 2-core machine with a load of about 4), and seconds per held-out
// response of an evaluation; for the printed time estimate only.
double tokens_per_second_estimate(const std::string& algorithm) {
  if (algorithm == "deepsearch") return 1050;
  if (algorithm == "dapo") return 1300;
  return 500;  // grpo trains on every sampled response: more update work per token
}
constexpr double kEvalSecondsPerResponse = 0.03;

struct RunSpec {
  std::string name;   // run directory name and --only key
  std::string group;  // "main" | "ablation"
  std::string label;  // the algorithm, or the ablation variant
  int64_t seed = 0;
  TrainOptions train;
};

struct Plan {
  ds::app::DemoOptions demo;
  ds::eval::LevelEvalOptions eval;
  std::string model_dir;
  std::vector<RunSpec> runs;
};

Plan make_plan(const Args& a) {
  Plan p;
  p.demo = ds::app::demo_options();
  p.model_dir = (fs::path(a.out) / "model").string();
  p.eval = p.demo.eval;
  if (a.quick) {
    // A model that barely learned the format: the smoke run checks the plumbing, not the claim.
    p.demo.sft.steps = 60;
    p.demo.sft.data.per_level = {150};
    p.demo.sft.log_every = 20;
    p.eval.n = 8;
    p.eval.samples = 1;
  }
  const TrainOptions& d = p.demo.train;
  auto base = [&](const std::string& alg, int64_t seed, const std::string& name) {
    TrainOptions t = d;  // the demo's DeepSearch run: data, search, update, optimizer
    const TrainOptions preset = ds::train::train_options_for(ds::rl::parse_algorithm(alg));
    t.algorithm = ds::rl::parse_algorithm(alg);
    t.advantage = preset.advantage;
    t.loss = preset.loss;
    t.rollout.n = t.search.terminals;  // equal group sizes
    t.model = p.model_dir;
    t.run_dir = (fs::path(a.out) / "runs" / name).string();
    t.seed = seed;
    t.steps = 100000;  // the budget stops the run
    t.max_seconds = 0;
    t.max_generated_tokens = a.budget_tokens;
    t.export_tree_every = 0;
    t.checkpoint.every = 0;
    t.checkpoint.keep_last = 1;
    if (a.quick) {
      t.prompts_per_step = 4;
      t.search.max_iterations = 12;
    }
    const double per_step = tokens_per_step_estimate(alg) * t.prompts_per_step / d.prompts_per_step;
    t.eval.every = std::max(1, static_cast<int>(std::lround(static_cast<double>(a.budget_tokens) /
                                                            per_step / a.evals)));
    t.eval.at_start = false;  // measured once for all runs (see measure_start)
    t.eval.levels = p.eval;
    t.progress = a.jobs == 1 && a.child.empty();
    return t;
  };
  for (const std::string alg : {"grpo", "dapo", "deepsearch"})
    for (int s = 0; s < a.seeds; ++s) {
      const std::string name = fmt::format("{}_s{}", alg, s);
      p.runs.push_back({name, "main", alg, s, base(alg, s, name)});
    }
  if (a.ablations) {
    // Each changes one setting of DeepSearch seed 0 (frontier, confident, mean-only).
    auto ablation = [&](const std::string& name, const std::string& label, auto change) {
      TrainOptions t = base("deepsearch", 0, name);
      change(t);
      p.runs.push_back({name, "ablation", label, 0, t});
    };
    ablation("ds_uct_s0", "selection = uct (vanilla UCT restart from the root)",
             [](TrainOptions& t) { t.search.selection = ds::search::Selection::kUct; });
    ablation("ds_random_s0", "terminal_choice = random", [](TrainOptions& t) {
      t.search.terminal_choice = ds::search::TerminalChoice::kRandom;
    });
    ablation("ds_least_confident_s0", "terminal_choice = least_confident", [](TrainOptions& t) {
      t.search.terminal_choice = ds::search::TerminalChoice::kLeastConfident;
    });
    ablation(
        "ds_stdnorm_s0",
        fmt::format(
            "advantage.std_normalize = {}",
            ds::train::train_options_for(ds::rl::Algorithm::kDeepSearch).advantage.std_normalize
                ? "false"
                : "true"),
        [](TrainOptions& t) { t.advantage.std_normalize = !t.advantage.std_normalize; });
  }
  for (const auto& n : a.only)
    if (std::none_of(p.runs.begin(), p.runs.end(), [&](const RunSpec& r) { return r.name == n; }))
      throw ds::UsageError("--only", "no planned run is called '" + n + "'",
                           "see --list for the names");
  return p;
}

std::string result_path(const Args& a, const std::string& name) {
  return (fs::path(a.out) / "runs" / (name + ".result.json")).string();
}

// ---------------------------------------------------------------------------------------------
// Held-out accuracy of the warm start (step 0 of every run), cached in OUT/start_eval.json.

double overall(const std::vector<ds::eval::LevelAccuracy>& rows) {
  double c = 0, n = 0;
  for (const auto& r : rows) {
    c += r.correct;
    n += r.responses;
  }
  return n > 0 ? c / n : 0.0;
}

json measure_start(const Args& a, const Plan& p, bool warm_start_reused) {
  const std::string path = (fs::path(a.out) / "start_eval.json").string();
  const std::string key = ds::options_to_yaml_string(p.eval);
  if (warm_start_reused && fs::exists(path)) {
    json j = json::parse(ds::read_file(path), nullptr, false);
    if (j.is_object() && j.value("eval_options", "") == key) return j;
  }
  ds::log_info("bench: held-out accuracy of the warm start (step 0 of every run)");
  const double t0 = now_seconds();
  ds::model::LoadedModel m = ds::model::load_model_or_builtin(p.model_dir, 0, "float32", "cpu");
  std::vector<ds::eval::LevelAccuracy> rows =
      ds::eval::evaluate_levels(m.model, *m.tokenizer, p.eval);
  json levels = json::array();
  for (const auto& r : rows)
    levels.push_back({{"difficulty", r.difficulty},
                      {"accuracy", r.accuracy},
                      {"problems", r.problems},
                      {"responses", r.responses},
                      {"correct", r.correct},
                      {"mean_tokens", r.mean_tokens}});
  json j = {{"step", 0},
            {"accuracy", overall(rows)},
            {"levels", levels},
            {"seconds", now_seconds() - t0},
            {"eval_options", key}};
  ds::atomic_write_file(path, j.dump(1) + "\n");
  return j;
}

// ---------------------------------------------------------------------------------------------
// One run.

const char* const kMetricKeys[] = {"step",
                                   "reward_mean",
                                   "correct_frac",
                                   "samples",
                                   "generated_tokens",
                                   "generated_tokens_total",
                                   "time_step_s",
                                   "search_solved_frac",
                                   "solved_group_frac",
                                   "zero_variance_group_frac",
                                   "response_length_mean",
                                   "refill_batches",
                                   "searches_skipped",
                                   "train_samples"};

json run_one(const Args& a, const RunSpec& r, const json& start_eval) {
  fs::remove_all(r.train.run_dir);  // always a fresh run from the warm start
  fs::create_directories(fs::path(r.train.run_dir).parent_path());
  ds::log_info("bench: run {} ({}, seed {}), budget {} generated tokens, eval every {} steps",
               r.name, r.label, r.seed, r.train.max_generated_tokens, r.train.eval.every);
  const double t0 = now_seconds();
  ds::train::TrainResult tr = ds::train::start_training(r.train);
  const double wall = now_seconds() - t0;

  json metrics = json::array();
  int64_t samples = 0, trained = 0, tokens = 0;
  double train_seconds = 0;
  std::map<int64_t, int64_t> tokens_at_step = {{0, 0}};
  for (const json& m : tr.metrics) {
    json small = json::object();
    for (const char* k : kMetricKeys)
      if (m.contains(k)) small[k] = m[k];
    metrics.push_back(small);
    samples += static_cast<int64_t>(m.value("samples", 0.0));
    // Responses the update used (DAPO's dynamic sampling and the sample filter drop some).
    trained += static_cast<int64_t>(m.value("train_samples", m.value("samples", 0.0)));
    tokens = m.value("generated_tokens_total", tokens);
    train_seconds += m.value("time_step_s", 0.0);
    tokens_at_step[m.value("step", int64_t{0})] = m.value("generated_tokens_total", int64_t{0});
  }
  json evals = json::array();
  json e0 = start_eval;
  e0.erase("eval_options");
  e0.erase("seconds");
  e0["generated_tokens"] = 0;
  evals.push_back(e0);
  for (const json& e : tr.evals) {
    json x = e;
    const int64_t step = e.value("step", int64_t{0});
    x["generated_tokens"] = tokens_at_step.count(step) ? tokens_at_step[step] : tokens;
    evals.push_back(x);
  }
  // The first and last quarter of the steps: does the policy solve more training problems?
  auto mean_over = [&](const char* key, size_t from, size_t to) {
    double s = 0;
    int n = 0;
    for (size_t i = from; i < to && i < tr.metrics.size(); ++i)
      if (tr.metrics[i].contains(key) && tr.metrics[i][key].is_number()) {
        s += tr.metrics[i][key].get<double>();
        ++n;
      }
    return n > 0 ? s / n : std::nan("");
  };
  const size_t ns = tr.metrics.size(), q = std::max<size_t>(1, ns / 4);
  json res = {
      {"name", r.name},
      {"group", r.group},
      {"label", r.label},
      {"algorithm", ds::rl::algorithm_name(r.train.algorithm)},
      {"seed", r.seed},
      {"budget_tokens", r.train.max_generated_tokens},
      {"settings",
       {{"selection", ds::choice_name(r.train.search.selection, ds::search::kSelectionChoices)},
        {"terminal_choice",
         ds::choice_name(r.train.search.terminal_choice, ds::search::kTerminalChoices)},
        {"std_normalize", r.train.advantage.std_normalize},
        {"prompts_per_step", r.train.prompts_per_step},
        {"group_size", r.train.algorithm == ds::rl::Algorithm::kDeepSearch
                           ? r.train.search.terminals
                           : r.train.rollout.n},
        {"eval_every", r.train.eval.every}}},
      {"steps", tr.steps_done},
      {"stopped_by_budget", tr.stopped_by_budget},
      {"samples", samples},
      {"trained_samples", trained},
      {"generated_tokens", tokens},
      {"train_seconds", train_seconds},  // rollouts + updates, evaluations excluded
      {"wall_seconds", wall},            // the whole start_training() call, evaluations included
      {"accuracy_before", start_eval.value("accuracy", 0.0)},
      {"accuracy_after", evals.back().value("accuracy", 0.0)},
      {"train_correct_first_quarter", mean_over("correct_frac", 0, q)},
      {"train_correct_last_quarter", mean_over("correct_frac", ns - q, ns)},
      {"evals", evals},
      {"metrics", metrics},
      {"run_dir", r.train.run_dir},
  };
  ds::atomic_write_file(result_path(a, r.name), res.dump(1) + "\n");
  std::printf(
      "run %-24s steps %4lld  samples %6lld  tokens %8lld  train %6.1f s  wall %6.1f s  "
      "held-out %.3f -> %.3f\n",
      r.name.c_str(), static_cast<long long>(tr.steps_done), static_cast<long long>(samples),
      static_cast<long long>(tokens), train_seconds, wall, res["accuracy_before"].get<double>(),
      res["accuracy_after"].get<double>());
  std::fflush(stdout);
  return res;
}

// Runs `names` in child processes of this program, `jobs` at a time; each writes its result file
// and its log to OUT/runs/NAME.log. Returns the names that failed.
std::vector<std::string> run_children(const Args& a, const std::vector<std::string>& names) {
  std::vector<std::string> base_args;
  for (size_t i = 0; i < a.argv.size(); ++i) {
    const std::string& s = a.argv[i];
    if (s == "--only" || s == "--jobs" || s == "--child") {
      ++i;
      continue;
    }
    base_args.push_back(s);
  }
  std::map<pid_t, std::string> running;
  std::vector<std::string> failed;
  size_t next = 0;
  auto wait_one = [&]() {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid <= 0) return;
    auto it = running.find(pid);
    if (it == running.end()) return;
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::printf("bench: run %s %s (log %s/runs/%s.log)\n", it->second.c_str(),
                ok ? "finished" : "FAILED", a.out.c_str(), it->second.c_str());
    std::fflush(stdout);
    if (!ok) failed.push_back(it->second);
    running.erase(it);
  };
  while (next < names.size() || !running.empty()) {
    while (next < names.size() && static_cast<int>(running.size()) < a.jobs) {
      const std::string& name = names[next++];
      std::vector<std::string> args = base_args;
      args.push_back("--jobs");
      args.push_back("1");
      args.push_back("--child");
      args.push_back(name);
      std::vector<char*> cargs;
      for (auto& s : args) cargs.push_back(s.data());
      cargs.push_back(nullptr);
      const std::string log = (fs::path(a.out) / "runs" / (name + ".log")).string();
      posix_spawn_file_actions_t fa;
      posix_spawn_file_actions_init(&fa);
      posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      posix_spawn_file_actions_adddup2(&fa, 1, 2);
      pid_t pid = 0;
      const int rc = posix_spawn(&pid, "/proc/self/exe", &fa, nullptr, cargs.data(), environ);
      posix_spawn_file_actions_destroy(&fa);
      if (rc != 0) {
        std::printf("bench: could not start run %s (%s)\n", name.c_str(), std::strerror(rc));
        failed.push_back(name);
        continue;
      }
      std::printf("bench: started run %s (pid %d)\n", name.c_str(), static_cast<int>(pid));
      std::fflush(stdout);
      running[pid] = name;
    }
    if (!running.empty()) wait_one();
  }
  return failed;
}

// ---------------------------------------------------------------------------------------------
// Report.

struct Stat {
  double mean = 0, sd = 0;
  int n = 0;
};

Stat stat_of(const std::vector<double>& v) {
  Stat s;
  s.n = static_cast<int>(v.size());
  if (v.empty()) return s;
  for (double x : v) s.mean += x;
  s.mean /= s.n;
  if (s.n > 1) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.sd = std::sqrt(ss / (s.n - 1));
  }
  return s;
}

std::string pm(const Stat& s, const char* f = "{:.1f}", double scale = 1.0) {
  const std::string m = fmt::format(fmt::runtime(f), s.mean * scale);
  if (s.n < 2) return m;
  return m + " ± " + fmt::format(fmt::runtime(f), s.sd * scale);
}

// Accuracy of a run's curve at `x` generated tokens (linear between evaluations, the last value
// after the last one).
double curve_at(const json& evals, double x) {
  double px = 0, py = std::nan("");
  bool first = true;
  for (const json& e : evals) {
    const double ex = e.value("generated_tokens", 0.0), ey = e.value("accuracy", 0.0);
    if (first) {
      if (x <= ex) return ey;
      first = false;
    } else if (x <= ex) {
      return ex > px ? py + (ey - py) * (x - px) / (ex - px) : ey;
    }
    px = ex;
    py = ey;
  }
  return py;
}

std::string accuracy_svg(
    const std::vector<std::pair<std::string, std::vector<const json*>>>& groups, int64_t budget,
    const std::string& title) {
  std::vector<ds::eval::PlotSeries> series;
  double xmax = static_cast<double>(budget);
  for (const auto& [name, runs] : groups)
    for (const json* r : runs)
      xmax = std::max(xmax, (*r)["evals"].back().value("generated_tokens", 0.0));
  const int kPoints = 13;
  for (const auto& [name, runs] : groups) {
    if (runs.empty()) continue;
    ds::eval::PlotSeries s;
    s.name = runs.size() > 1 ? fmt::format("{} (mean of {} seeds)", name, runs.size()) : name;
    s.markers = true;
    for (int i = 0; i < kPoints; ++i) {
      const double x = xmax * i / (kPoints - 1);
      double y = 0;
      for (const json* r : runs) y += curve_at((*r)["evals"], x);
      s.x.push_back(x);
      s.y.push_back(y / static_cast<double>(runs.size()));
    }
    series.push_back(std::move(s));
  }
  ds::eval::PlotOptions po;
  po.title = title;
  po.x_label = "generated training tokens";
  po.y_label = "held-out pass@1";
  po.y_min = 0.0;
  po.y_max = 1.0;
  po.width = 760;
  return ds::eval::svg_line_chart(series, po);
}

std::string cell(const json& r, const char* key, const char* f) {
  if (!r.contains(key) || !r[key].is_number()) return "-";
  const double v = r[key].get<double>();
  return std::isfinite(v) ? fmt::format(fmt::runtime(f), v) : "-";
}

void write_report(const Args& a, const Plan& p, const std::vector<json>& results,
                  const json& start_eval, double bench_seconds) {
  fs::create_directories(a.results);
  std::map<std::string, const json*> by_name;
  for (const json& r : results) by_name[r["name"].get<std::string>()] = &r;
  const ds::train::TrainOptions& t0 = p.runs.front().train;
  const char* algs[] = {"grpo", "dapo", "deepsearch"};

  std::string md =
      "# The paper's claim in miniature: GRPO vs DAPO vs DeepSearch at equal compute\n\n";
  md += "Produced by (from the repository root, after `scripts/build.sh`):\n\n```\n" + a.command +
        "\n```\n\n";
  std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  md += fmt::format(
      "{}; {} CPU cores, {} torch thread(s) per run, {} run(s) at a time; this invocation took "
      "{:.1f} min.{}\n\n",
      date, std::thread::hardware_concurrency(), a.threads, a.jobs, bench_seconds / 60.0,
      a.quick ? " **--quick smoke configuration: the numbers are not meaningful.**" : "");
  md += fmt::format(
      "Setup (demo_options() of `deepsearch demo`, app/demo.cpp): warm start `{}` (the tiny model "
      "trained on worked solutions of arithmetic levels {}); every run starts from it. Training "
      "problems: arithmetic levels {} ({} per level, data seed {}), {} prompts per step; group "
      "size {} (DeepSearch: B = {} backed-up terminals of a tree with W = {}, chunks <= {} tokens "
      "split at newlines, depth cap {}, <= {} expansions; GRPO / DAPO: n = {} sampled responses, "
      "<= {} tokens); lr {:g}. Every run stops after the step in which it has generated {} "
      "tokens (rollouts only; evaluation tokens are not counted). Held-out: arithmetic levels {} "
      "(held-out split, seed {}), {} problems per level x {} samples at temperature {:g}, "
      "measured every few steps and after the last one; the step-0 value is measured once "
      "(identical for all runs: same weights, problems and sampling seed).\n\n",
      fs::proximate(p.model_dir, DS_SOURCE_DIR).string(),
      fmt::join(p.demo.sft.data.difficulties, ","), fmt::join(t0.data.difficulties, ","),
      t0.data.per_level, t0.data.seed, t0.prompts_per_step, t0.search.terminals,
      t0.search.terminals, t0.search.width, t0.search.chunk_tokens, t0.search.max_depth,
      t0.search.max_iterations, t0.search.terminals, ds::train::max_response_tokens(t0),
      t0.optim.lr, a.budget_tokens, fmt::join(p.eval.difficulties, ","), p.eval.seed, p.eval.n,
      p.eval.samples, p.eval.sampling.temperature);
  md +=
      "Columns: *steps* = policy updates; *samples* = sampled responses / of them trained on "
      "(DAPO's dynamic sampling drops zero-variance groups); *tokens* = generated training tokens; "
      "*train s* = wall seconds of "
      "rollouts + updates; *total s* = the whole run including its held-out evaluations; "
      "*train correct* = fraction of correct sampled training responses, first -> last quarter "
      "of the steps; held-out pass@1 before / after training.\n\n";

  md +=
      "## Per run\n\n| algorithm | seed | steps | samples | tokens | train s | total s | train "
      "correct | held-out before | held-out after | change |\n"
      "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|\n";
  for (const char* alg : algs)
    for (const RunSpec& rs : p.runs) {
      if (rs.group != "main" || rs.label != alg || !by_name.count(rs.name)) continue;
      const json& r = *by_name[rs.name];
      md += fmt::format(
          "| {} | {} | {} | {} / {} | {} | {} | {} | {} -> {} | {:.1f}% | {:.1f}% | {:+.1f} |\n",
          alg, rs.seed, r["steps"].get<int64_t>(), r["samples"].get<int64_t>(),
          r.value("trained_samples", int64_t{0}), r["generated_tokens"].get<int64_t>(),
          cell(r, "train_seconds", "{:.0f}"), cell(r, "wall_seconds", "{:.0f}"),
          cell(r, "train_correct_first_quarter", "{:.3f}"),
          cell(r, "train_correct_last_quarter", "{:.3f}"), 100 * r["accuracy_before"].get<double>(),
          100 * r["accuracy_after"].get<double>(),
          100 * (r["accuracy_after"].get<double>() - r["accuracy_before"].get<double>()));
    }

  md +=
      "\n## Mean ± std over seeds (Table 2 in small)\n\n| algorithm | seeds | steps | samples | "
      "tokens | train s | held-out before | held-out after | change | best along the curve |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  std::map<std::string, Stat> after_by_alg;
  std::vector<std::pair<std::string, std::vector<const json*>>> main_groups;
  for (const char* alg : algs) {
    std::vector<const json*> rs;
    for (const RunSpec& s : p.runs)
      if (s.group == "main" && s.label == alg && by_name.count(s.name))
        rs.push_back(by_name[s.name]);
    main_groups.push_back({alg, rs});
    if (rs.empty()) continue;
    auto col = [&](const char* k) {
      std::vector<double> v;
      for (const json* r : rs) v.push_back(r->value(k, 0.0));
      return stat_of(v);
    };
    std::vector<double> change, best;
    for (const json* r : rs) {
      change.push_back((*r)["accuracy_after"].get<double>() -
                       (*r)["accuracy_before"].get<double>());
      double b = 0;
      for (const json& e : (*r)["evals"]) b = std::max(b, e.value("accuracy", 0.0));
      best.push_back(b);
    }
    after_by_alg[alg] = col("accuracy_after");
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {:.1f}% | {}% | {} | {}% |\n", alg,
                      rs.size(), pm(col("steps")),
                      pm(col("samples"), "{:.0f}") + " / " + pm(col("trained_samples"), "{:.0f}"),
                      pm(col("generated_tokens"), "{:.0f}"), pm(col("train_seconds"), "{:.0f}"),
                      100 * start_eval.value("accuracy", 0.0),
                      pm(col("accuracy_after"), "{:.1f}", 100), pm(stat_of(change), "{:+.1f}", 100),
                      pm(stat_of(best), "{:.1f}", 100));
  }

  // Ablations: DeepSearch seed 0 is the reference row.
  std::vector<std::pair<std::string, std::vector<const json*>>> abl_groups;
  bool any_ablation = false;
  for (const RunSpec& s : p.runs) any_ablation |= s.group == "ablation" && by_name.count(s.name);
  if (any_ablation) {
    md +=
        "\n## Ablations (Tables 3-5 in small; one seed each, so differences of a few points are "
        "within seed noise -- compare with the spread over seeds above)\n\n"
        "| variant | selection | terminal choice | std normalize | steps | samples | tokens | "
        "train s | held-out after | change |\n|---|---|---|---|---:|---:|---:|---:|---:|---:|\n";
    auto row = [&](const std::string& label, const json& r) {
      const json& st = r["settings"];
      md += fmt::format(
          "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1f}% | {:+.1f} |\n", label,
          st.value("selection", ""), st.value("terminal_choice", ""),
          st.value("std_normalize", false) ? "yes" : "no (mean only)", r["steps"].get<int64_t>(),
          fmt::format("{} / {}", r["samples"].get<int64_t>(),
                      r.value("trained_samples", int64_t{0})),
          r["generated_tokens"].get<int64_t>(), cell(r, "train_seconds", "{:.0f}"),
          100 * r["accuracy_after"].get<double>(),
          100 * (r["accuracy_after"].get<double>() - r["accuracy_before"].get<double>()));
    };
    if (by_name.count("deepsearch_s0")) {
      row("DeepSearch seed 0 (reference)", *by_name["deepsearch_s0"]);
      abl_groups.push_back(
          {"DeepSearch seed 0 (frontier, confident, mean-only)", {by_name["deepsearch_s0"]}});
    }
    for (const RunSpec& s : p.runs)
      if (s.group == "ablation" && by_name.count(s.name)) {
        row(s.label, *by_name[s.name]);
        abl_groups.push_back({s.label, {by_name[s.name]}});
      }
  }

  md +=
      "\n## Held-out accuracy against generated tokens\n\n![accuracy vs tokens]"
      "(paper_accuracy_vs_tokens.svg)\n\n";
  if (any_ablation) md += "![ablations](paper_ablations_vs_tokens.svg)\n\n";
  md += "Every evaluation (step: generated tokens -> held-out pass@1):\n\n";
  for (const RunSpec& s : p.runs) {
    if (!by_name.count(s.name)) continue;
    md += "- `" + s.name + "`:";
    for (const json& e : (*by_name[s.name])["evals"])
      md += fmt::format(" {}: {} -> {:.3f};", e.value("step", 0), e.value("generated_tokens", 0),
                        e.value("accuracy", 0.0));
    md.back() = '\n';
  }

  // The factual note; the interpretation belongs to whoever runs it.
  md += "\n## Note (generated from the numbers above)\n\n";
  if (after_by_alg.count("deepsearch") && after_by_alg.size() > 1) {
    std::string best_base;
    for (const auto& [alg, st] : after_by_alg)
      if (alg != "deepsearch" && (best_base.empty() || st.mean > after_by_alg[best_base].mean))
        best_base = alg;
    const Stat ds_st = after_by_alg["deepsearch"], b = after_by_alg[best_base];
    const double diff = ds_st.mean - b.mean;
    const double se = std::sqrt((ds_st.n > 1 ? ds_st.sd * ds_st.sd / ds_st.n : 0.0) +
                                (b.n > 1 ? b.sd * b.sd / b.n : 0.0));
    md += fmt::format(
        "At an equal budget of {} generated tokens, DeepSearch ends at {:.1f}% held-out pass@1 "
        "(mean of {} seed(s)) against {:.1f}% for the best baseline ({}, {} seed(s)): a difference "
        "of {:+.1f} points{}. {}\n",
        a.budget_tokens, 100 * ds_st.mean, ds_st.n, 100 * b.mean, best_base, b.n, 100 * diff,
        se > 0 ? fmt::format(" (standard error of the difference {:.1f} points)", 100 * se) : "",
        se <= 0 ? (diff > 0 ? "DeepSearch is ahead in this single draw; without several seeds "
                              "this does not establish a win."
                            : "DeepSearch does NOT win here (a single draw).")
        : diff > 2 * se
            ? "DeepSearch wins by more than two standard errors."
            : (diff > 0 ? "DeepSearch is ahead, but not by more than two standard errors of the "
                          "seed spread: this run does not establish a win."
                        : "DeepSearch does NOT win here."));
  } else {
    md += "Not every algorithm has a result yet; run the missing ones (see --list).\n";
  }
  if (a.quick)
    md +=
        "\nThis is the --quick smoke configuration; its numbers only show that the "
        "pipeline runs.\n";

  ds::atomic_write_file((fs::path(a.results) / "paper_table.md").string(), md);
  ds::atomic_write_file(
      (fs::path(a.results) / "paper_accuracy_vs_tokens.svg").string(),
      accuracy_svg(main_groups, a.budget_tokens,
                   "Held-out pass@1 vs generated training tokens (equal budget)"));
  if (any_ablation)
    ds::atomic_write_file(
        (fs::path(a.results) / "paper_ablations_vs_tokens.svg").string(),
        accuracy_svg(abl_groups, a.budget_tokens, "DeepSearch ablations (seed 0)"));
  json all = {{"command", a.command},           {"budget_tokens", a.budget_tokens},
              {"start_eval", start_eval},       {"model", p.model_dir},
              {"bench_seconds", bench_seconds}, {"runs", results}};
  ds::atomic_write_file((fs::path(a.results) / "paper_runs.json").string(), all.dump(1) + "\n");
  std::printf("\n%s\n", md.c_str());
  std::printf("wrote %s/paper_table.md, paper_accuracy_vs_tokens.svg, paper_runs.json\n",
              a.results.c_str());
}

int bench_main(int argc, char** argv) {
  const double t_begin = now_seconds();
  Args a = parse_args(argc, argv);
  at::set_num_threads(a.threads);
  Plan p = make_plan(a);
  std::vector<const RunSpec*> todo;
  for (const RunSpec& r : p.runs)
    if (a.only.empty() || a.only.count(r.name)) todo.push_back(&r);

  if (a.list) {
    for (const RunSpec& r : p.runs)
      std::printf("%-24s %-9s %s (seed %lld, eval every %d steps)\n", r.name.c_str(),
                  r.group.c_str(), r.label.c_str(), static_cast<long long>(r.seed),
                  r.train.eval.every);
    return 0;
  }
  if (!a.child.empty()) {
    const auto it = std::find_if(p.runs.begin(), p.runs.end(),
                                 [&](const RunSpec& r) { return r.name == a.child; });
    if (it == p.runs.end()) throw ds::UsageError("--child", "unknown run " + a.child, "");
    json start = json::parse(ds::read_file((fs::path(a.out) / "start_eval.json").string()));
    run_one(a, *it, start);
    return 0;
  }

  // Everything checkable before the warm start.
  ds::sft::validate(p.demo.sft);
  ds::eval::validate(p.eval, "eval");
  for (const RunSpec& r : p.runs) {
    TrainOptions check = r.train;
    check.model = "builtin:tiny";
    ds::train::validate_train_options(check);
  }

  // The time estimate (rates measured on this machine; see the constants above).
  double est = 0;
  for (const RunSpec* r : todo) {
    const double steps = std::ceil(
        a.budget_tokens / (tokens_per_step_estimate(ds::rl::algorithm_name(r->train.algorithm)) *
                           r->train.prompts_per_step / p.demo.train.prompts_per_step));
    const double evals = std::ceil(steps / r->train.eval.every) + 1;
    const double eval_s =
        kEvalSecondsPerResponse * p.eval.n * p.eval.samples * p.eval.difficulties.size();
    est +=
        a.budget_tokens / tokens_per_second_estimate(ds::rl::algorithm_name(r->train.algorithm)) +
        evals * eval_s + 5;
  }
  const bool have_model = ds::sft::check_checkpoint(p.model_dir).empty();
  std::printf(
      "bench: %zu of %zu planned runs (%d seeds%s), %lld generated tokens each, %d at a "
      "time\n",
      todo.size(), p.runs.size(), a.seeds, a.ablations ? " + 4 ablations" : "",
      static_cast<long long>(a.budget_tokens), a.jobs);
  std::printf("bench: estimated %.0f min of training and evaluation%s (unloaded machine)\n",
              est / a.jobs / 60.0,
              have_model ? "" : ", plus the warm start (about 3-5 min; reused next time)");
  std::fflush(stdout);

  fs::create_directories(fs::path(a.out) / "runs");
  ds::sft::WarmStart ws = ds::sft::ensure_warm_start(p.model_dir, p.demo.sft);
  std::printf("bench: warm start %s %s\n", ws.reused ? "reused" : "trained into",
              p.model_dir.c_str());
  const json start = measure_start(a, p, ws.reused);
  std::printf("bench: held-out pass@1 of the warm start %.3f\n", start.value("accuracy", 0.0));
  std::fflush(stdout);
  if (!ws.reused)  // saved results of earlier runs came from another warm start
    for (const RunSpec& r : p.runs) fs::remove(result_path(a, r.name));

  std::vector<std::string> failed;
  if (a.jobs > 1) {
    std::vector<std::string> names;
    for (const RunSpec* r : todo) names.push_back(r->name);
    failed = run_children(a, names);
  } else {
    const double t_runs = now_seconds();
    for (size_t i = 0; i < todo.size(); ++i) {
      run_one(a, *todo[i], start);
      const double spent = now_seconds() - t_runs;
      std::printf("bench: %zu/%zu runs done, %.1f min spent, about %.1f min left\n", i + 1,
                  todo.size(), spent / 60.0, spent / (i + 1) * (todo.size() - i - 1) / 60.0);
      std::fflush(stdout);
    }
  }

  // Every planned run with a saved result from this budget (those of earlier --only calls too).
  std::vector<json> results;
  for (const RunSpec& r : p.runs) {
    const std::string path = result_path(a, r.name);
    if (!fs::exists(path)) continue;
    json j = json::parse(ds::read_file(path), nullptr, false);
    if (!j.is_object()) continue;
    if (j.value("budget_tokens", int64_t{0}) != a.budget_tokens) {
      std::printf("bench: leaving out %s (its budget was %lld tokens)\n", r.name.c_str(),
                  static_cast<long long>(j.value("budget_tokens", int64_t{0})));
      continue;
    }
    results.push_back(std::move(j));
  }
  write_report(a, p, results, start, now_seconds() - t_begin);
  if (!failed.empty()) {
    std::printf("bench: %zu run(s) failed:", failed.size());
    for (const auto& f : failed) std::printf(" %s", f.c_str());
    std::printf("\n");
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return bench_main(argc, argv);
  } catch (const ds::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 3;
  }
}
