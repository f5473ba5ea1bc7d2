// Tests of the arith task: every generated worked solution verifies with the math verifier at
// every difficulty, the solutions are one correct step per line, wrong answers are rejected,
// generation is deterministic, and the difficulty knob changes step counts and number sizes.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "core/errors.h"
#include "tasks/arith.h"

namespace ds::tasks {
namespace {

struct ParsedStep {
  int64_t a, b, r;
  char op;
};

std::vector<ParsedStep> parse_solution(const Problem& p) {
  static const std::regex step("^([0-9]+)([-+*/])([0-9]+)=([0-9]+)$");
  std::vector<std::string> lines;
  std::stringstream ss(p.solution);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  EXPECT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "\\boxed{" + p.answer + "}") << p.solution;
  std::vector<ParsedStep> out;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    std::smatch m;
    EXPECT_TRUE(std::regex_match(lines[i], m, step)) << lines[i];
    if (m.empty()) continue;
    out.push_back({std::stoll(m[1]), std::stoll(m[3]), std::stoll(m[4]), m[2].str()[0]});
  }
  return out;
}

TEST(Arith, EveryWorkedSolutionVerifiesAtEveryDifficulty) {
  auto task = make_arith_task();
  EXPECT_EQ(task->name(), "arith");
  EXPECT_EQ(task->max_difficulty(), kArithMaxDifficulty);
  for (int d = 1; d <= kArithMaxDifficulty; ++d) {
    for (uint64_t seed : {0ull, 3ull, 2024ull}) {
      for (const Problem& p : task->generate(d, 40, seed)) {
        ASSERT_EQ(p.task, "arith");
        ASSERT_EQ(p.difficulty, d);
        Score s = task->score(p, p.solution);
        ASSERT_TRUE(s.correct) << p.problem << "\n" << p.solution << "\n" << s.reason;
        // The answer alone, boxed, is also correct; a prompt-echoing response is not needed.
        ASSERT_TRUE(task->score(p, "\\boxed{" + p.answer + "}").correct);
      }
    }
  }
}

TEST(Arith, SolutionsAreOneCorrectStepPerLineMatchingTheText) {
  auto task = make_arith_task();
  std::regex start("^[A-Z][a-z]+ has ([0-9]+) [a-z]+\\.");
  for (int d = 1; d <= kArithMaxDifficulty; ++d) {
    const ArithLevel& lv = arith_level(d);
    for (const Problem& p : task->generate(d, 200, 11)) {
      ASSERT_LT(p.problem.size(), 200u) << p.problem;
      auto steps = parse_solution(p);
      ASSERT_EQ(static_cast<int>(steps.size()), lv.steps) << p.solution;
      std::smatch m;
      ASSERT_TRUE(std::regex_search(p.problem, m, start)) << p.problem;
      int64_t value = std::stoll(m[1]);
      ASSERT_TRUE(value >= lv.start_lo && value <= lv.start_hi) << p.problem;
      for (const auto& s : steps) {
        ASSERT_EQ(s.a, value) << p.solution;  // each step continues from the previous result
        int64_t want = s.op == '+'   ? s.a + s.b
                       : s.op == '-' ? s.a - s.b
                       : s.op == '*' ? s.a * s.b
                                     : s.a / s.b;
        ASSERT_EQ(s.r, want) << p.solution;
        ASSERT_TRUE(s.r >= 1 && s.r <= kArithValueCap) << p.solution;
        if (s.op == '+' || s.op == '-') {
          ASSERT_LE(s.b, lv.addend_max);
        }
        if (s.op == '*' || s.op == '/') {
          ASSERT_GE(lv.factor_max, 2) << "no * or / at difficulty " << d;
          ASSERT_TRUE(s.b >= 2 && s.b <= lv.factor_max) << p.solution;
        }
        if (s.op == '/') {
          ASSERT_TRUE(lv.divide) << p.solution;
          ASSERT_EQ(s.a % s.b, 0) << p.solution;
        }
        // The operand appears in the text.
        ASSERT_NE(p.problem.find(std::to_string(s.b)), std::string::npos) << p.problem;
        value = s.r;
      }
      ASSERT_EQ(std::to_string(value), p.answer);
      // One sentence per step, plus the opening and the question.
      ASSERT_EQ(std::count(p.problem.begin(), p.problem.end(), '.') +
                    std::count(p.problem.begin(), p.problem.end(), '?'),
                lv.steps + 2)
          << p.problem;
    }
  }
}

TEST(Arith, WrongAnswersAreRejected) {
  auto task = make_arith_task();
  for (int d = 1; d <= kArithMaxDifficulty; d += 2) {
    for (const Problem& p : task->generate(d, 30, 8)) {
      int64_t a = std::stoll(p.answer);
      EXPECT_FALSE(task->score(p, "\\boxed{" + std::to_string(a + 1) + "}").correct);
      EXPECT_FALSE(task->score(p, "\\boxed{" + std::to_string(a * 2 + 3) + "}").correct);
      Score none = task->score(p, "I do not know.");
      EXPECT_FALSE(none.correct);
      // The last boxed answer counts: a wrong final box after a right one is wrong.
      EXPECT_FALSE(
          task->score(p, "\\boxed{" + p.answer + "}\n\\boxed{" + std::to_string(a + 7) + "}")
              .correct);
    }
  }
}

TEST(Arith, DeterministicUniqueAndPrefixStable) {
  auto task = make_arith_task();
  auto a = task->generate(6, 60, 77);
  auto b = task->generate(6, 60, 77);
  auto prefix = task->generate(6, 25, 77);
  auto other = task->generate(6, 60, 78);
  std::set<std::string> ids, texts;
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].problem, b[i].problem);
    EXPECT_EQ(a[i].answer, b[i].answer);
    EXPECT_EQ(a[i].solution, b[i].solution);
    if (i < prefix.size()) {
      EXPECT_EQ(a[i].problem, prefix[i].problem);
    }
    same += a[i].problem == other[i].problem;
    ids.insert(a[i].id);
    texts.insert(a[i].problem);
  }
  EXPECT_EQ(ids.size(), a.size());
  EXPECT_EQ(texts.size(), a.size());
  EXPECT_LT(same, 3);
  EXPECT_EQ(a[0].id, "arith-d6-s77-0");
  // Different difficulties never share ids.
  EXPECT_NE(task->generate(5, 1, 77)[0].id, a[0].id);
}

TEST(Arith, DifficultyIncreasesStepsAndNumberSizes) {
  auto task = make_arith_task();
  double prev_steps = 0, prev_digits = 0;
  for (int d = 1; d <= kArithMaxDifficulty; ++d) {
    double steps = 0, digits = 0;
    auto ps = task->generate(d, 200, 4);
    for (const auto& p : ps) {
      auto s = parse_solution(p);
      steps += static_cast<double>(s.size()) / ps.size();
      for (const auto& st : s)
        digits += static_cast<double>(std::to_string(st.b).size() + std::to_string(st.a).size()) /
                  (2.0 * s.size() * ps.size());
    }
    EXPECT_GE(steps, prev_steps) << "difficulty " << d;
    EXPECT_GE(digits, prev_digits - 0.15) << "difficulty " << d;
    prev_steps = steps;
    prev_digits = digits;
  }
  EXPECT_EQ(arith_level(1).steps, 1);
  EXPECT_GE(arith_level(kArithMaxDifficulty).steps, 5);
  EXPECT_GT(prev_digits, 2.5);  // the hardest level works with 3-4 digit numbers
}

TEST(Arith, BadArgumentsAreConfigErrors) {
  auto task = make_arith_task();
  EXPECT_THROW(task->generate(0, 1, 1), ConfigError);
  EXPECT_THROW(task->generate(kArithMaxDifficulty + 1, 1, 1), ConfigError);
  EXPECT_THROW(task->generate(2, -3, 1), ConfigError);
  EXPECT_TRUE(task->generate(2, 0, 1).empty());
}

}  // namespace
}  // namespace ds::tasks
