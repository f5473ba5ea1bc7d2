// Tests of the pre-tokenizer split rules: hand-picked cases for each regex alternative, the golden
// file made by an independent Python reference (tests/data/tokenizer/make_golden.py), and the
// lossless-split property on arbitrary bytes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/rng.h"
#include "tokenizer/pretokenize.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_test_util.h"

namespace ds::tok {
namespace {

std::vector<std::string> pieces(std::string_view text, SplitRule rule) {
  std::vector<std::string> out;
  for (auto p : pretokenize(text, rule)) out.emplace_back(p);
  return out;
}

using V = std::vector<std::string>;

TEST(Pretokenize, SpacesBeforeWordsGoWithTheWord) {
  for (SplitRule r : {SplitRule::kGpt2, SplitRule::kQwen2, SplitRule::kLlama3}) {
    EXPECT_EQ(pieces("  Hello world", r), (V{" ", " Hello", " world"})) << split_rule_name(r);
    EXPECT_EQ(pieces("Hello   ", r), (V{"Hello", "   "})) << split_rule_name(r);
    EXPECT_EQ(pieces("", r), V{}) << split_rule_name(r);
  }
}

TEST(Pretokenize, Contractions) {
  EXPECT_EQ(pieces("I'll don't WE'RE", SplitRule::kGpt2),
            (V{"I", "'ll", " don", "'t", " WE", "'", "RE"}));
  EXPECT_EQ(pieces("I'll don't WE'RE", SplitRule::kQwen2),
            (V{"I", "'ll", " don", "'t", " WE", "'RE"}));
  // (?i) also folds U+017F LATIN SMALL LETTER LONG S onto 's'.
  EXPECT_EQ(pieces("it'\u017F", SplitRule::kQwen2), (V{"it", "'\u017F"}));
  EXPECT_EQ(pieces("' era", SplitRule::kQwen2), (V{"'", " era"}));
}

TEST(Pretokenize, Digits) {
  EXPECT_EQ(pieces("12345", SplitRule::kGpt2), (V{"12345"}));
  EXPECT_EQ(pieces("12345", SplitRule::kQwen2), (V{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(pieces("12345", SplitRule::kLlama3), (V{"123", "45"}));
  EXPECT_EQ(pieces("x 42", SplitRule::kQwen2), (V{"x", " ", "4", "2"}));
  EXPECT_EQ(pieces("x 42", SplitRule::kGpt2), (V{"x", " 42"}));
}

TEST(Pretokenize, PunctuationPrefixesAndNewlines) {
  // Qwen2: one non-letter/digit character may lead a word; punctuation keeps trailing newlines.
  EXPECT_EQ(pieces("(hello)\n\nx", SplitRule::kQwen2), (V{"(hello", ")\n\n", "x"}));
  EXPECT_EQ(pieces("(hello)\n\nx", SplitRule::kGpt2), (V{"(", "hello", ")", "\n", "\n", "x"}));
  EXPECT_EQ(pieces("\tif", SplitRule::kQwen2), (V{"\tif"}));
  EXPECT_EQ(pieces("\tif", SplitRule::kGpt2), (V{"\t", "if"}));
  EXPECT_EQ(pieces("a  \n  b", SplitRule::kQwen2), (V{"a", "  \n", " ", " b"}));
  EXPECT_EQ(pieces("$x^2$", SplitRule::kQwen2), (V{"$x", "^", "2", "$"}));
}

TEST(Pretokenize, UnicodeClasses) {
  // U+00A0 and U+3000 are white space; U+00BD is a number; é is a letter; U+0301 is a mark
  // ("other").
  EXPECT_EQ(pieces("a\u00A0b", SplitRule::kQwen2), (V{"a", "\u00A0b"}));
  EXPECT_EQ(pieces("\u00BD\u00BD", SplitRule::kQwen2), (V{"\u00BD", "\u00BD"}));
  EXPECT_EQ(pieces("caf\u00E9 e\u0301", SplitRule::kGpt2), (V{"caf\u00E9", " e", "\u0301"}));
}

TEST(Pretokenize, InvalidBytesAreKeptAsOtherCharacters) {
  std::string s = "ab\xff\xfe cd\xe2\x82";
  for (SplitRule r : {SplitRule::kGpt2, SplitRule::kQwen2, SplitRule::kLlama3}) {
    auto p = pieces(s, r);
    std::string joined;
    for (auto& x : p) joined += x;
    EXPECT_EQ(joined, s);
  }
  EXPECT_EQ(pieces(s, SplitRule::kGpt2), (V{"ab", "\xff\xfe", " cd", "\xe2\x82"}));
}

TEST(Pretokenize, SplitIsLosslessOnRandomBytes) {
  Rng rng(7);
  const char alphabet[] = "ab Z9'\n\r\t.\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff";
  for (int trial = 0; trial < 2000; ++trial) {
    std::string s;
    size_t len = rng.below(40);
    for (size_t i = 0; i < len; ++i)
      s.push_back(rng.below(4) == 0 ? static_cast<char>(rng.below(256))
                                    : alphabet[rng.below(sizeof(alphabet) - 1)]);
    for (SplitRule r : {SplitRule::kGpt2, SplitRule::kQwen2, SplitRule::kLlama3}) {
      std::string joined;
      for (auto p : pretokenize(s, r)) {
        ASSERT_FALSE(p.empty());
        joined.append(p);
      }
      ASSERT_EQ(joined, s);
    }
  }
}

TEST(Pretokenize, MatchesIndependentReferenceOnGoldenFile) {
  auto qwen2 = load_tokenizer(testing::shared_tokenizer_dir("qwen2"));
  auto gpt2 = load_tokenizer(testing::shared_tokenizer_dir("gpt2"));
  std::string golden =
      testing::slurp(std::string(DS_SOURCE_DIR) + "/tests/data/tokenizer/split_golden.jsonl");
  std::istringstream in(golden);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    std::string text = j["text"];
    EXPECT_EQ(pieces(text, SplitRule::kGpt2), j["pieces_gpt2"].get<V>()) << text;
    EXPECT_EQ(pieces(text, SplitRule::kQwen2), j["pieces_qwen2"].get<V>()) << text;
    EXPECT_EQ(pieces(text, SplitRule::kLlama3), j["pieces_llama3"].get<V>()) << text;
    EXPECT_EQ(qwen2->encode(text), j["ids_qwen2"].get<std::vector<int32_t>>()) << text;
    EXPECT_EQ(gpt2->encode(text), j["ids_gpt2"].get<std::vector<int32_t>>()) << text;
    ++n;
  }
  EXPECT_EQ(n, 120u);
}

TEST(Pretokenize, RuleNames) {
  EXPECT_EQ(parse_split_rule("qwen2"), SplitRule::kQwen2);
  EXPECT_EQ(split_rule_name(SplitRule::kLlama3), "llama3");
  try {
    parse_split_rule("bert");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("gpt2, qwen2, llama3"), std::string::npos);
  }
}

}  // namespace
}  // namespace ds::tok
