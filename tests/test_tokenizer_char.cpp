// Tests of the char/byte tokenizer of the tiny models: id layout, special tokens, exact round
// trips, save/load through load_tokenizer, and option errors.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/errors.h"
#include "core/rng.h"
#include "tokenizer/char_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_test_util.h"

namespace ds::tok {
namespace {

using Ids = std::vector<int32_t>;

TEST(CharTokenizer, IdLayout) {
  CharTokenizer tok{CharTokenizerOptions{}};
  EXPECT_EQ(tok.kind(), "char");
  EXPECT_EQ(tok.vocab_size(), 5 + 256);
  EXPECT_EQ(tok.pad_id(), 0);
  EXPECT_EQ(tok.eos_id(), 1);
  EXPECT_EQ(tok.bos_id(), 2);
  EXPECT_EQ(tok.encode("Ab"), (Ids{5 + 'A', 5 + 'b'}));
  EXPECT_EQ(tok.encode("<|im_start|>x<eos>"), (Ids{3, 5 + 'x', 1}));
  EXPECT_EQ(tok.encode("\xC3\xA9"), (Ids{5 + 0xC3, 5 + 0xA9}));
  EXPECT_EQ(tok.token_id("<|im_end|>"), 4);
  EXPECT_EQ(tok.token_id("z"), 5 + 'z');
  EXPECT_EQ(tok.token_id("zz"), std::nullopt);
  EXPECT_EQ(tok.token_bytes(5 + 0xFF), "\xFF");
  EXPECT_EQ(tok.token_bytes(1), "<eos>");
  EXPECT_EQ(tok.token_bytes(9999), "");
  EXPECT_TRUE(tok.is_special(1));
  EXPECT_FALSE(tok.is_special(5));
}

TEST(CharTokenizer, RoundTripsAllBytes) {
  auto tok = make_char_tokenizer();
  Rng rng(42);
  for (int trial = 0; trial < 500; ++trial) {
    std::string s;
    size_t n = rng.below(40);
    for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(rng.below(256)));
    std::string joined;
    auto ids = tok->encode(s);
    for (int32_t id : ids) joined += tok->token_bytes(id);
    EXPECT_EQ(joined, s);
  }
  EXPECT_EQ(tok->decode(tok->encode("caf\xC3\xA9 \xF0\x9F\x98\x80")),
            "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(tok->decode({5 + 0xE2, 5 + 0x82}), "\xEF\xBF\xBD");  // partial character -> U+FFFD
  EXPECT_EQ(tok->decode({-3, 100000, 5 + 'o', 5 + 'k'}), "ok");
}

TEST(CharTokenizer, SaveAndLoad) {
  CharTokenizerOptions o;
  o.special_tokens = {"<pad>", "<eos>", "<sep>"};
  o.eos_token = "<eos>";
  o.pad_token = "<pad>";
  o.bos_token = "";
  CharTokenizer tok(o);
  auto dir = testing::fresh_temp_dir("char_save");
  tok.save(dir.string());
  EXPECT_TRUE(std::filesystem::exists(dir / kCharTokenizerFile));
  auto loaded = load_tokenizer(dir.string());
  EXPECT_EQ(loaded->kind(), "char");
  EXPECT_EQ(loaded->vocab_size(), 3 + 256);
  EXPECT_EQ(loaded->encode("a<sep>b"), tok.encode("a<sep>b"));
  EXPECT_EQ(loaded->eos_id(), 1);
  auto by_file = load_tokenizer((dir / kCharTokenizerFile).string());
  EXPECT_EQ(by_file->vocab_size(), 259);
}

TEST(CharTokenizer, BadOptions) {
  CharTokenizerOptions o;
  o.special_tokens = {"<pad>", "<pad>"};
  EXPECT_THROW(CharTokenizer{o}, ConfigError);
  o.special_tokens = {"<pad>", ""};
  EXPECT_THROW(CharTokenizer{o}, ConfigError);
  o = CharTokenizerOptions{};
  o.eos_token = "</s>";
  try {
    CharTokenizer t(o);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("</s>"), std::string::npos);
  }
}

}  // namespace
}  // namespace ds::tok
