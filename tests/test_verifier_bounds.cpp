// Robustness of the verifier: adversarial inputs (huge powers and factorials, deep nesting,
// giant responses, many boxes, hostile text) never crash, never count as correct, and end
// within their budget; the API (options, status names, compare_answers) and concurrent use.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/options.h"
#include "verifier/verify.h"

namespace {

using namespace ds::verify;

std::string boxed(const std::string& s) {
  return "\\boxed{" + s + "}";
}
std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::vector<std::pair<std::string, std::string>> adversarial() {
  return {
      {"1", boxed("10^{10^{10}}")},
      {"1", boxed("9^{9^{9}}")},
      {"1", boxed("1000000!")},
      {"1", boxed("10!!!!")},
      {"1", boxed("\\binom{10^{9}}{5 \\cdot 10^{8}}")},
      {"x", boxed("(x+1)^{100000}")},
      {"x", boxed("((((((((((x+1)^2+1)^2+1)^2+1)^2+1)^2+1)^2+1)^2+1)^2+1)^2+1)^2")},
      {"1", boxed("(x+y+z+w)^{60}")},
      {"1", boxed(repeat("(", 500) + "1" + repeat(")", 500))},
      {"1", boxed(repeat("\\frac{", 300) + "1" + repeat("}{2}", 300))},
      {"1", boxed(repeat("x^{", 300) + "1" + repeat("}", 300))},
      {"1", boxed(repeat("\\sqrt{", 300) + "2" + repeat("}", 300))},
      {"1", boxed(repeat("-", 2000) + "1")},
      {"1", boxed(repeat("|", 999))},
      {"1", boxed(repeat("9", 5000))},
      {"1", boxed("1e999999999")},
      {"1", boxed("e^{e^{e^{e^{10}}}}")},
      {"1", boxed("\\frac{1}{0}")},
      {"1", boxed("\\frac{1}{x-x}")},
      {"1", repeat("\\boxed{1}", 2000)},
      {"1", repeat("a", 2 << 20) + "\\boxed{1}"},
      {"1", repeat("\\boxed{", 5000)},
      {"1", boxed(repeat("1+", 3000) + "1")},
      {"1 \\pm 2 \\pm 3 \\pm 4 \\pm 5 \\pm 6 \\pm 7",
       boxed("1 \\pm 2 \\pm 3 \\pm 4 \\pm 5 \\pm 6 \\pm 8")},
      {"1", boxed("\\system(rm -rf /)")},
      {"1", boxed("__import__('os').system('ls')")},
      {"1", boxed(std::string("\x00\xff\xfe{}\\", 6))},
      {repeat("x+", 400) + "x", boxed(repeat("x+", 401) + "x")},
  };
}

TEST(VerifierBounds, AdversarialInputsAreNeverCorrectAndEndInTime) {
  VerifyOptions opts;
  for (const auto& [gold, response] : adversarial()) {
    auto t0 = std::chrono::steady_clock::now();
    Verdict v = verify(gold, response, opts);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_FALSE(v.correct) << gold << " vs " << response.substr(0, 80) << ": " << v.reason;
    EXPECT_EQ(v.correct, v.status == Status::kCorrect);
    EXPECT_FALSE(v.reason.empty());
    // A generous multiple of the budget: this checks "never hangs", not speed.
    EXPECT_LT(ms, 20 * opts.time_budget_ms) << response.substr(0, 80);
  }
}

TEST(VerifierBounds, HugeButIdenticalAnswersMatchByText) {
  EXPECT_TRUE(verify("10^{10^{10}}", boxed("10^{10^{10}}")).correct);
  EXPECT_TRUE(verify("1000000!", boxed("1000000!")).correct);
  EXPECT_EQ(verify("10^{10^{10}}", boxed("10^{10^{10}}+1")).status, Status::kUndecided);
}

TEST(VerifierBounds, SizeOptionsAreHonoured) {
  VerifyOptions opts;
  opts.max_answer_chars = 10;
  EXPECT_EQ(verify("1", boxed("1+1+1+1+1+1+1+1-7"), opts).status, Status::kUndecided);
  opts = VerifyOptions{};
  opts.max_boxed = 2;
  EXPECT_EQ(verify("1", "\\boxed{1}\\boxed{1}\\boxed{1}", opts).status, Status::kWrong);
  opts = VerifyOptions{};
  opts.max_depth = 4;
  EXPECT_EQ(verify("1", boxed("((((((1))))))"), opts).status, Status::kUndecided);
  opts = VerifyOptions{};
  opts.max_factorial = 10;
  EXPECT_EQ(verify("3628800", boxed("10!"), opts).status, Status::kCorrect);
  EXPECT_EQ(verify("39916800", boxed("11!"), opts).status, Status::kUndecided);
  opts = VerifyOptions{};
  opts.time_budget_ms = 0;  // every check that reaches the clock is out of time
  EXPECT_EQ(verify("\\frac{1}{x-1}-\\frac{1}{x}", boxed("\\frac{1}{x(x-1)}"), opts).status,
            Status::kUndecided);
}

TEST(VerifierBounds, ToleranceOptions) {
  VerifyOptions opts;
  EXPECT_FALSE(verify("\\sqrt{2}", boxed("1.4142"), opts).correct);
  opts.float_rel_tol = 1e-4;
  EXPECT_TRUE(verify("\\sqrt{2}", boxed("1.4142"), opts).correct);
  opts = VerifyOptions{};
  EXPECT_FALSE(verify("1.6", boxed("1.62"), opts).correct);
  opts.gold_decimal_rounding = true;
  EXPECT_TRUE(verify("1.6", boxed("1.62"), opts).correct);
  EXPECT_TRUE(verify("4.5e33", boxed("4.47 \\times 10^{33}"), opts).correct);
  EXPECT_FALSE(verify("4.5e33", boxed("4.44 \\times 10^{33}"), opts).correct);
  EXPECT_TRUE(verify("0.33", boxed("\\frac{1}{3}"), opts).correct);
  opts = VerifyOptions{};
  opts.reject_hedging = false;
  EXPECT_TRUE(verify("5", "\\boxed{3} or \\boxed{5}", opts).correct);
  opts.percent_equivalence = false;
  EXPECT_FALSE(verify("17.5\\%", boxed("0.175"), opts).correct);
  EXPECT_TRUE(verify("17.5\\%", boxed("17.5"), opts).correct);
}

TEST(VerifierBounds, OptionsAreDocumentedAndReadable) {
  std::string doc = ds::describe_options<VerifyOptions>();
  EXPECT_NE(doc.find("time_budget_ms"), std::string::npos);
  EXPECT_NE(doc.find("float_rel_tol"), std::string::npos);
  auto opts = ds::load_options<VerifyOptions>("", {"time_budget_ms=100", "reject_hedging=false"});
  EXPECT_DOUBLE_EQ(opts.time_budget_ms, 100.0);
  EXPECT_FALSE(opts.reject_hedging);
  EXPECT_THROW(ds::load_options<VerifyOptions>("", {"no_such_key=1"}), ds::ConfigError);
}

TEST(VerifierBounds, ApiSurface) {
  EXPECT_STREQ(status_name(Status::kCorrect), "correct");
  EXPECT_STREQ(status_name(Status::kWrong), "wrong");
  EXPECT_STREQ(status_name(Status::kNoAnswer), "no_answer");
  EXPECT_STREQ(status_name(Status::kUndecided), "undecided");
  EXPECT_TRUE(answers_equivalent("\\frac{1}{2}", "0.5"));
  EXPECT_FALSE(answers_equivalent("\\frac{1}{2}", "0.51"));
  Verdict v = compare_answers("(1,2)", "(1, 2)");
  EXPECT_TRUE(v.correct);
  EXPECT_EQ(v.extracted, "(1, 2)");
  EXPECT_EQ(compare_answers("1", "").status, Status::kNoAnswer);
  Verdict w = verify("1", "no answer here");
  EXPECT_EQ(w.status, Status::kNoAnswer);
  EXPECT_FALSE(w.correct);
  EXPECT_EQ(w.extracted, "");
}

TEST(VerifierBounds, ConcurrentUseGivesTheSameVerdicts) {
  std::vector<std::pair<std::string, std::string>> work = {
      {"\\frac{1}{x-1}-\\frac{1}{x}", boxed("\\frac{1}{x(x-1)}")},
      {"2\\sqrt{2}", boxed("\\sqrt{8}")},
      {"y = 2x+1", boxed("2x - y + 1 = 0")},
      {"(a+5)(b+2)", boxed("ab+2a+5b+11")},
      {"3, 5, 7", boxed("7, 5, 3")},
  };
  std::vector<bool> expected;
  for (const auto& [g, r] : work) expected.push_back(verify(g, r).correct);
  std::vector<int> mismatches(2, 0);
  auto run = [&](int t) {
    for (int round = 0; round < 50; ++round)
      for (size_t i = 0; i < work.size(); ++i)
        if (verify(work[i].first, work[i].second).correct != expected[i]) ++mismatches[t];
  };
  std::thread a(run, 0), b(run, 1);
  a.join();
  b.join();
  EXPECT_EQ(mismatches[0] + mismatches[1], 0);
}

}  // namespace
