// Unit tests of the verifier's front half: answer extraction from responses, string
// normalization, and the LaTeX parser's conventions (checked through canonical printing).
#include <gtest/gtest.h>

#include "verifier/budget.h"
#include "verifier/extract.h"
#include "verifier/normalize.h"
#include "verifier/parser.h"
#include "verifier/verify.h"

namespace {

using namespace ds::verify;

std::string canonical(const std::string& answer) {
  VerifyOptions opts;
  Budget budget(opts);
  ParseResult r = parse_answer(normalize_answer(answer), budget);
  return r.ok ? to_string(r.answer) : "ERROR: " + r.error;
}

TEST(VerifierExtract, LastBoxWithNestedBraces) {
  Extraction ex = extract(R"(First \boxed{1}, then \boxed{\frac{a}{b^{2}}} done.)");
  ASSERT_TRUE(ex.found);
  EXPECT_EQ(ex.method, "boxed");
  ASSERT_EQ(ex.boxed.size(), 2u);
  EXPECT_EQ(ex.boxed[0], "1");
  EXPECT_EQ(ex.answer, R"(\frac{a}{b^{2}})");
}

TEST(VerifierExtract, BoxVariants) {
  EXPECT_EQ(extract(R"(\boxed 42.)").answer, "42");
  EXPECT_EQ(extract(R"(\boxed \pi)").answer, R"(\pi)");
  EXPECT_EQ(extract(R"(\fbox{7})").answer, "7");
  EXPECT_EQ(extract(R"(\boxed {  8 })").answer, "8");
  EXPECT_EQ(extract(R"(\boxed{\{1,2\}})").answer, R"(\{1,2\})");
  EXPECT_EQ(extract(R"(\boxed{a \\ b})").answer, R"(a \\ b)");
}

TEST(VerifierExtract, UnterminatedBoxIsNoAnswer) {
  Extraction ex = extract(R"(so \boxed{3} and finally \boxed{\frac{1}{2})");
  EXPECT_FALSE(ex.found);
  EXPECT_TRUE(ex.unterminated);
  EXPECT_EQ(verify("3", R"(so \boxed{3} and finally \boxed{\frac{1}{2})").status,
            Status::kNoAnswer);
}

TEST(VerifierExtract, AnswerPhrases) {
  EXPECT_EQ(extract("The answer is 12.").answer, "12");
  EXPECT_EQ(extract("so the final answer is $\\frac{3}{4}$. I hope").answer, "\\frac{3}{4}");
  EXPECT_EQ(extract("Answer: 3.5\nmore text").answer, "3.5");
  EXPECT_EQ(extract("blah\n#### 1,234").answer, "1,234");
  EXPECT_EQ(extract("The answer is \\(x^2\\) because").answer, "x^2");
  EXPECT_EQ(extract("The answer is $\\$5$.").answer, "\\$5");
  EXPECT_EQ(extract("The answers are 3, 5, and 7.").answer, "3, 5, and 7");
  EXPECT_TRUE(verify("3, 5, 7", "The answers are 3, 5, and 7.").correct);
  // The last phrase wins.
  EXPECT_EQ(extract("The answer is 3. Wait, the answer is 4.").answer, "4");
  EXPECT_FALSE(extract("no conclusion here").found);
  EXPECT_FALSE(extract("").found);
  EXPECT_FALSE(extract("The answer is").found);
  EXPECT_FALSE(extract_answer("nothing").has_value());
  EXPECT_EQ(extract_answer(R"(\boxed{5})").value(), "5");
}

TEST(VerifierNormalize, DelimitersSpacingAndMarkup) {
  EXPECT_EQ(normalize_answer(R"($\left( 3, \frac{\pi}{2} \right)$)").text,
            R"(( 3, \frac{\pi}{2} ))");
  EXPECT_EQ(normalize_answer(R"(\dfrac{1}{2})").text, R"(\frac{1}{2})");
  EXPECT_EQ(normalize_answer(R"(10,\!080)").text, "10080");
  EXPECT_EQ(normalize_answer(R"(1{,}000)").text, "1000");
  EXPECT_EQ(normalize_answer(R"(7,425,000)").text, "7425000");
  EXPECT_EQ(normalize_answer(R"(1 000 000)").text, "1000000");
  EXPECT_EQ(normalize_answer(R"(3{,}5)").text, "3.5");
  EXPECT_EQ(normalize_answer(R"(\$18.90)").text, "18.90");
  EXPECT_EQ(normalize_answer("5.").text, "5");
  EXPECT_EQ(normalize_answer(R"(\left. x \right|)").text, "x |");
}

TEST(VerifierNormalize, UnitsDegreesPercent) {
  EXPECT_EQ(normalize_answer(R"(15\mbox{ cm}^2)").text, "15");
  EXPECT_EQ(normalize_answer(R"(10\text{ units})").text, "10");
  EXPECT_EQ(normalize_answer(R"(12 \mathrm{~m})").text, "12");
  EXPECT_EQ(normalize_answer("18 inches").text, "18");
  Normalized d = normalize_answer(R"(30^{\circ})");
  EXPECT_EQ(d.text, "30");
  EXPECT_TRUE(d.degrees);
  Normalized p = normalize_answer(R"(17.5\%)");
  EXPECT_EQ(p.text, "17.5");
  EXPECT_TRUE(p.percent);
  // Connectives become list separators; a lone \text{} is a word answer.
  EXPECT_EQ(normalize_answer(R"(1 \text{ or } 2)").text, "1 , 2");
  Normalized t = normalize_answer(R"(\text{Evelyn})");
  EXPECT_EQ(t.text, "Evelyn");
  EXPECT_TRUE(t.text_only);
  // A single-letter variable is not a unit.
  EXPECT_EQ(normalize_answer("6m").text, "6m");
}

TEST(VerifierNormalize, TextKeyAndChoices) {
  EXPECT_EQ(text_key(R"(\text{East}.)"), "east");
  EXPECT_EQ(choice_letter(R"(\text{(B)})", true).value(), 'B');
  EXPECT_EQ(choice_letter("C", true).value(), 'C');
  EXPECT_FALSE(choice_letter("F", true).has_value());
  EXPECT_EQ(choice_letter(R"(\textbf{(D)} 12)", false).value(), 'D');
  EXPECT_EQ(choice_letter("b) twelve", false).value(), 'B');
  EXPECT_FALSE(choice_letter("(B) or (C)", false).has_value());
  EXPECT_FALSE(choice_letter("Bob", false).has_value());
}

TEST(VerifierParser, LatexConventions) {
  EXPECT_EQ(canonical(R"(\frac12)"), "div(1,2)");
  EXPECT_EQ(canonical(R"(\frac 34)"), "div(3,4)");
  EXPECT_EQ(canonical(R"(\frac9{19})"), "div(9,19)");
  EXPECT_EQ(canonical("x^23"), "mul(pow(x,2),3)");
  EXPECT_EQ(canonical("2x^{10}"), "mul(2,pow(x,10))");
  EXPECT_EQ(canonical(R"(\sqrt[3]{4})"), "sqrt(4,3)");
  EXPECT_EQ(canonical(R"(\sqrt2x)"), "mul(sqrt(2),x)");
  EXPECT_EQ(canonical(R"(\sin 2x)"), "sin(mul(2,x))");
  EXPECT_EQ(canonical(R"(\sin x \cos x)"), "mul(sin(x),cos(x))");
  EXPECT_EQ(canonical(R"(\sin^2 x)"), "pow(sin(x),2)");
  EXPECT_EQ(canonical(R"(\sin^{-1} x)"), "asin(x)");
  EXPECT_EQ(canonical(R"(\log_2 8)"), "log(8,2)");
  EXPECT_EQ(canonical("137 \\frac{1}{2}"), "add(137,div(1,2))");
  EXPECT_EQ(canonical("2\\frac{3}{2}"), "mul(2,div(3,2))");  // not a proper fraction: a product
  EXPECT_EQ(canonical("204_5"), "204_5");
  EXPECT_EQ(canonical("|x-1|"), "abs(add(x,neg(1)))");
  EXPECT_EQ(canonical("n!"), "fact(n)");
  EXPECT_EQ(canonical(R"(\binom{n}{2})"), "binom(n,2)");
  EXPECT_EQ(canonical("x_{12}"), "x_12");
  EXPECT_EQ(canonical("y'"), "y'");
  EXPECT_EQ(canonical("I(0)"), "I(0)");
  EXPECT_EQ(canonical("2(0)"), "mul(2,0)");
  EXPECT_EQ(canonical("e^{i\\pi}"), "pow(e,mul(i,pi))");
  EXPECT_EQ(canonical("1.5e3"), "1500");
  EXPECT_EQ(canonical("3e^{x}"), "mul(3,pow(e,x))");
  EXPECT_EQ(canonical("1 \\pm \\sqrt{2}"), "pm(1,sqrt(2))");
}

TEST(VerifierParser, Structures) {
  EXPECT_EQ(canonical("(1, 2]"), "(1,2]");
  EXPECT_EQ(canonical("[a, b)"), "[a,b)");
  EXPECT_EQ(canonical(R"(\{3, 1\})"), "set{3,1}");
  EXPECT_EQ(canonical("1, 2, 3"), "list{1,2,3}");
  EXPECT_EQ(canonical(R"((0,1) \cup (2,3))"), "union{(0,1),(2,3)}");
  EXPECT_EQ(canonical(R"(x \in [0, 1])"), "[0,1]");
  EXPECT_EQ(canonical("0 < x \\le 5"), "0 < x <= 5");
  EXPECT_EQ(canonical(R"(\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix})"), "matrix{(1,2),(3,4)}");
  EXPECT_EQ(canonical(R"(\text{(C)})"), "choice(C)");
  EXPECT_EQ(canonical(R"(\text{even})"), "text(even)");
  EXPECT_EQ(canonical("p - q"), "add(p,neg(q))");
  EXPECT_EQ(canonical(R"(S = \{1, 2\})"), "set{1,2}");
  EXPECT_EQ(canonical(R"(\emptyset)"), "set{}");
}

TEST(VerifierParser, ParseErrorsAreValues) {
  EXPECT_EQ(canonical("(1, 2").substr(0, 6), "ERROR:");
  EXPECT_EQ(canonical(R"(\sum_{k=1}^n k)").substr(0, 6), "ERROR:");
  EXPECT_EQ(canonical("1 +").substr(0, 6), "ERROR:");
  EXPECT_EQ(canonical("}{").substr(0, 6), "ERROR:");
  EXPECT_EQ(canonical("").substr(0, 6), "ERROR:");
  auto r = describe_answer("t(0,4]");
  EXPECT_FALSE(r.parsed);
  EXPECT_FALSE(r.error.empty());
}

}  // namespace
