// Tests of the named chat templates: exact strings, the unknown-name error, and that the Qwen2
// tokenizer turns the ChatML markers into single special ids.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/errors.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_test_util.h"

namespace ds::tok {
namespace {

TEST(ChatTemplate, ChatMl) {
  EXPECT_EQ(apply_chat_template("chatml", "What is 2+2?", "Reason step by step."),
            "<|im_start|>system\nReason step by step.<|im_end|>\n<|im_start|>user\nWhat is "
            "2+2?<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(
      apply_chat_template("chatml", "Hi"),
      "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
      "<|im_start|>assistant\n");
  EXPECT_EQ(chat_template_end_of_turn("chatml"), "<|im_end|>");
}

TEST(ChatTemplate, R1) {
  EXPECT_EQ(apply_chat_template("r1", "Solve x+1=2."),
            "<\xEF\xBD\x9C"
            "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C><\xEF\xBD\x9CUser\xEF\xBD\x9C>"
            "Solve x+1=2.<\xEF\xBD\x9C"
            "Assistant\xEF\xBD\x9C><think>\n");
  EXPECT_EQ(apply_chat_template("r1", "q", "S"),
            "<\xEF\xBD\x9C"
            "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>S<\xEF\xBD\x9CUser\xEF\xBD\x9C>q"
            "<\xEF\xBD\x9C"
            "Assistant\xEF\xBD\x9C><think>\n");
  EXPECT_EQ(chat_template_end_of_turn("r1"),
            "<\xEF\xBD\x9C"
            "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>");
}

TEST(ChatTemplate, Plain) {
  EXPECT_EQ(apply_chat_template("plain", "1+1="), "1+1=");
  EXPECT_EQ(apply_chat_template("plain", "1+1=", "Answer:"), "Answer:\n\n1+1=");
  EXPECT_EQ(chat_template_end_of_turn("plain"), "");
}

TEST(ChatTemplate, UnknownNameListsValidOnes) {
  try {
    apply_chat_template("llama2", "x");
    FAIL();
  } catch (const ConfigError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("llama2"), std::string::npos);
    EXPECT_NE(msg.find("chatml, r1, plain"), std::string::npos) << msg;
  }
  EXPECT_THROW(chat_template_end_of_turn("x"), ConfigError);
  EXPECT_EQ(chat_template_names(), (std::vector<std::string>{"chatml", "r1", "plain"}));
}

TEST(ChatTemplate, ChatMlMarkersAreSingleIdsForQwen2) {
  auto tok = load_tokenizer(testing::shared_tokenizer_dir("qwen2"));
  std::string prompt = apply_chat_template("chatml", "Compute $\\frac{1}{2}+\\frac{1}{3}$.");
  auto ids = tok->encode(prompt);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 151644), 3);  // <|im_start|>
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 151645), 2);  // <|im_end|>
  EXPECT_EQ(ids.front(), 151644);
  EXPECT_EQ(tok->decode(ids), prompt);
}

}  // namespace
}  // namespace ds::tok
