// Tests of the Countdown task: the safe expression parser, the verifier's rules (numbers used
// exactly once, integer divisions, exact value), answer extraction, and the generator (every
// reference solution verifies, determinism, difficulty scaling).
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>

#include "core/errors.h"
#include "core/options.h"
#include "tasks/answer_extract.h"
#include "tasks/countdown.h"
#include "tasks/countdown_expr.h"

namespace ds::tasks {
namespace {

ParsedExpr parse(const std::string& s, bool fractions = false) {
  return parse_countdown_expression(s, fractions);
}

TEST(CountdownExpr, EvaluatesWithPrecedenceAndParentheses) {
  EXPECT_EQ(parse("7*8-3").value, (Rational{53, 1}));
  EXPECT_EQ(parse("2+3*4").value, (Rational{14, 1}));
  EXPECT_EQ(parse("(2+3)*4").value, (Rational{20, 1}));
  EXPECT_EQ(parse("20-5-3").value, (Rational{12, 1}));  // left associative
  EXPECT_EQ(parse("20-(5-3)").value, (Rational{18, 1}));
  EXPECT_EQ(parse("100/5/2").value, (Rational{10, 1}));
  EXPECT_EQ(parse(" ( ( 25 ) ) ").value, (Rational{25, 1}));
  EXPECT_EQ(parse("3-8").value, (Rational{-5, 1}));  // negative intermediates are allowed
  auto e = parse("(25-3)*8/4");
  ASSERT_TRUE(e.ok) << e.error;
  EXPECT_EQ(e.numbers, (std::vector<int64_t>{25, 3, 8, 4}));
  EXPECT_EQ(e.value, (Rational{44, 1}));
}

TEST(CountdownExpr, AcceptsUnicodeAndLatexOperators) {
  EXPECT_EQ(parse("7\u00d78\u22123").value, (Rational{53, 1}));
  EXPECT_EQ(parse("12\u00f74").value, (Rational{3, 1}));
  EXPECT_EQ(parse("7 \\times 8 - 3").value, (Rational{53, 1}));
  EXPECT_EQ(parse("\\left(2+3\\right) \\cdot 4").value, (Rational{20, 1}));
  EXPECT_EQ(parse("12 \\div 4").value, (Rational{3, 1}));
}

TEST(CountdownExpr, RejectsMalformedInput) {
  struct Case {
    const char* text;
    const char* error_part;
  };
  for (const Case& c : std::vector<Case>{
           {"", "empty expression"},
           {"   ", "empty expression"},
           {"(3+4", "unbalanced parentheses"},
           {"3+4)", "unbalanced parentheses"},
           {"((3)", "unbalanced parentheses"},
           {"3+a", "unexpected character 'a'"},
           {"3^2", "unexpected character '^'"},
           {"3+", "ends with an operator"},
           {"+3", "unary"},
           {"-3+5", "unary"},
           {"3*-2", "unary"},
           {"3 4", "unexpected a number"},
           {"2(3+4)", "unexpected '('"},
           {"()", "expected a number"},
           {"3.5+1", "whole numbers"},
           {"3/(2-2)", "division by zero"},
           {"99999999999999999999", "too large"},
           {"3**4", "expected a number"},
           {"\xe2\x82\xac", "byte 0xe2"},
       }) {
    auto e = parse(c.text);
    EXPECT_FALSE(e.ok) << c.text;
    EXPECT_NE(e.error.find(c.error_part), std::string::npos) << c.text << " -> " << e.error;
    EXPECT_TRUE(e.numbers.empty()) << c.text;
  }
}

TEST(CountdownExpr, BoundsDepthLengthAndOverflow) {
  std::string deep = std::string(100, '(') + "1" + std::string(100, ')');
  EXPECT_NE(parse(deep).error.find("nested too deeply"), std::string::npos);
  std::string ok = std::string(kMaxExprDepth, '(') + "1" + std::string(kMaxExprDepth, ')');
  EXPECT_TRUE(parse(ok).ok) << parse(ok).error;
  std::string longest(kMaxExprChars + 1, '1');
  EXPECT_NE(parse(longest).error.find("longer than"), std::string::npos);
  // 10^18 * 10^18 does not fit in 64 bits: rejected, not wrapped.
  EXPECT_NE(parse("1000000000000000000*1000000000000000000").error.find("out of range"),
            std::string::npos);
}

TEST(CountdownExpr, IntegerDivisionRule) {
  EXPECT_NE(parse("7/2").error.find("non-integer division 7/2"), std::string::npos);
  auto f = parse("7/2*4", /*fractions=*/true);
  ASSERT_TRUE(f.ok);
  EXPECT_EQ(f.value, (Rational{14, 1}));
  EXPECT_EQ(parse("1/3", true).value, (Rational{1, 3}));
  EXPECT_EQ(parse("6/4", true).value, (Rational{3, 2}));
  EXPECT_EQ(to_string(parse("6/4", true).value), "3/2");
}

CountdownSpec spec_of(const std::string& gold) {
  return parse_countdown_gold(gold, "test");
}

TEST(CountdownVerifier, GoldDefinesNumbersAndTarget) {
  auto s = spec_of("(25-3)*8/4");
  EXPECT_EQ(s.numbers, (std::vector<int64_t>{3, 4, 8, 25}));
  EXPECT_EQ(s.target, 44);
  EXPECT_THROW(spec_of("3+"), DataError);
  EXPECT_THROW(spec_of("7/2"), DataError);  // a target must be a whole number
  try {
    spec_of("(3+4");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("test"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("unbalanced"), std::string::npos);
  }
}

TEST(CountdownVerifier, AcceptsAlternativeCorrectSolutions) {
  auto s = spec_of("(1+2+3)*4");  // numbers 1 2 3 4, target 24
  for (const char* ok : {"(1+2+3)*4", "1*2*3*4", "(4+2)*(3+1)", "4*3*2*1", "(3+1)*(2+4)",
                         "4*(3+2+1)", "1*2*3*4=24", "24 = 24*1*1" /* wrong, checked below */}) {
    Score r = check_countdown_expression(ok, s);
    if (std::string(ok).rfind("24 =", 0) == 0) {
      EXPECT_FALSE(r.correct) << ok;
      continue;
    }
    EXPECT_TRUE(r.correct) << ok << ": " << r.reason;
    EXPECT_EQ(r.extracted, ok);
  }
}

TEST(CountdownVerifier, RejectsRuleViolations) {
  auto s = spec_of("(1+2+3)*4");
  struct Case {
    const char* text;
    const char* reason_part;
  };
  for (const Case& c : std::vector<Case>{
           {"4*6", "number 6 is not given"},
           {"(2+2)*3*2", "used more often than given"},
           {"4*3*2", "numbers not used: 1"},
           {"4*3", "numbers not used: 1, 2"},
           {"1+2+3+4", "value 10 is not the target 24"},
           {"12*2", "number 12 is not given"},  // digit concatenation is not allowed
           {"(1+2+3)*4=25", "claims 25"},
           {"(1+2+3)*4=2=4", "more than one '='"},
           {"(1+2+3)*4=x", "right-hand side"},
           {"(1+2+3)*(4", "malformed expression: unbalanced parentheses"},
           {"4/(3-2-1)", "division by zero"},
           {"", "empty expression"},
           {"24", "is not given"},
       }) {
    Score r = check_countdown_expression(c.text, s);
    EXPECT_FALSE(r.correct) << c.text;
    EXPECT_NE(r.reason.find(c.reason_part), std::string::npos) << c.text << " -> " << r.reason;
  }
  // Division that does not come out even is refused by default, accepted as an option.
  auto f = spec_of("8/(3-8/3)");  // numbers 3 3 8 8, target 24
  EXPECT_FALSE(check_countdown_expression("8/(3-8/3)", f).correct);
  CountdownOptions frac;
  frac.allow_fractions = true;
  EXPECT_TRUE(check_countdown_expression("8/(3-8/3)", f, frac).correct);
}

TEST(CountdownVerifier, RepeatedNumbersMayBeUsedAsOftenAsGiven) {
  auto s = spec_of("5*5-1");  // numbers 1 5 5
  EXPECT_TRUE(check_countdown_expression("5*5-1", s).correct);
  EXPECT_FALSE(check_countdown_expression("5*5*5-1", s).correct);
}

TEST(CountdownVerifier, AtMostOnceOption) {
  auto s = spec_of("(1+2+3)*4");
  CountdownOptions subset;
  subset.use_all_numbers = false;
  EXPECT_TRUE(check_countdown_expression("(2+4)*(3+1)", s, subset).correct);
  EXPECT_TRUE(check_countdown_expression("4*3*2", s, subset).correct);
  EXPECT_FALSE(check_countdown_expression("4*3*2*2", s, subset).correct);
  EXPECT_NE(describe_options(subset).find("use_all_numbers"), std::string::npos);
}

TEST(CountdownVerifier, ExtractsTheFinalAnswerFromResponses) {
  auto s = spec_of("7*8-3");
  EXPECT_TRUE(score_countdown(s, "7*8=56\n56-3=53\n\\boxed{7*8-3}").correct);
  EXPECT_TRUE(score_countdown(s, "so \\boxed{ $7 \\times 8 - 3$ }.").correct);
  EXPECT_TRUE(score_countdown(s, "first \\boxed{3+7+8} then \\boxed{8*7-3}").correct);
  EXPECT_FALSE(score_countdown(s, "first \\boxed{8*7-3} then \\boxed{3+7+8}").correct);
  EXPECT_TRUE(score_countdown(s, "steps...\nAnswer: 7*8-3\n").correct);
  EXPECT_TRUE(score_countdown(s, "\\fbox{7*8-3}").correct);
  Score none = score_countdown(s, "7*8=56\n56-3=53");
  EXPECT_FALSE(none.correct);
  EXPECT_EQ(none.extracted, "");
  EXPECT_NE(none.reason.find("no \\boxed{}"), std::string::npos);
  Score unclosed = score_countdown(s, "\\boxed{7*8-3");
  EXPECT_FALSE(unclosed.correct);
  Score wrong = score_countdown(s, "\\boxed{7*8+3}");
  EXPECT_FALSE(wrong.correct);
  EXPECT_EQ(wrong.extracted, "7*8+3");
}

TEST(AnswerExtract, LastBoxedWithNestedBraces) {
  EXPECT_EQ(last_boxed("a \\boxed{x} b \\boxed{\\frac{1}{2}}").value(), "\\frac{1}{2}");
  EXPECT_FALSE(last_boxed("no answer").has_value());
  EXPECT_EQ(last_boxed("\\boxed{1} \\boxed{2").value(), "1");  // unclosed last one skipped
  EXPECT_EQ(extract_final_answer("The answer: 42.").value(), "42");
}

// The numbers shown in a generated problem text, in order.
std::vector<int64_t> shown_numbers(const std::string& text) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(text, m, std::regex("from ([0-9, ]+)\\.")));
  std::vector<int64_t> out;
  std::string list = m[1];
  std::regex num("[0-9]+");
  for (auto it = std::sregex_iterator(list.begin(), list.end(), num); it != std::sregex_iterator();
       ++it)
    out.push_back(std::stoll(it->str()));
  return out;
}

TEST(CountdownTask, EveryReferenceSolutionVerifiesAtEveryDifficulty) {
  auto task = make_countdown_task();
  EXPECT_EQ(task->name(), "countdown");
  std::regex step("^([0-9]+)([-+*/])([0-9]+)=([0-9]+)$");
  for (int d = 1; d <= task->max_difficulty(); ++d) {
    const CountdownLevel& lv = countdown_level(d);
    for (uint64_t seed : {0ull, 1ull, 7ull, 123456789ull}) {
      for (const Problem& p : task->generate(d, 60, seed)) {
        ASSERT_EQ(p.task, "countdown");
        ASSERT_EQ(p.difficulty, d);
        ASSERT_LT(p.problem.size(), 200u) << p.problem;
        Score own = task->score(p, p.solution);
        ASSERT_TRUE(own.correct) << p.problem << "\n" << p.solution << "\n" << own.reason;
        ASSERT_EQ(own.extracted, p.answer);
        // The text shows exactly the numbers of the gold expression, in range.
        auto spec = parse_countdown_gold(p.answer, p.id);
        auto shown = shown_numbers(p.problem);
        ASSERT_EQ(static_cast<int>(shown.size()), lv.count) << p.problem;
        for (int64_t x : shown) ASSERT_TRUE(x >= 1 && x <= lv.number_max) << p.problem;
        std::sort(shown.begin(), shown.end());
        ASSERT_EQ(shown, spec.numbers) << p.problem;
        ASSERT_NE(p.problem.find("Make " + std::to_string(spec.target) + " from"),
                  std::string::npos);
        ASSERT_TRUE(spec.target >= 1 && spec.target <= lv.target_max);
        // One line per step, each a correct positive integer operation; the last is the target.
        std::vector<std::string> lines;
        std::stringstream ss(p.solution);
        for (std::string l; std::getline(ss, l);) lines.push_back(l);
        ASSERT_EQ(static_cast<int>(lines.size()), lv.count) << p.solution;  // count-1 steps + box
        int64_t last = -1;
        for (size_t i = 0; i + 1 < lines.size(); ++i) {
          std::smatch m;
          ASSERT_TRUE(std::regex_match(lines[i], m, step)) << lines[i];
          int64_t a = std::stoll(m[1]), b = std::stoll(m[3]), r = std::stoll(m[4]);
          char op = m[2].str()[0];
          int64_t want = op == '+' ? a + b : op == '-' ? a - b : op == '*' ? a * b : a / b;
          ASSERT_EQ(r, want) << lines[i];
          if (op == '/') {
            ASSERT_EQ(a % b, 0) << lines[i];
            ASSERT_TRUE(lv.divide) << lines[i];
          }
          ASSERT_GT(r, 0);
          last = r;
        }
        ASSERT_EQ(last, spec.target);
        ASSERT_EQ(lines.back(), "\\boxed{" + p.answer + "}");
      }
    }
  }
}

TEST(CountdownTask, WrongAnswersAreRejected) {
  auto task = make_countdown_task();
  for (int d = 1; d <= task->max_difficulty(); ++d) {
    for (const Problem& p : task->generate(d, 40, 99)) {
      auto spec = parse_countdown_gold(p.answer, p.id);
      // The bare target uses no given number (or not all of them).
      EXPECT_FALSE(task->score(p, "\\boxed{" + std::to_string(spec.target) + "}").correct);
      // Changing one operator changes the verdict exactly when it changes the value.
      std::string mutated = p.answer;
      size_t pos = mutated.find_first_of("+-*/");
      ASSERT_NE(pos, std::string::npos);
      mutated[pos] = mutated[pos] == '+' ? '-' : '+';
      ParsedExpr e = parse_countdown_expression(mutated, false);
      bool should = e.ok && e.value == Rational{spec.target, 1};
      EXPECT_EQ(task->score(p, "\\boxed{" + mutated + "}").correct, should) << mutated;
      // Appending a number that is not available.
      EXPECT_FALSE(task->score(p, "\\boxed{" + p.answer + "+0}").correct);
      EXPECT_FALSE(task->score(p, "no box").correct);
    }
  }
}

TEST(CountdownTask, DeterministicUniqueAndPrefixStable) {
  auto task = make_countdown_task();
  auto a = task->generate(5, 50, 42);
  auto b = task->generate(5, 50, 42);
  auto prefix = task->generate(5, 20, 42);
  auto other = task->generate(5, 50, 43);
  std::set<std::string> ids, texts;
  int same_as_other = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].problem, b[i].problem);
    EXPECT_EQ(a[i].solution, b[i].solution);
    EXPECT_EQ(a[i].id, b[i].id);
    if (i < prefix.size()) {
      EXPECT_EQ(a[i].problem, prefix[i].problem);
    }
    same_as_other += a[i].problem == other[i].problem;
    ids.insert(a[i].id);
    texts.insert(a[i].problem);
  }
  EXPECT_EQ(ids.size(), a.size());
  EXPECT_EQ(texts.size(), a.size());  // duplicates are redrawn
  EXPECT_LT(same_as_other, 3);
  EXPECT_EQ(a[3].id, "countdown-d5-s42-3");
  EXPECT_TRUE(task->generate(3, 0, 1).empty());
}

TEST(CountdownTask, DifficultyScalesCountAndSize) {
  auto task = make_countdown_task();
  double prev_max = 0;
  int prev_count = 0;
  for (int d = 1; d <= task->max_difficulty(); ++d) {
    auto ps = task->generate(d, 100, 5);
    double mean_max = 0;
    for (const auto& p : ps) {
      auto spec = parse_countdown_gold(p.answer, p.id);
      EXPECT_EQ(static_cast<int>(spec.numbers.size()), countdown_level(d).count);
      mean_max += static_cast<double>(spec.numbers.back()) / ps.size();
    }
    EXPECT_GE(countdown_level(d).count, prev_count);
    EXPECT_GE(mean_max, prev_max - 1.0) << "difficulty " << d;
    prev_count = countdown_level(d).count;
    prev_max = mean_max;
  }
  EXPECT_GT(countdown_level(kCountdownMaxDifficulty).count, countdown_level(1).count);
  EXPECT_GT(prev_max, 50.0);  // hardest level: numbers up to 100
}

TEST(CountdownTask, BadArgumentsAndBadGoldAreInputErrors) {
  auto task = make_countdown_task();
  EXPECT_THROW(task->generate(0, 5, 1), ConfigError);
  EXPECT_THROW(task->generate(kCountdownMaxDifficulty + 1, 5, 1), ConfigError);
  EXPECT_THROW(task->generate(1, -1, 1), ConfigError);
  try {
    task->generate(9, 1, 1);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("from 1 to 8"), std::string::npos) << e.what();
  }
  Problem bad;
  bad.answer = "3+";
  EXPECT_THROW(task->check_problem(bad, "f.jsonl:4"), DataError);
  bad.answer = "3+4";
  EXPECT_NO_THROW(task->check_problem(bad, "f.jsonl:4"));
}

}  // namespace
}  // namespace ds::tasks
