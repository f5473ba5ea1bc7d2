// Evaluation numbers and their renderings (see report.h).
#include "eval/report.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "core/errors.h"
#include "eval/pass_at_k.h"

namespace ds::eval {

BenchmarkResult summarize_benchmark(const std::string& name, const std::vector<int>& correct_counts,
                                    int n, long answered_samples) {
  DS_CHECK(n >= 1, "summarize_benchmark: n must be >= 1");
  DS_CHECK(!correct_counts.empty(), "summarize_benchmark: no problems");
  BenchmarkResult r;
  r.name = name;
  r.problems = static_cast<int>(correct_counts.size());
  r.n = n;
  const double P = r.problems;
  double sum = 0;
  for (int c : correct_counts) {
    DS_CHECK(c >= 0 && c <= n, "summarize_benchmark: correct count outside [0, n]");
    sum += static_cast<double>(c) / n;
  }
  r.pass1 = sum / P;
  if (r.problems > 1) {
    double ss = 0;
    for (int c : correct_counts) {
      double d = static_cast<double>(c) / n - r.pass1;
      ss += d * d;
    }
    r.stderr_pass1 = std::sqrt(ss / (P - 1)) / std::sqrt(P);
  }
  for (int k : report_ks(n)) {
    double s = 0;
    for (int c : correct_counts) s += pass_at_k(n, c, k);
    r.pass_at_k.emplace_back(k, s / P);
  }
  r.answered = static_cast<double>(answered_samples) / (P * n);
  return r;
}

double average_pass1(const std::vector<BenchmarkResult>& benchmarks) {
  if (benchmarks.empty()) return 0;
  double s = 0;
  for (const auto& b : benchmarks) s += b.pass1;
  return s / benchmarks.size();
}

double average_stderr(const std::vector<BenchmarkResult>& benchmarks) {
  if (benchmarks.empty()) return 0;
  double s = 0;
  for (const auto& b : benchmarks) s += b.stderr_pass1 * b.stderr_pass1;
  return std::sqrt(s) / benchmarks.size();
}

namespace {
const double* find_k(const BenchmarkResult& b, int k) {
  for (const auto& [kk, v] : b.pass_at_k)
    if (kk == k) return &v;
  return nullptr;
}
}  // namespace

std::string markdown_table(const EvalReport& report) {
  std::set<int> ks;
  for (const auto& b : report.benchmarks)
    for (const auto& [k, v] : b.pass_at_k)
      if (k != 1) ks.insert(k);
  std::string out = "| benchmark | problems | n | pass@1 (%) | ± se |";
  std::string rule = "|---|---:|---:|---:|---:|";
  for (int k : ks) {
    out += fmt::format(" pass@{} (%) |", k);
    rule += "---:|";
  }
  out += "\n" + rule + "\n";
  for (const auto& b : report.benchmarks) {
    out += fmt::format("| {} | {} | {} | {:.2f} | {:.2f} |", b.name, b.problems, b.n, 100 * b.pass1,
                       100 * b.stderr_pass1);
    for (int k : ks) {
      const double* v = find_k(b, k);
      out += v ? fmt::format(" {:.2f} |", 100 * *v) : std::string(" - |");
    }
    out += "\n";
  }
  if (report.benchmarks.size() > 1) {
    int problems = 0;
    std::set<int> ns;
    for (const auto& b : report.benchmarks) {
      problems += b.problems;
      ns.insert(b.n);
    }
    std::string n = ns.size() == 1 ? std::to_string(*ns.begin()) : std::string("-");
    out += fmt::format("| **average** | {} | {} | {:.2f} | {:.2f} |", problems, n,
                       100 * average_pass1(report.benchmarks),
                       100 * average_stderr(report.benchmarks));
    for (int k : ks) {
      // Averaged only when every benchmark reports this k.
      double s = 0;
      bool all = true;
      for (const auto& b : report.benchmarks) {
        const double* v = find_k(b, k);
        all = all && v;
        if (v) s += *v;
      }
      out +=
          all ? fmt::format(" {:.2f} |", 100 * s / report.benchmarks.size()) : std::string(" - |");
    }
    out += "\n";
  }
  return out;
}

json results_json(const EvalReport& report) {
  json benchmarks = json::object();
  for (const auto& b : report.benchmarks) {
    json ks = json::object();
    for (const auto& [k, v] : b.pass_at_k) ks[std::to_string(k)] = v;
    benchmarks[b.name] = json{{"problems", b.problems},   {"n", b.n},
                              {"pass@1", b.pass1},        {"pass@k", ks},
                              {"stderr", b.stderr_pass1}, {"answered", b.answered}};
  }
  const auto& s = report.stats;
  return json{{"benchmarks", benchmarks},
              {"average_pass@1", average_pass1(report.benchmarks)},
              {"average_stderr", average_stderr(report.benchmarks)},
              {"params", report.params},
              {"generation",
               {{"samples_generated", s.samples_generated},
                {"samples_resumed", s.samples_resumed},
                {"prompt_tokens", s.prompt_tokens},
                {"new_tokens", s.new_tokens},
                {"finished", s.finished},
                {"prompts_truncated", s.prompts_truncated},
                {"seconds", s.seconds},
                {"tokens_per_second", s.tokens_per_second()}}}};
}

}  // namespace ds::eval
