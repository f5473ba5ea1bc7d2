// The Pass1@K hard-subset filter without model loading (see hard_filter.h); the command that loads
// a model is app/filter_command.cpp.
#include "train/hard_filter.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/errors.h"
#include "core/fs_util.h"
#include "core/timer.h"
#include "eval/engine_generator.h"
#include "eval/prompt_template.h"
#include "tasks/problem_io.h"
#include "tokenizer/tokenizer.h"

namespace ds::train {

namespace {
// Absorbs the rounding of threshold * k (0.25 * 4 is exact, 0.3 * 10 is not).
constexpr double kEps = 1e-9;
}  // namespace

void validate(const HardFilterOptions& o, const std::string& where) {
  auto bad = [&](const char* field, const std::string& problem, const std::string& hint) {
    throw ConfigError(where + "." + field, problem, hint);
  };
  if (o.k < 1) bad("k", fmt::format("must be >= 1, got {}", o.k), "use e.g. 4");
  if (!(o.threshold >= 0.0 && o.threshold <= 1.0))
    bad("threshold", fmt::format("must be in [0, 1], got {}", o.threshold), "use e.g. 0.25");
  if (o.strict && o.threshold == 0.0)
    bad("strict", "with threshold 0 no problem can have a pass rate below it",
        "use a threshold > 0 or drop --strict");
  ds::validate(o.sampling, where);
  if (o.max_new_tokens < 1) bad("max_new_tokens", "must be >= 1", "use e.g. 1024");
  if (o.batch_problems < 1) bad("batch_problems", "must be >= 1", "use e.g. 16");
  if (o.prompt_template != "auto") {
    try {
      eval::check_prompt_template(o.prompt_template);
    } catch (const ConfigError& e) {
      throw ConfigError(where + ".template", e.problem(), e.hint());
    }
  }
}

bool keep_problem(int correct, int k, const HardFilterOptions& o) {
  DS_CHECK(k >= 1 && correct >= 0 && correct <= k, "keep_problem: need 0 <= correct <= k, k >= 1");
  const double c = static_cast<double>(correct);
  const double bound = o.threshold * static_cast<double>(k);
  return o.strict ? c < bound - kEps : c <= bound + kEps;
}

std::vector<tasks::Problem> HardFilterReport::kept_problems() const {
  std::vector<tasks::Problem> out;
  for (const FilterRow& r : rows)
    if (r.kept) out.push_back(r.problem);
  return out;
}

HardFilterReport run_hard_filter(eval::ResponseGenerator& generator,
                                 const std::vector<tasks::Problem>& problems,
                                 const eval::PromptFn& prompt, const eval::Scorer& scorer,
                                 const HardFilterOptions& o, const FilterProgressFn& progress,
                                 const std::string& resolved_template) {
  validate(o);
  const Stopwatch watch;
  HardFilterReport report;
  report.prompt_template = resolved_template;
  report.total = static_cast<int>(problems.size());
  report.histogram.assign(static_cast<size_t>(o.k) + 1, 0);
  report.rows.reserve(problems.size());

  eval::SamplingSpec spec;
  spec.sampling = o.sampling;
  spec.max_new_tokens = o.max_new_tokens;

  const size_t per_call = static_cast<size_t>(o.batch_problems);
  for (size_t start = 0; start < problems.size(); start += per_call) {
    const size_t end = std::min(problems.size(), start + per_call);
    std::vector<eval::GenerationRequest> requests;
    requests.reserve(end - start);
    for (size_t i = start; i < end; ++i) {
      eval::GenerationRequest r;
      r.prompt = prompt(problems[i]);
      for (int s = 0; s < o.k; ++s)
        r.seeds.push_back(
            eval::sample_seed(static_cast<uint64_t>(o.seed), "filter", problems[i].id, s));
      requests.push_back(std::move(r));
    }
    std::vector<std::vector<eval::GeneratedText>> texts = generator.generate(requests, spec);
    DS_CHECK(texts.size() == requests.size(), "generator returned a wrong number of requests");
    for (size_t i = start; i < end; ++i) {
      const std::vector<eval::GeneratedText>& got = texts[i - start];
      DS_CHECK(got.size() == static_cast<size_t>(o.k), "generator returned a wrong sample count");
      FilterRow row;
      row.problem = problems[i];
      row.k = o.k;
      for (const eval::GeneratedText& g : got) {
        row.correct += scorer(problems[i], g.text).correct ? 1 : 0;
        row.tokens += g.new_tokens;
      }
      row.pass_rate = static_cast<double>(row.correct) / static_cast<double>(row.k);
      row.kept = keep_problem(row.correct, row.k, o);
      report.kept += row.kept;
      report.histogram[static_cast<size_t>(row.correct)] += 1;
      report.generated_tokens += row.tokens;
      report.rows.push_back(std::move(row));
    }
    if (progress) progress(static_cast<int>(end), report.total, report.kept);
  }
  report.seconds = watch.seconds();
  return report;
}

HardFilterReport run_hard_filter(engine::Engine& engine, const tok::Tokenizer& tokenizer,
                                 const std::vector<tasks::Problem>& problems,
                                 const HardFilterOptions& options,
                                 const FilterProgressFn& progress) {
  validate(options);
  const std::string name = eval::resolve_prompt_template(options.prompt_template, tokenizer.kind());
  eval::EngineGenerator generator(engine, tokenizer);
  return run_hard_filter(generator, problems, eval::make_prompt_fn(name), tasks::score_response,
                         options, progress, name);
}

json filter_row_json(const FilterRow& row) {
  json j = tasks::to_json(row.problem);
  j["pass_rate"] = row.pass_rate;
  j["correct"] = row.correct;
  j["k"] = row.k;
  return j;
}

void write_filter_jsonl(const std::string& path, const HardFilterReport& report, bool all) {
  // The problem's own line (fields in the order `deepsearch task generate` writes them), then the
  // measured fields.
  std::string out;
  for (const FilterRow& r : report.rows) {
    if (!all && !r.kept) continue;
    std::string line = tasks::to_jsonl_line(r.problem);
    DS_CHECK(!line.empty() && line.back() == '}', "a problem line is a JSON object");
    line.pop_back();
    line += fmt::format(",\"pass_rate\":{},\"correct\":{},\"k\":{}", json(r.pass_rate).dump(),
                        r.correct, r.k);
    if (all) line += r.kept ? ",\"kept\":true" : ",\"kept\":false";
    out += line + "}\n";
  }
  atomic_write_file(path, out);
}

std::string filter_summary(const HardFilterReport& r, const HardFilterOptions& o) {
  auto pct = [](double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; };
  std::string s =
      fmt::format("kept {} / {} problems ({:.1f}%): pass rate {} {} with k = {}{}\n", r.kept,
                  r.total, pct(r.kept, r.total), o.strict ? "<" : "<=", o.threshold, o.k,
                  r.prompt_template.empty() ? "" : ", template " + r.prompt_template);
  s += fmt::format("generated {} tokens in {:.1f} s ({:.0f} tokens/s)\n", r.generated_tokens,
                   r.seconds, r.seconds > 0 ? r.generated_tokens / r.seconds : 0.0);
  s += "pass-rate histogram (correct/k: problems):\n";
  int widest = 1;
  for (int n : r.histogram) widest = std::max(widest, n);
  for (size_t c = 0; c < r.histogram.size(); ++c) {
    const int n = r.histogram[c];
    const int bar = static_cast<int>(std::lround(40.0 * n / widest));
    const bool kept = keep_problem(static_cast<int>(c), o.k, o);
    std::string line =
        fmt::format("  {:>3}/{:<3} {:>7}  {:5.1f}%  {}{}", c, o.k, n, pct(n, r.total),
                    std::string(static_cast<size_t>(bar), '#'), kept ? "  (kept)" : "");
    while (!line.empty() && line.back() == ' ') line.pop_back();
    s += line + "\n";
  }
  return s;
}

}  // namespace ds::train
