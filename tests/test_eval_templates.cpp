// Tests of the evaluation prompt templates: the paper's DeepSearch prompt in the R1-distill chat
// format, Qwen2.5-Math ChatML, plain, the tiny model's template, "auto" resolution, and the error
// for an unknown name.
#include <gtest/gtest.h>

#include "core/errors.h"
#include "eval/prompt_template.h"
#include "tasks/corpus.h"

namespace {

using namespace ds::eval;

const std::string kProblem = "What is $1+1$?";

TEST(PromptTemplate, DeepSearchIsTheR1DistillUserTurn) {
  std::string p = apply_prompt_template("deepsearch", kProblem);
  const std::string user =
      kProblem + " Let's think step by step and output the final answer within \\boxed{}.";
  auto u = p.find(
      "<\xef\xbd\x9c"
      "User\xef\xbd\x9c>");  // <｜User｜>
  auto a = p.find(
      "<\xef\xbd\x9c"
      "Assistant\xef\xbd\x9c>");
  ASSERT_NE(u, std::string::npos) << p;
  ASSERT_NE(a, std::string::npos) << p;
  EXPECT_LT(u, a);
  EXPECT_NE(p.find(user), std::string::npos) << p;
  EXPECT_LT(p.find(user), a);
}

TEST(PromptTemplate, QwenMathIsChatMlWithTheSystemPrompt) {
  std::string p = apply_prompt_template("qwen-math", kProblem);
  EXPECT_NE(p.find("<|im_start|>system\nPlease reason step by step, and put your final answer "
                   "within \\boxed{}.<|im_end|>"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find("<|im_start|>user\n" + kProblem + "<|im_end|>"), std::string::npos) << p;
  // Ends with the open assistant turn the model completes.
  const std::string tail = "<|im_start|>assistant\n";
  ASSERT_GE(p.size(), tail.size());
  EXPECT_EQ(p.substr(p.size() - tail.size()), tail) << p;
}

TEST(PromptTemplate, PlainAndTiny) {
  EXPECT_EQ(apply_prompt_template("plain", kProblem), kProblem);
  EXPECT_EQ(apply_prompt_template("tiny", kProblem), ds::tasks::format_prompt(kProblem));
  EXPECT_EQ(apply_prompt_template("tiny", "2+3?"), "Q: 2+3?\nA: ");
}

TEST(PromptTemplate, UnknownNameListsTheValidOnes) {
  try {
    apply_prompt_template("alpaca", kProblem);
    FAIL();
  } catch (const ds::ConfigError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'alpaca'"), std::string::npos) << m;
    for (const auto& n : prompt_template_names()) EXPECT_NE(m.find(n), std::string::npos) << m;
  }
  EXPECT_THROW(make_prompt_fn("nope"), ds::ConfigError);
}

TEST(PromptTemplate, PromptFnUsesTheProblemText) {
  PromptFn f = make_prompt_fn("tiny");
  Problem p;
  p.id = "x";
  p.problem = "1+2?";
  p.answer = "3";
  EXPECT_EQ(f(p), "Q: 1+2?\nA: ");
}

TEST(PromptTemplate, EndOfTurn) {
  EXPECT_EQ(prompt_template_end_of_turn("qwen-math"), "<|im_end|>");
  EXPECT_NE(prompt_template_end_of_turn("deepsearch").find("end\xe2\x96\x81of"), std::string::npos);
  EXPECT_EQ(prompt_template_end_of_turn("plain"), "");
  EXPECT_EQ(prompt_template_end_of_turn("tiny"), "");
}

TEST(PromptTemplate, AutoPicksByTokenizerKind) {
  EXPECT_EQ(resolve_prompt_template("auto", "char"), "tiny");
  EXPECT_EQ(resolve_prompt_template("auto", "bpe"), "deepsearch");
  EXPECT_EQ(resolve_prompt_template("qwen-math", "char"), "qwen-math");
}

}  // namespace
