// Tests of the per-benchmark summary (pass@1, standard error, pass@k), the average over
// benchmarks, the markdown table and the exact shape of results.json.
#include <gtest/gtest.h>

#include <cmath>

#include "eval/report.h"

namespace {

using ds::eval::BenchmarkResult;
using ds::eval::EvalReport;
using ds::eval::summarize_benchmark;

TEST(Summarize, PassOneStderrAndPassK) {
  // n = 4; per-problem pass@1 = 1, 0.5, 0.
  BenchmarkResult r = summarize_benchmark("toy", {4, 2, 0}, 4, 9);
  EXPECT_EQ(r.name, "toy");
  EXPECT_EQ(r.problems, 3);
  EXPECT_EQ(r.n, 4);
  EXPECT_DOUBLE_EQ(r.pass1, 0.5);
  // sample sd = sqrt((0.25 + 0 + 0.25) / 2) = 0.5; se = 0.5 / sqrt(3).
  EXPECT_NEAR(r.stderr_pass1, 0.5 / std::sqrt(3.0), 1e-12);
  ASSERT_EQ(r.pass_at_k.size(), 2u);
  EXPECT_EQ(r.pass_at_k[0].first, 1);
  EXPECT_DOUBLE_EQ(r.pass_at_k[0].second, 0.5);
  EXPECT_EQ(r.pass_at_k[1].first, 4);
  EXPECT_NEAR(r.pass_at_k[1].second, 2.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(r.answered, 9.0 / 12.0);
}

TEST(Summarize, PassKAveragesThePerProblemEstimates) {
  // n = 8, c = 1 and c = 3: pass@4 = 1 - C(7,4)/C(8,4) = 0.5 and 1 - C(5,4)/C(8,4) = 1 - 5/70.
  BenchmarkResult r = summarize_benchmark("b", {1, 3}, 8, 0);
  ASSERT_EQ(r.pass_at_k.size(), 3u);  // k = 1, 4, 8
  EXPECT_NEAR(r.pass_at_k[1].second, (0.5 + (1 - 5.0 / 70.0)) / 2, 1e-12);
  EXPECT_DOUBLE_EQ(r.pass_at_k[2].second, 1.0);
}

TEST(Summarize, SingleProblemHasZeroStderr) {
  BenchmarkResult r = summarize_benchmark("one", {3}, 4, 4);
  EXPECT_DOUBLE_EQ(r.pass1, 0.75);
  EXPECT_EQ(r.stderr_pass1, 0.0);
}

EvalReport two_benchmarks() {
  EvalReport rep;
  rep.benchmarks.push_back(summarize_benchmark("alpha", {4, 2, 0}, 4, 12));
  rep.benchmarks.push_back(summarize_benchmark("beta", {1, 1}, 4, 8));
  rep.params = {{"temperature", 0.6}};
  return rep;
}

TEST(Report, AverageIsUnweightedOverBenchmarks) {
  EvalReport rep = two_benchmarks();
  EXPECT_DOUBLE_EQ(ds::eval::average_pass1(rep.benchmarks), (0.5 + 0.25) / 2);
  double se_a = 0.5 / std::sqrt(3.0), se_b = 0.0;
  EXPECT_NEAR(ds::eval::average_stderr(rep.benchmarks), std::sqrt(se_a * se_a + se_b * se_b) / 2,
              1e-12);
}

TEST(Report, MarkdownTable) {
  std::string t = ds::eval::markdown_table(two_benchmarks());
  EXPECT_NE(t.find("| benchmark | problems | n | pass@1 (%) | ± se | pass@4 (%) |"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("| alpha | 3 | 4 | 50.00 | 28.87 | 66.67 |"), std::string::npos) << t;
  EXPECT_NE(t.find("| beta | 2 | 4 | 25.00 | 0.00 | 100.00 |"), std::string::npos) << t;
  EXPECT_NE(t.find("| **average** | 5 | 4 | 37.50 | 14.43 | 83.33 |"), std::string::npos) << t;
  // One benchmark: no average row.
  EvalReport one;
  one.benchmarks.push_back(summarize_benchmark("solo", {1}, 1, 1));
  std::string t1 = ds::eval::markdown_table(one);
  EXPECT_EQ(t1.find("average"), std::string::npos) << t1;
  EXPECT_NE(t1.find("| solo | 1 | 1 | 100.00 | 0.00 |"), std::string::npos) << t1;
}

TEST(Report, ResultsJsonShape) {
  EvalReport rep = two_benchmarks();
  rep.stats.new_tokens = 100;
  rep.stats.seconds = 4;
  ds::json j = ds::eval::results_json(rep);
  ASSERT_TRUE(j["benchmarks"].is_object());
  ASSERT_EQ(j["benchmarks"].size(), 2u);
  const auto& a = j["benchmarks"]["alpha"];
  EXPECT_EQ(a["problems"], 3);
  EXPECT_EQ(a["n"], 4);
  EXPECT_TRUE(a["problems"].is_number_integer());
  EXPECT_TRUE(a["pass@1"].is_number_float());
  EXPECT_DOUBLE_EQ(a["pass@1"].get<double>(), 0.5);
  EXPECT_NEAR(a["stderr"].get<double>(), 0.5 / std::sqrt(3.0), 1e-12);
  ASSERT_TRUE(a["pass@k"].is_object());
  EXPECT_EQ(a["pass@k"].size(), 2u);
  EXPECT_NEAR(a["pass@k"]["4"].get<double>(), 2.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(a["pass@k"]["1"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["average_pass@1"].get<double>(), 0.375);
  EXPECT_EQ(j["params"]["temperature"], 0.6);
  EXPECT_DOUBLE_EQ(j["generation"]["tokens_per_second"].get<double>(), 25.0);
}

}  // namespace
