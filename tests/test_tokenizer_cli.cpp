// Tests of the JSON Lines filter behind `deepsearch tokenize`: encode, decode, chat templates, and
// bad lines reported with their line number.
#include <gtest/gtest.h>

#include <sstream>

#include "core/errors.h"
#include "tokenizer/tokenize_stream.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_test_util.h"

namespace ds::tok {
namespace {

class TokenizeStream : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gpt2_ = load_tokenizer(testing::shared_tokenizer_dir("gpt2")).release();
  }
  static void TearDownTestSuite() { delete gpt2_; }

  static std::string run(const std::string& input, TokenizeStreamOptions o = {}) {
    std::istringstream in(input);
    std::ostringstream out;
    tokenize_stream(*gpt2_, in, out, o);
    return out.str();
  }
  static std::string error_of(const std::string& input, TokenizeStreamOptions o = {}) {
    try {
      run(input, o);
    } catch (const DataError& e) {
      return e.what();
    }
    return "";
  }
  static inline Tokenizer* gpt2_ = nullptr;
};

TEST_F(TokenizeStream, EncodesAndDecodes) {
  EXPECT_EQ(run("{\"text\": \"Hello world\"}\n\n{\"text\": \"\"}\n"),
            "{\"ids\":[15496,995]}\n{\"ids\":[]}\n");
  TokenizeStreamOptions d;
  d.decode = true;
  EXPECT_EQ(run("{\"ids\": [15496, 995]}\n{\"ids\": [50256]}\n", d),
            "{\"text\":\"Hello world\"}\n{\"text\":\"<|endoftext|>\"}\n");
}

TEST_F(TokenizeStream, ChatTemplate) {
  TokenizeStreamOptions o;
  o.chat_template = "plain";
  o.system = "Q:";
  EXPECT_EQ(run("{\"text\": \"x\"}\n", o), run("{\"text\": \"Q:\\n\\nx\"}\n"));
  o.chat_template = "nope";
  EXPECT_THROW(run("", o), ConfigError);
}

TEST_F(TokenizeStream, BadLinesNameTheLine) {
  std::string msg = error_of("{\"text\": \"a\"}\n{\"txt\": \"b\"}\n");
  EXPECT_NE(msg.find("stdin:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'text'"), std::string::npos) << msg;
  msg = error_of("{\"text\": \"a\"}\n\n{\"text\": 3\n");
  EXPECT_NE(msg.find("stdin:3"), std::string::npos) << msg;
  TokenizeStreamOptions d;
  d.decode = true;
  d.source = "in.jsonl";
  msg = error_of("{\"ids\": [1, 2]}\n{\"ids\": [1, 99999999]}\n", d);
  EXPECT_NE(msg.find("in.jsonl:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("ids[1]"), std::string::npos) << msg;
  msg = error_of("{\"ids\": \"1 2\"}\n", d);
  EXPECT_NE(msg.find("in.jsonl:1"), std::string::npos) << msg;
  msg = error_of("{\"ids\": [-1]}\n", d);
  EXPECT_NE(msg.find("in.jsonl:1"), std::string::npos) << msg;
}

}  // namespace
}  // namespace ds::tok
