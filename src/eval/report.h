// Owns the numbers an evaluation reports and their two renderings: the markdown table printed to
// stdout and OUT/results.json, whose shape is
//   {"benchmarks": {NAME: {"problems": int, "n": int, "pass@1": float, "pass@k": {"1": float,
//    "4": float, ...}, "stderr": float, ...extras}}, "average_pass@1": float, "params": {...}, ...}
// Fractions are in [0, 1] in JSON and in percent in the table.
// Thread-safety: pure functions over values.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/jsonl.h"

namespace ds::eval {

struct BenchmarkResult {
  std::string name;
  int problems = 0;
  int n = 0;                                      // samples per problem
  double pass1 = 0;                               // mean over problems of c_i / n
  double stderr_pass1 = 0;                        // standard error of pass1 across problems
  std::vector<std::pair<int, double>> pass_at_k;  // (k, mean unbiased pass@k), k from report_ks(n)
  double answered = 0;                            // fraction of samples with an extracted answer
};

// Summarizes one benchmark from per-problem correct counts (each out of n) and the number of
// samples with a non-empty extraction. stderr = sample standard deviation (divisor P - 1) of the
// per-problem pass@1 values divided by sqrt(P); 0 when P = 1.
BenchmarkResult summarize_benchmark(const std::string& name, const std::vector<int>& correct_counts,
                                    int n, long answered_samples);

// Throughput of the generation done by this run (resumed samples cost nothing).
struct GenerationStats {
  long samples_generated = 0;
  long samples_resumed = 0;
  long prompt_tokens = 0;
  long new_tokens = 0;
  long finished = 0;           // generated samples that ended at EOS (the rest hit a length cap)
  long prompts_truncated = 0;  // generated samples whose prompt was cut to fit the context
  double seconds = 0;          // wall time inside the generator
  double tokens_per_second() const { return seconds > 0 ? new_tokens / seconds : 0.0; }
};

struct EvalReport {
  std::vector<BenchmarkResult> benchmarks;
  json params = json::object();  // the run's settings, copied into results.json
  GenerationStats stats;
};

// Unweighted mean of the benchmarks' pass@1 (the paper's "average"); 0 when there are none.
double average_pass1(const std::vector<BenchmarkResult>& benchmarks);
// Standard error of that average: sqrt(sum se_b^2) / B (benchmarks are independent samples).
double average_stderr(const std::vector<BenchmarkResult>& benchmarks);

// One row per benchmark plus an "average" row when there is more than one benchmark:
// | benchmark | problems | n | pass@1 (%) | ± se | pass@4 (%) | ... |
std::string markdown_table(const EvalReport& report);

// The results.json object described above (plus "average_stderr" and "generation").
json results_json(const EvalReport& report);

}  // namespace ds::eval
