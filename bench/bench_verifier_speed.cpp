// Verifier throughput and worst cases. Prints:
//  - checks/s on realistic responses (a few hundred words of reasoning ending in \boxed{}) with
//    typical numeric answers (target: 20,000/s on one core), and on MATH500 golds (all kinds);
//  - the time of each adversarial input (huge powers, deep nesting, giant responses; target
//    < 50 ms each) and the worst of them.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "core/jsonl.h"
#include "verifier/verify.h"

namespace {

using ds::verify::verify;

const char* kReasoning =
    "Let us set up the problem. Let $x$ be the number of eggs Janet has each day. She lays "
    "$16$ eggs, eats $3$ for breakfast and bakes muffins with $4$, so the remaining eggs are "
    "$16 - 3 - 4 = 9$. Each egg sells for $\\$2$, hence the revenue is $9 \\cdot 2$. We can double "
    "check with the equation $r = 2(16 - 7)$, which simplifies to $r = 2 \\cdot 9$. Since "
    "$\\frac{18}{2} = 9$ and $9 \\times 2 = 18$, everything is consistent. Alternatively, "
    "consider $f(x) = 2x$ evaluated at $x = 9$: we get $f(9) = 18$. ";

std::string response_with(const std::string& answer) {
  return std::string(kReasoning) + kReasoning + "Therefore the final answer is $\\boxed{" + answer +
         "}$.";
}

struct Pair {
  std::string gold, response;
};

std::vector<Pair> numeric_pairs() {
  std::vector<std::pair<std::string, std::string>> raw = {
      {"18", "18"},
      {"18", "17"},
      {"204", "204"},
      {"-3", "-3"},
      {"1250", "1,250"},
      {"0.5", "\\frac{1}{2}"},
      {"\\frac{3}{4}", "0.75"},
      {"\\frac{3}{4}", "3/4"},
      {"42", "42.0"},
      {"7", "x = 7"},
      {"2.25", "2.25"},
      {"100", "99"},
      {"\\frac{1}{3}", "\\frac{1}{3}"},
      {"12", "\\$12"},
      {"8", "8 \\text{ cm}"},
      {"45", "45^\\circ"},
  };
  std::vector<Pair> out;
  for (const auto& [g, a] : raw) out.push_back({g, response_with(a)});
  return out;
}

// Answers that need the parser, the CAS or the numeric test.
std::vector<Pair> symbolic_pairs() {
  std::vector<std::pair<std::string, std::string>> raw = {
      {"2\\sqrt{2}", "\\sqrt{8}"},
      {"y = 2x + 1", "2x - y + 1 = 0"},
      {"\\frac{1}{x-1}-\\frac{1}{x}", "\\frac{1}{x(x-1)}"},
      {"(a+5)(b+2)", "ab + 2a + 5b + 10"},
      {"3, 5, 7", "7, 5, 3"},
      {"(3, \\infty)", "x > 3"},
      {"\\cot x", "\\frac{\\cos x}{\\sin x}"},
      {"\\left( 3, \\frac{\\pi}{2} \\right)", "(3, \\pi/2)"},
  };
  std::vector<Pair> out;
  for (const auto& [g, a] : raw) out.push_back({g, response_with(a)});
  return out;
}

std::vector<Pair> math500_pairs() {
  std::vector<Pair> out;
  std::string path = std::string(DS_SHARED_DIR) + "/data/eval/math500.jsonl";
  std::ifstream probe(path);
  if (!probe) return out;
  for (const auto& row : ds::read_jsonl(path)) {
    std::string g = row["answer"].get<std::string>();
    out.push_back({g, response_with(g + " ")});  // not byte-identical: forces normalization
  }
  return out;
}

void run_pairs(benchmark::State& state, const std::vector<Pair>& pairs) {
  if (pairs.empty()) {
    state.SkipWithError("no data");
    return;
  }
  size_t i = 0, correct = 0;
  for (auto _ : state) {
    const Pair& p = pairs[i++ % pairs.size()];
    auto v = verify(p.gold, p.response);
    correct += v.correct;
    benchmark::DoNotOptimize(v);
  }
  state.counters["checks/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["correct_frac"] =
      static_cast<double>(correct) / std::max<size_t>(1, state.iterations());
}

void BM_NumericAnswers(benchmark::State& state) {
  static const auto pairs = numeric_pairs();
  run_pairs(state, pairs);
}
BENCHMARK(BM_NumericAnswers);

void BM_SymbolicAnswers(benchmark::State& state) {
  static const auto pairs = symbolic_pairs();
  run_pairs(state, pairs);
}
BENCHMARK(BM_SymbolicAnswers);

void BM_Math500Golds(benchmark::State& state) {
  static const auto pairs = math500_pairs();
  run_pairs(state, pairs);
}
BENCHMARK(BM_Math500Golds);

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}
std::string boxed(const std::string& s) {
  return "\\boxed{" + s + "}";
}

struct Adversarial {
  const char* name;
  std::string gold, response;
};

const std::vector<Adversarial>& adversarial() {
  static const std::vector<Adversarial> cases = {
      {"power_tower_10^10^10", "1", boxed("10^{10^{10}}+1")},
      {"power_9^9^9", "1", boxed("9^{9^{9}}")},
      {"factorial_1e6", "1", boxed("1000000!")},
      {"factorial_chain", "1", boxed("10!!!!")},
      {"binomial_huge", "1", boxed("\\binom{10^{9}}{5 \\cdot 10^{8}}")},
      {"symbolic_power_1e5", "x", boxed("(x+1)^{100000}")},
      {"nested_squares_deg1024", "x",
       boxed("((((((((((x+1)^2+1)^2+1)^2+1)^2+1)^2+1)^2+1)^2+1)^2+1)^2+1)^2")},
      {"four_var_power_60", "1", boxed("(x+y+z+w)^{60}")},
      {"quotient_deg60", "\\frac{x^{60}-y^{60}}{x-y}",
       boxed("\\frac{x^{60}-y^{60}}{x^2-y^2}(x+y)")},
      {"parens_500_deep", "1", boxed(repeat("(", 500) + "1" + repeat(")", 500))},
      {"fractions_300_deep", "1", boxed(repeat("\\frac{", 300) + "1" + repeat("}{2}", 300))},
      {"exponents_300_deep", "1", boxed(repeat("x^{", 300) + "1" + repeat("}", 300))},
      {"minus_2000", "1", boxed(repeat("-", 2000) + "1")},
      {"digits_5000", "1", boxed(repeat("9", 5000))},
      {"exp_tower", "1", boxed("e^{e^{e^{e^{10}}}}")},
      {"boxes_2000", "1", repeat("\\boxed{1}", 2000)},
      {"response_2MB", "1", repeat("a", 2 << 20) + boxed("1")},
      {"open_boxes_5000", "1", repeat("\\boxed{", 5000)},
      {"sum_3000_terms", "1", boxed(repeat("1+", 3000) + "1")},
      {"plus_minus_64_alternatives", "1 \\pm 2 \\pm 3 \\pm 4 \\pm 5 \\pm 6 \\pm 7",
       boxed("1 \\pm 2 \\pm 3 \\pm 4 \\pm 5 \\pm 6 \\pm 8")},
      {"set_60_radicals",
       "\\{" +
           [] {
             std::string s;
             for (int i = 0; i < 60; ++i)
               s += (i ? "," : "") + std::string("\\sqrt{") + std::to_string(i) + "}";
             return s;
           }() +
           "\\}",
       boxed("\\{" +
             [] {
               std::string s;
               for (int i = 59; i >= 0; --i)
                 s += (i != 59 ? "," : "") + std::string("\\sqrt{") + std::to_string(i + 1) + "}";
               return s;
             }() +
             "\\}")},
      {"sum_400_symbols", repeat("x+", 400) + "x", boxed(repeat("x+", 401) + "x")},
  };
  return cases;
}

void BM_Adversarial(benchmark::State& state) {
  const auto& c = adversarial()[static_cast<size_t>(state.range(0))];
  state.SetLabel(c.name);
  for (auto _ : state) benchmark::DoNotOptimize(verify(c.gold, c.response));
}
BENCHMARK(BM_Adversarial)->DenseRange(0, 21)->Unit(benchmark::kMillisecond);

// Worst single run of every adversarial input (5 runs each), printed after the benchmarks.
void print_worst_cases() {
  double worst = 0;
  const char* worst_name = "";
  std::printf("\nadversarial worst case (max of 5 runs, budget 50 ms):\n");
  for (const auto& c : adversarial()) {
    double max_ms = 0;
    std::string status;
    for (int r = 0; r < 5; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      auto v = verify(c.gold, c.response);
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      max_ms = std::max(max_ms, ms);
      status = ds::verify::status_name(v.status);
    }
    std::printf("  %-28s %8.3f ms  %s\n", c.name, max_ms, status.c_str());
    if (max_ms > worst) {
      worst = max_ms;
      worst_name = c.name;
    }
  }
  std::printf("worst: %.3f ms (%s)\n", worst, worst_name);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  print_worst_cases();
  return 0;
}
