// Tests of the garbled / repetitive incorrect-sample filter: normal worked solutions are kept
// (crafted ones and every generated arith / countdown reference solution), looping text and
// garbage are dropped, correct samples never are.
#include <gtest/gtest.h>

#include <string>

#include "core/errors.h"
#include "tasks/task.h"
#include "train/sample_filter.h"

using namespace ds::rl;
using namespace ds::train;

namespace {

const char* kWorkedSolution = R"(Okay, so I need to find the sum of the roots of x^2 - 5x + 6 = 0.
First, let me factor it: x^2 - 5x + 6 = (x - 2)(x - 3).
So the roots are x = 2 and x = 3.
Let me check: 2 + 3 = 5, and 2 * 3 = 6, which matches Vieta's formulas.
Alternatively, by Vieta the sum is -b/a = -(-5)/1 = 5.
Wait, let me double-check the factorization: (x - 2)(x - 3) = x^2 - 3x - 2x + 6 = x^2 - 5x + 6. Yes.
Therefore the sum of the roots is \boxed{5}.)";

const char* kArithmetic =
    "3 + 4 = 7\n7 * 2 = 14\n14 - 5 = 9\n9 * 3 = 27\n27 + 8 = 35\n"
    "35 / 5 = 7\n7 * 7 = 49\n49 - 9 = 40\n40 + 2 = 42\n\\boxed{42}";

const char* kLatex =
    R"(We have $\frac{1}{2} + \frac{1}{3} = \frac{3}{6} + \frac{2}{6} = \frac{5}{6}$. Then
$\left(\frac{5}{6}\right)^2 = \frac{25}{36}$, and $\sqrt{\frac{25}{36}} = \frac{5}{6}$.
So $\int_0^1 x\,dx = \frac{1}{2}$ and the answer is $\boxed{\frac{5}{6}}$.)";

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

Sample sample(bool correct) {
  Sample s;
  s.prompt_ids = {1};
  s.response_ids = {2};
  s.correct = correct;
  s.reward = correct ? 1.0 : -1.0;
  return s;
}

}  // namespace

TEST(SampleFilter, NormalSolutionsAreKept) {
  for (const char* text : {kWorkedSolution, kArithmetic, kLatex, "", "42", "\\boxed{1000000}",
                           "0.33333333333333333333333", "The answer is 7.\n\n\\boxed{7}"}) {
    FilterVerdict v = check_response(text);
    EXPECT_FALSE(v.drop) << v.reason << "\n" << text;
  }
  // A long, careful but repetitive-in-structure table of computations (numbers change).
  std::string table;
  for (int i = 1; i <= 60; ++i)
    table += std::to_string(i) + " * " + std::to_string(i) + " = " + std::to_string(i * i) + "\n";
  EXPECT_FALSE(check_response(table).drop) << check_response(table).reason;
  // Non-ASCII text counts as letters.
  EXPECT_FALSE(check_response("答案是 42。因为 6 × 7 = 42，所以 \\boxed{42}").drop);
}

TEST(SampleFilter, GeneratedReferenceSolutionsAreKept) {
  for (const char* name : {"arith", "countdown"}) {
    const ds::tasks::Task& task = ds::tasks::get_task(name);
    for (int d = 1; d <= task.max_difficulty(); ++d)
      for (const ds::tasks::Problem& p : task.generate(d, 50, 7)) {
        if (p.solution.empty()) continue;
        FilterVerdict v = check_response(p.solution);
        EXPECT_FALSE(v.drop) << name << " level " << d << ": " << v.reason << "\n" << p.solution;
      }
  }
}

TEST(SampleFilter, LoopingTailIsDropped) {
  // A loop cut mid-period by the length limit.
  std::string loop =
      "Let me compute 3 + 4 = 7. " + repeat("Wait, let me recheck. ", 12) + "Wait, le";
  FilterVerdict v = check_response(loop);
  EXPECT_TRUE(v.drop);
  EXPECT_EQ(v.kind, "repetition");
  int period = 0;
  EXPECT_GE(repeated_tail_chars(loop, 200, 4, &period), 12 * 22);
  EXPECT_EQ(period, 22);
  // Short periods, no spaces (what a tiny character model produces).
  EXPECT_TRUE(check_response("7*2=14\n" + repeat("1+1=", 30)).drop);
  EXPECT_TRUE(check_response("so " + repeat("the ", 40)).drop);
  // Repeated lines of math.
  EXPECT_TRUE(check_response(std::string(kArithmetic) + "\n" + repeat("42 + 0 = 42\n", 10)).drop);
  // Too short a loop to judge.
  EXPECT_FALSE(check_response("ha ha ha ha").drop);
}

TEST(SampleFilter, RepeatedNgramsAreDroppedEvenWithoutALoopingTail) {
  // The same paragraph four times, then a different ending: no repeated tail.
  std::string para =
      "First we add the two numbers to get the total, then we divide the total by the count of "
      "items to find the mean value of the list. ";
  std::string text = repeat(para, 4) + "So the final answer is \\boxed{12}.";
  EXPECT_EQ(repeated_tail_chars(text, 200, 4), 0);
  int64_t tokens = 0;
  EXPECT_GE(repeated_ngram_fraction(text, 10, &tokens), 0.6);
  EXPECT_GT(tokens, 60);
  FilterVerdict v = check_response(text);
  EXPECT_TRUE(v.drop);
  EXPECT_EQ(v.kind, "repetition");
  EXPECT_NE(v.reason.find("10-grams"), std::string::npos) << v.reason;
  EXPECT_LT(repeated_ngram_fraction(kWorkedSolution, 10), 0.05);
  // Thresholds are options.
  SampleFilterOptions lax;
  lax.ngram_max_repeat_fraction = 0.9;
  EXPECT_FALSE(check_response(text, lax).drop);
}

TEST(SampleFilter, GarbageIsDropped) {
  FilterVerdict v = check_response(std::string("The answer is \xff\xfe 42"));
  EXPECT_TRUE(v.drop);
  EXPECT_EQ(v.kind, "garbage");
  EXPECT_NE(v.reason.find("UTF-8"), std::string::npos);
  EXPECT_TRUE(check_response("The answer is \xEF\xBF\xBD 42").drop);  // U+FFFD
  EXPECT_TRUE(check_response(std::string("The answer\x01 is 42")).drop);
  EXPECT_TRUE(check_response("The answer\xC2\x85 is 42").drop);      // C1 control NEL
  EXPECT_TRUE(check_response("}{)(^^]][[;;::!!@@##$$%%&&**").drop);  // no letters or digits
  EXPECT_FALSE(check_response("tab\tnewline\ncr\r\n ok").drop);
  SampleFilterOptions o;
  o.max_replacement_chars = 2;
  EXPECT_FALSE(check_response("a \xEF\xBF\xBD b \xEF\xBF\xBD c", o).drop);
}

TEST(SampleFilter, OnlyIncorrectSamplesAreDropped) {
  const std::string loop = repeat("again and again ", 20);
  std::vector<Sample> samples = {sample(false), sample(true), sample(false), sample(false)};
  std::vector<std::string> texts = {loop, loop, kWorkedSolution, "\x01\x02garbage"};
  SampleFilterResult r = filter_samples(samples, texts);
  EXPECT_EQ(r.keep, (std::vector<char>{0, 1, 1, 0}));
  EXPECT_EQ(r.dropped, 2);
  EXPECT_EQ(r.dropped_repetition, 1);
  EXPECT_EQ(r.dropped_garbage, 1);
  EXPECT_TRUE(r.reasons[1].empty());
  EXPECT_FALSE(r.reasons[0].empty());
  SampleFilterOptions off;
  off.enable = false;
  SampleFilterResult none = filter_samples(samples, texts, off);
  EXPECT_EQ(none.dropped, 0);
  EXPECT_EQ(none.keep, (std::vector<char>{1, 1, 1, 1}));
}

TEST(SampleFilter, ValidateNamesTheField) {
  validate(SampleFilterOptions{});
  SampleFilterOptions o;
  o.ngram_max_repeat_fraction = 0;
  try {
    validate(o);
    FAIL();
  } catch (const ds::ConfigError& e) {
    EXPECT_EQ(e.where(), "sample_filter.ngram_max_repeat_fraction");
  }
}
