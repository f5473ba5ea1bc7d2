// The evaluation loop (see evaluator.h).
#include "eval/evaluator.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "core/errors.h"
#include "core/fs_util.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/timer.h"
#include "eval/responses.h"

namespace ds::eval {

namespace fs = std::filesystem;

void EvalOptions::validate() const {
  auto bad = [](const std::string& field, const std::string& problem, const std::string& hint) {
    return ConfigError(field, problem, hint);
  };
  if (n < 1) throw bad("n", fmt::format("must be >= 1, got {}", n), "use e.g. --n 32");
  ds::validate(sampling, "eval");
  if (max_new_tokens < 1)
    throw bad("max_new_tokens", fmt::format("must be >= 1, got {}", max_new_tokens),
              "use e.g. --max-new-tokens 1024");
  if (batch_size < 1)
    throw bad("batch_size", fmt::format("must be >= 1, got {}", batch_size),
              "use e.g. --batch-size 64");
}

namespace {

struct WorkItem {
  size_t bench, problem;
  int sample;
};

// Settings a saved response depends on; a resumed run must use the same ones.
json run_identity(const EvalOptions& o, const json& identity) {
  json id = identity.is_object() ? identity : json::object();
  id["temperature"] = o.sampling.temperature;
  id["top_p"] = o.sampling.top_p;
  id["top_k"] = o.sampling.top_k;
  id["max_new_tokens"] = o.max_new_tokens;
  id["seed"] = o.seed;
  return id;
}

// Writes OUT/run.json on the first run; on a resumed run checks that nothing changed.
void check_run_identity(const std::string& out_dir, const json& id) {
  std::string path = (fs::path(out_dir) / "run.json").string();
  if (fs::exists(path)) {
    json saved;
    try {
      saved = json::parse(read_file(path));
    } catch (const json::parse_error&) {
      throw DataError(path, "invalid JSON", "delete it (it is rewritten) or use a new --out");
    }
    for (const auto& [key, value] : id.items()) {
      auto it = saved.find(key);
      if (it == saved.end() || *it != value)
        throw ConfigError(
            path,
            fmt::format("'{}' was {} when the saved responses were generated, now {}", key,
                        it == saved.end() ? "unset" : it->dump(), value.dump()),
            "use the same settings to resume, or a new --out directory for new settings");
    }
    return;
  }
  atomic_write_file(path, id.dump(2) + "\n");
}

}  // namespace

EvalReport run_eval(const std::vector<Benchmark>& benchmarks, ResponseGenerator& generator,
                    const PromptFn& make_prompt, const Scorer& scorer, const EvalOptions& options,
                    const json& identity) {
  options.validate();
  DS_CHECK(make_prompt && scorer, "run_eval: prompt function and scorer are required");
  json id = run_identity(options, identity);
  std::string responses_path;
  if (!options.out_dir.empty()) {
    fs::create_directories(options.out_dir);
    check_run_identity(options.out_dir, id);
    responses_path = (fs::path(options.out_dir) / "responses.jsonl").string();
  }
  ResponseStore store(responses_path);

  EvalReport report;
  std::vector<WorkItem> pending;
  for (size_t b = 0; b < benchmarks.size(); ++b)
    for (size_t p = 0; p < benchmarks[b].problems.size(); ++p)
      for (int s = 0; s < options.n; ++s) {
        if (store.find(benchmarks[b].name, benchmarks[b].problems[p].id, s))
          ++report.stats.samples_resumed;
        else
          pending.push_back({b, p, s});
      }
  if (report.stats.samples_resumed > 0)
    log_info("resuming: {} samples already in {}, {} to generate", report.stats.samples_resumed,
             responses_path, pending.size());

  const SamplingSpec spec = options.spec();
  Progress progress("eval", pending.size(), options.progress_interval);
  for (size_t start = 0; start < pending.size(); start += options.batch_size) {
    size_t end = std::min(pending.size(), start + static_cast<size_t>(options.batch_size));
    // Consecutive samples of one problem form one request (they share the prompt's prefill).
    std::vector<GenerationRequest> requests;
    std::vector<std::vector<const WorkItem*>> owners;
    for (size_t i = start; i < end; ++i) {
      const WorkItem& w = pending[i];
      const Benchmark& bench = benchmarks[w.bench];
      const Problem& prob = bench.problems[w.problem];
      bool same =
          i > start && pending[i - 1].bench == w.bench && pending[i - 1].problem == w.problem;
      if (!same) {
        requests.push_back({make_prompt(prob), {}});
        owners.emplace_back();
      }
      requests.back().seeds.push_back(
          sample_seed(static_cast<uint64_t>(options.seed), bench.name, prob.id, w.sample));
      owners.back().push_back(&w);
    }
    std::vector<std::vector<GeneratedText>> outputs;
    {
      ScopedTimer timer(report.stats.seconds);
      outputs = generator.generate(requests, spec);
    }
    DS_CHECK(outputs.size() == requests.size(), "generator returned a wrong number of requests");
    for (size_t r = 0; r < requests.size(); ++r) {
      DS_CHECK(outputs[r].size() == requests[r].seeds.size(),
               "generator returned a wrong number of samples");
      for (size_t j = 0; j < outputs[r].size(); ++j) {
        const WorkItem& w = *owners[r][j];
        const Benchmark& bench = benchmarks[w.bench];
        const Problem& prob = bench.problems[w.problem];
        const GeneratedText& g = outputs[r][j];
        Score score = scorer(prob, g.text);
        store.append({bench.name, prob.id, w.sample, g.text, score.extracted, score.correct});
        report.stats.prompt_tokens += g.prompt_tokens;
        report.stats.new_tokens += g.new_tokens;
        report.stats.finished += g.finished ? 1 : 0;
        report.stats.prompts_truncated += g.prompt_truncated ? 1 : 0;
        ++report.stats.samples_generated;
      }
    }
    progress.advance(end - start, fmt::format("{:.1f} tok/s", report.stats.tokens_per_second()));
  }
  if (report.stats.prompts_truncated > 0)
    log_warn("{} of {} samples had a prompt longer than the model's context; it was left-truncated",
             report.stats.prompts_truncated, report.stats.samples_generated);
  if (!pending.empty())
    progress.finish(fmt::format("{} tokens in {:.1f} s, {:.1f} tok/s", report.stats.new_tokens,
                                report.stats.seconds, report.stats.tokens_per_second()));

  for (const auto& bench : benchmarks) {
    std::vector<int> counts;
    long answered = 0;
    for (const auto& prob : bench.problems) {
      int c = 0;
      for (int s = 0; s < options.n; ++s) {
        const ResponseRecord* rec = store.find(bench.name, prob.id, s);
        DS_CHECK(rec != nullptr, "a sample is missing after generation");
        c += rec->correct ? 1 : 0;
        answered += rec->extracted.empty() ? 0 : 1;
      }
      counts.push_back(c);
    }
    report.benchmarks.push_back(summarize_benchmark(bench.name, counts, options.n, answered));
  }
  report.params = id;
  report.params["n"] = options.n;
  report.params["batch_size"] = options.batch_size;
  json data = json::object();
  for (const auto& bench : benchmarks) data[bench.name] = bench.path;
  report.params["data"] = data;
  if (!options.out_dir.empty())
    atomic_write_file((fs::path(options.out_dir) / "results.json").string(),
                      results_json(report).dump(2) + "\n");
  return report;
}

}  // namespace ds::eval
