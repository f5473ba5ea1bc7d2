// Acceptance: every case of llama.cpp's vocab tests for Qwen2 and GPT-2 (read from the shared data
// directory at test time) encodes to exactly the expected ids, and decodes back to the text.
#include <gtest/gtest.h>

#include <algorithm>

#include "tokenizer/tokenizer.h"
#include "tokenizer_test_util.h"

namespace ds::tok {
namespace {

using testing::read_llama_cpp_cases;
using testing::shared_tokenizer_dir;

std::string ids_str(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += " " + std::to_string(id);
  return s;
}

void check_all_cases(const std::string& name, const std::string& stem, size_t expected_cases) {
  std::string dir = shared_tokenizer_dir(name);
  auto cases = read_llama_cpp_cases(dir + "/llama.cpp-vocab-tests/" + stem + ".inp",
                                    dir + "/llama.cpp-vocab-tests/" + stem + ".out");
  ASSERT_EQ(cases.size(), expected_cases)
      << "the .inp and .out files disagree on the number of cases";
  auto tok = load_tokenizer(dir);
  size_t passed = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    auto ids = tok->encode(c.text);
    EXPECT_EQ(ids, c.ids) << name << " case " << i << " text='" << c.text << "'\n got     "
                          << ids_str(ids) << "\n expected" << ids_str(c.ids);
    EXPECT_EQ(tok->decode(c.ids), c.text) << name << " case " << i;
    passed += ids == c.ids;
  }
  EXPECT_EQ(passed, cases.size());
}

TEST(VocabCases, Qwen2AllLlamaCppCases) {
  check_all_cases("qwen2", "ggml-vocab-qwen2.gguf", 46);
}

TEST(VocabCases, Gpt2AllLlamaCppCases) {
  check_all_cases("gpt2", "ggml-vocab-gpt-2.gguf", 46);
}

TEST(VocabCases, Qwen2KnownTokensAndSpecials) {
  auto tok = load_tokenizer(shared_tokenizer_dir("qwen2"));
  EXPECT_EQ(tok->kind(), "bpe");
  EXPECT_EQ(tok->vocab_size(), 151646);
  EXPECT_EQ(tok->token_id("Hello"), 9707);
  EXPECT_EQ(tok->token_id("Ġworld"), 1879);
  EXPECT_EQ(tok->token_id(" world"), 1879);  // raw bytes are accepted too
  EXPECT_EQ(tok->token_id("<|im_start|>"), 151644);
  EXPECT_EQ(tok->eos_id(), 151645);  // <|im_end|> per tokenizer_config.json
  EXPECT_EQ(tok->pad_id(), 151643);  // <|endoftext|>
  EXPECT_TRUE(tok->is_special(151644));
  EXPECT_FALSE(tok->is_special(9707));
  auto ids = tok->encode("<|im_start|>user\nHi<|im_end|>\n");
  ASSERT_GE(ids.size(), 4u);
  EXPECT_EQ(ids.front(), 151644);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 151645), 1);
  EXPECT_EQ(tok->decode(ids), "<|im_start|>user\nHi<|im_end|>\n");
  EXPECT_EQ(tok->token_bytes(1879), " world");
}

TEST(VocabCases, Gpt2EndOfTextIsSpecialWithoutConfig) {
  auto tok = load_tokenizer(shared_tokenizer_dir("gpt2"));
  EXPECT_EQ(tok->vocab_size(), 50257);
  EXPECT_EQ(tok->eos_id(), 50256);
  EXPECT_EQ(tok->pad_id(), 50256);
  EXPECT_EQ(tok->encode("a<|endoftext|>b"), (std::vector<int32_t>{64, 50256, 65}));
  EXPECT_EQ(tok->encode("Hello world"), (std::vector<int32_t>{15496, 995}));
}

}  // namespace
}  // namespace ds::tok
